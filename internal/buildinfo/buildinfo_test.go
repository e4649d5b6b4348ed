package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestString(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"release", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: Module, Version: "v1.2.0"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-05T10:00:00Z"}}},
			"mhealthsec v1.2.0 (revision 0123abcd, 2026-12-05T10:00:00Z; go1.26.8)"},
		{"dirty checkout", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: Module, Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}},
			"mhealthsec (devel) (revision 0123abcd, with uncommitted changes; go1.26.8)"},
		{"-buildvcs=false", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: Module, Version: "(devel)"}},
			"mhealthsec (devel) (VCS revision not recorded; go1.26.8)"},
		{"notebook with a local replace", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "gonb_1234"},
			Deps: []*debug.Module{{Path: Module, Version: "v0.0.0", Replace: &debug.Module{Path: "/home/u/mhealthsec/notebooks/.."}}}},
			"mhealthsec v0.0.0 (local copy /home/u/mhealthsec, VCS revision not recorded; go1.26.8)"},
		{"dependency", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.org/x"},
			Deps: []*debug.Module{{Path: Module, Version: "v1.3.0"}}},
			"mhealthsec v1.3.0 (VCS revision not recorded; go1.26.8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fromBuild(&tc.bi).String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	if got := (Info{}).String(); got != "mhealthsec (no build information in this binary)" {
		t.Errorf("unknown build: %q", got)
	}
}
