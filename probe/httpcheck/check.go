package httpcheck

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Checker is Measure as a check.Check: GET / over TLS on the endpoint. A request that
// fails is recorded in r.HTTP.Error, not returned: only a canceled ctx is an error.
type Checker struct {
	// DialTLSFallback is Config.DialTLSFallback for the endpoint; nil has none.
	DialTLSFallback func(ctx context.Context, e check.Endpoint) (net.Conn, error)
}

var _ check.Check = Checker{}

// Name is "http".
func (Checker) Name() string { return "http" }

// Run fills r.HTTP.
func (c Checker) Run(ctx context.Context, e check.Endpoint, r *result.Result) error {
	cfg := Config{Dial: e.Dial, Host: e.Host, Port: e.Port(), SNI: e.SNI, Timeout: e.Timeout}
	if c.DialTLSFallback != nil {
		cfg.DialTLSFallback = func(ctx context.Context) (net.Conn, error) { return c.DialTLSFallback(ctx, e) }
	}
	h, err := Measure(ctx, cfg)
	r.HTTP = h
	if err != nil && errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// PlainChecker is MeasurePlain as a check.Check: GET / over plain HTTP on e.HTTPPort of
// the same IP. An unreachable port is the answer (Reachable false), not an error; a port
// that is not checked (negative, or the endpoint's own) leaves r.PlainHTTP null.
type PlainChecker struct{}

var _ check.Check = PlainChecker{}

// Name is "plain_http".
func (PlainChecker) Name() string { return "plain_http" }

// Run fills r.PlainHTTP; it fails only on a port out of range.
func (PlainChecker) Run(ctx context.Context, e check.Endpoint, r *result.Result) error {
	port := e.HTTPPort
	if port < 0 || port == e.Port() {
		return nil // not checked: null in the result
	}
	if port > 65535 {
		return errors.New("plain HTTP port " + strconv.Itoa(port) + " out of range")
	}
	r.PlainHTTP = MeasurePlain(ctx, Config{
		Dial:    func(ctx context.Context) (net.Conn, error) { return e.DialPort(ctx, uint16(port)) },
		Host:    e.Host,
		Port:    port,
		Timeout: e.Timeout,
	})
	return nil
}
