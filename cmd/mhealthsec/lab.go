package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/paper/report"
	"github.com/mhealthsec/mhealthsec/probe"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/lab"
	"github.com/mhealthsec/mhealthsec/probe/lab/labstudy"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// labOptions are the lab command's flags.
type labOptions struct {
	out         string
	keepRunning bool
	criteria    []grade.Criteria
	bench       bool
	benchRuns   int
	benchPeers  []string
	// servers is the fleet; nil means lab.Catalog(), as the command always runs it.
	servers []lab.Server
}

func newLabCmd() *cobra.Command {
	var o labOptions
	var criteria, peers string
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run the whole pipeline on a local fleet of strong and weak TLS servers",
		Long: `lab starts, in this process and on 127.0.0.1 only, a fleet of TLS servers built with Go's
crypto/tls and the project's fake servers (SSL 2.0/3.0 and other bytes no library serves
any more). Every server declares, before anything probes it, the grade it should get under
each criteria version and its findings (protocols, HSTS, vulnerabilities, certificate
verdicts, plain HTTP). lab writes a synthetic study around the fleet (apps.csv,
servers.csv), probes and grades it with the project's scanner, writes results.jsonl and a
report, and prints where measurement and declaration agree.

It exits 1 if any declared grade or finding is missed. Nothing outside this machine is
contacted; the fleet is gone when lab returns.`,
		Example: `  mhealthsec lab
  mhealthsec lab --out /tmp/lab --criteria 2009n
  mhealthsec lab --keep-running      # leave the fleet up for other tools until Ctrl-C
  mhealthsec lab --bench             # time the probe against sslscan and testssl`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.criteria, err = parseCriteriaList(criteria); err != nil {
				return usageErrorf("--criteria: %v", err)
			}
			if o.benchPeers, err = parsePeers(peers); err != nil {
				return usageErrorf("--bench-peers: %v", err)
			}
			if o.benchRuns < 1 {
				return usageErrorf("--bench-runs must be at least 1, got %d", o.benchRuns)
			}
			return runLab(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", filepath.Join("out", "lab"), "folder for the study, results and report")
	f.BoolVar(&o.keepRunning, "keep-running", false, "keep the fleet up after the report until interrupted")
	f.StringVar(&criteria, "criteria", "2009n,2009q,2009r", "criteria versions to check the declared grades under (comma-separated); results.jsonl is graded under the last")
	f.BoolVar(&o.bench, "bench", false, "time the probe, sslscan and testssl over the fleet")
	f.IntVar(&o.benchRuns, "bench-runs", 5, "with --bench: runs of the probe, per endpoint and over the whole fleet, to take the median of")
	f.StringVar(&peers, "bench-peers", "sslscan,testssl", "with --bench: peers to time (comma-separated; absent ones are skipped)")
	return cmd
}

// parseCriteriaList reads "2009n,2009r" in the order given, without repeats.
func parseCriteriaList(s string) ([]grade.Criteria, error) {
	var out []grade.Criteria
	for _, part := range strings.Split(s, ",") {
		c, err := grade.ParseCriteria(part)
		if err != nil {
			return nil, err
		}
		for _, seen := range out {
			if seen == c {
				return nil, fmt.Errorf("%s listed twice", c)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// measurement is one fleet endpoint with its probe result and its grades per criteria.
type measurement struct {
	ep     lab.Endpoint
	res    result.Result
	grades lab.Grades
	checks []lab.Check
}

func (m measurement) missed() int {
	n := 0
	for _, c := range m.checks {
		if !c.Agree {
			n++
		}
	}
	return n
}

func runLab(ctx context.Context, o labOptions, stdout, stderr io.Writer) error {
	started := time.Now()
	members := o.servers
	if members == nil {
		members = lab.Catalog()
	}
	fleet, err := lab.Start(ctx, members)
	if err != nil {
		return err
	}
	defer fleet.Close()
	fmt.Fprintf(stderr, "lab: %d servers up on %s in %v\n", len(fleet.Endpoints), lab.Loopback, time.Since(started).Round(time.Millisecond))

	studyDir := filepath.Join(o.out, "study")
	apps, servers, err := labstudy.Plan(fleet.Endpoints)
	if err != nil {
		return err
	}
	// A stale results.jsonl from an earlier run must not be read back with the new study.
	if err := os.Remove(filepath.Join(studyDir, datasets.ResultsFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("lab: %w", err)
	}
	if err := labstudy.Write(studyDir, apps, servers); err != nil {
		return err
	}

	probeStart := time.Now()
	ms, err := probeFleet(ctx, fleet, o.criteria)
	if err != nil {
		return err
	}
	probeTime := time.Since(probeStart)
	if err := writeResults(filepath.Join(studyDir, datasets.ResultsFile), ms); err != nil {
		return err
	}
	if _, err := datasets.LoadStudy(studyDir); err != nil {
		return fmt.Errorf("lab: the study the lab wrote does not load: %w", err)
	}

	printAgreement(stdout, ms, o.criteria)
	analysisDir := filepath.Join(o.out, "analysis")
	fmt.Fprintln(stdout)
	if err := analyzeLabStudy(ctx, studyDir, analysisDir, stdout, stderr); err != nil {
		return err
	}
	if err := report.WriteAtomic(filepath.Join(o.out, "report"), labDocument(ms, o.criteria, probeTime), labStats(ms, o.criteria)); err != nil {
		return fmt.Errorf("lab: report: %w", err)
	}
	fmt.Fprintf(stdout, "\nfleet of %d probed in %v; study in %s, study analysis in %s, lab report in %s\n",
		len(ms), probeTime.Round(time.Millisecond), studyDir, analysisDir, filepath.Join(o.out, "report"))

	var benchErr error
	if o.bench {
		benchErr = runBench(ctx, fleet, o, stdout, stderr)
	}
	if o.keepRunning {
		if err := keepRunning(ctx, fleet, o.out, probeArgs(labConfig(fleet, o.criteria[len(o.criteria)-1])), stdout); err != nil {
			return err
		}
	}

	missed, total := 0, 0
	for _, m := range ms {
		missed += m.missed()
		total += len(m.checks)
	}
	if ctx.Err() != nil && !o.keepRunning {
		return fmt.Errorf("lab: interrupted: %w", ctx.Err())
	}
	if missed > 0 {
		return fmt.Errorf("lab: %d of %d declared grades and findings missed (see the table above)", missed, total)
	}
	return benchErr
}

// analyzeLabStudy runs `mhealthsec analyze` on the lab's study folder, the way a user runs
// it on a real study: same command, same defaults.
func analyzeLabStudy(ctx context.Context, studyDir, out string, stdout, stderr io.Writer) error {
	root := newRootCmd()
	root.SetArgs([]string{"analyze", studyDir, "--out", out})
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		return fmt.Errorf("lab: analyze the lab study: %w", err)
	}
	return nil
}

// probeFleet measures every endpoint with the project's scanner, trusting the fleet's root,
// and grades each result under every criteria version.
func probeFleet(ctx context.Context, fleet *lab.Fleet, criteria []grade.Criteria) ([]measurement, error) {
	sc, err := newLabScanner(fleet, criteria[len(criteria)-1])
	if err != nil {
		return nil, err
	}
	ms := make([]measurement, len(fleet.Endpoints))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < labWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				ms[i] = measure(ctx, sc, fleet.Endpoints[i])
			}
		}()
	}
	// Fakes first: their probes wait out timeouts, so starting them last would make them
	// the tail of the run.
	for _, fakes := range []bool{true, false} {
		for i, e := range fleet.Endpoints {
			if (e.Fake != nil) == fakes {
				work <- i
			}
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lab: probe interrupted: %w", err)
	}
	// The fleet is one scan: endpoints sharing a key with an SSL 2.0 endpoint are DROWN
	// too (probe.MarkDROWN), before anything is graded and compared.
	rs := make([]result.Result, len(ms))
	for i := range ms {
		rs[i] = ms[i].res
	}
	probe.MarkDROWN(rs)
	for i := range ms {
		ms[i].res = rs[i]
		ms[i].judge(criteria)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].ep.Name < ms[j].ep.Name })
	return ms, nil
}

// labWorkers is how many endpoints are measured at once: enough to keep two cores busy,
// few enough that the fleet's servers (in the same process) keep up.
const labWorkers = 8

// labReadTimeout bounds one exchange on an open loopback connection.
const labReadTimeout = 3 * time.Second

func newLabScanner(fleet *lab.Fleet, c grade.Criteria) (*probe.Scanner, error) {
	sc, err := probe.New(labConfig(fleet, c))
	if err != nil {
		return nil, fmt.Errorf("lab: scanner: %w", err)
	}
	return sc, nil
}

// labConfig is how lab measures its fleet; keepRunning prints it as probe flags.
func labConfig(fleet *lab.Fleet, c grade.Criteria) probe.Config {
	return probe.Config{
		Concurrency: labWorkers,
		PerHost:     labWorkers, // every endpoint is on 127.0.0.1
		// The per-IP connection bound protects one real server; here it would make 28
		// servers share the few connections meant for one, and starve.
		PerHostConns: 16 * labWorkers,
		// Loopback answers in milliseconds; the bound matters only where a check waits for
		// a reply a server never sends, and there it is the whole cost. The one fleet
		// server that stays silent, Sleeping POODLE's fake, is waited for 1 s per round
		// rather than this bound (the padding probe's silence wait, probe/vuln), so the
		// fleet's time is set by its slowest answers.
		ReadTimeout: labReadTimeout,
		// Loopback, our own servers: no need to be polite. The per-IP rate exists for one
		// real server; the whole fleet shares 127.0.0.1.
		Rate:         -1,
		HostRate:     -1,
		Roots:        fleet.Pool(),
		HTTPPort:     -1, // only endpoints with a plain-HTTP companion get the check
		Criteria:     c,
		LoopbackOnly: true,
		// The fleet's AIA, OCSP and CRL servers listen on random loopback ports: widen the
		// fetch policy's ports to our own fleet.
		AllowFetchTo: []netip.Prefix{netip.MustParsePrefix(lab.Loopback + "/32")},
	}
}

// probeArgs spells cfg, a lab configuration, as the probe command's flags (all but the
// roots, which are a file there), so that the command keepRunning prints measures the
// fleet as lab did. At the probe's default pace, polite to one real server, the 40
// endpoints sharing 127.0.0.1 take ~35 s instead of ~5 s.
func probeArgs(cfg probe.Config) []string {
	rate := func(r float64) string {
		if r < 0 {
			return "0" // the flags' "unlimited"
		}
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	args := []string{
		"--concurrency", strconv.Itoa(cfg.Concurrency),
		"--per-host", strconv.Itoa(cfg.PerHost),
		"--per-host-conns", strconv.Itoa(cfg.PerHostConns),
		"--rate", rate(cfg.Rate),
		"--host-rate", rate(cfg.HostRate),
		"--timeout", cfg.ReadTimeout.String(),
		"--http-port", strconv.Itoa(max(cfg.HTTPPort, 0)),
		"--criteria", string(cfg.Criteria),
	}
	if cfg.LoopbackOnly {
		args = append(args, "--loopback-only")
	}
	for _, p := range cfg.AllowFetchTo {
		args = append(args, "--allow-fetch-to", p.String())
	}
	return args
}

// labTarget points the scanner at the endpoint's loopback address with its name as SNI
// and hostname: the fleet's names are not in DNS.
func labTarget(e lab.Endpoint) probe.Target {
	return probe.Target{Host: e.IP, Port: e.Port, SNI: e.SNI, HTTPPort: e.HTTPPort}
}

// measure probes one endpoint; judge grades it once the whole fleet is measured.
func measure(ctx context.Context, sc *probe.Scanner, e lab.Endpoint) measurement {
	r := sc.Measure(ctx, labTarget(e))
	// The result names the server as a study's servers.csv does; the lab did the resolving.
	r.Host = e.SNI
	r.Target = fmt.Sprintf("%s:%d", e.SNI, e.Port)
	r.Notes = append(r.Notes, "lab: "+e.SNI+" measured at "+e.Addr()+" (fleet names are not in DNS)")
	return measurement{ep: e, res: r}
}

// judge grades the measurement under every criteria version and sets its declarations
// beside it.
func (m *measurement) judge(criteria []grade.Criteria) {
	m.grades = lab.Grades{}
	for _, c := range criteria {
		m.grades[string(c)] = grade.Grade(&m.res, c)
	}
	m.res.Grade = m.grades[string(criteria[len(criteria)-1])]
	declared := m.ep
	declared.Expect.Grades = onlyCriteria(m.ep.Expect.Grades, criteria)
	declared.Expect.TrustIgnored = onlyCriteria(m.ep.Expect.TrustIgnored, criteria)
	m.checks = lab.Compare(declared, m.res, m.grades)
}

func onlyCriteria(m map[string]string, criteria []grade.Criteria) map[string]string {
	out := map[string]string{}
	for _, c := range criteria {
		if v, ok := m[string(c)]; ok {
			out[string(c)] = v
		}
	}
	return out
}

func writeResults(path string, ms []measurement) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	w := result.NewWriter(f)
	for _, m := range ms {
		if err := w.Write(m.res); err != nil {
			f.Close()
			return fmt.Errorf("lab: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	return nil
}

// gradeList spells grades per criteria as "A+/B/B".
func gradeList(get func(c string) string, criteria []grade.Criteria) string {
	parts := make([]string, len(criteria))
	for i, c := range criteria {
		parts[i] = get(string(c))
	}
	return strings.Join(parts, "/")
}

func declaredGrades(m measurement, criteria []grade.Criteria) string {
	return gradeList(func(c string) string { return letterOrDash(m.ep.Expect.Grades[c]) }, criteria)
}

func measuredGrades(m measurement, criteria []grade.Criteria) string {
	return gradeList(func(c string) string {
		if g := m.grades[c]; g != nil {
			return letterOrDash(g.Letter)
		}
		return "-"
	}, criteria)
}

func letterOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func findingsAgreed(m measurement) (agreed, total int) {
	for _, c := range m.checks {
		if strings.HasPrefix(c.What, "grade ") || strings.HasPrefix(c.What, "trust-ignored ") {
			continue
		}
		total++
		if c.Agree {
			agreed++
		}
	}
	return agreed, total
}

func criteriaHeader(criteria []grade.Criteria) string {
	parts := make([]string, len(criteria))
	for i, c := range criteria {
		parts[i] = string(c)
	}
	return strings.Join(parts, "/")
}

// printAgreement writes the agreement table (one row per server) and then every
// disagreement with its declared and measured value.
func printAgreement(w io.Writer, ms []measurement, criteria []grade.Criteria) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	hdr := criteriaHeader(criteria)
	fmt.Fprintf(tw, "server\tdeclared %s\tmeasured %s\tfindings\tagree\n", hdr, hdr)
	for _, m := range ms {
		agreed, total := findingsAgreed(m)
		mark := "yes"
		if m.missed() > 0 {
			mark = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\n", m.ep.Name, declaredGrades(m, criteria), measuredGrades(m, criteria), agreed, total, mark)
	}
	tw.Flush()

	var lines []string
	for _, m := range ms {
		for _, c := range m.checks {
			if !c.Agree {
				lines = append(lines, fmt.Sprintf("  %s: %s: declared %s, measured %s", c.Server, c.What, c.Declared, c.Measured))
			}
		}
	}
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nmissed (%d):\n%s\n", len(lines), strings.Join(lines, "\n"))
	}
}

func labDocument(ms []measurement, criteria []grade.Criteria, probeTime time.Duration) report.Document {
	hdr := criteriaHeader(criteria)
	fleet := report.Table{
		Name:    "fleet",
		Caption: "The fleet: each server's configuration and its grades, declared before the probe ran",
		Columns: []string{"server", "configuration", "declared " + hdr, "why"},
	}
	agree := report.Table{
		Name:    "agreement",
		Caption: "Declared against measured, per server",
		Columns: []string{"server", "declared " + hdr, "measured " + hdr, "findings agreed", "agree"},
	}
	checks := report.Table{
		Name:    "checks",
		Caption: "Every declared value beside its measurement",
		Columns: []string{"server", "check", "declared", "measured", "agree"},
	}
	missed := 0
	for _, m := range ms {
		fleet.Rows = append(fleet.Rows, []string{m.ep.Name, m.ep.Description, declaredGrades(m, criteria), m.ep.Expect.Why})
		agreed, total := findingsAgreed(m)
		mark := "yes"
		if m.missed() > 0 {
			mark = "no"
		}
		missed += m.missed()
		agree.Rows = append(agree.Rows, []string{m.ep.Name, declaredGrades(m, criteria), measuredGrades(m, criteria), fmt.Sprintf("%d/%d", agreed, total), mark})
		for _, c := range m.checks {
			checks.Rows = append(checks.Rows, []string{c.Server, c.What, c.Declared, c.Measured, fmt.Sprint(c.Agree)})
		}
	}
	summary := fmt.Sprintf("%d servers on 127.0.0.1, probed and graded in %v. %d declared values missed.",
		len(ms), probeTime.Round(time.Millisecond), missed)
	return report.Document{
		Title:    "mhealthsec lab: declared against measured",
		Subtitle: "Grades per criteria version " + hdr + " (docs/grading.md)",
		Sections: []report.Section{
			{Title: "Summary", Blocks: []report.Block{report.Paragraph{Text: summary}}},
			{Title: "Fleet", Blocks: []report.Block{fleet}},
			{Title: "Agreement", Blocks: []report.Block{agree, checks}},
		},
	}
}

// labStats is stats.json: per server, declared and measured grades and the missed checks.
func labStats(ms []measurement, criteria []grade.Criteria) any {
	type server struct {
		Declared map[string]string `json:"declared"`
		Measured map[string]string `json:"measured"`
		Checks   int               `json:"checks"`
		Missed   []lab.Check       `json:"missed"`
	}
	out := map[string]server{}
	for _, m := range ms {
		s := server{Declared: map[string]string{}, Measured: map[string]string{}, Checks: len(m.checks), Missed: []lab.Check{}}
		for _, c := range criteria {
			s.Declared[string(c)] = letterOrDash(m.ep.Expect.Grades[string(c)])
			s.Measured[string(c)] = "-"
			if g := m.grades[string(c)]; g != nil {
				s.Measured[string(c)] = letterOrDash(g.Letter)
			}
		}
		for _, c := range m.checks {
			if !c.Agree {
				s.Missed = append(s.Missed, c)
			}
		}
		out[m.ep.Name] = s
	}
	return map[string]any{"servers": out}
}

// keepRunning lists the fleet, prints the probe command (with args, lab's own
// configuration) that measures it by its names, and waits until ctx is canceled (Ctrl-C).
func keepRunning(ctx context.Context, fleet *lab.Fleet, out string, args []string, w io.Writer) error {
	caPath := filepath.Join(out, "lab-root-ca.pem")
	if err := fleet.WriteRootPEM(caPath); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	fmt.Fprintf(w, "\nfleet running (root CA in %s); Ctrl-C stops it:\n", caPath)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server\taddress\tSNI\tplain HTTP")
	for _, e := range fleet.Endpoints {
		plain := "-"
		if e.HTTPPort != 0 {
			plain = fmt.Sprintf("%s:%d", e.IP, e.HTTPPort)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, e.Addr(), e.SNI, plain)
	}
	tw.Flush()
	// The same fleet by its own names, which resolve nowhere else: a targets file of
	// name:port and a --resolve pin for each.
	targetsPath := filepath.Join(out, "lab-targets.txt")
	var lines, pins strings.Builder
	for _, e := range fleet.Endpoints {
		if e.SNI == "" {
			fmt.Fprintln(&lines, e.Addr())
			continue
		}
		name := net.JoinHostPort(e.SNI, strconv.Itoa(e.Port))
		fmt.Fprintln(&lines, name)
		fmt.Fprintf(&pins, " \\\n    --resolve %s:%s", name, e.IP)
	}
	if err := os.WriteFile(targetsPath, []byte(lines.String()), 0o644); err != nil {
		return fmt.Errorf("lab: %w", err)
	}
	fmt.Fprintf(w, "\nprobe the whole fleet by its names, as lab did:\n  mhealthsec probe --ca-file %s %s --targets %s --out lab-results.jsonl%s\n",
		caPath, strings.Join(args, " "), targetsPath, pins.String())
	<-ctx.Done()
	return nil
}
