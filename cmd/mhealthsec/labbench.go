package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// parallel is how many endpoints the peer assesses at once: testssl.sh runs are long and
	// single-threaded, so two at a time keep both cores busy without starving the fleet.
	parallel int
}

func peers() []peer {
	return []peer{
		{
			name: "sslscan", command: "sslscan", parallel: 2,
			args: func(e lab.Endpoint) []string {
				return []string{"--no-colour", "--sni-name=" + e.SNI, e.Addr()}
			},
		},
		{
			name: "testssl", command: "testssl", parallel: 2,
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

// benchRow is one endpoint's times: our probe's median over the runs, and each peer's.
type benchRow struct {
	name  string
	probe time.Duration
	peer  map[string]time.Duration // absent: the peer did not run
	fails map[string]string        // the peer exited non-zero (timed anyway)
}

// runBench times our probe over the whole fleet o.benchRuns times, then each installed
// peer once per endpoint, and prints per-endpoint times, medians and ratios. Peer output
// goes to OUT/bench/<peer>/<server>.log.
func runBench(ctx context.Context, fleet *lab.Fleet, o labOptions, stdout, stderr io.Writer) error {
	fmt.Fprintf(stdout, "\nbench: %d full-fleet probe runs, then each peer once per endpoint\n", o.benchRuns)
	perEndpoint := map[string][]time.Duration{}
	var fleetTimes []time.Duration
	for i := 0; i < o.benchRuns; i++ {
		start := time.Now()
		ms, err := probeFleet(ctx, fleet, o.criteria)
		if err != nil {
			return err
		}
		fleetTimes = append(fleetTimes, time.Since(start))
		for _, m := range ms {
			perEndpoint[m.ep.Name] = append(perEndpoint[m.ep.Name], time.Duration(m.res.DurationMS)*time.Millisecond)
		}
	}
	rows := make([]benchRow, len(fleet.Endpoints))
	for i, e := range fleet.Endpoints {
		rows[i] = benchRow{name: e.Name, probe: median(perEndpoint[e.Name]), peer: map[string]time.Duration{}, fails: map[string]string{}}
	}

	var ran []string
	peerFleet := map[string]time.Duration{}
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
		fmt.Fprintf(stderr, "bench: running %s over %d endpoints (%d at a time)...\n", p.name, len(fleet.Endpoints), p.parallel)
		start := time.Now()
		if err := timePeer(ctx, p, fleet.Endpoints, dir, rows); err != nil {
			return err
		}
		peerFleet[p.name] = time.Since(start)
		ran = append(ran, p.name)
	}
	printBench(stdout, rows, ran, median(fleetTimes), peerFleet)
	return nil
}

// timePeer runs p over every endpoint, p.parallel at a time, recording wall times in rows.
func timePeer(ctx context.Context, p peer, eps []lab.Endpoint, dir string, rows []benchRow) error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.parallel)
	var firstErr error
	for i, e := range eps {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return fmt.Errorf("bench: %s interrupted: %w", p.name, ctx.Err())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d, fail, err := runPeer(ctx, p, e, filepath.Join(dir, e.Name+".log"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			rows[i].peer[p.name] = d
			if fail != "" {
				rows[i].fails[p.name] = fail
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("bench: %s interrupted: %w", p.name, ctx.Err())
	}
	return firstErr
}

// runPeer runs one peer on one endpoint with its output in logPath. A non-zero exit is
// reported, not fatal: testssl.sh exits non-zero when it finds problems, which the fleet
// is full of.
func runPeer(ctx context.Context, p peer, e lab.Endpoint, logPath string) (time.Duration, string, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return 0, "", fmt.Errorf("bench: %w", err)
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, p.command, p.args(e)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if ctx.Err() != nil {
		return 0, "", fmt.Errorf("bench: %s %s: %w", p.name, e.Name, ctx.Err())
	}
	if err != nil {
		if _, ok := err.(*exec.ExitError); ok {
			return d, err.Error(), nil
		}
		return 0, "", fmt.Errorf("bench: %s %s: %w", p.name, e.Name, err)
	}
	return d, "", nil
}

func printBench(w io.Writer, rows []benchRow, ran []string, probeFleet time.Duration, peerFleet map[string]time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdr := []string{"server", "probe"}
	for _, p := range ran {
		hdr = append(hdr, p, p+"/probe")
	}
	fmt.Fprintln(tw, strings.Join(hdr, "\t")+"\t")
	medians := map[string][]time.Duration{}
	var probes []time.Duration
	for _, r := range rows {
		cells := []string{r.name, ms(r.probe)}
		probes = append(probes, r.probe)
		for _, p := range ran {
			d, ok := r.peer[p]
			if !ok {
				cells = append(cells, "-", "-")
				continue
			}
			medians[p] = append(medians[p], d)
			mark := ""
			if r.fails[p] != "" {
				mark = "*"
			}
			cells = append(cells, ms(d)+mark, ratio(d, r.probe))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	cells := []string{"median per endpoint", ms(median(probes))}
	for _, p := range ran {
		cells = append(cells, ms(median(medians[p])), ratio(median(medians[p]), median(probes)))
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	cells = []string{"whole fleet (wall)", ms(probeFleet)}
	for _, p := range ran {
		cells = append(cells, ms(peerFleet[p]), ratio(peerFleet[p], probeFleet))
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	tw.Flush()
	fmt.Fprintln(w, "probe: median over the runs of each endpoint's measurement (8 endpoints at a time); peers: one run per endpoint, 2 at a time; * = the peer exited non-zero")
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + " ms" }

func ratio(a, b time.Duration) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f×", float64(a)/float64(b))
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
