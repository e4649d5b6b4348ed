package check_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/httpcheck"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// version is a check written for this example: the TLS version crypto/tls negotiates.
// It has no field of its own in the result, so it writes a note.
type version struct{}

func (version) Name() string { return "version" }

func (version) Run(ctx context.Context, e check.Endpoint, r *result.Result) error {
	conn, err := e.Dial(ctx)
	if err != nil {
		return err // could not measure at all: the scanner makes it a note
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(e.Timeout))
	tc := tls.Client(conn, &tls.Config{ServerName: e.SNI, InsecureSkipVerify: true})
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("tls handshake: %w", err)
	}
	r.Notes = append(r.Notes, "version: "+tls.VersionName(tc.ConnectionState().Version))
	return nil
}

// A check is run on an Endpoint, here a loopback HTTPS server; the scanner makes the
// Endpoint with its own dial functions. The example's check and the HTTP check of
// probe/httpcheck take the same Endpoint and fill the same result.
func Example() {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
	}))
	defer srv.Close()
	addr := netip.MustParseAddrPort(srv.Listener.Addr().String())
	e := check.Endpoint{
		Addr:     addr,
		Host:     addr.Addr().String(),
		HTTPPort: -1,
		ConnConfig: check.ConnConfig{
			Timeout: 5 * time.Second,
			Dial: func(ctx context.Context) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "tcp", addr.String())
			},
		},
	}

	var r result.Result
	for _, c := range []check.Check{version{}, httpcheck.Checker{}} {
		if err := c.Run(context.Background(), e, &r); err != nil {
			fmt.Println(c.Name()+":", err)
		}
	}
	fmt.Println(r.Notes)
	fmt.Println("status", r.HTTP.Status, "HSTS max-age", r.HTTP.HSTS.MaxAge)
	// Output:
	// [version: TLS 1.3]
	// status 200 HSTS max-age 31536000
}
