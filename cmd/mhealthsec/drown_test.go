package main

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe"
	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// TestDROWNAcrossShards scans an SSL 2.0 server (fake, on 127.0.0.1) and a TLS server
// sharing its RSA key on an address of another shard, plus one with another key, as two
// shards; neither shard can see the shared key, the merge must.
func TestDROWNAcrossShards(t *testing.T) {
	const n = 2
	v2IP := "127.0.0.1" // where fakeserver listens
	sharedIP := ""
	for i := 2; i < 40 && sharedIP == ""; i++ {
		ip := "127.0.0." + strconv.Itoa(i)
		if probe.ShardOf(probe.Target{Host: ip}, n) != probe.ShardOf(probe.Target{Host: v2IP}, n) {
			sharedIP = ip
		}
	}
	otherIP := "127.0.0.41"
	root, err := pki.NewRoot("drown shard root")
	if err != nil {
		t.Fatal(err)
	}
	key, err := pki.NewKey(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(opt pki.LeafOptions) tls.Certificate {
		opt.Names = []string{v2IP, sharedIP, otherIP}
		c, err := root.Issue(opt)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	serve := func(ip string, cert tls.Certificate) string {
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			t.Skipf("cannot listen on %s (loopback aliases unavailable): %v", ip, err)
		}
		srv := &http.Server{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: log.New(io.Discard, "", 0),
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
		go srv.ServeTLS(ln, "", "")
		t.Cleanup(func() { srv.Close() })
		return ln.Addr().String()
	}
	v2, err := fakeserver.Start(fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: issue(pki.LeafOptions{Signer: key}).Certificate[0]}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v2.Close() })
	sslv2, shared, other := v2.Addr(), serve(sharedIP, issue(pki.LeafOptions{Signer: key})), serve(otherIP, issue(pki.LeafOptions{Key: pki.RSA2048}))

	dir := t.TempDir()
	ca := filepath.Join(dir, "root.pem")
	if err := root.WriteRootPEM(ca); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "targets.txt")
	os.WriteFile(list, []byte(strings.Join([]string{sslv2, shared, other}, "\n")+"\n"), 0o644)
	var shards []string
	for k := range n {
		out := filepath.Join(dir, "shard-"+strconv.Itoa(k)+".jsonl")
		shards = append(shards, out)
		code, _, stderr := runCLI(context.Background(), "probe", "--targets", list, "--ca-file", ca, "--http-port", "0",
			"--loopback-only", "--timeout", "2s", "--shard", strconv.Itoa(k)+"/"+strconv.Itoa(n), "--out", out)
		if code != 0 {
			t.Fatalf("shard %d: exit %d: %s", k, code, stderr)
		}
		if !strings.Contains(stderr, "DROWN across services: not compared") {
			t.Errorf("shard %d: stderr does not say the pass waits for the merge: %s", k, stderr)
		}
		rs, err := result.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Vulnerabilities.DROWNSameKey != nil || r.Target == shared && (r.Vulnerabilities.DROWN == nil || *r.Vulnerabilities.DROWN) {
				t.Errorf("shard %d, %s: DROWN %v same key %v; want its own verdict and null (not compared)", k, r.Target, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey)
			}
		}
	}

	merged := filepath.Join(dir, "merged.jsonl")
	code, _, stderr := runCLI(context.Background(), append([]string{"merge", "--targets", list, "--out", merged}, shards...)...)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "1 endpoints vulnerable through another endpoint's SSL 2.0; "+shared) {
		t.Errorf("merge stderr does not name %s: %s", shared, stderr)
	}
	rs, err := result.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	byTarget := map[string]result.Result{}
	for _, r := range rs {
		byTarget[r.Target] = r
	}
	if r := byTarget[shared]; !isTrueP(r.Vulnerabilities.DROWN) || !slices.Equal(r.Vulnerabilities.DROWNSameKey, []string{sslv2}) || r.Grade == nil || r.Grade.Letter != "F" {
		t.Errorf("%s after merge: DROWN %v same key %v grade %+v; want true via %s, F", shared, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade, sslv2)
	}
	if r := byTarget[other]; r.Vulnerabilities.DROWNSameKey == nil || len(r.Vulnerabilities.DROWNSameKey) != 0 || isTrueP(r.Vulnerabilities.DROWN) || r.Grade.Letter == "F" {
		t.Errorf("%s (other key) after merge: DROWN %v same key %v grade %+v; want false, [], not F", other, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade)
	}
}

func isTrueP(b *bool) bool { return b != nil && *b }
