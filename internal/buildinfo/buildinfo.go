// Package buildinfo says which build of mhealthsec is running: the module version and the
// version-control revision that the Go toolchain recorded in the binary, so that a report
// can name the code that computed its numbers. What the build did not record is said to be
// unknown, never guessed.
package buildinfo

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// Module is the path of the mhealthsec module.
const Module = "github.com/mhealthsec/mhealthsec"

// Info is what a binary knows about the mhealthsec code built into it.
type Info struct {
	Version   string // module version, "(devel)" for a build from a checkout
	Revision  string // VCS revision; "" when the build recorded none
	Time      string // commit time of Revision (RFC 3339); "" when unknown
	Modified  bool   // the checkout had uncommitted changes
	Replaced  string // the local folder the module was replaced by (a notebook's go.mod), if any
	GoVersion string // toolchain, e.g. go1.26.8
	Known     bool   // the binary carries build information at all
}

// Read returns the build information of the running binary: of the main module when that
// is mhealthsec (the command), else of the mhealthsec dependency (a notebook, a program
// using the library).
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{}
	}
	return fromBuild(bi)
}

func fromBuild(bi *debug.BuildInfo) Info {
	info := Info{Known: true, GoVersion: bi.GoVersion}
	if bi.Main.Path == Module {
		info.Version = bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
		return info
	}
	for _, d := range bi.Deps {
		if d.Path != Module {
			continue
		}
		info.Version = d.Version
		if d.Replace != nil {
			info.Replaced = filepath.Clean(d.Replace.Path) // a notebook's replace says notebooks/..
			if d.Replace.Version != "" {
				info.Version = d.Replace.Version
				info.Replaced = ""
			}
		}
		return info
	}
	info.Version = "(not in the build)"
	return info
}

// String writes the build as a line for --version and for a methods section, e.g.
// "mhealthsec v1.2.0 (revision 0123abcd4567, 2026-12-05T10:00:00Z; go1.26.8)" or
// "mhealthsec (devel) (VCS revision not recorded; go1.26.8)".
func (i Info) String() string {
	if !i.Known {
		return "mhealthsec (no build information in this binary)"
	}
	var parts []string
	switch {
	case i.Revision != "":
		rev := "revision " + i.Revision
		if i.Time != "" {
			rev += ", " + i.Time
		}
		if i.Modified {
			rev += ", with uncommitted changes"
		}
		parts = append(parts, rev)
	case i.Replaced != "":
		parts = append(parts, "local copy "+i.Replaced+", VCS revision not recorded")
	default:
		parts = append(parts, "VCS revision not recorded")
	}
	parts = append(parts, i.GoVersion)
	return fmt.Sprintf("mhealthsec %s (%s)", i.Version, strings.Join(parts, "; "))
}
