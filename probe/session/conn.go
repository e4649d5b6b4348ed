package session

import (
	"crypto/tls"
	"errors"
	"net"
	"reflect"
	"sync"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// cache is a one-server session cache that tells the handshake when a session is stored:
// crypto/tls stores one on a TLS 1.2 ticket and on each TLS 1.3 NewSessionTicket.
type cache struct {
	tls.ClientSessionCache
	onPut func()
}

func newCache() *cache { return &cache{ClientSessionCache: tls.NewLRUClientSessionCache(4)} }

func (c *cache) Put(key string, cs *tls.ClientSessionState) {
	c.ClientSessionCache.Put(key, cs)
	if cs != nil && c.onPut != nil {
		c.onPut()
	}
}

// recorder keeps the first maxCapture bytes the server sent.
type recorder struct {
	net.Conn
	mu sync.Mutex
	in []byte
}

func (r *recorder) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	r.mu.Lock()
	if keep := min(n, maxCapture-len(r.in)); keep > 0 {
		r.in = append(r.in, b[:keep]...)
	}
	r.mu.Unlock()
	return n, err
}

func (r *recorder) bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.in
}

// isAlert reports whether err is the server's alert desc, as crypto/tls reports it (a
// net.OpError "remote error" around its unexported uint8 alert type) or tlswire does.
func isAlert(err error, desc uint8) bool {
	var w tlswire.Alert
	if errors.As(err, &w) {
		return w.Description == desc
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" || op.Err == nil {
		return false
	}
	v := reflect.ValueOf(op.Err)
	return v.Kind() == reflect.Uint8 && uint8(v.Uint()) == desc
}
