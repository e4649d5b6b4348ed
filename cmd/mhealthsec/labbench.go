package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/lab"
)

// A peer is another scanner timed over the same endpoints.
type peer struct {
	name    string
	command string
	// args are the arguments that make the peer assess endpoint e about as fully as our
	// probe does: protocols, every cipher per protocol, server preference, certificate,
	// HTTP headers, vulnerabilities.
	args func(e lab.Endpoint) []string
}

func peers() []peer {
	return []peer{
		{
			name: "sslscan", command: "sslscan",
			args: func(e lab.Endpoint) []string {
				return []string{"--no-colour", "--sni-name=" + e.SNI, e.Addr()}
			},
		},
		{
			name: "testssl", command: "testssl",
			args: func(e lab.Endpoint) []string {
				return []string{"--quiet", "--color", "0", "--warnings", "off", "--ip", e.IP,
					"-p", "-E", "-P", "-S", "-h", "-U",
					"https://" + e.SNI + ":" + strconv.Itoa(e.Port)}
			},
		},
	}
}

func parsePeers(s string) ([]string, error) {
	var out []string
	known := peers()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !slices.ContainsFunc(known, func(p peer) bool { return p.name == part }) {
			return nil, fmt.Errorf("unknown peer %q (known: sslscan, testssl)", part)
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out, nil
}

// benchRow is one endpoint's times: each tool's median over its runs, one endpoint at a
// time.
type benchRow struct {
	name  string
	probe time.Duration
	peer  map[string]time.Duration // absent: the peer did not run
	fails map[string]bool          // the peer exited non-zero (timed anyway)
}

// runBench times every tool on one endpoint at a time (our probe o.benchRuns times, each
// peer once: peers take seconds to minutes per endpoint, where run-to-run noise does not
// matter), and our probe over the whole fleet at its lab concurrency, then prints
// per-endpoint medians and ratios. Peer output goes to OUT/bench/<peer>/<server>.log.
func runBench(ctx context.Context, fleet *lab.Fleet, o labOptions, stdout, stderr io.Writer) error {
	fmt.Fprintf(stdout, "\nbench: %d endpoints, one at a time; probe %d runs each, peers 1\n", len(fleet.Endpoints), o.benchRuns)
	var fleetTimes []time.Duration
	for i := 0; i < o.benchRuns; i++ {
		start := time.Now()
		if _, err := probeFleet(ctx, fleet, o.criteria); err != nil {
			return err
		}
		fleetTimes = append(fleetTimes, time.Since(start))
	}
	sc, err := newLabScanner(fleet, o.criteria[len(o.criteria)-1])
	if err != nil {
		return err
	}
	rows := make([]benchRow, len(fleet.Endpoints))
	for i, e := range fleet.Endpoints {
		var ds []time.Duration
		for j := 0; j < o.benchRuns; j++ {
			start := time.Now()
			m := measure(ctx, sc, e)
			m.judge(o.criteria)
			ds = append(ds, time.Since(start))
		}
		if ctx.Err() != nil {
			return fmt.Errorf("bench: interrupted: %w", ctx.Err())
		}
		rows[i] = benchRow{name: e.Name, probe: median(ds), peer: map[string]time.Duration{}, fails: map[string]bool{}}
	}

	var ran []string
	for _, p := range peers() {
		if !slices.Contains(o.benchPeers, p.name) {
			continue
		}
		if _, err := exec.LookPath(p.command); err != nil {
			fmt.Fprintf(stdout, "bench: %s skipped: %q is not installed\n", p.name, p.command)
			continue
		}
		dir := filepath.Join(o.out, "bench", p.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		fmt.Fprintf(stderr, "bench: running %s over %d endpoints...\n", p.name, len(fleet.Endpoints))
		for i, e := range fleet.Endpoints {
			d, failed, err := runPeer(ctx, p, e, filepath.Join(dir, e.Name+".log"))
			if err != nil {
				return err
			}
			rows[i].peer[p.name], rows[i].fails[p.name] = d, failed
		}
		ran = append(ran, p.name)
	}
	var buf strings.Builder
	printBench(&buf, rows, ran, median(fleetTimes))
	fmt.Fprint(stdout, buf.String())
	if err := os.MkdirAll(filepath.Join(o.out, "bench"), 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.out, "bench", "bench.txt"), []byte(buf.String()), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// runPeer runs one peer on one endpoint with its output in logPath. A non-zero exit is
// reported, not fatal: testssl.sh exits non-zero when it finds problems, which the fleet
// is full of.
func runPeer(ctx context.Context, p peer, e lab.Endpoint, logPath string) (time.Duration, bool, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, false, fmt.Errorf("bench: %w", err)
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, p.command, p.args(e)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if ctx.Err() != nil {
		return 0, false, fmt.Errorf("bench: %s %s: %w", p.name, e.Name, ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return d, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("bench: %s %s: %w", p.name, e.Name, err)
	}
	return d, false, nil
}

func printBench(w io.Writer, rows []benchRow, ran []string, probeWall time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdr := []string{"server", "probe"}
	for _, p := range ran {
		hdr = append(hdr, p, p+"/probe")
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t")+"\t")
	per := map[string][]time.Duration{}
	sums := map[string]time.Duration{}
	var probes []time.Duration
	var probeSum time.Duration
	for _, r := range rows {
		cells := []string{r.name, ms(r.probe)}
		probes = append(probes, r.probe)
		probeSum += r.probe
		for _, p := range ran {
			d := r.peer[p]
			per[p] = append(per[p], d)
			sums[p] += d
			mark := ""
			if r.fails[p] {
				mark = "*"
			}
			cells = append(cells, ms(d)+mark, ratio(d, r.probe))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	cells := []string{"median per endpoint", ms(median(probes))}
	for _, p := range ran {
		cells = append(cells, ms(median(per[p])), ratio(median(per[p]), median(probes)))
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	cells = []string{"fleet, one at a time", ms(probeSum)}
	for _, p := range ran {
		cells = append(cells, ms(sums[p]), ratio(sums[p], probeSum))
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	cells = []string{"fleet, probe " + strconv.Itoa(labWorkers) + " at a time", ms(probeWall)}
	for _, p := range ran {
		cells = append(cells, "", ratio(sums[p], probeWall))
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	tw.Flush()
	fmt.Fprintln(w, "probe: median of its runs; peers: one run; * = the peer exited non-zero (it does on findings)")
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + " ms" }

func ratio(a, b time.Duration) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	r := float64(a) / float64(b)
	if r < 10 {
		return fmt.Sprintf("%.2f×", r)
	}
	return fmt.Sprintf("%.0f×", r)
}

// median of ds; 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
