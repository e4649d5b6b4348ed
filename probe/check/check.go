// Package check is the one shape of the probe's measurements. Each measurement of an
// endpoint (enumeration of protocols and suites, the certificate, HTTP, plain HTTP,
// session resumption, the vulnerabilities, the client simulations) is a Check: it
// receives the Endpoint under measurement and fills its fields of the result, as each of
// zgrab2's scan modules implements one small Scanner interface.
//
// The scanner (package probe) holds the table of checks, one row each with the
// scheduling the check needs (whether its failure leaves the endpoint unassessable,
// whether it handshakes with SSL 3.0 or TLS, whether it reads what the others found),
// and makes the Endpoint: the dial functions that hold every connection to its rate and
// connection limits, the names to send and to match, the timeout.
//
// Adding a check is one file and one table row: a type in the measuring package, with a
// Name and a Run that fills its part of the result (a check.go beside the measurement,
// as in probe/vuln), and one row in the scanner's table (probe/scanner.go, Scanner.steps).
// Those check.go files look alike on purpose (duplicates pairs them by shape): each
// adapts its package's own entry point (Measure, Check, Fill) to Run.
//
// This package imports no part of the scanner, so that every measuring package can
// name the interface it satisfies.
package check

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Check is one measurement of an endpoint.
//
// Run measures e and writes what it found into r, and only its own fields of r (and
// r.Notes). A value the check cannot measure stays null and a note in r.Notes (or in
// the field's own notes) says why: never a guessed value, and false only for measured
// and absent.
//
// Run returns an error only when the check could not measure the endpoint at all, such
// as no TLS handshake completing. For a core check (enumeration, certificate) that error
// means the endpoint cannot be assessed, and the scanner records it as the result's
// error; for any other check the scanner turns the error into a note ("name: error")
// and grades what the others measured. A check that set r.Error itself (a classified
// failure) returns it as well. When ctx ends, Run returns promptly; what it returns then
// is recorded as the measurement's deadline or cancellation.
//
// A Check is configured once, when the scanner is made, and then runs on many endpoints
// at once: Run must not change the Check.
type Check interface {
	// Name names the check in notes and errors ("certificate: tls handshake: ...").
	Name() string
	Run(ctx context.Context, e Endpoint, r *result.Result) error
}

// Endpoint is the endpoint under measurement as every check sees it: where it is, what
// to call it, and the only ways to open connections for it.
type Endpoint struct {
	// Addr is the IP address and port measured.
	Addr netip.AddrPort
	// Host is the name the certificate must match and the HTTP Host header carries:
	// the target's SNI if it names one, else its host (a name or an IP literal).
	Host string
	// HTTPPort is the port on the same IP where plain HTTP is checked; negative means
	// not checked.
	HTTPPort int
	// ConnConfig opens connections to Addr and says what to send on them. Its Dial
	// waits until the scanner's per-host and global limits allow; a connection the
	// check leaves open is closed when the measurement of the endpoint ends. Its
	// Timeout bounds one exchange on an open connection: a handshake, an HTTP request,
	// the wait for a server that stays silent.
	ConnConfig
	// DialPort is Dial to another port of the same IP (plain HTTP).
	DialPort func(ctx context.Context, port uint16) (net.Conn, error)
	// Fetcher is the one way to a URL the server chose (AIA caIssuers, OCSP, CRL): it
	// holds every such request to the fetch policy and the scanner's limits and
	// remembers what it refused. Nil fetches nothing.
	Fetcher *fetchpolicy.Fetcher
	// TLSSeen is called by the check that enumerates protocols once a hello of SSL 3.0
	// or TLS is accepted, so that the checks that handshake can start while it goes
	// on. Nil means no one waits.
	TLSSeen func()
}

// ConnConfig says how a measurement reaches the endpoint: the one way to open a
// connection, the server name to send, how long to wait. The measuring packages'
// Configs are this, or embed it, so that each check passes its Endpoint's on.
type ConnConfig struct {
	// Dial opens a new TCP connection to the endpoint. Every connection goes through
	// it, so the caller's rate and connection limits apply.
	Dial func(ctx context.Context) (net.Conn, error)
	// SNI is the server_name to send; empty sends none.
	SNI string
	// Timeout bounds one connection; what it covers, and what zero means, each
	// measuring package's Config says.
	Timeout time.Duration
}

// Port is the port measured, as an int.
func (e Endpoint) Port() int { return int(e.Addr.Port()) }
