package httpcheck

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func dialer(addr string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		status      int
		hsts        *int64 // nil: no header
		compression string
		server      string
	}{
		{"hsts and gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			w.Header().Set("Server", "test/1.0")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				w.Header().Set("Content-Encoding", "gzip")
			}
			w.Write([]byte("not really gzip"))
		}, 200, ptr(31536000), "gzip", "test/1.0"},
		{"no hsts, no compression", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
		}, 404, nil, "", ""},
		{"redirect is not followed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Strict-Transport-Security", "max-age=60")
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		}, 302, ptr(60), "", ""},
		{"big body is bounded", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			chunk := make([]byte, 1<<20)
			for range 8 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, 200, nil, "br", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(tt.handler)
			defer srv.Close()
			got, err := Measure(context.Background(), Config{Dial: dialer(srv.Listener.Addr().String()), Host: "localhost", Port: 443, SNI: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || got.Compression != tt.compression || got.Server != tt.server || got.Error != "" {
				t.Errorf("got %+v, want status %d compression %q server %q", got, tt.status, tt.compression, tt.server)
			}
			switch {
			case tt.hsts == nil && (got.HSTS == nil || got.HSTS.Present):
				t.Errorf("hsts = %+v, want {present: false}", got.HSTS)
			case tt.hsts != nil && (got.HSTS == nil || got.HSTS.MaxAge != *tt.hsts):
				t.Errorf("hsts = %+v, want max-age %d", got.HSTS, *tt.hsts)
			}
		})
	}
}

func TestMeasureSendsHostAndEncodings(t *testing.T) {
	var host, enc string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, enc = r.Host, r.Header.Get("Accept-Encoding")
	}))
	defer srv.Close()
	if _, err := Measure(context.Background(), Config{Dial: dialer(srv.Listener.Addr().String()), Host: "api.example.test", Port: 8443}); err != nil {
		t.Fatal(err)
	}
	if host != "api.example.test:8443" || enc != AcceptEncoding {
		t.Errorf("Host %q Accept-Encoding %q", host, enc)
	}
}

func TestMeasureNotTLS(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	got, err := Measure(context.Background(), Config{Dial: dialer(srv.Listener.Addr().String()), Host: "localhost"})
	if err == nil || got == nil || got.Error == "" || got.HSTS != nil {
		t.Errorf("plain server over TLS: got %+v, %v; want an error", got, err)
	}
}

func TestMeasurePlain(t *testing.T) {
	redirect := func(to string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusMovedPermanently) }
	}
	tests := []struct {
		name     string
		handler  http.Handler
		status   int
		redirect bool
	}{
		{"redirect to https same host", redirect("https://api.example.test/"), 301, true},
		{"redirect with port and case", redirect("HTTPS://API.example.test:8443/login"), 301, true},
		{"redirect to other host", redirect("https://login.example.test/"), 301, false},
		{"redirect to http", redirect("http://api.example.test/secure"), 301, false},
		{"relative redirect", redirect("/login"), 301, false},
		{"serves content", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) }), 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			got := MeasurePlain(context.Background(), Config{Dial: dialer(srv.Listener.Addr().String()), Host: "api.example.test", Port: 80})
			if !got.Checked || !got.Reachable || got.Status != tt.status || got.RedirectsToHTTPS != tt.redirect || got.Error != "" {
				t.Errorf("got %+v, want status %d redirects_to_https %v", got, tt.status, tt.redirect)
			}
		})
	}
}

func TestMeasurePlainUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	got := MeasurePlain(context.Background(), Config{Dial: dialer(addr), Host: "localhost", Port: 80})
	if !got.Checked || got.Reachable || got.Error == "" {
		t.Errorf("closed port: got %+v", got)
	}
}

func ptr(n int64) *int64 { return &n }
