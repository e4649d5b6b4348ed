package fetchpolicy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Bounds on one server-chosen fetch.
const (
	// MaxRedirects is how many redirects one fetch follows (each checked like the URL).
	MaxRedirects = 2
	// MaxHeaderBytes bounds the response header.
	MaxHeaderBytes = 16 << 10
	// DefaultTimeout bounds one fetch, redirects included, when Fetcher.Timeout is zero.
	DefaultTimeout = 10 * time.Second
)

// Fetcher makes the HTTP requests of server-chosen URLs under a Policy. Every connection
// goes through DialContext, which resolves the host once, picks the first address the
// policy allows, and dials exactly that address.
type Fetcher struct {
	Policy Policy
	// Resolve looks up a host name; nil means net.DefaultResolver (addresses of both
	// families).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Dial connects to an address the policy accepted; nil means a net.Dialer. The
	// scanner passes its own, so that its rate and connection limits apply.
	Dial func(ctx context.Context, addr netip.AddrPort) (net.Conn, error)
	// Timeout bounds one fetch, redirects included; zero means DefaultTimeout.
	Timeout time.Duration

	mu      sync.Mutex
	refused []string
}

// Refused lists, in order, every fetch the policy refused so far, as notes naming the URL
// and the rule, for the result: a refusal is never a silent skip.
func (f *Fetcher) Refused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.refused)
}

func (f *Fetcher) noteRefusal(rawURL string, err error) {
	var re *RefusedError
	if !errors.As(err, &re) {
		return
	}
	u := re.URL
	if u == "" {
		u = rawURL
	}
	note := "fetch " + u + " " + re.Error()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.refused, note) { // a URL asked twice (AIA, then its issuer for OCSP) is one note
		f.refused = append(f.refused, note)
	}
}

// DialContext is the one dialer of server-chosen fetches: "host:port" is resolved once,
// every address checked, and the first allowed one dialled; if none is allowed the error
// is a *RefusedError and nothing is dialled.
func (f *Fetcher) DialContext(ctx context.Context, network, hostport string) (net.Conn, error) {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
		return nil, fmt.Errorf("network %q: only tcp", network)
	}
	host, ps, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, &RefusedError{Rule: RuleURL, Why: fmt.Sprintf("address %q: %v", hostport, err)}
	}
	port, err := strconv.ParseUint(ps, 10, 16)
	if err != nil || port == 0 {
		return nil, &RefusedError{Rule: RulePort, Why: fmt.Sprintf("port %q", ps)}
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = f.resolve(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
		}
	}
	var first error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a.WithZone("").Unmap(), uint16(port))
		// Check the address as resolved (an IPv4-mapped form is classed by its IPv4).
		if err := f.Policy.CheckAddr(netip.AddrPortFrom(a, uint16(port))); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		return f.dial(ctx, ap)
	}
	if len(addrs) > 1 {
		var re *RefusedError
		if errors.As(first, &re) {
			re.Why = fmt.Sprintf("%s resolves to %v, none allowed; first: %s", host, addrs, re.Why)
		}
	}
	return nil, first
}

func (f *Fetcher) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if f.Resolve != nil {
		return f.Resolve(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

func (f *Fetcher) dial(ctx context.Context, ap netip.AddrPort) (net.Conn, error) {
	if f.Dial != nil {
		return f.Dial(ctx, ap)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", ap.String())
}

// Get fetches rawURL and returns its body: status 200, at most max bytes.
func (f *Fetcher) Get(ctx context.Context, rawURL string, max int64) ([]byte, error) {
	return f.do(ctx, http.MethodGet, rawURL, "", nil, max)
}

// Post sends body to rawURL (an OCSP request, RFC 6960 A.1) and returns the response
// body: status 200, at most max bytes.
func (f *Fetcher) Post(ctx context.Context, rawURL, contentType string, body []byte, max int64) ([]byte, error) {
	return f.do(ctx, http.MethodPost, rawURL, contentType, body, max)
}

func (f *Fetcher) do(ctx context.Context, method, rawURL, contentType string, body []byte, max int64) ([]byte, error) {
	out, err := f.request(ctx, method, rawURL, contentType, body, max)
	if err != nil {
		f.noteRefusal(rawURL, err)
	}
	return out, err
}

func (f *Fetcher) request(ctx context.Context, method, rawURL, contentType string, body []byte, max int64) ([]byte, error) {
	if _, err := f.Policy.CheckURL(rawURL); err != nil {
		return nil, err
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tr := &http.Transport{
		Proxy:                  nil, // the server-chosen host, never a proxy from the environment
		DialContext:            f.DialContext,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: MaxHeaderBytes,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return &RefusedError{URL: req.URL.String(), Rule: RuleHops, Why: fmt.Sprintf("more than %d redirects", MaxRedirects)}
			}
			_, err := f.Policy.CheckURL(req.URL.String())
			return err
		},
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, &RefusedError{URL: rawURL, Rule: RuleURL, Why: err.Error()}
	}
	req.Header.Set("User-Agent", "mhealthsec-probe")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, unwrapURLError(err, rawURL)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %s", resp.Status)
	}
	out, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("body larger than %d bytes", max)
	}
	return out, nil
}

// unwrapURLError drops net/http's *url.Error (the caller names rawURL already), names a
// redirect target, and puts the URL into a refusal.
func unwrapURLError(err error, rawURL string) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	var re *RefusedError
	if errors.As(ue.Err, &re) && re.URL == "" {
		re.URL = ue.URL
	}
	if ue.URL != rawURL {
		return fmt.Errorf("redirect to %s: %w", ue.URL, ue.Err)
	}
	return ue.Err
}
