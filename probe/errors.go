package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"syscall"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Classify sorts an error from resolving, connecting or talking to an endpoint into the
// error kinds of the result format. Anything that reached the server and then went wrong
// is a protocol error.
func Classify(err error) result.ErrorKind {
	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	var notTLS *tlswire.NotTLSError
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, context.Canceled):
		return result.ErrCanceled
	case errors.As(err, &dnsErr):
		return result.ErrDNS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return result.ErrTimeout
	case errors.As(err, &recErr), errors.As(err, &notTLS):
		return result.ErrNotTLS
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.As(err, &opErr) && opErr.Op == "dial",
		errors.Is(err, errNotLoopback):
		return result.ErrConnect
	}
	return result.ErrProtocol
}

// errNotLoopback refuses a connection outside loopback when the scanner is loopback-only.
var errNotLoopback = errors.New("address is not loopback and the scanner is loopback-only")

func newError(err error) *result.Error {
	return &result.Error{Kind: Classify(err), Message: err.Error()}
}
