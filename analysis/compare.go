package analysis

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Measures compared between study waves, each with the direction that is worse.
const (
	MeasureBelowA    = FindingBelowA
	MeasureTLS13     = FindingTLS13
	MeasureHSTS      = FindingHSTS
	MeasureUnsecured = FindingUnsecured
)

// CompareMeasures lists the measures of a wave comparison in report order.
func CompareMeasures() []string {
	return []string{MeasureBelowA, MeasureTLS13, MeasureHSTS, MeasureUnsecured}
}

// worseWhenTrue reports whether a measure turning true is a change for the worse
// (below A, unsecured) rather than for the better (TLS 1.3, HSTS).
func worseWhenTrue(m string) bool { return m == MeasureBelowA || m == MeasureUnsecured }

// ServerKey identifies a server of an app across waves: app_id and host (all its
// ports and schemes together).
type ServerKey struct {
	AppID string `json:"app_id"`
	Host  string `json:"host"`
}

// MeasureChange is one measure compared between two waves at one level ("server":
// app × host; "app": an app's functional servers, as the study's per-app findings).
type MeasureChange struct {
	Measure string `json:"measure"`
	Label   string `json:"label"`
	Level   string `json:"level"`
	// Pairs counts the units present in both waves with the measure known in both
	// (below A needs a grade, TLS 1.3 and HSTS a result); Unknown the others.
	Pairs   int `json:"pairs"`
	Unknown int `json:"unknown"`
	// The paired 2 × 2: YesYes (true in both), YesNo (true, then false), NoYes,
	// NoNo. Table holds it with rows old, columns new (true first).
	YesYes int         `json:"yes_yes"`
	YesNo  int         `json:"yes_no"`
	NoYes  int         `json:"no_yes"`
	NoNo   int         `json:"no_no"`
	Table  stats.Table `json:"table"`
	Worse  int         `json:"worse"`
	Better int         `json:"better"`
	// McNemar is the paired test (exact conditional p and chi-squared with
	// continuity correction); nil with McNemarError set when nothing changed.
	McNemar      *stats.McNemar `json:"mcnemar"`
	McNemarError string         `json:"mcnemar_error,omitempty"`
	// Old and New are the shares in each wave over all its units with the measure
	// known (paired or not); Unpaired tests them as independent samples (wave ×
	// true/false), which they are not where units are paired: it is there to
	// compare with each wave's own analysis.
	Old           *Share             `json:"old_share"`
	New           *Share             `json:"new_share"`
	Unpaired      *stats.Contingency `json:"unpaired"`
	UnpairedError string             `json:"unpaired_error,omitempty"`
}

// WorseUnit is an app or server that got worse on at least one measure.
type WorseUnit struct {
	AppID    string   `json:"app_id"`
	Name     string   `json:"name,omitempty"`
	Host     string   `json:"host,omitempty"`
	Measures []string `json:"measures"`
}

// Comparison is two waves of the same study compared unit by unit.
type Comparison struct {
	Old   string      `json:"old"`
	New   string      `json:"new"`
	Trust TrustPolicy `json:"trust_policy"`
	// AppsMatched and ServersMatched count the units present in both waves;
	// the OnlyOld/OnlyNew lists hold the others, never dropped silently.
	AppsMatched    int         `json:"apps_matched"`
	AppsOnlyOld    []string    `json:"apps_only_old"`
	AppsOnlyNew    []string    `json:"apps_only_new"`
	ServersMatched int         `json:"servers_matched"`
	ServersOnlyOld []ServerKey `json:"servers_only_old"`
	ServersOnlyNew []ServerKey `json:"servers_only_new"`
	// Servers and Apps hold one MeasureChange per CompareMeasures, in order.
	Servers      []MeasureChange `json:"servers"`
	Apps         []MeasureChange `json:"apps"`
	WorseApps    []WorseUnit     `json:"worse_apps"`
	WorseServers []WorseUnit     `json:"worse_servers"`
}

// state is what one wave says about a unit: per measure, nil when unknown.
type state map[string]*bool

func (s state) or(m string, v bool) {
	if s[m] == nil {
		s[m] = new(bool)
	}
	*s[m] = *s[m] || v
}

// waveStates derives the per-server and per-app states of one wave. Disregarded
// servers are left out, as in the study analysis; app states count functional
// servers only.
func waveStates(st *datasets.Study, trust TrustPolicy) (servers map[ServerKey]state, apps map[string]state) {
	results := make(map[endpoint]*result.Result, len(st.Results))
	for i := range st.Results {
		r := &st.Results[i]
		results[endpoint{strings.ToLower(r.Host), r.Port}] = r
	}
	servers, apps = map[ServerKey]state{}, map[string]state{}
	for _, a := range st.Apps {
		apps[a.ID] = state{}
	}
	for _, s := range st.Servers {
		app, ok := apps[s.AppID]
		if !ok || s.Category == datasets.CategoryDisregarded {
			continue
		}
		k := ServerKey{s.AppID, strings.ToLower(s.Host)}
		ss := servers[k]
		if ss == nil {
			ss = state{}
			servers[k] = ss
		}
		var r *result.Result
		if s.Scheme == datasets.SchemeHTTPS {
			r = results[endpoint{k.Host, s.Port}]
		}
		f := Facts(s, r, trust)
		targets := []state{ss}
		if s.Category == datasets.CategoryFunctional {
			targets = append(targets, app)
		}
		for _, t := range targets {
			t.or(MeasureUnsecured, f.Status == StatusPlainHTTP)
			if r != nil {
				t.or(MeasureTLS13, f.TLS13)
				t.or(MeasureHSTS, f.HSTS)
			}
			if f.Status == StatusGraded {
				t.or(MeasureBelowA, f.BelowA)
			}
		}
	}
	return servers, apps
}

// CompareStudies compares two waves of a study (the same apps tested twice):
// servers matched by app_id and host, apps by app_id. Per measure it gives the
// paired changes with McNemar's test, each wave's share with an unpaired test,
// and lists the apps and servers that got worse and those present in one wave
// only.
func CompareStudies(old, cur *datasets.Study, trust TrustPolicy) (*Comparison, error) {
	if old == nil || cur == nil {
		return nil, errors.New("compare studies: a wave is missing")
	}
	if trust == "" {
		trust = TrustBelow
	}
	c := &Comparison{Old: old.Dir, New: cur.Dir, Trust: trust, WorseApps: []WorseUnit{}, WorseServers: []WorseUnit{}}
	olds, oa := waveStates(old, trust)
	ns, na := waveStates(cur, trust)
	names := map[string]string{}
	for _, a := range old.Apps {
		names[a.ID] = a.Name
	}
	for _, a := range cur.Apps {
		names[a.ID] = a.Name
	}
	appIDs := sortedKeys(oa, na, func(a, b string) int { return strings.Compare(a, b) })
	serverKeys := sortedKeys(olds, ns, func(a, b ServerKey) int {
		return cmp.Or(strings.Compare(a.AppID, b.AppID), strings.Compare(a.Host, b.Host))
	})
	c.AppsMatched, c.AppsOnlyOld, c.AppsOnlyNew = matchKeys(appIDs, oa, na)
	c.ServersMatched, c.ServersOnlyOld, c.ServersOnlyNew = matchKeys(serverKeys, olds, ns)
	worseApps := map[string][]string{}
	worseServers := map[ServerKey][]string{}
	for _, m := range CompareMeasures() {
		c.Servers = append(c.Servers, measureChange(m, "server", serverKeys, olds, ns, func(k ServerKey) {
			worseServers[k] = append(worseServers[k], m)
		}))
		c.Apps = append(c.Apps, measureChange(m, "app", appIDs, oa, na, func(id string) {
			worseApps[id] = append(worseApps[id], m)
		}))
	}
	for _, id := range appIDs {
		if w := worseApps[id]; len(w) > 0 {
			c.WorseApps = append(c.WorseApps, WorseUnit{AppID: id, Name: names[id], Measures: w})
		}
	}
	for _, k := range serverKeys {
		if w := worseServers[k]; len(w) > 0 {
			c.WorseServers = append(c.WorseServers, WorseUnit{AppID: k.AppID, Name: names[k.AppID], Host: k.Host, Measures: w})
		}
	}
	return c, nil
}

// sortedKeys returns the keys of both maps, each once, sorted.
func sortedKeys[K comparable](a, b map[K]state, cmp func(x, y K) int) []K {
	keys := make([]K, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, cmp)
	return keys
}

// matchKeys counts the keys in both waves and lists, in the order of keys, those in only
// one; the lists are empty, not nil, so that they encode as [].
func matchKeys[K comparable](keys []K, old, cur map[K]state) (matched int, onlyOld, onlyNew []K) {
	onlyOld, onlyNew = []K{}, []K{}
	for _, k := range keys {
		_, inOld := old[k]
		_, inNew := cur[k]
		switch {
		case inOld && inNew:
			matched++
		case inOld:
			onlyOld = append(onlyOld, k)
		default:
			onlyNew = append(onlyNew, k)
		}
	}
	return matched, onlyOld, onlyNew
}

func measureChange[K comparable](m, level string, keys []K, old, cur map[K]state, worse func(K)) MeasureChange {
	mc := MeasureChange{Measure: m, Label: FindingLabel(m), Level: level}
	var oldYes, oldN, newYes, newN int
	for _, k := range keys {
		so, inOld := old[k]
		sn, inNew := cur[k]
		var o, n *bool
		if inOld {
			o = so[m]
		}
		if inNew {
			n = sn[m]
		}
		if o != nil {
			oldN++
			if *o {
				oldYes++
			}
		}
		if n != nil {
			newN++
			if *n {
				newYes++
			}
		}
		if !inOld || !inNew {
			continue
		}
		if o == nil || n == nil {
			mc.Unknown++
			continue
		}
		mc.Pairs++
		switch {
		case *o && *n:
			mc.YesYes++
		case *o:
			mc.YesNo++
		case *n:
			mc.NoYes++
		default:
			mc.NoNo++
		}
		if *o != *n {
			if *n == worseWhenTrue(m) {
				mc.Worse++
				worse(k)
			} else {
				mc.Better++
			}
		}
	}
	mc.Table = stats.Table{Counts: [][]int{{mc.YesYes, mc.YesNo}, {mc.NoYes, mc.NoNo}},
		RowNames: []string{"old_yes", "old_no"}, ColNames: []string{"new_yes", "new_no"}}
	if t, err := stats.NewTable(mc.Table.Counts, mc.Table.RowNames, mc.Table.ColNames); err != nil {
		mc.McNemarError = err.Error()
	} else if mn, err := stats.McNemarTest(t, true); err != nil {
		mc.McNemarError = err.Error()
	} else {
		mc.McNemar = &mn
	}
	mc.Old, mc.New = share(oldYes, oldN), share(newYes, newN)
	if oldN > 0 && newN > 0 {
		t, err := stats.NewTable([][]int{{oldYes, oldN - oldYes}, {newYes, newN - newYes}}, []string{"old", "new"}, []string{"yes", "no"})
		if err == nil {
			var c stats.Contingency
			if c, err = stats.Analyze(t); err == nil && c.Table.Rows() == 2 && c.Table.Cols() == 2 {
				mc.Unpaired = &c
			} else if err == nil {
				err = fmt.Errorf("table %v has an empty row or column", t.Counts)
			}
		}
		if err != nil {
			mc.UnpairedError = err.Error()
		}
	} else {
		mc.UnpairedError = "a wave has no unit with this measure known"
	}
	return mc
}
