package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
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
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// probeLab starts n loopback HTTPS servers and writes the root to a PEM file.
func probeLab(t *testing.T, n int) (targets []string, caFile string) {
	t.Helper()
	root, err := pki.NewRoot("cli test root")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := root.Issue(pki.LeafOptions{Names: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "root.pem")
	if err := root.WriteRootPEM(caFile); err != nil {
		t.Fatal(err)
	}
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Strict-Transport-Security", "max-age=600")
			}),
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
			ErrorLog:  log.New(io.Discard, "", 0),
		}
		go srv.ServeTLS(ln, "", "")
		t.Cleanup(func() { srv.Close() })
		targets = append(targets, "127.0.0.1:"+strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	return targets, caFile
}

func runCLI(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestProbeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badLines := filepath.Join(dir, "targets.txt")
	os.WriteFile(badLines, []byte("# comment\nexample.org\nhttps://x/\n"), 0o644)
	badCSV := filepath.Join(dir, "servers.csv")
	os.WriteFile(badCSV, []byte("app_id,host,port,scheme,category\na1,example.org,443,https,functional\na1,example.org,21,ftp,other\n"), 0o644)
	existing := filepath.Join(dir, "results.jsonl")
	os.WriteFile(existing, []byte(`{"target":"a:443"}`+"\n"), 0o644)
	badResults := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(badResults, []byte(`{"target":"a:443"}`+"\n"+`{"target":"b:443","port":"x"}`+"\n"), 0o644)
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"probe"}, "no targets"},
		{[]string{"probe", "exa mple.org"}, "not a host name"},
		{[]string{"probe", "-4", "-6", "example.org"}, "exclude each other"},
		{[]string{"probe", "--resume", "example.org"}, "--resume needs --out"},
		{[]string{"probe", "--criteria", "2001x", "example.org"}, "unknown grading criteria"},
		{[]string{"probe", "--concurrency", "0", "example.org"}, "--concurrency"},
		{[]string{"probe", "--rate", "-1", "example.org"}, "--rate"},
		{[]string{"probe", "--host-rate", "-5", "example.org"}, "--host-rate"},
		{[]string{"probe", "--host-burst", "0", "example.org"}, "--host-burst"},
		{[]string{"probe", "--rate-burst", "0", "example.org"}, "--rate-burst"},
		{[]string{"probe", "--http-port", "70000", "example.org"}, "--http-port"},
		{[]string{"probe", "--timeout", "soon", "example.org"}, "invalid argument"},
		{[]string{"probe", "--targets", badLines}, "targets.txt:3:"},
		{[]string{"probe", "--targets", badCSV}, `servers.csv:3: column "scheme"`},
		{[]string{"probe", "--targets", filepath.Join(dir, "missing.txt")}, "missing.txt"},
		{[]string{"probe", "--out", existing, "example.org"}, "pass --resume"},
		{[]string{"probe", "--out", badResults, "--resume", "example.org"}, `bad.jsonl:2: field "port"`},
		{[]string{"probe", "--ca-file", badLines, "example.org"}, "no PEM certificate"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(context.Background(), tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.msg) || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 mentioning %q", tt.args, code, stderr, stdout, tt.msg)
		}
	}
}

// TestProbeRateFlags checks how the rate flags reach the scanner: 0 lifts a limit, which
// the scanner spells as a negative rate (its zero means "the default").
func TestProbeRateFlags(t *testing.T) {
	tests := []struct {
		rate, hostRate               float64
		rateBurst, hostBurst         int
		wantRate, wantHostRate       float64
		wantRateBurst, wantHostBurst int
	}{
		{probe.DefaultRate, probe.DefaultHostRate, probe.DefaultRateBurst, probe.DefaultHostBurst,
			probe.DefaultRate, probe.DefaultHostRate, probe.DefaultRateBurst, probe.DefaultHostBurst},
		{0, 0, 1, 1, -1, -1, 1, 1},
		{250, 5, 10, 3, 250, 5, 10, 3},
	}
	for _, tt := range tests {
		f := probeFlags{concurrency: 1, perHost: 1, perHostConns: 1, timeout: time.Second, deadline: time.Minute,
			criteria: "2009r", httpPort: 80, rate: tt.rate, hostRate: tt.hostRate, rateBurst: tt.rateBurst, hostBurst: tt.hostBurst}
		cfg, _, err := f.config()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Rate != tt.wantRate || cfg.HostRate != tt.wantHostRate || cfg.RateBurst != tt.wantRateBurst || cfg.HostBurst != tt.wantHostBurst {
			t.Errorf("flags %v/%v burst %d/%d: config rate %v host %v, bursts %d %d", tt.rate, tt.hostRate, tt.rateBurst, tt.hostBurst,
				cfg.Rate, cfg.HostRate, cfg.RateBurst, cfg.HostBurst)
		}
	}
}

func TestProbeToStdout(t *testing.T) {
	t.Parallel()
	targets, ca := probeLab(t, 2)
	// --host-rate 0: the endpoints share 127.0.0.1, where the per-IP pacing meant for one
	// real server would make the run wait (as in TestShardedScanMerges).
	args := append([]string{"probe", "--ca-file", ca, "--http-port", "0", "--sni", "localhost", "--loopback-only", "--host-rate", "0"}, targets...)
	code, stdout, stderr := runCLI(context.Background(), args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []result.Result
	if err := result.ReadJSONL(strings.NewReader(stdout), "stdout", func(_ int, r result.Result) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d results, want 2:\n%s", len(got), stdout)
	}
	for _, r := range got {
		if r.Error != nil || r.Certificate == nil || r.Certificate.Trusted == nil || !*r.Certificate.Trusted || !r.Certificate.HostnameMatch || r.SNI != "localhost" {
			t.Errorf("%s: error %v certificate %+v sni %q", r.Target, r.Error, r.Certificate, r.SNI)
		}
		if r.HTTP == nil || r.HTTP.HSTS == nil || r.HTTP.HSTS.MaxAge != 600 || r.PlainHTTP != nil {
			t.Errorf("%s: http %+v plain %+v", r.Target, r.HTTP, r.PlainHTTP)
		}
	}
	if !strings.Contains(stderr, "2 endpoints: 2 measured") {
		t.Errorf("summary missing from stderr: %q", stderr)
	}
}

func TestProbeResume(t *testing.T) {
	t.Parallel()
	targets, ca := probeLab(t, 3)
	dir := t.TempDir()
	out := filepath.Join(dir, "results.jsonl")
	list := filepath.Join(dir, "targets.txt")
	os.WriteFile(list, []byte("# lab\n"+targets[0]+"\n"+targets[1]+"  # second\n"), 0o644)
	base := []string{"probe", "--ca-file", ca, "--http-port", "0", "--out", out, "--host-rate", "0"}
	if code, _, stderr := runCLI(context.Background(), append(base, "--targets", list)...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	// A kill -9 during the next write leaves half a line.
	f, _ := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"target":"127.0.0.1:1","host":"127.`)
	f.Close()

	code, stdout, stderr := runCLI(context.Background(), append(base, "--resume", "--targets", list, targets[2])...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q with --out", stdout)
	}
	for _, want := range []string{"removed an incomplete last line", "3 endpoints: 1 measured, 2 already done"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	rs, err := result.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.Target] {
			t.Errorf("%s twice", r.Target)
		}
		seen[r.Target] = true
	}
	if len(rs) != 3 {
		t.Errorf("%d results, want 3", len(rs))
	}
}

func TestProbeLoopbackOnly(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is refused before any packet is sent.
	// Nothing could be measured: the result says why, and the command exits 1.
	code, stdout, stderr := runCLI(context.Background(), "probe", "--loopback-only", "--http-port", "0", "192.0.2.1:443")
	if code != 1 || !strings.Contains(stdout, `"kind":"connect"`) || !strings.Contains(stdout, "loopback-only") ||
		!strings.Contains(stderr, "1 endpoint: 0 measured, 1 could not be measured") || !strings.Contains(stderr, "no target could be measured") {
		t.Errorf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

func TestProbeInterrupted(t *testing.T) {
	targets, ca := probeLab(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	code, stdout, stderr := runCLI(ctx, "probe", "--ca-file", ca, "--http-port", "0", targets[0])
	if code != 1 || stdout != "" || !strings.Contains(stderr, "interrupted with 1 target not measured") {
		t.Errorf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

// TestServersCSVOneParser feeds the same servers.csv to probe and to datasets (as analyze
// reads it): the same rows become targets, and a file one refuses the other refuses with
// the same error.
func TestServersCSVOneParser(t *testing.T) {
	header := "app_id,host,port,scheme,category\n"
	tests := []struct {
		name, csv string
		want      []probe.Target // nil: an error
	}{
		{"study", header + `a1,api.example.org,443,https,functional
a2,API.example.org,443,https,functional
a1,api.example.org,8080,http,functional
a1,cdn.example.org,8443,https,content
a3,ads.example.net,80,http,advertising
a3,2001:db8::1,443,https,other
`, []probe.Target{
			{Host: "api.example.org", Port: 443, HTTPPort: 8080},
			{Host: "api.example.org", Port: 443, HTTPPort: 8080},
			{Host: "cdn.example.org", Port: 8443},
			{Host: "2001:db8::1", Port: 443},
		}},
		{"comment line", header + "# a comment\na1,x.org,443,https,functional\n", nil},
		{"unknown category", header + "a1,x.org,443,https,cdn\n", nil},
		{"unknown scheme", header + "a1,x.org,21,ftp,other\n", nil},
		{"no port", header + "a1,x.org,,https,functional\n", nil},
		{"port out of range", header + "a1,x.org,99999,https,functional\n", nil},
		{"no host", header + "a1,,443,https,functional\n", nil},
		{"missing column", "app_id,host,scheme,category\na1,x.org,https,functional\n", nil},
		{"unterminated quote", header + "a1,\"x.org,443,https,functional\n", nil},
		{"duplicate row", header + "a1,x.org,443,https,functional\na1,x.org,443,https,functional\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "servers.csv")
			if err := os.WriteFile(path, []byte(tt.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			got, _, err := collectTargets(nil, path, 0)
			_, dsErr := datasets.ReadServers(strings.NewReader(tt.csv), path, nil)
			if tt.want == nil {
				if err == nil || dsErr == nil {
					t.Fatalf("probe error %v, datasets error %v; want both to refuse", err, dsErr)
				}
				if want := "probe: " + dsErr.Error(); err.Error() != want {
					t.Errorf("probe says %q, datasets %q", err, dsErr)
				}
				return
			}
			if err != nil || dsErr != nil {
				t.Fatalf("probe error %v, datasets error %v", err, dsErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("targets %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestProbeTargetsFormats reads each --targets format through the command.
func TestProbeTargetsFormats(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ranked := write("top.csv", "rank,domain\n3,c.example\n1,a.example\n2,B.example\n4,d.example\n")
	bare := write("tranco.csv", "1,a.example\n2,b.example\n")
	lines := write("targets.txt", "127.0.0.1:8443 expired.lab.test\nexample.org # a comment\n")
	tests := []struct {
		file string
		top  int
		want []probe.Target
	}{
		{ranked, 2, []probe.Target{{Host: "a.example", Port: 443}, {Host: "b.example", Port: 443}}},
		{ranked, 0, []probe.Target{{Host: "a.example", Port: 443}, {Host: "b.example", Port: 443}, {Host: "c.example", Port: 443}, {Host: "d.example", Port: 443}}},
		{bare, 1, []probe.Target{{Host: "a.example", Port: 443}}},
		{lines, 0, []probe.Target{{Host: "127.0.0.1", Port: 8443, SNI: "expired.lab.test"}, {Host: "example.org", Port: 443}}},
	}
	for _, tt := range tests {
		got, _, err := collectTargets(nil, tt.file, tt.top)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s --top %d: %+v, %v; want %+v", filepath.Base(tt.file), tt.top, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		args []string
		msg  string
	}{
		{[]string{"probe", "--targets", lines, "--top", "3"}, "--top needs a rank,domain"},
		{[]string{"probe", "--top", "3", "example.org"}, "--top needs a rank,domain"},
		{[]string{"probe", "--targets", write("badrank.csv", "1,a.example\nx,b.example\n")}, `badrank.csv:2: rank "x"`},
		{[]string{"probe", "--targets", write("baddomain.csv", "1,a.example\n2,http://b/\n")}, `baddomain.csv:2: domain`},
		{[]string{"probe", "--resolve", "a.example:443", "a.example"}, "want host:port:address"},
		{[]string{"probe", "--resolve", "a.example:443:nowhere", "a.example"}, "not an IP address"},
	} {
		code, _, stderr := runCLI(context.Background(), bad.args...)
		if code != 2 || !strings.Contains(stderr, bad.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", bad.args, code, stderr, bad.msg)
		}
	}
}

// TestProbeResolve probes a lab server by a name no resolver knows, pinned with
// --resolve: the result carries the name, the certificate matches it.
func TestProbeResolve(t *testing.T) {
	t.Parallel()
	targets, ca := probeLab(t, 1)
	_, port, _ := net.SplitHostPort(targets[0])
	name := "localhost.lab.test:" + port
	code, stdout, stderr := runCLI(context.Background(), "probe", "--ca-file", ca, "--http-port", "0", "--loopback-only",
		"--resolve", name+":127.0.0.1", "--resolve", "unused.lab.test:1:127.0.0.1", name)
	if code != 0 {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
	var r result.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Target != name || r.IP != "127.0.0.1" || r.SNI != "localhost.lab.test" || r.Error != nil {
		t.Errorf("target %q ip %q sni %q error %v", r.Target, r.IP, r.SNI, r.Error)
	}
	if !strings.Contains(stderr, "1 --resolve entry named no target") || !strings.Contains(stderr, "1 endpoint: 1 measured") {
		t.Errorf("stderr %q", stderr)
	}
}

// TestProgressFinish checks that a bar cut short ends its line, so the summary that
// follows starts on a line of its own.
func TestProgressFinish(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, bar: progressbar.NewOptions(3, progressbar.OptionSetWriter(&buf), progressbar.OptionThrottle(0))}
	p.bar.Add(1)
	p.finish()
	if out := buf.String(); !strings.HasSuffix(out, "\n") {
		t.Errorf("interrupted bar left %q without a newline", out)
	}
}

// FuzzParseTargetsFile checks that no targets file makes the parsers panic.
func FuzzParseTargetsFile(f *testing.F) {
	f.Add("example.org\n[::1]:443 # loopback\n")
	f.Add("app_id,host,port,scheme,category\na,x.org,443,https,functional\na,x.org,80,http,other\n")
	f.Add("host,port,scheme\n\"unterminated\n")
	f.Add("rank,domain\n2,b.example\n1,a.example\n")
	f.Add("127.0.0.1:8443 expired.lab.test\n")
	f.Fuzz(func(t *testing.T, s string) {
		switch {
		case probe.IsRankedList([]byte(s)):
			probe.ReadRankedList(strings.NewReader(s), "fuzz.csv", 10, 443)
		case isServersCSV(s):
			parseServersCSV(s, "fuzz.csv")
		default:
			parseTargetLines(s, "fuzz.txt")
		}
	})
}

func TestGradeOrder(t *testing.T) {
	s := summaryLine(probe.Summary{Targets: 5, Measured: 5, Grades: map[string]int{"B": 1, "A-": 1, "A+": 1, "A": 1, "F": 1}})
	if !strings.HasSuffix(s, "grades: A+ 1 A 1 A- 1 B 1 F 1") {
		t.Errorf("summary %q", s)
	}
}

// TestProbeNoAIA serves a leaf without its intermediate, with the intermediate published at
// the leaf's caIssuers URL: by default the probe completes the chain (trusted, incomplete,
// cap B); with --no-aia it cannot build the chain and the certificate is untrusted (T).
func TestProbeNoAIA(t *testing.T) {
	t.Parallel()
	root, err := pki.NewRoot("cli aia root")
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate("cli aia intermediate")
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := inter.ServeIssuer(pki.DER)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { issuer.Close() })
	cert, err := inter.Issue(pki.LeafOptions{OmitIntermediates: true, IssuingCertificateURL: []string{issuer.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "root.pem")
	if err := root.WriteRootPEM(ca); err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	target := ln.Addr().String()

	tests := []struct {
		flags       []string
		trusted     string
		wantLetter  string // "" for not graded
		wantCapRule string
	}{
		// The issuer listens on a random port: the fetch policy refuses it unless widened.
		{[]string{"--allow-fetch-to", "127.0.0.1"}, "true", "B", "chain_incomplete"},
		// Refused by our policy, not failed at the server: trust unknown, not graded.
		{nil, "null", "", ""},
		// Fetching off: judged as served, as a client that fetches nothing judges it.
		{[]string{"--no-aia"}, "false", "T", ""},
	}
	for _, tt := range tests {
		args := append([]string{"probe", "--ca-file", ca, "--http-port", "0", "--sni", "localhost", "--loopback-only"}, tt.flags...)
		code, stdout, stderr := runCLI(context.Background(), append(args, target)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.flags, code, stderr)
		}
		var r result.Result
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("%v: %v\n%s", tt.flags, err, stdout)
		}
		trusted := "null"
		if r.Certificate != nil && r.Certificate.Trusted != nil {
			trusted = strconv.FormatBool(*r.Certificate.Trusted)
		}
		if r.Certificate == nil || trusted != tt.trusted || r.Certificate.ChainComplete {
			t.Fatalf("%v: certificate %+v, want trusted %s and an incomplete chain", tt.flags, r.Certificate, tt.trusted)
		}
		if tt.wantLetter == "" {
			if r.Grade != nil || !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, "not graded: certificate trust unknown") }) {
				t.Fatalf("%v: grade %+v, notes %q; want none, with a note saying why", tt.flags, r.Grade, r.Notes)
			}
		} else if r.Grade == nil || r.Grade.Letter != tt.wantLetter {
			t.Fatalf("%v: grade %+v, want %s", tt.flags, r.Grade, tt.wantLetter)
		}
		refused := slices.ContainsFunc(r.Certificate.Notes, func(n string) bool { return strings.Contains(n, "refused by the fetch policy (rule port)") })
		if refused != (tt.flags == nil) {
			t.Errorf("%v: notes %q; want a port refusal only without flags", tt.flags, r.Certificate.Notes)
		}
		if tt.wantCapRule != "" && r.Grade != nil && !slices.ContainsFunc(r.Grade.Caps, func(c result.Rule) bool { return c.Rule == tt.wantCapRule }) {
			t.Errorf("%v: caps %+v lack %s", tt.flags, r.Grade.Caps, tt.wantCapRule)
		}
	}
}
