package main

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/datasets/capture/capturetest"
)

func ingestCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestIngestPcapAndHARMerge(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hello, err := capturetest.ClientHello(ctx, "api.steps.example")
	if err != nil {
		t.Fatal(err)
	}
	ads, err := capturetest.ClientHello(ctx, "googleads.g.doubleclick.net")
	if err != nil {
		t.Fatal(err)
	}
	cli := netip.MustParseAddrPort("10.0.0.2:40000")
	srv := netip.MustParseAddrPort("203.0.113.7:443")
	var pkts []capturetest.Packet
	pkts = append(pkts, capturetest.Conversation(cli, srv, hello, nil, 90)...)
	pkts = append(pkts, capturetest.Conversation(netip.MustParseAddrPort("10.0.0.2:40001"), srv, hello, nil, 500)...) // duplicate
	pkts = append(pkts, capturetest.Conversation(netip.MustParseAddrPort("10.0.0.2:40002"), netip.MustParseAddrPort("198.51.100.1:443"), ads, nil, 500)...)
	pkts = append(pkts, capturetest.Conversation(netip.MustParseAddrPort("10.0.0.2:40003"), netip.MustParseAddrPort("198.51.100.2:80"),
		[]byte("GET / HTTP/1.1\r\nHost: mystery.example.net\r\n\r\n"), nil, 500)...)
	var capBuf bytes.Buffer
	if err := capturetest.Write(&capBuf, capturetest.Ethernet, true, time.Unix(0, 0), pkts); err != nil {
		t.Fatal(err)
	}
	pcap := filepath.Join(dir, "a.pcapng")
	os.WriteFile(pcap, capBuf.Bytes(), 0o644)
	apps := filepath.Join(dir, "apps.csv")
	os.WriteFile(apps, []byte("app_id,name,platform,availability,subcategory,first_party\nsteps,Steps,android,de_only,fitness,steps.example\n"), 0o644)
	out := filepath.Join(dir, "servers.csv")
	review := filepath.Join(dir, "review.csv")

	code, _, stderr := ingestCLI(t, "ingest", "pcap", pcap, "--app", "steps", "--apps", apps, "--out", out, "--review", review)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"skipped 0 of", "unclassified (set to other, review): mystery.example.net:80 http", "3 servers for steps (3 new)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	f, _ := os.Open(out)
	rows, err := datasets.ReadServers(f, out, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Host+" "+r.Scheme] = r.Category + "/" + r.Extra["classified_by"]
	}
	want := map[string]string{
		"api.steps.example https":           "functional/first_party",
		"googleads.g.doubleclick.net https": "advertising/default",
		"mystery.example.net http":          "other/unclassified",
	}
	if len(got) != len(want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if b, _ := os.ReadFile(review); !strings.Contains(string(b), "steps,mystery.example.net,80,http,other") {
		t.Errorf("review file = %q", b)
	}

	// Edit a category by hand, then ingest a HAR: the edit survives, new rows are added.
	b, _ := os.ReadFile(out)
	os.WriteFile(out, bytes.Replace(b, []byte("mystery.example.net,80,http,other"), []byte("mystery.example.net,80,http,functional"), 1), 0o644)
	har := filepath.Join(dir, "b.har")
	os.WriteFile(har, []byte(`{"log":{"version":"1.2","entries":[
		{"request":{"method":"GET","url":"https://www.google-analytics.com/collect"}},
		{"request":{"method":"GET","url":"http://mystery.example.net/x"}}]}}`), 0o644)
	code, _, stderr = ingestCLI(t, "ingest", "har", har, "--app", "steps", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ = os.ReadFile(out)
	if !strings.Contains(string(b), "mystery.example.net,80,http,functional") || !strings.Contains(string(b), "www.google-analytics.com,443,https,tracking") {
		t.Errorf("merged file:\n%s", b)
	}
	if !strings.Contains(stderr, "(1 new), 4 rows in all") {
		t.Errorf("stderr = %s", stderr)
	}
}

func TestIngestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "bad.rules")
	os.WriteFile(rules, []byte("# mine\nadvertizing ads.example\n"), 0o644)
	junk := filepath.Join(dir, "junk.pcap")
	os.WriteFile(junk, []byte("not a capture"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ingest", "pcap", junk}, "--app is required"},
		{[]string{"ingest", "pcapx", junk, "--app", "a"}, "unknown format"},
		{[]string{"ingest", "pcap", junk, "--app", "a", "--unclassified", "misc"}, "unknown category"},
	}
	for _, tt := range tests {
		code, _, stderr := ingestCLI(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	// Called right but fed bad files: a failure (1), like grade, not a usage error (2).
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"ingest", "pcap", junk, "--app", "a", "--rules", rules}, `bad.rules:2: field "category"`},
		{[]string{"ingest", "pcap", junk, "--app", "a"}, "junk.pcap"},
	} {
		code, _, stderr := ingestCLI(t, tt.args...)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

func TestIngestLeavesOutUnwritableHosts(t *testing.T) {
	har := filepath.Join(t.TempDir(), "odd.har")
	os.WriteFile(har, []byte(`{"log":{"entries":[{"request":{"url":"https://a..b/"}},{"request":{"url":"https://[2001:db8::1]:8443/"}}]}}`), 0o644)
	code, stdout, stderr := ingestCLI(t, "ingest", "har", har, "--app", "z")
	if code != 0 || !strings.Contains(stderr, `left out (not a valid servers.csv row): "a..b"`) ||
		!strings.Contains(stderr, "[2001:db8::1]:8443 https") || strings.Contains(stdout, "a..b") || !strings.Contains(stdout, "z,2001:db8::1,8443,https") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

// TestOutIntoMissingFolder: --out in a folder that does not exist fails (1) with the path
// the user gave and the missing folder, not the name of a hidden temporary file.
func TestOutIntoMissingFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nodir")
	har := filepath.Join("..", "..", "datasets", "sample", "captures", "a12.har")
	results := filepath.Join("..", "..", "datasets", "sample", "results.jsonl")
	for _, args := range [][]string{
		{"ingest", "har", har, "--app", "a12", "--out", filepath.Join(missing, "servers.csv")},
		{"grade", results, "--out", filepath.Join(missing, "regraded.jsonl")},
	} {
		code, _, stderr := ingestCLI(t, args...)
		want := "folder " + missing + " does not exist"
		if code != 1 || !strings.Contains(stderr, want) || strings.Contains(stderr, "nodir/.") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q, no temporary file name", args[0], code, stderr, want)
		}
	}
}

// TestIngestWrongFormat: a file of another kind is refused (1), saying what it is and
// which command reads it, instead of a JSON type error or a pcap magic number.
func TestIngestWrongFormat(t *testing.T) {
	dir := t.TempDir()
	har := filepath.Join("..", "..", "datasets", "sample", "captures", "a12.har")
	pcap := filepath.Join(dir, "x.pcap")
	pkts := capturetest.Conversation(netip.MustParseAddrPort("10.0.0.2:40000"), netip.MustParseAddrPort("198.51.100.2:80"),
		[]byte("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"), nil, 500)
	var b bytes.Buffer
	if err := capturetest.Write(&b, capturetest.Ethernet, false, time.Unix(0, 0), pkts); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(pcap, b.Bytes(), 0o644)
	testssl := filepath.Join("..", "..", "datasets", "importer", "testdata", "testssl-3.0.8-default-flat.json")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"ingest", "har", pcap}, "this file is a pcap capture, not a HAR (HTTP archive): read it with `mhealthsec ingest pcap`"},
		{[]string{"ingest", "pcap", har}, "this file is a HAR (HTTP archive), not a pcap capture: read it with `mhealthsec ingest har`"},
		{[]string{"ingest", "pcap", testssl}, "this file is testssl.sh JSON, not a pcap capture: read it with `mhealthsec import testssl`"},
		{[]string{"ingest", "har", testssl}, "this file is testssl.sh JSON, not a HAR (HTTP archive): read it with `mhealthsec import testssl`"},
	} {
		code, _, stderr := ingestCLI(t, append(tt.args, "--app", "a")...)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestIngestNoServer: a capture with no server says so on standard error and still writes
// the header a non-empty run writes.
func TestIngestNoServer(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.har")
	os.WriteFile(empty, []byte("\xef\xbb\xbf"+`{"log":{"version":"1.2","creator":{"name":"Fiddler","version":"5.0"},"pages":[],"entries":[]}}`), 0o644)
	har := filepath.Join("..", "..", "datasets", "sample", "captures", "a12.har")
	_, full, _ := ingestCLI(t, "ingest", "har", har, "--app", "a12")
	code, stdout, stderr := ingestCLI(t, "ingest", "har", empty, "--app", "a12")
	header, _, _ := strings.Cut(full, "\n")
	if code != 0 || stdout != header+"\n" || !strings.Contains(stderr, "WARNING: no server found in "+empty+" (0 entries read)") {
		t.Errorf("exit %d\nstdout %q (want header %q)\nstderr %s", code, stdout, header, stderr)
	}
}

// TestIngestRealHARWithBOM: a HAR that Playwright recorded with Chromium, with a UTF-8
// byte-order mark added as Fiddler writes one; its page title is not a URL, so the
// first-party domain comes from the page's first request (after its redirect).
func TestIngestRealHARWithBOM(t *testing.T) {
	har := filepath.Join("..", "..", "datasets", "capture", "testdata", "playwright-chromium-bom.har")
	code, stdout, stderr := ingestCLI(t, "ingest", "har", har, "--app", "steps")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"steps,api.example-health.test,8453,https,functional,first_party", "steps,www.example-health.test,8453,https,functional,first_party"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}
