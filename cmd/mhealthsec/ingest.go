package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/datasets/capture"
	"github.com/mhealthsec/mhealthsec/datasets/classify"
	"github.com/mhealthsec/mhealthsec/datasets/importer"
)

type ingestOptions struct {
	app, out, rules, apps, review, unclassified string
	replace                                     bool
}

func newIngestCmd() *cobra.Command {
	var o ingestOptions
	cmd := &cobra.Command{
		Use:   "ingest har|pcap FILE... --app APP_ID",
		Short: "Turn traffic captures (HAR, pcap/pcapng) into servers.csv rows",
		Long: `ingest lists the servers one app talked to, from HAR 1.2 files (browser, mitmproxy or
Charles exports) or pcap/pcapng captures (Ethernet, Linux cooked SLL/SLL2, raw IP; IPv4
and IPv6), and writes them as servers.csv rows: app_id, host, port, scheme (https for TLS,
http for plain HTTP) and category.

Host names come from the TLS SNI, the HTTP Host header or the capture's DNS answers; a
server with no name is listed by IP address. Each server is classified by the rules:
--rules FILE first, then the app's first-party domains (functional), then the built-in
rules. First-party domains are the app's "first_party" column in --apps (domains
separated by spaces, commas or semicolons) and, for HAR files, the hosts of the pages.
Servers no rule matches get --unclassified (default "other") and are listed on standard
error and in --review for a look by hand; the classified_by column says what decided.

With --out, rows already in the file are kept as they are (a category edited by hand
survives), and only servers not yet listed for the app are added; --replace writes the
file afresh. Packets that cannot be used are counted and reported, never fatal.`,
		Example: `  mhealthsec ingest pcap capture.pcapng --app com.example.steps --apps study/apps.csv --out study/servers.csv
  mhealthsec ingest har session.har --app 12345678 --rules my.rules --review review.csv`,
		Args: usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIngest(cmd, args[0], args[1:], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.app, "app", "", "app_id the captures belong to (required)")
	f.StringVar(&o.out, "out", "", "servers.csv to write or extend (default: standard output)")
	f.StringVar(&o.rules, "rules", "", "classification rules of your own, taking precedence over the built-in ones")
	f.StringVar(&o.apps, "apps", "", "apps.csv: checks --app and reads its first_party column")
	f.StringVar(&o.review, "review", "", "write the unclassified servers to this CSV for review")
	f.StringVar(&o.unclassified, "unclassified", string(classify.Other), "category given to servers no rule matches")
	f.BoolVar(&o.replace, "replace", false, "replace --out instead of adding to it")
	return cmd
}

func runIngest(cmd *cobra.Command, format string, files []string, o ingestOptions) error {
	stderr := cmd.ErrOrStderr()
	if o.app == "" {
		return usageErrorf("ingest: --app is required")
	}
	if format != "har" && format != "pcap" {
		return usageErrorf("ingest: unknown format %q (want har or pcap)", format)
	}
	fallback, err := classify.ParseCategory(o.unclassified)
	if err != nil {
		return usageErrorf("ingest: --unclassified: %v", err)
	}
	builtin, err := classify.Default()
	if err != nil {
		return fmt.Errorf("ingest: built-in rules: %w", err)
	}
	cl := &classify.Classifier{Builtin: builtin}
	if o.rules != "" {
		if cl.User, err = classify.ParseFile(o.rules); err != nil {
			return fmt.Errorf("ingest: %w", err) // bad file contents: failure, not usage
		}
	}
	var firstParty []string
	if o.apps != "" {
		fp, err := appFirstParty(o.apps, o.app)
		if err != nil {
			return err
		}
		firstParty = fp
	}

	var obs []capture.Observation
	unit := map[string]string{"har": "entries", "pcap": "packets"}[format]
	read := 0
	for _, path := range files {
		o, pages, st, err := ingestFile(format, path)
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		obs = append(obs, o...)
		firstParty = append(firstParty, pages...)
		read += st.Packets
		fmt.Fprintf(stderr, "%s: %s\n", path, st)
	}
	if len(obs) == 0 {
		// Loud, but not an error: an app may really have talked to no server, and the
		// output keeps its header so that scripts read it like any other run.
		fmt.Fprintf(stderr, "ingest: WARNING: no server found in %s (%d %s read): check that the capture is of the app's traffic\n",
			strings.Join(files, ", "), read, unit)
	}

	rows := dropUnwritable(ingestRows(o.app, obs, cl, firstParty, fallback), stderr)
	var unclassified []datasets.Server
	for _, r := range rows {
		if r.Extra["classified_by"] == "unclassified" {
			unclassified = append(unclassified, r)
		}
	}
	for _, u := range unclassified {
		fmt.Fprintf(stderr, "unclassified (set to %s, review): %s %s\n", fallback, net.JoinHostPort(u.Host, strconv.Itoa(u.Port)), u.Scheme)
	}
	if o.review != "" {
		if err := writeReview(o.review, unclassified, fallback); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	if o.out == "" {
		return writeIngestCSV(cmd.OutOrStdout(), rows)
	}
	merged, added := rows, len(rows)
	if !o.replace {
		existing, err := readServersIfExists(o.out)
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		merged, added = mergeServers(existing, rows)
	}
	if err := writeFileAtomic(o.out, func(w io.Writer) error { return writeIngestCSV(w, merged) }); err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	fmt.Fprintf(stderr, "%s: %d servers for %s (%d new), %d rows in all\n", o.out, len(rows), o.app, added, len(merged))
	return nil
}

// writeIngestCSV writes rows as servers.csv; with no rows it writes the header an ingest
// with rows writes (classified_by included), so the output reads the same either way.
func writeIngestCSV(w io.Writer, rows []datasets.Server) error {
	if len(rows) > 0 {
		return datasets.WriteServersCSV(w, rows)
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(append(datasets.ServerColumns(), "classified_by"))
	cw.Flush()
	return cw.Error()
}

// ingestFile reads one capture after checking that it is of the kind the command reads:
// a file of another kind (a pcap given to "ingest har", testssl.sh JSON given to either)
// is refused, saying what it is and which command reads it.
// It returns the servers seen, the HAR's page hosts and the reader's counts.
func ingestFile(format, path string) ([]capture.Observation, []string, capture.Stats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, capture.Stats{}, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(64 << 10)
	kind := importer.Sniff(head)
	var r io.Reader = br
	if kind == importer.FormatGzip {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, capture.Stats{}, fmt.Errorf("%s: gzip-compressed, but the gzip header is unreadable: %w", path, err)
		}
		zbr := bufio.NewReaderSize(zr, 64<<10)
		head, _ = zbr.Peek(64 << 10)
		kind, r = importer.Sniff(head), zbr
	}
	want := importer.FormatHAR
	if format == "pcap" {
		want = importer.FormatPcap
	}
	switch {
	case kind == importer.FormatUnknown, kind == want, kind == importer.FormatPcapng && want == importer.FormatPcap:
	default:
		return nil, nil, capture.Stats{}, fmt.Errorf("%s: this file is %s, not %s: %s", path, kind, want, kind.Command())
	}
	if format == "har" {
		h, err := capture.ReadHAR(r, path)
		if err != nil {
			return nil, nil, capture.Stats{}, err
		}
		return h.Observations, h.PageHosts, h.Stats, nil
	}
	obs, st, err := capture.ReadPcap(r, path)
	return obs, nil, st, err
}

// ingestRows turns observations into one classified row per (host, port, scheme); the
// classified_by column says what decided ("unclassified" when no rule matched).
func ingestRows(app string, obs []capture.Observation, cl *classify.Classifier, firstParty []string, fallback classify.Category) (rows []datasets.Server) {
	seen := map[string]bool{}
	for _, o := range obs {
		key := o.Host + " " + strconv.Itoa(o.Port) + " " + o.Scheme
		if seen[key] {
			continue
		}
		seen[key] = true
		s := datasets.Server{AppID: app, Host: o.Host, Port: o.Port, Scheme: o.Scheme, Extra: map[string]string{}}
		if m, ok := cl.Classify(o.Host, firstParty); ok {
			s.Category, s.Extra["classified_by"] = string(m.Category), m.Source
		} else {
			s.Category, s.Extra["classified_by"] = string(fallback), "unclassified"
		}
		rows = append(rows, s)
	}
	return rows
}

// dropUnwritable leaves out, and reports, rows servers.csv cannot hold (a host name a
// capture carried that is not a valid name), so one odd name does not fail the run.
func dropUnwritable(rows []datasets.Server, stderr io.Writer) []datasets.Server {
	out := rows[:0:0]
	for _, r := range rows {
		if err := datasets.WriteServersCSV(io.Discard, []datasets.Server{r}); err != nil {
			fmt.Fprintf(stderr, "left out (not a valid servers.csv row): %q port %d: %v\n", r.Host, r.Port, err)
			continue
		}
		out = append(out, r)
	}
	return out
}

// appFirstParty checks that app is in apps.csv and returns its first_party domains.
func appFirstParty(path, app string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	defer f.Close()
	apps, err := datasets.ReadApps(f, path)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	for _, a := range apps {
		if a.ID == app {
			return classify.FirstPartyDomains(a.Extra["first_party"]), nil
		}
	}
	return nil, usageErrorf("ingest: --app %q is not in %s", app, path)
}

func readServersIfExists(path string) ([]datasets.Server, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return datasets.ReadServers(f, path, nil)
}

// mergeServers keeps every existing row and adds the new rows whose app, host, port and
// scheme are not listed yet; it returns the rows and how many were added.
func mergeServers(existing, add []datasets.Server) ([]datasets.Server, int) {
	key := func(s datasets.Server) string {
		return s.AppID + "\x00" + strings.ToLower(s.Host) + "\x00" + strconv.Itoa(s.Port) + "\x00" + s.Scheme
	}
	have := map[string]bool{}
	for _, s := range existing {
		have[key(s)] = true
	}
	out := append([]datasets.Server(nil), existing...)
	n := 0
	for _, s := range add {
		if !have[key(s)] {
			have[key(s)] = true
			out = append(out, s)
			n++
		}
	}
	return out, n
}

func writeReview(path string, rows []datasets.Server, fallback classify.Category) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"app_id", "host", "port", "scheme", "assigned_category"})
		sorted := append([]datasets.Server(nil), rows...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Host < sorted[j].Host })
		for _, s := range sorted {
			_ = cw.Write([]string{s.AppID, s.Host, strconv.Itoa(s.Port), s.Scheme, string(fallback)})
		}
		cw.Flush()
		return cw.Error()
	})
}

// writeFileAtomic writes path through a temporary file in the same folder, renamed into
// place only when complete, so a failed run leaves the old file intact.
// Errors name path, not the temporary file. grade and ingest both write through it.
func writeFileAtomic(path string, fill func(io.Writer) error) error {
	dir := filepath.Dir(path)
	switch st, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("write %s: folder %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("write %s: %w", path, err)
	case !st.IsDir():
		return fmt.Errorf("write %s: %s is not a folder", path, dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	err = tmp.Sync()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
