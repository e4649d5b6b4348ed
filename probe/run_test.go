package probe

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

func TestRunInterruptAndResume(t *testing.T) {
	l := newLab(t)
	var targets []Target
	for range 30 {
		targets = append(targets, Target{Host: "127.0.0.1", Port: l.httpsServer(t, "127.0.0.1", hsts("max-age=60"))})
	}
	targets = append(targets, targets[3]) // a duplicate is measured once
	path := filepath.Join(t.TempDir(), "results.jsonl")

	// First run: cancel after the 10th result, as Ctrl-C would.
	out, err := OpenOutput(path, false)
	if err != nil {
		t.Fatal(err)
	}
	s := l.scanner(t, Config{Concurrency: 4, PerHost: 4, HTTPPort: -1})
	ctx, cancel := context.WithCancel(context.Background())
	seen := 0
	sum1, err := s.Run(ctx, targets, result.NewWriter(out.File), RunOptions{OnResult: func(result.Result) {
		if seen++; seen == 10 {
			cancel()
		}
	}})
	out.File.Close()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err %v, want context.Canceled", err)
	}
	if sum1.Targets != 30 || sum1.Measured < 10 || sum1.Measured+sum1.Interrupted != 30 {
		t.Fatalf("interrupted run summary %+v", sum1)
	}
	first := readTargets(t, path)
	if len(first) != sum1.Measured {
		t.Fatalf("file holds %d results, summary says %d", len(first), sum1.Measured)
	}

	// Resume: only the rest is measured.
	out, err = OpenOutput(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Done) != sum1.Measured || out.Repaired != "" {
		t.Fatalf("resume sees %d done (repaired %q), want %d", len(out.Done), out.Repaired, sum1.Measured)
	}
	sum2, err := s.Run(context.Background(), targets, result.NewWriter(out.File), RunOptions{Skip: out.Done})
	out.File.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Skipped != sum1.Measured || sum2.Measured != 30-sum1.Measured || sum2.Interrupted != 0 {
		t.Fatalf("resumed run summary %+v after %+v", sum2, sum1)
	}
	all := readTargets(t, path)
	set := map[string]int{}
	for _, k := range all {
		set[k]++
	}
	for _, tg := range targets {
		if set[tg.String()] != 1 {
			t.Errorf("%s appears %d times", tg, set[tg.String()])
		}
	}
	if len(all) != 30 {
		t.Errorf("%d lines, want 30", len(all))
	}
}

func readTargets(t *testing.T, path string) []string {
	t.Helper()
	rs, err := result.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range rs {
		if r.Error != nil {
			t.Errorf("%s: %v", r.Target, r.Error)
		}
		keys = append(keys, r.Target)
	}
	return keys
}

func TestRunLimits(t *testing.T) {
	l := newLab(t)
	var targets []Target
	for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		for range 12 {
			targets = append(targets, Target{Host: ip, Port: l.httpsServer(t, ip, http.NotFoundHandler())})
		}
	}
	dials := &countingDial{}
	s := l.scanner(t, Config{Concurrency: 8, PerHost: 2, PerHostConns: 3, HTTPPort: -1, DialContext: dials.dial})
	var buf bytes.Buffer
	sum, err := s.Run(context.Background(), targets, result.NewWriter(&buf), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Measured != len(targets) || len(sum.Failures) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if p := s.hosts.maxPeak(); p > 2 || p < 1 {
		t.Errorf("peak endpoints per host %d, want 1..2", p)
	}
	if p := dials.peakOpen(); p > 3 || p < 1 {
		t.Errorf("peak open connections to one host %d, want 1..3", p)
	}
	if global, host := s.rate.counts(); dials.n.Load() != global || dials.n.Load() != host {
		t.Errorf("%d connections made, %d through the global rate limit, %d through the hosts'", dials.n.Load(), global, host)
	}
}

func TestRunConcurrencyBound(t *testing.T) {
	for _, limit := range []int{1, 3, 16} {
		s, err := New(Config{Concurrency: limit})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		inflight, peak := 0, 0
		s.measure = func(_ context.Context, tg Target) result.Result {
			mu.Lock()
			inflight++
			peak = max(peak, inflight)
			mu.Unlock()
			time.Sleep(time.Millisecond) // let the other workers pile up
			mu.Lock()
			inflight--
			mu.Unlock()
			return result.Result{Target: tg.String()}
		}
		var targets []Target
		for i := range 100 {
			targets = append(targets, Target{Host: "127.0.0.1", Port: 1000 + i})
		}
		var buf bytes.Buffer
		sum, err := s.Run(context.Background(), targets, result.NewWriter(&buf), RunOptions{})
		if err != nil || sum.Measured != 100 {
			t.Fatalf("limit %d: %+v, %v", limit, sum, err)
		}
		if peak > limit {
			t.Errorf("limit %d: %d measurements at once", limit, peak)
		}
	}
}

func TestRunStopsOnWriteError(t *testing.T) {
	s, err := New(Config{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	s.measure = func(_ context.Context, tg Target) result.Result { return result.Result{Target: tg.String()} }
	targets := []Target{{Host: "a.example", Port: 1}, {Host: "a.example", Port: 2}, {Host: "a.example", Port: 3}}
	_, err = s.Run(context.Background(), targets, result.NewWriter(failingWriter{}), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err %v, want the write error", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestOpenOutput(t *testing.T) {
	line := func(target string) string { return `{"target":"` + target + `","port":443}` + "\n" }
	tests := []struct {
		name     string
		content  string
		resume   bool
		done     []string
		after    string // file content after opening
		repaired string
		err      string
	}{
		{"new file", "", false, nil, "", "", ""},
		{"exists without resume", line("a:443"), false, nil, "", "", "pass --resume"},
		{"resume", line("a:443") + "\n" + line("b:443"), true, []string{"a:443", "b:443"}, line("a:443") + "\n" + line("b:443"), "", ""},
		{"kill -9 mid-line", line("a:443") + `{"target":"b:4`, true, []string{"a:443"}, line("a:443"), "removed an incomplete last line", ""},
		{"whole last line without newline", line("a:443") + strings.TrimSuffix(line("b:443"), "\n"), true, []string{"a:443", "b:443"}, line("a:443") + line("b:443"), "added the missing newline", ""},
		{"bad line in the middle", line("a:443") + "{oops\n" + line("b:443"), true, nil, "", "", ":2:"},
		{"wrong type names field", `{"target":"a:443","port":"443"}` + "\n", true, nil, "", "", `field "port"`},
		{"no target", `{"port":443}` + "\n", true, nil, "", "", `field "target"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.jsonl")
			if tt.content != "" {
				os.WriteFile(path, []byte(tt.content), 0o644)
			}
			out, err := OpenOutput(path, tt.resume)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer out.File.Close()
			if len(out.Done) != len(tt.done) {
				t.Errorf("done %v, want %v", out.Done, tt.done)
			}
			for _, k := range tt.done {
				if !out.Done[k] {
					t.Errorf("%s not done", k)
				}
			}
			if !strings.Contains(out.Repaired, tt.repaired) || tt.repaired == "" && out.Repaired != "" {
				t.Errorf("repaired %q, want %q", out.Repaired, tt.repaired)
			}
			// Appending goes after what is kept.
			if _, err := out.File.Write([]byte(line("z:443"))); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.after+line("z:443") {
				t.Errorf("file after append:\n%s\nwant:\n%s", got, tt.after+line("z:443"))
			}
		})
	}
}

func TestInterleaveHosts(t *testing.T) {
	tests := []struct {
		in, want string // host:port lists
	}{
		{"", ""},
		{"a:1", "a:1"},
		{"a:1 a:2 a:3 b:1 b:2 c:1", "a:1 b:1 c:1 a:2 b:2 a:3"},
		{"a:1 b:1 a:2 b:2", "a:1 b:1 a:2 b:2"},
		{"c:1 c:2 a:1", "c:1 a:1 c:2"},
	}
	for _, tt := range tests {
		var in []Target
		for _, f := range strings.Fields(tt.in) {
			tg, err := ParseTarget(f, 443)
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, tg)
		}
		var got []string
		for _, tg := range interleaveHosts(in) {
			got = append(got, tg.String())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("interleaveHosts(%s) = %s, want %s", tt.in, strings.Join(got, " "), tt.want)
		}
	}
}
