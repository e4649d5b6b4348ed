package labstudy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/lab"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// catalogEndpoints gives every catalog server a made-up port, without starting anything.
func catalogEndpoints() []lab.Endpoint {
	var eps []lab.Endpoint
	for i, s := range lab.Catalog() {
		eps = append(eps, lab.Endpoint{Server: s, SNI: s.Name + "." + lab.Domain, IP: lab.Loopback, Port: 20000 + i})
	}
	return eps
}

func TestLabStudyShape(t *testing.T) {
	eps := catalogEndpoints()
	apps, servers, err := Plan(eps)
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]int{}
	for _, a := range apps {
		cells[a.Platform+"/"+a.Availability]++
	}
	for _, p := range datasets.Platforms() {
		for _, av := range datasets.Availabilities() {
			if cells[p+"/"+av] == 0 {
				t.Errorf("no %s app available %s", p, av)
			}
		}
	}
	used := map[string]bool{}
	categories := map[string]int{}
	appIDs := map[string]bool{}
	for _, a := range apps {
		appIDs[a.ID] = true
	}
	firstFunctional := map[string]string{}
	for _, s := range servers {
		if !appIDs[s.AppID] {
			t.Errorf("server row for unknown app %s", s.AppID)
		}
		used[s.Extra["fleet_server"]] = true
		categories[s.Category]++
		if s.Category == datasets.CategoryFunctional && firstFunctional[s.AppID] == "" {
			firstFunctional[s.AppID] = s.Extra["fleet_server"]
		}
		wantScheme := datasets.SchemeHTTPS
		if s.Extra["fleet_server"] == "http-only" {
			wantScheme = datasets.SchemeHTTP
		}
		if s.Scheme != wantScheme {
			t.Errorf("%s: scheme %s, want %s", s.Extra["fleet_server"], s.Scheme, wantScheme)
		}
	}
	for _, e := range eps {
		if !used[e.Name] {
			t.Errorf("fleet server %s is in no app's server list", e.Name)
		}
	}
	for _, c := range []string{datasets.CategoryFunctional, datasets.CategoryAdvertising, datasets.CategoryTracking, datasets.CategoryContent} {
		if categories[c] == 0 {
			t.Errorf("no %s servers", c)
		}
	}
	// Every app has a functional backend; international apps' include an A-range one.
	for _, a := range apps {
		if firstFunctional[a.ID] == "" {
			t.Errorf("app %s has no functional server", a.ID)
		}
	}
}

func TestWriteLabStudyLoadsAndIsDeterministic(t *testing.T) {
	eps := catalogEndpoints()
	var outputs [2][]byte
	for i := range outputs {
		dir := t.TempDir()
		apps, servers, err := Plan(eps)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(dir, apps, servers); err != nil {
			t.Fatal(err)
		}
		st, err := datasets.LoadStudy(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Apps) != len(apps) || len(st.Servers) != len(servers) {
			t.Errorf("loaded %d apps, %d servers; wrote %d, %d", len(st.Apps), len(st.Servers), len(apps), len(servers))
		}
		a, _ := os.ReadFile(filepath.Join(dir, datasets.AppsFile))
		s, _ := os.ReadFile(filepath.Join(dir, datasets.ServersFile))
		outputs[i] = append(a, s...)
	}
	if !bytes.Equal(outputs[0], outputs[1]) {
		t.Error("two runs wrote different study files")
	}
}

func TestLabStudyNeedsBothHalves(t *testing.T) {
	eps := catalogEndpoints()
	var good []lab.Endpoint
	for _, e := range eps {
		if result.InARange(e.Expect.Grades[lab.V2009r]) {
			good = append(good, e)
		}
	}
	for _, in := range [][]lab.Endpoint{nil, good} {
		if _, _, err := Plan(in); err == nil {
			t.Errorf("Plan(%d endpoints) succeeded", len(in))
		}
	}
}
