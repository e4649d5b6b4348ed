package analysis

import (
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
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
	releases := map[string][]string{} // platform -> client names, oldest first
	version := map[string]string{}
	for _, c := range clientsim.Clients() {
		releases[c.Platform] = append(releases[c.Platform], c.Name)
		version[c.Name] = c.Version
	}
	ix := IndexResults(st.Results)
	out := make([]AppReach, 0, len(st.Apps))
	for _, app := range st.Apps {
		ar := AppReach{AppID: app.ID, Platform: app.Platform, Failing: []string{}}
		names := releases[app.Platform]
		// servedFrom[i] stays true while every known functional server connects for
		// releases i..newest.
		servedFrom := make([]bool, len(names))
		for i := range servedFrom {
			servedFrom[i] = true
		}
		for _, s := range st.Servers {
			if s.AppID != app.ID || s.Scheme != datasets.SchemeHTTPS {
				continue
			}
			r := ix.Lookup(s.Host, s.Port)
			if r == nil || r.ClientSimulations == nil {
				continue
			}
			conn := map[string]*bool{}
			for _, sim := range r.ClientSimulations {
				conn[sim.Client] = sim.Connects
			}
			fails, unknown := false, false
			for _, n := range names {
				switch c := conn[n]; {
				case c == nil:
					unknown = true
				case !*c:
					fails = true
				}
			}
			if fails {
				ar.Failing = append(ar.Failing, endpoint{s.Host, s.Port}.String())
			}
			if s.Category != datasets.CategoryFunctional {
				continue
			}
			ar.Simulated++
			if unknown {
				ar.Unknown++
				continue
			}
			for i := range names {
				for _, n := range names[i:] {
					if !*conn[n] {
						servedFrom[i] = false
					}
				}
			}
		}
		if ar.Simulated > ar.Unknown {
			for i, ok := range servedFrom {
				if ok {
					ar.Oldest = version[names[i]]
					break
				}
			}
		}
		out = append(out, ar)
	}
	return out
}
