package main

import (
	"context"
	"crypto/tls"
	"fmt"
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
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// shardLab starts perIP HTTPS servers on each of the loopback addresses ips (Linux routes
// all of 127.0.0.0/8 to lo) and returns their targets and the root's PEM file. Odd ports
// serve HSTS and even ones do not, so grades differ.
func shardLab(t *testing.T, ips []string, perIP int) (targets []string, caFile string) {
	t.Helper()
	root, err := pki.NewRoot("shard test root")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := root.Issue(pki.LeafOptions{Names: append([]string{"localhost"}, ips...)})
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "root.pem")
	if err := root.WriteRootPEM(caFile); err != nil {
		t.Fatal(err)
	}
	for _, ip := range ips {
		for range perIP {
			ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
			if err != nil {
				t.Skipf("cannot listen on %s (loopback aliases unavailable): %v", ip, err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			srv := &http.Server{
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if port%2 == 1 {
						w.Header().Set("Strict-Transport-Security", "max-age=31536000")
					}
				}),
				TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
				ErrorLog:  log.New(io.Discard, "", 0),
			}
			go srv.ServeTLS(ln, "", "")
			t.Cleanup(func() { srv.Close() })
			targets = append(targets, net.JoinHostPort(ip, strconv.Itoa(port)))
		}
	}
	return targets, caFile
}

// gradesOf reads a results file into target -> grade letter ("error: kind" for failures).
func gradesOf(t *testing.T, path string) map[string]string {
	t.Helper()
	rs, err := result.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rs {
		if _, dup := out[r.Target]; dup {
			t.Errorf("%s: %s twice", path, r.Target)
		}
		switch {
		case r.Error != nil:
			out[r.Target] = "error: " + string(r.Error.Kind)
		case r.Grade != nil:
			out[r.Target] = r.Grade.Letter
		default:
			out[r.Target] = "ungraded"
		}
	}
	return out
}

// TestShardedScanMerges runs the scan as N shards, each chosen the way a scheduler chooses
// it (--shard, Slurm's array variables starting at 1, a Kubernetes index), merges them
// against the target list, and compares with one unsharded scan: same endpoints, same
// grades, and every IP in exactly one shard.
func TestShardedScanMerges(t *testing.T) {
	ips := []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"}
	targets, ca := shardLab(t, ips, 2)
	dir := t.TempDir()
	list := filepath.Join(dir, "targets.txt")
	os.WriteFile(list, []byte(strings.Join(targets, "\n")+"\n"), 0o644)
	// Our own loopback servers: no per-IP pacing, which would make each run wait ~1 s (two
	// measurements per IP exceed the burst) and is tested in probe, not here.
	base := []string{"probe", "--targets", list, "--ca-file", ca, "--http-port", "0", "--loopback-only", "--host-rate", "0"}

	whole := filepath.Join(dir, "whole.jsonl")
	if code, _, stderr := runCLI(context.Background(), append(base, "--out", whole)...); code != 0 {
		t.Fatalf("unsharded: exit %d: %s", code, stderr)
	}

	const n = 3
	var shards []string
	ipShard := map[string]int{}
	for k := range n {
		out := filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", k))
		shards = append(shards, out)
		args := append(slices.Clone(base), "--out", out)
		switch k {
		case 0:
			args = append(args, "--shard", "0/3")
		case 1: // a Slurm array --array=1-3: task ID 2 is index 1
			t.Setenv(probe.EnvSlurmTaskID, "2")
			t.Setenv(probe.EnvSlurmTaskMin, "1")
			t.Setenv(probe.EnvSlurmTaskMax, "3")
			t.Setenv(probe.EnvSlurmTaskStep, "1")
			t.Setenv(probe.EnvSlurmTaskCount, "3")
		case 2: // a Kubernetes Indexed Job
			t.Setenv(probe.EnvSlurmTaskID, "")
			t.Setenv(probe.EnvJobIndex, "2")
			args = append(args, "--shards", "3")
		}
		code, _, stderr := runCLI(context.Background(), args...)
		if code != 0 {
			t.Fatalf("shard %d: exit %d: %s", k, code, stderr)
		}
		if want := fmt.Sprintf("shard %d/3", k); !strings.Contains(stderr, want) {
			t.Errorf("shard %d: stderr does not say %q: %s", k, want, stderr)
		}
		part := gradesOf(t, out)
		if len(part) == 0 { // these six IPs hash to all three parts
			t.Errorf("shard %d is empty", k)
		}
		for tgt := range part {
			ip, _, _ := net.SplitHostPort(tgt)
			if prev, ok := ipShard[ip]; ok && prev != k {
				t.Errorf("%s measured in shards %d and %d", ip, prev, k)
			}
			ipShard[ip] = k
		}
		// A rerun resumes: nothing left to measure in this shard.
		code, _, stderr = runCLI(context.Background(), append(args, "--resume")...)
		if code != 0 || !strings.Contains(stderr, "0 measured") {
			t.Errorf("shard %d resumed: exit %d: %s", k, code, stderr)
		}
	}
	t.Setenv(probe.EnvJobIndex, "")

	merged := filepath.Join(dir, "merged.jsonl")
	code, _, stderr := runCLI(context.Background(), append([]string{"merge", "--targets", list, "--out", merged}, shards...)...)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	want, got := gradesOf(t, whole), gradesOf(t, merged)
	if len(want) != len(targets) {
		t.Fatalf("unsharded scan has %d results, want %d", len(want), len(targets))
	}
	for tgt, g := range want {
		if got[tgt] != g {
			t.Errorf("%s: merged grade %q, unsharded %q", tgt, got[tgt], g)
		}
	}
	if len(got) != len(want) {
		t.Errorf("merged %d endpoints, unsharded %d", len(got), len(want))
	}
	if len(ipShard) != len(ips) {
		t.Errorf("%d IPs measured, want %d", len(ipShard), len(ips))
	}
	// The output follows the target list's order.
	rs, _ := result.ReadFile(merged)
	for i, r := range rs {
		if r.Target != targets[i] {
			t.Fatalf("line %d is %s, want %s (target order)", i+1, r.Target, targets[i])
		}
	}
}

func TestMergeRefusesGapsAndDuplicates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	line := func(target, started string) string {
		return fmt.Sprintf(`{"target":%q,"started_at":%q,"future_key":{"kept":true}}`, target, started)
	}
	list := write("targets.txt", "a.example:443\nb.example:443\nc.example\n")
	a := write("a.jsonl", line("a.example:443", "2026-01-01T00:00:00Z")+"\n"+line("b.example:443", "2026-01-01T00:00:00Z")+"\n")
	c := write("c.jsonl", "\n"+line("c.example:443", "2026-01-02T00:00:00Z")+"\n")
	bNew := write("b-new.jsonl", "  "+line("b.example:443", "2026-02-01T00:00:00Z")+"\r\n")
	extra := write("x.jsonl", line("x.example:443", "2026-01-01T00:00:00Z")+"\n")
	bad := write("bad.jsonl", line("a.example:443", "2026-01-01T00:00:00Z")+"\n"+`{"target":"b.example:443","port":"x"}`+"\n")
	cut := write("cut.jsonl", line("a.example:443", "2026-01-01T00:00:00Z")+"\n"+`{"target":"b.exa`)
	noTarget := write("notarget.jsonl", `{"host":"a"}`+"\n")

	out := filepath.Join(dir, "out.jsonl")
	tests := []struct {
		name string
		args []string
		code int
		msgs []string
	}{
		{"complete", []string{a, c}, 0, []string{"3 endpoints written", "0 missing"}},
		{"missing", []string{a}, 1, []string{"1 of 3 targets", "c.example:443", "nothing written"}},
		{"missing allowed", []string{a, "--allow-missing"}, 0, []string{"warning: 1 of 3 targets", "c.example:443"}},
		{"duplicate", []string{a, c, bNew}, 1, []string{"1 endpoints are measured more than once", "b.example:443: " + a + ":2, " + bNew + ":1", "--newest"}},
		{"newest", []string{a, c, bNew, "--newest"}, 0, []string{a + ":2 (dropped", bNew + ":1 (kept", "dropped 1 older"}},
		{"not a target", []string{a, c, extra}, 1, []string{"1 results are not targets", "x.example:443: " + extra + ":1"}},
		{"bad line", []string{a, bad}, 1, []string{`bad.jsonl:2: field "port"`}},
		{"cut line", []string{cut}, 1, []string{"cut.jsonl:2:", "--resume"}},
		{"no target", []string{noTarget}, 1, []string{`notarget.jsonl:1: field "target": missing`}},
		{"missing file", []string{filepath.Join(dir, "nope.jsonl")}, 1, []string{"nope.jsonl"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(out)
			args := append([]string{"merge", "--targets", list, "--out", out}, tc.args...)
			code, _, stderr := runCLI(context.Background(), args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			for _, m := range tc.msgs {
				if !strings.Contains(stderr, m) {
					t.Errorf("stderr lacks %q:\n%s", m, stderr)
				}
			}
			_, err := os.Stat(out)
			if tc.code != 0 && err == nil {
				t.Errorf("exit %d but %s was written", tc.code, out)
			}
			if tc.code == 0 && err != nil {
				t.Errorf("nothing written: %v", err)
			}
		})
	}

	// The newest merge keeps lines byte for byte (unknown keys included), in target order.
	code, _, stderr := runCLI(context.Background(), "merge", "--targets", list, "--newest", "--out", out, bNew, c, a)
	if code != 0 {
		t.Fatal(stderr)
	}
	b, _ := os.ReadFile(out)
	want := line("a.example:443", "2026-01-01T00:00:00Z") + "\n" + line("b.example:443", "2026-02-01T00:00:00Z") + "\n" + line("c.example:443", "2026-01-02T00:00:00Z") + "\n"
	if string(b) != want {
		t.Errorf("merged file:\n%s\nwant:\n%s", b, want)
	}
}

func TestMergeUsage(t *testing.T) {
	for _, args := range [][]string{{"merge"}, {"merge", "x.jsonl"}} {
		if code, _, stderr := runCLI(context.Background(), args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, stderr)
		}
	}
}

// FuzzMergeIndex: any bytes as a shard file are indexed or refused with an error, never a
// panic, and an indexed line copies back as the bytes of a valid result.
func FuzzMergeIndex(f *testing.F) {
	f.Add([]byte(`{"target":"a:443","started_at":"2026-01-01T00:00:00Z"}` + "\n"))
	f.Add([]byte("\n  {\"target\":\"a:443\"}\r\n{\"target\":\"b:443\"}"))
	f.Add([]byte(`{"target":"a:443"}` + "\n" + `{"target":"a:443","port":"x"}`))
	f.Add([]byte(`{"target":`))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "shard.jsonl")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		byTarget := map[string][]mergeLine{}
		n, err := indexResults(path, 0, byTarget)
		if err != nil {
			return
		}
		var keys []string
		total := 0
		for k, ls := range byTarget {
			keys = append(keys, k)
			total += len(ls)
			byTarget[k] = ls[:1]
		}
		if total != n {
			t.Fatalf("%d lines indexed, %d counted", total, n)
		}
		var out strings.Builder
		if err := copyLines(&out, []string{path}, keys, byTarget); err != nil {
			t.Fatal(err)
		}
		if err := result.ReadJSONL(strings.NewReader(out.String()), "copy", func(int, result.Result) error { return nil }); err != nil {
			t.Fatalf("copied lines do not read back: %v", err)
		}
	})
}
