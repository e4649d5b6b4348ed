package analysis

import (
	"slices"
	"testing"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// sims is a simulation where the named clients fail, those in unknown are null and every
// other client connects.
func sims(fail, unknown []string) []result.ClientSimulation {
	var out []result.ClientSimulation
	for _, c := range clientsim.Clients() {
		s := result.ClientSimulation{Client: c.Name, Platform: c.Platform, Version: c.Version}
		switch {
		case slices.Contains(unknown, c.Name):
			s.Note = "no answer"
		case slices.Contains(fail, c.Name):
			s.Connects = new(bool)
		default:
			t := true
			s.Connects = &t
		}
		out = append(out, s)
	}
	return out
}

func TestClientReach(t *testing.T) {
	res := func(host string, cs []result.ClientSimulation) result.Result {
		return result.Result{Host: host, Port: 443, ClientSimulations: cs}
	}
	srv := func(app, host, cat string) datasets.Server {
		return datasets.Server{AppID: app, Host: host, Port: 443, Scheme: datasets.SchemeHTTPS, Category: cat}
	}
	fn, ads := datasets.CategoryFunctional, "advertising"
	st := &datasets.Study{
		Apps: []datasets.App{{ID: "a", Platform: datasets.PlatformAndroid}, {ID: "b", Platform: datasets.PlatformIOS},
			{ID: "c", Platform: datasets.PlatformAndroid}, {ID: "d", Platform: datasets.PlatformIOS}},
		Servers: []datasets.Server{
			srv("a", "all.example", fn), srv("a", "modern.example", fn),
			srv("b", "all.example", fn), srv("b", "tracker.example", ads),
			srv("c", "unknown.example", fn), srv("c", "ios-only-fails.example", fn),
			srv("d", "none.example", fn),
		},
		Results: []result.Result{
			res("all.example", sims(nil, nil)),
			res("modern.example", sims([]string{"android-4.4", "android-5", "ios-9"}, nil)),
			res("tracker.example", sims([]string{"ios-9", "ios-10"}, nil)),
			res("unknown.example", sims(nil, []string{"android-7"})),
			// An iOS failure does not count against an Android app.
			res("ios-only-fails.example", sims([]string{"ios-9"}, nil)),
			{Host: "none.example", Port: 443},
		},
	}
	want := []AppReach{
		{AppID: "a", Platform: "android", Oldest: "7", Simulated: 2, Failing: []string{"modern.example:443"}},
		{AppID: "b", Platform: "ios", Oldest: "9", Simulated: 1, Failing: []string{"tracker.example:443"}},
		{AppID: "c", Platform: "android", Oldest: "4.4", Simulated: 2, Unknown: 1, Failing: []string{}},
		{AppID: "d", Platform: "ios", Oldest: "", Simulated: 0, Failing: []string{}},
	}
	got := ClientReach(st)
	if len(got) != len(want) {
		t.Fatalf("got %d apps, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.AppID != w.AppID || g.Platform != w.Platform || g.Oldest != w.Oldest || g.Simulated != w.Simulated ||
			g.Unknown != w.Unknown || !slices.Equal(g.Failing, w.Failing) {
			t.Errorf("got %+v, want %+v", g, w)
		}
	}
}

// TestClientPlatformsMatchApps: the simulated clients' platforms are spelled as apps.csv
// spells them, or no app would find its releases.
func TestClientPlatformsMatchApps(t *testing.T) {
	if clientsim.PlatformAndroid != datasets.PlatformAndroid || clientsim.PlatformIOS != datasets.PlatformIOS {
		t.Errorf("clientsim platforms %q, %q; apps.csv %q, %q", clientsim.PlatformAndroid, clientsim.PlatformIOS, datasets.PlatformAndroid, datasets.PlatformIOS)
	}
}
