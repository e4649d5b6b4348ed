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

// drownLab starts an SSL 2.0 server (fake, on 127.0.0.1), a TLS server sharing its RSA key
// under another certificate on an address that falls in another of n shards, and one with
// another key; it returns their targets, the root's PEM file and a targets file.
func drownLab(t *testing.T, n int) (sslv2, shared, other, ca, list string) {
	t.Helper()
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
	sslv2, shared, other = v2.Addr(), serve(sharedIP, issue(pki.LeafOptions{Signer: key})), serve(otherIP, issue(pki.LeafOptions{Key: pki.RSA2048}))

	dir := t.TempDir()
	ca = filepath.Join(dir, "root.pem")
	if err := root.WriteRootPEM(ca); err != nil {
		t.Fatal(err)
	}
	list = filepath.Join(dir, "targets.txt")
	os.WriteFile(list, []byte(strings.Join([]string{sslv2, shared, other}, "\n")+"\n"), 0o644)
	return sslv2, shared, other, ca, list
}

// readByTarget reads a results file by target.
func readByTarget(t *testing.T, path string) map[string]result.Result {
	t.Helper()
	rs, err := result.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]result.Result{}
	for _, r := range rs {
		out[r.Target] = r
	}
	return out
}

// TestProbeMarksDROWN: probe --out runs the pass when the scan ends (the file keeps its
// mode); to stdout, lines stay uncompared and stderr names what the pass would mark.
func TestProbeMarksDROWN(t *testing.T) {
	t.Parallel()
	sslv2, shared, _, ca, list := drownLab(t, 2)
	out := filepath.Join(t.TempDir(), "results.jsonl")
	// An empty file of a chosen mode: probe writes into it, and the pass must keep the mode.
	if err := os.WriteFile(out, nil, 0o600); err != nil || os.Chmod(out, 0o640) != nil {
		t.Fatal(err)
	}
	base := []string{"probe", "--targets", list, "--ca-file", ca, "--http-port", "0", "--loopback-only", "--timeout", "2s"}
	code, _, stderr := runCLI(context.Background(), append(base, "--out", out)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if r := readByTarget(t, out)[shared]; !isTrueP(r.Vulnerabilities.DROWN) || !slices.Equal(r.Vulnerabilities.DROWNSameKey, []string{sslv2}) || r.Grade.Letter != "F" {
		t.Errorf("%s: DROWN %v same key %v grade %s; want true via %s, F", shared, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade.Letter, sslv2)
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("results file mode %v (%v), want 0640 as it was", info.Mode(), err)
	}

	code, stdout, stderr := runCLI(context.Background(), base...)
	if code != 0 {
		t.Fatalf("stdout run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, shared+" (key of "+sslv2+")") {
		t.Errorf("stderr does not name %s: %s", shared, stderr)
	}
	if n := strings.Count(stdout, `"drown_same_key":null`); n != 3 {
		t.Errorf("%d stdout lines with drown_same_key null, want 3 (not compared)", n)
	}
}

// TestDROWNAcrossShards scans the drownLab servers as two shards; neither shard can see
// the shared key, the merge must.
func TestDROWNAcrossShards(t *testing.T) {
	t.Parallel()
	const n = 2
	sslv2, shared, other, ca, list := drownLab(t, n)
	dir := t.TempDir()
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
	if !strings.Contains(stderr, "1 endpoints vulnerable through another endpoint's SSL 2.0 (1 regraded); "+shared+" (key of "+sslv2+")") {
		t.Errorf("merge stderr does not name %s: %s", shared, stderr)
	}
	byTarget := readByTarget(t, merged)
	if r := byTarget[shared]; !isTrueP(r.Vulnerabilities.DROWN) || !slices.Equal(r.Vulnerabilities.DROWNSameKey, []string{sslv2}) || r.Grade == nil || r.Grade.Letter != "F" {
		t.Errorf("%s after merge: DROWN %v same key %v grade %+v; want true via %s, F", shared, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade, sslv2)
	}
	if r := byTarget[other]; r.Vulnerabilities.DROWNSameKey == nil || len(r.Vulnerabilities.DROWNSameKey) != 0 || isTrueP(r.Vulnerabilities.DROWN) || r.Grade.Letter == "F" {
		t.Errorf("%s (other key) after merge: DROWN %v same key %v grade %+v; want false, [], not F", other, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade)
	}
}

func isTrueP(b *bool) bool { return b != nil && *b }
