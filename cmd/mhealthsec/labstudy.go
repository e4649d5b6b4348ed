package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/lab"
)

// Shape of the synthetic lab study: like the real one (5 subcategories, both platforms,
// international and German-only apps), scaled down.
var (
	labSubcategories = []string{"fitness", "nutrition", "diabetes", "mental health", "medication"}
)

const (
	labAppsPerPlatform   = 10
	labFunctionalPerApp  = 2
	labThirdPartyPerApp  = 2
	labDisregardedEveryN = 5 // every 5th app also talks to a server the study disregards
)

// labStudy maps the fleet's endpoints to a synthetic study: apps on both platforms, half
// international and half German-only, each with functional backends and third-party
// (advertising, tracking, content) servers. The mapping is deterministic, uses every
// endpoint at least once, and gives international apps their first backend from the
// endpoints declared A-range under 2009r and German-only apps theirs from the rest, so that
// the study's comparisons have something to find.
func labStudy(eps []lab.Endpoint) ([]datasets.App, []datasets.Server, error) {
	if len(eps) == 0 {
		return nil, nil, fmt.Errorf("lab study: no endpoints")
	}
	var good, bad []lab.Endpoint
	for _, e := range eps {
		if aRange(e.Expect.Grades[lab.V2009r]) {
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
	for i := 0; i < 2*labAppsPerPlatform; i++ {
		platform := datasets.PlatformAndroid
		if i >= labAppsPerPlatform {
			platform = datasets.PlatformIOS
		}
		n := i % labAppsPerPlatform
		app := datasets.App{
			ID:           fmt.Sprintf("%s-%02d", platform, n+1),
			Name:         fmt.Sprintf("Lab %s app %d (%s)", labSubcategories[n/2], n%2+1, platform),
			Platform:     platform,
			Availability: datasets.AvailabilityInternational,
			Subcategory:  labSubcategories[n/2],
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
		for k := 1; k < labFunctionalPerApp; k++ {
			servers = append(servers, row(pick(), datasets.CategoryFunctional))
		}
		for k := 0; k < labThirdPartyPerApp; k++ {
			servers = append(servers, row(pick(), thirdParty[(i+k)%len(thirdParty)]))
		}
		if i%labDisregardedEveryN == 0 {
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

// aRange reports whether a letter is A+, A or A−.
func aRange(letter string) bool { return letter == "A+" || letter == "A" || letter == "A-" }

// writeLabStudy writes apps.csv and servers.csv into dir and loads them back with the
// study loader, so that what the lab writes is what any study must look like.
func writeLabStudy(dir string, apps []datasets.App, servers []datasets.Server) error {
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
