package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe"
	"github.com/mhealthsec/mhealthsec/probe/fetchpolicy"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

type probeFlags struct {
	targetsFile     string
	out             string
	resume          bool
	concurrency     int
	perHost         int
	perHostConns    int
	rate            float64
	rateBurst       int
	hostRate        float64
	hostBurst       int
	timeout         time.Duration
	deadline        time.Duration
	overallDeadline time.Duration
	caFile          string
	httpPort        int
	sni             string
	criteria        string
	ipv4, ipv6      bool
	loopbackOnly    bool
	noAIA           bool
	shard           string
	shards          int
	allowFetchTo    []string
	resolve         []string
	top             int
}

func newProbeCmd() *cobra.Command {
	var f probeFlags
	cmd := &cobra.Command{
		Use:   "probe [host[:port] ...]",
		Short: "Scan TLS endpoints and write one JSON result per line",
		Long: `probe measures each target (protocols and ciphers, certificate, HTTP headers, plain HTTP,
vulnerabilities), grades it and writes one JSON result per line, as soon as it is done.

Targets are host[:port] arguments (port 443 by default; IPv6 as [::1]:443) and/or a
--targets file, one of:
  - lines of host[:port], optionally followed by the server name to send and match
    ("127.0.0.1:8443 expired.lab.test"); # starts a comment;
  - a study's servers.csv (detected by its header; read as analyze reads it): its https
    rows are the targets, its http rows name the port of the plain-HTTP check for their
    host;
  - a popularity list, rank,domain rows as Tranco and similar lists publish them (with
    or without that header): --top N takes the N best-ranked domains, on port 443.
A host name is measured at its first address; --resolve host:port:address (curl's form)
pins a name no resolver knows.

Limits. One endpoint's measurement opens many short connections, one per protocol, cipher
and vulnerability probe: 32 on Go's defaults, 56 on OpenSSL's (RSA key), ~140 on a server
that offers every legacy suite. Two limits keep that polite and safe:
  --host-rate/--host-burst  new connections per second to one IP address: what a server sees
                            of us. The burst lets one endpoint's measurement start at once;
                            more endpoints of the same IP are then paced at the rate.
  --rate/--rate-burst       new connections per second over the whole scan: a ceiling that
                            protects our own machine and network (sockets, NAT, uplink) when
                            many hosts are scanned at once.
--concurrency, --per-host and --per-host-conns bound what is open at once.

An interrupted scan (Ctrl-C, --overall-deadline) keeps every finished line; run the same
command with --resume to measure only what is missing.

DROWN across services. When the scan ends (or is interrupted), the --out file's endpoints
are compared: one whose RSA key speaks SSL 2.0 on another endpoint of the file is DROWN
(vulnerabilities.drown_same_key names it; grade F), and the file is replaced atomically.
Results on stdout cannot be rewritten (stderr lists what would be marked); a shard is
compared by "mhealthsec merge". See docs/result-format.md.

Sharding. --shard K/N measures part K (0 to N-1) of the targets; the N parts, run on N
machines with one --out each, are joined by "mhealthsec merge". The part of a target is a
hash of its host (an IP literal or a host name), so it never depends on the list's order,
the machine or the run, and all ports of a host are in one part, under one machine's
--host-rate. Names that resolve to one shared address can still land in different parts
(see docs/cluster.md). In a Slurm job array K/N default to the task's index and count
(SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT); in a Kubernetes
Indexed Job to JOB_COMPLETION_INDEX and --shards N. Each part resumes on its own.`,
		Example: `  mhealthsec probe example.org api.example.org:8443 > results.jsonl
  mhealthsec probe --targets study/servers.csv --out study/results.jsonl
  mhealthsec probe --targets study/servers.csv --out study/results.jsonl --resume
  mhealthsec probe --ca-file lab/root.pem --http-port 8080 127.0.0.1:8443
  mhealthsec probe --targets study/servers.csv --shard 2/8 --out shard-2.jsonl --resume`,
		RunE: func(cmd *cobra.Command, args []string) error { return runProbe(cmd, args, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.targetsFile, "targets", "", "file of targets: host[:port] per line, or a servers.csv")
	fl.StringVar(&f.out, "out", "", "results file (JSONL); default stdout")
	fl.BoolVar(&f.resume, "resume", false, "continue --out: skip targets already in it")
	fl.IntVar(&f.concurrency, "concurrency", probe.DefaultConcurrency, "endpoints measured at once")
	fl.IntVar(&f.perHost, "per-host", probe.DefaultPerHost, "endpoints of one IP address measured at once")
	fl.IntVar(&f.perHostConns, "per-host-conns", probe.DefaultPerHostConns, "connections to one IP address open at once")
	fl.Float64Var(&f.hostRate, "host-rate", probe.DefaultHostRate, "new connections per second to one IP address, to be gentle with each server (0: unlimited)")
	fl.IntVar(&f.hostBurst, "host-burst", probe.DefaultHostBurst, "connections to one IP address allowed at once before --host-rate paces them (one endpoint needs 32-68 on default servers)")
	fl.Float64Var(&f.rate, "rate", probe.DefaultRate, "new connections per second over the whole scan, a ceiling that protects our own machine and network (0: unlimited)")
	fl.IntVar(&f.rateBurst, "rate-burst", probe.DefaultRateBurst, "connections over the scan allowed at once before --rate paces them")
	fl.DurationVar(&f.timeout, "timeout", probe.DefaultReadTimeout, "timeout of one connect or one exchange (handshake, request)")
	fl.DurationVar(&f.deadline, "deadline", probe.DefaultDeadline, "deadline of one endpoint's whole measurement")
	fl.DurationVar(&f.overallDeadline, "overall-deadline", 0, "stop the scan after this long, keeping what is done (0: none)")
	fl.StringVar(&f.caFile, "ca-file", "", "PEM roots to trust instead of the system's")
	fl.IntVar(&f.httpPort, "http-port", probe.DefaultHTTPPort, "port of the plain-HTTP check (0: skip it)")
	fl.StringVar(&f.sni, "sni", "", "server name to send and match instead of each target's host")
	fl.StringVar(&f.criteria, "criteria", string(grade.Default), "grading criteria version")
	fl.BoolVarP(&f.ipv4, "ipv4", "4", false, "measure IPv4 addresses only")
	fl.BoolVarP(&f.ipv6, "ipv6", "6", false, "measure IPv6 addresses only")
	fl.BoolVar(&f.loopbackOnly, "loopback-only", false, "refuse to connect anywhere but 127.0.0.0/8 and ::1 (lab, tests)")
	fl.StringVar(&f.shard, "shard", "", "measure only part K/N of the targets (K from 0; by a hash of the host, so all ports of a host are in one part); default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX with --shards")
	fl.IntVar(&f.shards, "shards", 0, "number of parts, with the index from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID")
	fl.StringSliceVar(&f.allowFetchTo, "allow-fetch-to", nil, "CIDR (or address) the URLs a scanned server chooses (AIA, OCSP, CRL) may lead to at any port, beyond the default: the target's address class, ports 80, 443 and the target's (repeatable)")
	fl.StringArrayVar(&f.resolve, "resolve", nil, "host:port:address: measure host:port at address instead of resolving it (repeatable)")
	fl.IntVar(&f.top, "top", 0, "with a rank,domain --targets list: measure only the N best-ranked domains (0: all)")
	fl.BoolVar(&f.noAIA, "no-aia", false, "do not fetch a missing intermediate from the certificate's AIA URL (an incomplete chain is then untrusted, T)")
	return cmd
}

func runProbe(cmd *cobra.Command, args []string, f probeFlags) error {
	cfg, family, err := f.config()
	if err != nil {
		return err
	}
	targets, notes, err := collectTargets(args, f.targetsFile, f.top)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return usageErrorf("probe: no targets: give host[:port] arguments or --targets FILE")
	}
	var pins []probe.Pin
	for _, r := range f.resolve {
		p, err := probe.ParsePin(r)
		if err != nil {
			return usageErrorf("probe: --resolve: %v", err)
		}
		pins = append(pins, p)
	}
	if n := probe.PinAll(targets, pins); n > 0 {
		notes = append(notes, fmt.Sprintf("%s named no target", plural(n, "--resolve entry")))
	}
	// The shard is chosen after the pins: a pinned name is split by its address.
	shard, shardNote, err := f.shardOf()
	if err != nil {
		return err
	}
	if !shard.Whole() {
		all := len(targets)
		targets = shard.Filter(targets)
		notes = append(notes, fmt.Sprintf("%s: %d of %d targets", shardNote, len(targets), all))
	}
	for i := range targets {
		targets[i].Family = family
		if targets[i].SNI == "" {
			targets[i].SNI = f.sni
		}
	}
	s, err := probe.New(cfg)
	if err != nil {
		return usageErrorf("probe: %v", err)
	}
	stderr := cmd.ErrOrStderr()
	for _, n := range notes {
		fmt.Fprintln(stderr, "probe:", n)
	}

	var sink io.Writer = cmd.OutOrStdout()
	var opts probe.RunOptions
	if f.out != "" {
		out, err := probe.OpenOutput(f.out, f.resume)
		var bad *result.LineError
		if errors.Is(err, probe.ErrOutputExists) || errors.As(err, &bad) {
			return usageErrorf("probe: %v", err)
		}
		if err != nil {
			return fmt.Errorf("probe: %w", err)
		}
		defer out.File.Close()
		if out.Repaired != "" {
			fmt.Fprintln(stderr, "probe:", out.Repaired)
		}
		sink, opts.Skip = out.File, out.Done
		if !shard.Whole() {
			if n := outsideShard(out.Done, targets); n > 0 {
				fmt.Fprintf(stderr, "probe: warning: %s holds %d results of targets outside %s (another shard's file?)\n", f.out, n, shardNote)
			}
		}
	}

	bar := newProgress(stderr, targets, opts.Skip)
	keys := probe.NewDROWNKeys() // for stdout, where the DROWN pass cannot rewrite lines
	opts.OnResult = func(r result.Result) { keys.Add(&r); bar.add(r) }
	sum, runErr := s.Run(cmd.Context(), targets, result.NewWriter(sink), opts)
	bar.finish()
	fmt.Fprintln(stderr, summaryLine(sum))
	switch interrupted := errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded); {
	case !shard.Whole(): // one key's endpoints can sit in other shards: merge compares them
		fmt.Fprintf(stderr, "probe: DROWN across services: not compared in %s, which holds part of the scan; mhealthsec merge compares all shards\n", shardNote)
	case f.out == "":
		reportDROWNStdout(keys, stderr)
	case runErr == nil || interrupted: // the lines written so far are whole: compare them
		if err := markDROWNFile(f.out, "probe", stderr); err != nil {
			return err
		}
	}
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled), errors.Is(runErr, context.DeadlineExceeded):
		hint := "rerun the same command with --resume to measure the rest"
		if f.out == "" {
			hint = "use --out FILE to be able to resume"
		}
		return fmt.Errorf("probe: interrupted with %s not measured (%v); %s", plural(sum.Interrupted, "target"), runErr, hint)
	default:
		return fmt.Errorf("probe: %w", runErr)
	}
	if sum.Targets > sum.Skipped && sum.Measured == sum.Failed {
		return fmt.Errorf("probe: no target could be measured (%s; see each result's error)", plural(sum.Failed, "failure"))
	}
	return nil
}

// outsideShard counts the keys of done that are not among the shard's targets.
func outsideShard(done map[string]bool, targets []probe.Target) int {
	in := make(map[string]bool, len(targets))
	for _, t := range targets {
		in[t.String()] = true
	}
	n := 0
	for k := range done {
		if !in[k] {
			n++
		}
	}
	return n
}

// shardOf is the part of the targets this run measures: --shard K/N, else the scheduler's
// environment (probe.ShardFromEnv). The note says where it came from.
func (f probeFlags) shardOf() (probe.Shard, string, error) {
	if f.shard != "" {
		s, err := probe.ParseShard(f.shard)
		if err != nil {
			return s, "", usageErrorf("probe: --shard: %v", err)
		}
		if f.shards != 0 && f.shards != s.N {
			return s, "", usageErrorf("probe: --shard %s and --shards %d disagree", f.shard, f.shards)
		}
		return s, "shard " + s.String(), nil
	}
	s, note, err := probe.ShardFromEnv(os.Getenv, f.shards)
	if err != nil {
		return s, "", usageErrorf("probe: %v", err)
	}
	return s, note, nil
}

func (f probeFlags) config() (probe.Config, probe.Family, error) {
	var cfg probe.Config
	switch {
	case f.concurrency < 1:
		return cfg, 0, usageErrorf("probe: --concurrency must be at least 1, got %d", f.concurrency)
	case f.perHost < 1 || f.perHostConns < 1:
		return cfg, 0, usageErrorf("probe: --per-host and --per-host-conns must be at least 1, got %d and %d", f.perHost, f.perHostConns)
	case f.rate < 0 || f.hostRate < 0:
		return cfg, 0, usageErrorf("probe: --rate and --host-rate must be 0 (unlimited) or positive, got %v and %v", f.rate, f.hostRate)
	case f.rateBurst < 1 || f.hostBurst < 1:
		return cfg, 0, usageErrorf("probe: --rate-burst and --host-burst must be at least 1, got %d and %d", f.rateBurst, f.hostBurst)
	case f.timeout <= 0 || f.deadline <= 0 || f.overallDeadline < 0:
		return cfg, 0, usageErrorf("probe: --timeout and --deadline must be positive, --overall-deadline not negative")
	case f.httpPort < 0 || f.httpPort > 65535:
		return cfg, 0, usageErrorf("probe: --http-port must be 0 (skip) to 65535, got %d", f.httpPort)
	case f.ipv4 && f.ipv6:
		return cfg, 0, usageErrorf("probe: -4 and -6 exclude each other")
	case f.resume && f.out == "":
		return cfg, 0, usageErrorf("probe: --resume needs --out FILE")
	}
	allow, err := fetchpolicy.ParseAllow(f.allowFetchTo)
	if err != nil {
		return cfg, 0, usageErrorf("probe: --allow-fetch-to: %v", err)
	}
	crit, err := grade.ParseCriteria(f.criteria)
	if err != nil {
		return cfg, 0, usageErrorf("probe: --criteria: %v", err)
	}
	cfg = probe.Config{
		Concurrency:     f.concurrency,
		PerHost:         f.perHost,
		PerHostConns:    f.perHostConns,
		Rate:            f.rate,
		RateBurst:       f.rateBurst,
		HostRate:        f.hostRate,
		HostBurst:       f.hostBurst,
		ConnectTimeout:  f.timeout,
		ReadTimeout:     f.timeout,
		Deadline:        f.deadline,
		OverallDeadline: f.overallDeadline,
		CAFile:          f.caFile,
		HTTPPort:        f.httpPort,
		Criteria:        crit,
		LoopbackOnly:    f.loopbackOnly,
		NoAIA:           f.noAIA,
		AllowFetchTo:    allow,
	}
	if f.rate == 0 {
		cfg.Rate = -1
	}
	if f.hostRate == 0 {
		cfg.HostRate = -1
	}
	if f.httpPort == 0 {
		cfg.HTTPPort = -1
	}
	family := probe.AnyFamily
	if f.ipv4 {
		family = probe.IPv4
	} else if f.ipv6 {
		family = probe.IPv6
	}
	return cfg, family, nil
}

// collectTargets reads the arguments and the targets file; bad entries are usage errors
// that name the argument or file:line. top limits a ranked list.
func collectTargets(args []string, file string, top int) ([]probe.Target, []string, error) {
	var targets []probe.Target
	for _, a := range args {
		t, err := probe.ParseTarget(a, 443)
		if err != nil {
			return nil, nil, usageErrorf("probe: argument %v", err)
		}
		targets = append(targets, t)
	}
	if top < 0 {
		return nil, nil, usageErrorf("probe: --top must be 0 (all) or more, got %d", top)
	}
	if file == "" {
		if top > 0 {
			return nil, nil, usageErrorf("probe: --top needs a rank,domain --targets list")
		}
		return targets, nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, usageErrorf("probe: --targets: %v", err)
	}
	var more []probe.Target
	var notes []string
	switch {
	case probe.IsRankedList(b):
		more, err = probe.ReadRankedList(bytes.NewReader(b), file, top, 443)
	case top > 0:
		return nil, nil, usageErrorf("probe: --top needs a rank,domain --targets list; %s is not one", file)
	case isServersCSV(string(b)):
		more, notes, err = parseServersCSV(string(b), file)
	default:
		more, err = parseTargetLines(string(b), file)
	}
	if err != nil {
		return nil, nil, usageErrorf("probe: %v", err)
	}
	return append(targets, more...), notes, nil
}

// isServersCSV looks at the first line that is not blank or a comment.
func isServersCSV(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := map[string]bool{}
		for _, c := range strings.Split(line, ",") {
			cols[strings.ToLower(strings.TrimSpace(c))] = true
		}
		return cols["host"] && cols["scheme"]
	}
	return false
}

func parseTargetLines(s, file string) ([]probe.Target, error) {
	var out []probe.Target
	for i, line := range strings.Split(s, "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		t, err := probe.ParseTargetLine(line, 443)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// parseServersCSV turns a study's servers.csv, read by datasets.ReadServers as analyze
// reads it, into targets: https rows are measured (a host listed by several apps once);
// an http row gives the plain-HTTP port for its host.
func parseServersCSV(s, file string) ([]probe.Target, []string, error) {
	servers, err := datasets.ReadServers(strings.NewReader(s), file, nil)
	if err != nil {
		return nil, nil, err
	}
	var targets []probe.Target
	httpPorts := map[string]int{}
	var hosts []string // http-only hosts, in order
	for _, sv := range servers {
		t, err := probe.ParseTarget(net.JoinHostPort(sv.Host, strconv.Itoa(sv.Port)), 443)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: host %q: %w", file, sv.Host, err)
		}
		if sv.Scheme == datasets.SchemeHTTP {
			if _, ok := httpPorts[t.Host]; !ok {
				httpPorts[t.Host] = t.Port
				hosts = append(hosts, t.Host)
			}
			continue
		}
		targets = append(targets, t)
	}
	measured := map[string]bool{}
	for i := range targets {
		measured[targets[i].Host] = true
		if p, ok := httpPorts[targets[i].Host]; ok {
			targets[i].HTTPPort = p
		}
	}
	var httpOnly []string
	for _, h := range hosts {
		if !measured[h] {
			httpOnly = append(httpOnly, h)
		}
	}
	var notes []string
	if len(httpOnly) > 0 {
		notes = append(notes, fmt.Sprintf("%s: %s appear only as http rows and are not probed (no TLS endpoint): %s",
			file, plural(len(httpOnly), "host"), strings.Join(httpOnly[:min(5, len(httpOnly))], ", ")))
	}
	return targets, notes, nil
}

// progress draws a bar on a terminal and nothing otherwise.
type progress struct {
	bar    *progressbar.ProgressBar
	w      io.Writer
	failed int
}

func newProgress(w io.Writer, targets []probe.Target, skip map[string]bool) *progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	todo := map[string]bool{}
	for _, t := range targets {
		if !skip[t.String()] {
			todo[t.String()] = true
		}
	}
	return &progress{w: w, bar: progressbar.NewOptions(len(todo),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("probing"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("endpoints"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p *progress) add(r result.Result) {
	if p.bar == nil {
		return
	}
	if r.Error != nil {
		p.failed++
		p.bar.Describe(fmt.Sprintf("probing (%d failed)", p.failed))
	}
	p.bar.Add(1)
}

// finish ends the bar: a finished one clears itself; one cut short (Ctrl-C) stays as it
// is and its line is ended, so that what follows starts on a line of its own.
func (p *progress) finish() {
	if p.bar == nil || p.bar.IsFinished() {
		return
	}
	p.bar.Exit()
	fmt.Fprintln(p.w)
}

func summaryLine(s probe.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "probe: %s: %d measured", plural(s.Targets, "endpoint"), s.Measured-s.Failed)
	if s.Failed > 0 {
		fmt.Fprintf(&b, ", %d could not be measured", s.Failed)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %d already done", s.Skipped)
	}
	if s.Interrupted > 0 {
		fmt.Fprintf(&b, ", %d interrupted", s.Interrupted)
	}
	if len(s.Failures) > 0 {
		b.WriteString("; failures:")
		kinds := make([]string, 0, len(s.Failures))
		for k := range s.Failures {
			kinds = append(kinds, string(k))
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(&b, " %s %d", k, s.Failures[result.ErrorKind(k)])
		}
	}
	if len(s.Grades) > 0 {
		b.WriteString("; grades:")
		letters := make([]string, 0, len(s.Grades))
		for l := range s.Grades {
			letters = append(letters, l)
		}
		sort.Slice(letters, func(i, j int) bool { return result.GradeRank(letters[i]) < result.GradeRank(letters[j]) })
		for _, l := range letters {
			fmt.Fprintf(&b, " %s %d", l, s.Grades[l])
		}
	}
	return b.String()
}
