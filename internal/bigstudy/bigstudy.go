// Package bigstudy writes a large synthetic study folder (apps.csv, servers.csv,
// results.jsonl) for benchmarks. It is benchmark support only: the data is
// deterministic and shaped like a real study, but it describes no real app.
//
// It lives in the module's internal folder, not under datasets/internal, because
// both the datasets and the analysis benchmarks import it.
package bigstudy

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// thirdPartyPool is how many third-party servers all apps draw from.
const thirdPartyPool = 20000

// Write writes a study of apps apps and rows server rows into dir: a quarter of each
// app's servers are its own (functional), the rest are drawn without repetition from a
// shared pool of third parties, 1 in 50 rows is plain http, and there is one result per
// https endpoint (1 in 97 never probed, 1 in 89 failed). The same arguments always give
// the same files. rows/apps must not exceed the third-party pool.
func Write(dir string, apps, rows int) error {
	if apps <= 0 || rows < 0 {
		return fmt.Errorf("bigstudy: need apps > 0 and rows >= 0, got %d and %d", apps, rows)
	}
	if rows/apps > thirdPartyPool {
		return fmt.Errorf("bigstudy: %d rows per app exceed the pool of %d third parties", rows/apps, thirdPartyPool)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	if err := writeFile(dir, datasets.AppsFile, func(w *bufio.Writer) error {
		return writeApps(w, apps)
	}); err != nil {
		return err
	}
	var hosts []string // https endpoints, in the order results are written
	if err := writeFile(dir, datasets.ServersFile, func(w *bufio.Writer) (err error) {
		hosts, err = writeServers(w, rng, apps, rows)
		return err
	}); err != nil {
		return err
	}
	return writeFile(dir, datasets.ResultsFile, func(w *bufio.Writer) error {
		return writeResults(w, rng, hosts)
	})
}

// writeFile creates dir/name, lets fill write it through a buffer, and flushes and
// closes it, reporting the first error.
func writeFile(dir, name string, fill func(*bufio.Writer) error) error {
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bigstudy: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bigstudy: write %s: %w", path, err)
	}
	return nil
}

func writeApps(w *bufio.Writer, apps int) error {
	fmt.Fprintln(w, "app_id,name,platform,availability,subcategory")
	platforms, avail := []string{"android", "ios"}, []string{"international", "de_only"}
	for i := 0; i < apps; i++ {
		fmt.Fprintf(w, "app%05d,App %d,%s,%s,sub%d\n", i, i, platforms[i%2], avail[(i/2)%2], i%5)
	}
	return nil // a bufio.Writer keeps its first error for Flush
}

// writeServers writes the server rows and returns the https hosts in the order they
// first appear, one per endpoint.
func writeServers(w *bufio.Writer, rng *rand.Rand, apps, rows int) ([]string, error) {
	cats := []string{"advertising", "tracking", "content", "other", "disregarded"}
	fmt.Fprintln(w, "app_id,host,port,scheme,category")
	perApp := rows / apps
	endpoints := map[string]bool{}
	var order []string
	for i := 0; i < apps; i++ {
		used := map[int]bool{}
		for j := 0; j < perApp; j++ {
			host, cat, scheme := "", "functional", "https"
			if j < perApp/4 {
				host = fmt.Sprintf("api%d.app%05d.example", j, i)
			} else {
				k := rng.IntN(thirdPartyPool)
				for used[k] { // one row per app and server
					k = rng.IntN(thirdPartyPool)
				}
				used[k] = true
				host, cat = fmt.Sprintf("t%05d.thirdparty.example", k), cats[k%len(cats)]
			}
			if rng.IntN(50) == 0 {
				scheme = "http"
			}
			port := 443
			if scheme == "http" {
				port = 80
			}
			fmt.Fprintf(w, "app%05d,%s,%d,%s,%s\n", i, host, port, scheme, cat)
			if key := fmt.Sprintf("%s:%d", host, port); scheme == "https" && !endpoints[key] {
				endpoints[key] = true
				order = append(order, host)
			}
		}
	}
	return order, nil
}

func writeResults(w *bufio.Writer, rng *rand.Rand, hosts []string) error {
	letters := []string{"A+", "A+", "A", "A", "A", "A-", "B", "B", "C", "F", "T"}
	rw := result.NewWriter(w)
	started := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for i, host := range hosts {
		if i%97 == 0 {
			continue // never probed
		}
		r := result.Result{Target: host + ":443", Host: host, Port: 443, Source: result.SourceProbe, StartedAt: started}
		if i%89 == 0 {
			r.Error = &result.Error{Kind: result.ErrTimeout, Message: "timed out"}
		} else {
			r.Protocols.Set(result.TLS12, true)
			r.Protocols.Set(result.TLS13, rng.IntN(3) == 0)
			r.Protocols.Set(result.TLS10, rng.IntN(4) == 0)
			r.HTTP = &result.HTTP{Status: 200, HSTS: &result.HSTS{Present: rng.IntN(2) == 0, MaxAge: 31536000}}
			l := letters[rng.IntN(len(letters))]
			r.Grade = &result.Grade{Letter: l, TrustIgnored: "A", Criteria: "2009r", Caps: []result.Rule{}, Warnings: []result.Rule{}}
			if l == "F" {
				r.Vulnerabilities.Heartbleed = result.Bool(true)
			}
		}
		if err := rw.Write(r); err != nil {
			return fmt.Errorf("result %d (%s): %w", i, host, err)
		}
	}
	return nil
}
