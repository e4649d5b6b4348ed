package analysis

import (
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// AppReach is which releases of an app's own platform its servers can serve, from the
// results' client_simulations (probe/clientsim).
type AppReach struct {
	AppID    string `json:"app_id"`
	Platform string `json:"platform"`
	// Oldest is the oldest release (clientsim's, e.g. "4.4", "9") from which on every
	// functional HTTPS server of the app with a simulation connects; empty when even the
	// newest release fails on one of them, or when no functional server was simulated.
	Oldest string `json:"oldest"`
	// Simulated is how many functional HTTPS servers had a simulation; Unknown how many
	// of those could not be read for some release (connects null), and are left out.
	Simulated int `json:"simulated"`
	Unknown   int `json:"unknown"`
	// Failing lists the app's HTTPS servers (any category) that refuse at least one
	// release of the platform, as host:port.
	Failing []string `json:"failing"`
}

// ClientReach computes AppReach for every app of the study, in apps.csv order.
func ClientReach(st *datasets.Study) []AppReach {
	clients := newSimClients()
	ix := IndexResults(st.Results)
	facts := make(map[*result.Result]*resultFacts)
	byID := make(map[string][]int, len(st.Apps))
	for i, a := range st.Apps {
		byID[a.ID] = append(byID[a.ID], i)
	}
	reach := newReach(st.Apps)
	for i := range st.Servers {
		s := &st.Servers[i]
		var rf *resultFacts
		if r := ix.Lookup(s.Host, s.Port); r != nil && s.Scheme == datasets.SchemeHTTPS {
			if rf = facts[r]; rf == nil {
				v := reduceResult(r, clients)
				rf = &v
				facts[r] = rf
			}
		}
		for _, a := range byID[s.AppID] {
			reach[a].add(s, rf)
		}
	}
	return reachResult(st.Apps, reach)
}

// reachState is one app's AppReach while its rows are counted.
type reachState struct {
	ar AppReach
	// names are the bits of the app platform's releases in the simulation masks, oldest
	// first; servedFrom[i] stays true while every known functional server connects for
	// releases i..newest.
	names      []uint
	servedFrom []bool
}

func newReach(apps []datasets.App) []reachState {
	releases := map[string][]uint{} // platform -> client bits, oldest first
	for i, c := range clientsim.Clients() {
		if i < maxSimClients {
			releases[c.Platform] = append(releases[c.Platform], uint(i))
		}
	}
	out := make([]reachState, len(apps))
	for i, app := range apps {
		out[i] = reachState{ar: AppReach{AppID: app.ID, Platform: app.Platform, Failing: []string{}}, names: releases[app.Platform]}
	}
	return out
}

// add counts one servers.csv row of the app; rf is its result's facts, nil without one
// (or when the row is not https).
func (st *reachState) add(s *datasets.Server, rf *resultFacts) {
	if s.Scheme != datasets.SchemeHTTPS || rf == nil || !rf.sims {
		return
	}
	fails, unknown := false, false
	for _, n := range st.names {
		bit := uint64(1) << n
		switch {
		case rf.simKnown&bit == 0:
			unknown = true
		case rf.simConnects&bit == 0:
			fails = true
		}
	}
	ar := &st.ar
	if fails {
		ar.Failing = append(ar.Failing, endpoint{s.Host, s.Port}.String())
	}
	if s.Category != datasets.CategoryFunctional {
		return
	}
	ar.Simulated++
	if unknown {
		ar.Unknown++
		return
	}
	if st.servedFrom == nil {
		st.servedFrom = make([]bool, len(st.names))
		for i := range st.servedFrom {
			st.servedFrom[i] = true
		}
	}
	for i := range st.names {
		for _, n := range st.names[i:] {
			if rf.simConnects&(uint64(1)<<n) == 0 {
				st.servedFrom[i] = false
			}
		}
	}
}

// reachResult finishes the AppReach of every app.
func reachResult(apps []datasets.App, reach []reachState) []AppReach {
	version := map[uint]string{}
	for i, c := range clientsim.Clients() {
		version[uint(i)] = c.Version
	}
	out := make([]AppReach, 0, len(apps))
	for i := range reach {
		st := &reach[i]
		if st.ar.Simulated > st.ar.Unknown {
			for k, n := range st.names {
				if st.servedFrom == nil || st.servedFrom[k] {
					st.ar.Oldest = version[n]
					break
				}
			}
		}
		out = append(out, st.ar)
	}
	return out
}
