// Package httpcheck measures what a server says over HTTP: GET / over TLS (status,
// Strict-Transport-Security per RFC 6797, response compression for BREACH, Server header)
// and the same host on plain HTTP (reachable, status, redirect to HTTPS). Requests never
// follow redirects, read at most a bounded body and run under a timeout.
package httpcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Config says how to reach the server.
type Config struct {
	// Dial opens a TCP connection to the endpoint (the TLS port for Measure, the plain
	// HTTP port for MeasurePlain). Every connection goes through it.
	Dial func(ctx context.Context) (net.Conn, error)
	// Host is the name sent in the Host header (and, for Measure, compared nowhere);
	// Port is the port the URL names.
	Host string
	Port int
	// SNI is the TLS server name; empty sends none.
	SNI string
	// Timeout bounds the whole request, body included; zero means 10 s.
	Timeout time.Duration
	// MaxBody bounds the body bytes read; zero means 64 KiB.
	MaxBody int64
	// DialTLSFallback, when set, opens a TLS connection another way (the probe's raw
	// TLS 1.2 client, vuln.DialTLS12) for Measure when crypto/tls cannot handshake with
	// the server (DHE only, RSA keys below 1024 bits), so its headers can still be read.
	DialTLSFallback func(ctx context.Context) (net.Conn, error)
}

// AcceptEncoding is what Measure offers: a response compressed under it is what
// BREACH needs.
const AcceptEncoding = "gzip, deflate, br"

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 10 * time.Second
}

func (c Config) maxBody() int64 {
	if c.MaxBody > 0 {
		return c.MaxBody
	}
	return 64 << 10
}

// Measure sends GET / over TLS. A request that fails gives a result with Error set and
// HSTS null (not checked) together with the error.
func Measure(ctx context.Context, cfg Config) (*result.HTTP, error) {
	var fellBack string // why crypto/tls gave way to the fallback, "" if it did not
	tr := &http.Transport{
		DialTLSContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := cfg.Dial(ctx)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(conn, &tls.Config{
				ServerName:         cfg.SNI,
				InsecureSkipVerify: true, // the certificate is judged by certcheck; here we want the headers
				MinVersion:         tls.VersionTLS10,
				CipherSuites:       allSuites(),
			})
			if err := tc.HandshakeContext(ctx); err != nil {
				conn.Close()
				var ne net.Error
				if cfg.DialTLSFallback == nil || errors.As(err, &ne) && ne.Timeout() || ctx.Err() != nil {
					// A server that did not answer crypto/tls in time will not answer the
					// fallback either: waiting twice would measure nothing more.
					return nil, fmt.Errorf("tls handshake: %w", err)
				}
				fc, ferr := cfg.DialTLSFallback(ctx)
				if ferr != nil {
					return nil, fmt.Errorf("tls handshake: %w; raw TLS client (TLS 1.0–1.2): %v", err, ferr)
				}
				fellBack = err.Error()
				return fc, nil
			}
			return tc, nil
		},
	}
	resp, err := get(ctx, cfg, tr, "https")
	if err != nil {
		return &result.HTTP{Error: err.Error()}, err
	}
	h := &result.HTTP{
		Status:      resp.status,
		HSTS:        ParseHSTS(resp.header.Values("Strict-Transport-Security")),
		Compression: resp.header.Get("Content-Encoding"),
		Server:      resp.header.Get("Server"),

		SecurityHeaders: SecurityHeaders(resp.header),
	}
	if fellBack != "" {
		h.Note = "read over the probe's raw TLS client (TLS 1.0–1.2): crypto/tls could not connect (" + fellBack + ")"
	}
	return h, nil
}

// MeasurePlain sends GET / over plain HTTP. Reachable means an HTTP response came back;
// a refused or silent port gives Reachable false with Error set (and a nil error: "not
// reachable" is the answer, not a failure to check).
func MeasurePlain(ctx context.Context, cfg Config) *result.PlainHTTP {
	out := &result.PlainHTTP{Checked: true, Port: cfg.Port}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return cfg.Dial(ctx) },
	}
	resp, err := get(ctx, cfg, tr, "http")
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Reachable = true
	out.Status = resp.status
	out.HSTSIgnored = len(resp.header.Values("Strict-Transport-Security")) > 0
	out.Location = resp.header.Get("Location")
	out.RedirectsToHTTPS = resp.status >= 300 && resp.status < 400 && isHTTPSOnHost(out.Location, cfg.Host)
	return out
}

// MeasureNotTLS asks a target that answered plain text instead of TLS (error not_tls)
// what it serves over plain HTTP on that same port: reachable, status, and whether it
// redirects to HTTPS. cfg.Port is the target's port.
func MeasureNotTLS(ctx context.Context, cfg Config) *result.PlainHTTP {
	out := MeasurePlain(ctx, cfg)
	out.OnTarget = true
	return out
}

// isHTTPSOnHost reports whether location is an absolute https:// URL for host (any port).
func isHTTPSOnHost(location, host string) bool {
	u, err := url.Parse(strings.TrimSpace(location))
	if err != nil || !strings.EqualFold(u.Scheme, "https") {
		return false
	}
	return strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), strings.TrimSuffix(host, "."))
}

type response struct {
	status int
	header http.Header
}

func get(ctx context.Context, cfg Config, tr *http.Transport, scheme string) (response, error) {
	if cfg.Host == "" {
		return response{}, errors.New("httpcheck: no host to name in the request")
	}
	tr.DisableKeepAlives = true
	tr.DisableCompression = true // we set Accept-Encoding ourselves and want the raw answer
	tr.Proxy = nil               // the endpoint, never a proxy from the environment
	tr.ResponseHeaderTimeout = cfg.timeout()
	tr.MaxResponseHeaderBytes = 64 << 10
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       cfg.timeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, requestURL(scheme, cfg.Host, cfg.Port), nil)
	if err != nil {
		return response{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", "mhealthsec-probe")
	req.Header.Set("Accept", "*/*")
	if scheme == "https" {
		req.Header.Set("Accept-Encoding", AcceptEncoding)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is ours and adds nothing
		}
		return response{}, fmt.Errorf("GET / over %s: %w", scheme, err)
	}
	defer resp.Body.Close()
	// Read a bounded part of the body so the server is not cut off mid-headers on slow
	// links; its content does not matter.
	io.Copy(io.Discard, io.LimitReader(resp.Body, cfg.maxBody()))
	return response{status: resp.StatusCode, header: resp.Header}, nil
}

func requestURL(scheme, host string, port int) string {
	def := map[string]int{"http": 80, "https": 443}[scheme]
	h := host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if port != 0 && port != def {
		h = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return scheme + "://" + h + "/"
}

func allSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}
