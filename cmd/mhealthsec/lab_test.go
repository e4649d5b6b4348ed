package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/internal/resultschema"
	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/lab"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func TestLabUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"lab", "--criteria", "2009z"},
		{"lab", "--criteria", "2009n,2009n"},
		{"lab", "extra"},
		{"lab", "--bench-runs", "0"},
		{"lab", "--bench-peers", "nmap"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, errb.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// assertGone checks that nothing listens on ports any more and that the goroutine count
// came back to before.
// Tests that count goroutines stay sequential; the parallel ones (t.Parallel) start only
// once every sequential test of the package has finished.
func assertGone(t *testing.T, ports []int, before int) {
	t.Helper()
	testenv.NoLeakedGoroutines(t, before)
	if len(ports) == 0 {
		t.Error("no fleet ports to check")
	}
	for _, p := range ports {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(lab.Loopback, strconv.Itoa(p)), time.Second); err == nil {
			c.Close()
			t.Errorf("port %d still open after lab returned", p)
		}
	}
}

// studyPorts reads the fleet's ports from the servers.csv lab wrote.
func studyPorts(t *testing.T, dir string) []int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "study", datasets.ServersFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	var ports []int
	for _, rec := range recs[1:] {
		p, err := strconv.Atoi(rec[2])
		if err != nil {
			t.Fatalf("servers.csv port %q: %v", rec[2], err)
		}
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	return ports
}

// checkCoverage fails t for every field of a measured endpoint that is null without a note
// saying why (result.Coverage), and logs how many of each field were measured.
func checkCoverage(t *testing.T, res []result.Result) {
	t.Helper()
	counts := map[string]map[result.FieldState]int{}
	for i := range res {
		for _, fc := range result.Coverage(&res[i]) {
			if fc.State == result.NullWithoutNote {
				t.Errorf("%s: %s is null without a note saying why", res[i].Target, fc.Field)
			}
			field := fc.Field
			if strings.HasPrefix(field, "client_simulations[") {
				field = "client_simulations[].connects"
			}
			if counts[field] == nil {
				counts[field] = map[result.FieldState]int{}
			}
			counts[field][fc.State]++
		}
	}
	for _, f := range append(result.CoveredFields(), "client_simulations[].connects") {
		c := counts[f]
		t.Logf("%-32s measured %3d, null with note %3d, null without note %d", f,
			c[result.Measured], c[result.NullWithNote], c[result.NullWithoutNote])
	}
}

var fleetRow = regexp.MustCompile(`(?m)^\S+\s+127\.0\.0\.1:(\d+)\s`)

// probeByName runs the probe command that lab --keep-running printed (results to a
// temporary file) and checks that it measured every server under its *.lab.test name.
func probeByName(t *testing.T, printed string, servers int) {
	t.Helper()
	i := strings.Index(printed, "mhealthsec probe ")
	if i < 0 {
		t.Fatalf("no probe command printed:\n%s", printed)
	}
	var args []string
	for _, f := range strings.Fields(printed[i+len("mhealthsec "):]) {
		if f != "\\" {
			args = append(args, f)
		}
	}
	outFile := filepath.Join(t.TempDir(), "by-name.jsonl")
	args[slices.Index(args, "--out")+1] = outFile
	if code, _, stderr := runCLI(context.Background(), args...); code != 0 {
		t.Fatalf("printed probe command exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r result.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if host, _, _ := net.SplitHostPort(r.Target); strings.HasSuffix(host, ".lab.test") && r.SNI == host {
			named++
		}
	}
	if named != servers {
		t.Errorf("%d of %d servers probed by their .lab.test name", named, servers)
	}
}

// TestLabRunsThePipeline runs the command as a user does, with --keep-running, and stops
// it as Ctrl-C does (main cancels the command's context on SIGINT). Whether every
// declaration is met depends on the scanner and grader; what is checked here is that the
// command reports it truthfully (exit 1 exactly when the table shows a miss), that the fleet
// it keeps running answers to the probe command it prints, and that it leaves nothing
// behind. One run serves all three: each lab run costs seconds of CPU (the fleet's RSA keys,
// 40 measurements, the analysis), and without --keep-running lab takes the same path up to
// the report (TestLabInterruptedEarly covers its return without one).
func TestLabRunsThePipeline(t *testing.T) {
	before := testenv.StableGoroutines()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"lab", "--out", dir, "--keep-running"}, &out, &errb) }()

	var ports []int
	for deadline := time.Now().Add(2 * time.Minute); len(ports) == 0; {
		select {
		case code := <-done:
			t.Fatalf("lab returned %d before being interrupted:\n%s\n%s", code, out.String(), errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("fleet never reported running")
		}
		if i := strings.Index(out.String(), "Ctrl-C stops it"); i >= 0 {
			for _, m := range fleetRow.FindAllStringSubmatch(out.String()[i:], -1) {
				p, _ := strconv.Atoi(m[1])
				ports = append(ports, p)
			}
		}
	}
	if len(ports) != len(lab.Catalog()) {
		t.Errorf("listed %d servers, want %d", len(ports), len(lab.Catalog()))
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(lab.Loopback, strconv.Itoa(ports[0])), time.Second)
	if err != nil {
		t.Fatalf("fleet not reachable while running: %v", err)
	}
	c.Close()
	if _, err := os.Stat(filepath.Join(dir, "lab-root-ca.pem")); err != nil {
		t.Errorf("root CA not written: %v", err)
	}
	probeByName(t, out.String(), len(ports))

	// The study, results and reports are written before the fleet is listed.
	text := out.String()
	for _, s := range lab.Catalog() {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(s.Name) + ` `).MatchString(text) {
			t.Errorf("agreement table has no row for %s", s.Name)
		}
	}
	res, err := result.ReadFile(filepath.Join(dir, "study", datasets.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(lab.Catalog()) {
		t.Errorf("%d results, want one per fleet server (%d)", len(res), len(lab.Catalog()))
	}
	checkCoverage(t, res)
	// What the probe really writes follows the published schema.
	resultschema.CheckFile(t, filepath.Join(dir, "study", datasets.ResultsFile))
	st, err := datasets.LoadStudy(filepath.Join(dir, "study"))
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]bool{}
	for _, r := range st.Results {
		hosts[r.Host+":"+strconv.Itoa(r.Port)] = true
		if r.IP != lab.Loopback {
			t.Errorf("%s measured at %q, not loopback", r.Host, r.IP)
		}
	}
	for _, s := range st.Servers {
		if !hosts[s.Host+":"+strconv.Itoa(s.Port)] {
			t.Errorf("servers.csv row %s:%d has no result", s.Host, s.Port)
		}
	}
	for _, f := range []string{"report.md", "report.html", "stats.json", "tables/agreement.csv", "tables/fleet.csv"} {
		if _, err := os.Stat(filepath.Join(dir, "report", f)); err != nil {
			t.Errorf("report: %v", err)
		}
	}
	for _, f := range []string{"report.md", "stats.json", "figures"} {
		if _, err := os.Stat(filepath.Join(dir, "analysis", f)); err != nil {
			t.Errorf("study analysis: %v", err)
		}
	}

	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("lab did not return after cancel")
	}
	if code != 0 && code != 1 {
		t.Fatalf("exit %d after interrupt, stderr:\n%s", code, errb.String())
	}
	missed := strings.Contains(text, "\nmissed (")
	if (code == 1) != missed {
		t.Errorf("exit %d but missed list shown=%v:\n%s\nstderr:\n%s", code, missed, text, errb.String())
	}
	if code == 1 && !strings.Contains(errb.String(), "declared grades and findings missed") {
		t.Errorf("exit 1 without saying why: %s", errb.String())
	}
	assertGone(t, append(ports, studyPorts(t, dir)...), before)
}

// TestLabInterruptedEarly cancels before the probe: lab fails, says so, and still leaves
// nothing running. Its fleet is the catalog without the servers that need an RSA key but
// one fake: their key generation is most of a fleet's start-up, and the whole catalog is
// shut down by TestLabRunsThePipeline (through this command) and by probe/lab's
// TestServersBehaveAsDeclared. What remains has a fake, plain-HTTP companions and the AIA
// and CRL servers.
func TestLabInterruptedEarly(t *testing.T) {
	var servers []lab.Server
	var fakes, plain, aia, crl bool
	for _, s := range lab.Catalog() {
		if (!strings.HasPrefix(string(s.Cert.Key), "rsa") && !s.Cert.MD5) || (s.Fake != nil && !fakes) {
			servers = append(servers, s)
			fakes, plain = fakes || s.Fake != nil, plain || s.PlainHTTP != lab.NoPlainHTTP
			aia, crl = aia || s.Cert.AIA, crl || s.Cert.Revoked
		}
	}
	if !fakes || !plain || !aia || !crl {
		t.Fatalf("the fleet without RSA keys lacks a kind of server: fakes %v, plain HTTP %v, AIA %v, CRL %v", fakes, plain, aia, crl)
	}
	before := testenv.StableGoroutines()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	criteria, err := parseCriteriaList(newLabCmd().Flag("criteria").DefValue)
	if err != nil {
		t.Fatal(err)
	}
	err = runLab(ctx, labOptions{out: dir, criteria: criteria, servers: servers}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("error %v, want one saying the context was canceled", err)
	}
	ports := studyPorts(t, dir)
	if len(ports) < len(servers) {
		t.Errorf("servers.csv lists %d ports for %d servers", len(ports), len(servers))
	}
	assertGone(t, ports, before)
}
