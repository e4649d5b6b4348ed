package grade

import (
	"fmt"
	"strings"
)

// Criteria names a version of the SSL Labs rating criteria ("2009r"). Versions compare in
// publication order because they share the "2009" prefix and differ in one letter.
type Criteria string

// Criteria versions the grader implements.
const (
	// V2009n was in force January 2017 – February 2018: the study's scans.
	V2009n Criteria = "2009n"
	// V2009q was in force January 2020 – May 2025: most follow-up work.
	V2009q Criteria = "2009q"
	// V2009r is in force since May 2025: today's SSL Labs.
	V2009r Criteria = "2009r"
	// Default is the version used when none is asked for.
	Default = V2009r
)

// Versions lists the implemented criteria, oldest first.
func Versions() []Criteria { return []Criteria{V2009n, V2009q, V2009r} }

// ParseCriteria accepts one of the implemented versions (case and surrounding space are
// ignored). The error lists the versions it knows.
func ParseCriteria(s string) (Criteria, error) {
	want := Criteria(strings.ToLower(strings.TrimSpace(s)))
	for _, v := range Versions() {
		if v == want {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown grading criteria %q: known versions are %s", s, versionList())
}

func versionList() string {
	vs := Versions()
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// atLeast reports whether c is version v or later; v is a rule's "since" version, which may
// name a version the grader does not implement ("2009o").
func (c Criteria) atLeast(v string) bool { return v == "" || string(c) >= v }

// atMost reports whether c is version v or earlier; "" means no upper bound.
func (c Criteria) atMost(v string) bool { return v == "" || string(c) <= v }
