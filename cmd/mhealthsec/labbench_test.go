package main

import (
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5 * ms}, 5 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 3 * ms, 2 * ms}, 2500 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	in := []time.Duration{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median reordered its input")
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		a, b time.Duration
		want string
	}{
		{100, 50, "2.00×"},
		{50, 100, "0.50×"},
		{120000, 400, "300×"},
		{1, 0, "-"},
		{0, 1, "-"},
	}
	for _, tt := range tests {
		if got := ratio(tt.a, tt.b); got != tt.want {
			t.Errorf("ratio(%v, %v) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParsePeers(t *testing.T) {
	got, err := parsePeers(" testssl,sslscan,testssl,")
	if err != nil || strings.Join(got, ",") != "testssl,sslscan" {
		t.Errorf("parsePeers = %v, %v", got, err)
	}
	if _, err := parsePeers("sslscan,nmap"); err == nil || !strings.Contains(err.Error(), "nmap") {
		t.Errorf("unknown peer accepted: %v", err)
	}
}

func TestPrintBench(t *testing.T) {
	ms := time.Millisecond
	rows := []benchRow{
		{name: "a", probe: 100 * ms, peer: map[string]time.Duration{"testssl": 30000 * ms}, fails: map[string]bool{"testssl": true}},
		{name: "b", probe: 300 * ms, peer: map[string]time.Duration{"testssl": 60000 * ms}, fails: map[string]bool{}},
	}
	var b strings.Builder
	printBench(&b, rows, []string{"testssl"}, 250*ms)
	out := b.String()
	for _, want := range []string{
		"30000 ms*", "300×", // row a, marked as a non-zero exit
		"60000 ms", "200×", // row b
		"median per endpoint", "200 ms", "45000 ms", "225×",
		"fleet, one at a time", "400 ms", "90000 ms",
		"360×", // 90 s of testssl against the probe's 250 ms wall time
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bench table lacks %q:\n%s", want, out)
		}
	}
}

func FuzzLabFlagLists(f *testing.F) {
	for _, s := range []string{"2009n,2009q,2009r", "2009R", " 2009n ,", "sslscan,testssl", ",,", "2009n,2009n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if cs, err := parseCriteriaList(s); err == nil {
			if len(cs) == 0 {
				t.Errorf("parseCriteriaList(%q) accepted no versions", s)
			}
			seen := map[string]bool{}
			for _, c := range cs {
				if seen[string(c)] {
					t.Errorf("parseCriteriaList(%q) repeats %s", s, c)
				}
				seen[string(c)] = true
			}
		}
		if ps, err := parsePeers(s); err == nil {
			for _, p := range ps {
				if p != "sslscan" && p != "testssl" {
					t.Errorf("parsePeers(%q) accepted %q", s, p)
				}
			}
		}
	})
}
