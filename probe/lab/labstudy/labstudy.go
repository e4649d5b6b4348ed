// Package labstudy turns the lab fleet into a study folder: apps on both platforms, half
// international and half German-only, whose servers are the fleet's endpoints. With the
// fleet probed into its results.jsonl, the folder is analysed like any real study.
package labstudy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/lab"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Shape of the synthetic lab study: like the real one (5 subcategories, both platforms,
// international and German-only apps), scaled down.
const (
	appsPerPlatform   = 10
	functionalPerApp  = 2
	thirdPartyPerApp  = 2
	disregardedEveryN = 5 // every 5th app also talks to a server the study disregards
)

// subcategories of the lab's apps, two apps each per platform.
func subcategories() []string {
	return []string{"fitness", "nutrition", "diabetes", "mental health", "medication"}
}

// Plan maps the fleet's endpoints to a synthetic study: apps on both platforms, half
// international and half German-only, each with functional backends and third-party
// (advertising, tracking, content) servers. The mapping is deterministic, uses every
// endpoint at least once, and gives international apps their first backend from the
// endpoints declared A-range under 2009r and German-only apps theirs from the rest, so that
// the study's comparisons have something to find.
func Plan(eps []lab.Endpoint) ([]datasets.App, []datasets.Server, error) {
	subcats := subcategories()
	if len(eps) == 0 {
		return nil, nil, fmt.Errorf("lab study: no endpoints")
	}
	var good, bad []lab.Endpoint
	for _, e := range eps {
		if result.InARange(e.Expect.Grades[lab.V2009r]) {
			good = append(good, e)
		} else {
			bad = append(bad, e)
		}
	}
	if len(good) == 0 || len(bad) == 0 {
		return nil, nil, fmt.Errorf("lab study: need endpoints both in and below the A range, have %d and %d", len(good), len(bad))
	}
	thirdParty := []string{datasets.CategoryAdvertising, datasets.CategoryTracking, datasets.CategoryContent}

	var apps []datasets.App
	var servers []datasets.Server
	next := 0 // cycles through every endpoint
	pick := func() lab.Endpoint {
		e := eps[next%len(eps)]
		next++
		return e
	}
	for i := 0; i < 2*appsPerPlatform; i++ {
		platform := datasets.PlatformAndroid
		if i >= appsPerPlatform {
			platform = datasets.PlatformIOS
		}
		n := i % appsPerPlatform
		app := datasets.App{
			ID:           fmt.Sprintf("%s-%02d", platform, n+1),
			Name:         fmt.Sprintf("Lab %s app %d (%s)", subcats[n/2], n%2+1, platform),
			Platform:     platform,
			Availability: datasets.AvailabilityInternational,
			Subcategory:  subcats[n/2],
		}
		first := good[i%len(good)]
		if i%2 == 1 {
			app.Availability = datasets.AvailabilityGermanOnly
			first = bad[i%len(bad)]
		}
		apps = append(apps, app)
		row := func(e lab.Endpoint, category string) datasets.Server {
			scheme := datasets.SchemeHTTPS
			if !e.TLS && e.Fake == nil {
				scheme = datasets.SchemeHTTP
			}
			return datasets.Server{AppID: app.ID, Host: e.SNI, Port: e.Port, Scheme: scheme, Category: category,
				Extra: map[string]string{"fleet_server": e.Name}}
		}
		servers = append(servers, row(first, datasets.CategoryFunctional))
		for k := 1; k < functionalPerApp; k++ {
			servers = append(servers, row(pick(), datasets.CategoryFunctional))
		}
		for k := 0; k < thirdPartyPerApp; k++ {
			servers = append(servers, row(pick(), thirdParty[(i+k)%len(thirdParty)]))
		}
		if i%disregardedEveryN == 0 {
			servers = append(servers, row(pick(), datasets.CategoryDisregarded))
		}
	}
	// An app talks to a server once, whatever the cycle picked.
	servers = slices.CompactFunc(sortServers(servers), func(a, b datasets.Server) bool {
		return a.AppID == b.AppID && a.Host == b.Host && a.Port == b.Port && a.Scheme == b.Scheme
	})
	return apps, servers, nil
}

func sortServers(s []datasets.Server) []datasets.Server {
	slices.SortStableFunc(s, func(a, b datasets.Server) int {
		for _, c := range [][2]string{{a.AppID, b.AppID}, {a.Host, b.Host}, {a.Scheme, b.Scheme}} {
			if c[0] != c[1] {
				if c[0] < c[1] {
					return -1
				}
				return 1
			}
		}
		return a.Port - b.Port
	})
	return s
}

// Write writes apps.csv and servers.csv into dir and loads them back with the
// study loader, so that what the lab writes is what any study must look like.
func Write(dir string, apps []datasets.App, servers []datasets.Server) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lab study: %w", err)
	}
	var ab bytes.Buffer
	if err := datasets.WriteAppsCSV(&ab, apps); err != nil {
		return fmt.Errorf("lab study: %w", err)
	}
	var sb bytes.Buffer
	if err := datasets.WriteServersCSV(&sb, servers); err != nil {
		return fmt.Errorf("lab study: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, datasets.AppsFile), ab.Bytes(), 0o644); err != nil {
		return fmt.Errorf("lab study: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, datasets.ServersFile), sb.Bytes(), 0o644); err != nil {
		return fmt.Errorf("lab study: %w", err)
	}
	if _, err := datasets.LoadStudy(dir); err != nil {
		return fmt.Errorf("lab study: written study does not load: %w", err)
	}
	return nil
}
