package analysis

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/grade"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// TrustPolicy says how the certificate grades T (not trusted) and M (name mismatch)
// count when deciding "below the A range".
type TrustPolicy string

// Trust policies.
const (
	// TrustBelow counts T and M as below A, as SSL Labs shows them (the default).
	TrustBelow TrustPolicy = "below"
	// TrustIgnore uses the grade the server would get if trust were ignored.
	TrustIgnore TrustPolicy = "ignore"
	// TrustExclude leaves T and M servers out of the graded servers.
	TrustExclude TrustPolicy = "exclude"
)

// ParseTrustPolicy accepts below, ignore or exclude.
func ParseTrustPolicy(s string) (TrustPolicy, error) {
	for _, p := range []TrustPolicy{TrustBelow, TrustIgnore, TrustExclude} {
		if s == string(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown trust policy %q (want below, ignore or exclude)", s)
}

// StudyConfig chooses how AnalyzeStudy counts and tests.
type StudyConfig struct {
	Trust TrustPolicy
	// Baseline is the SSL Pulse month of Test 1; nil skips Test 1.
	Baseline *datasets.PulseMonth
	// PulseN is the assumed number of Pulse sites for Test 1's 2 × 2 tests.
	PulseN int
	// Adjust corrects the p-values of the study's tests (Test 1 and the Test 2
	// comparisons) for multiple testing, each test statistic as its own family.
	Adjust stats.Method
	// Reference, when set, adds Test 1 against a reference population probed or
	// imported with this toolkit (StudyResult.Test1Reference).
	Reference *Reference
	// Fisher runs the Fisher tests of tables larger than 2 × 2; the zero value
	// means stats.DefaultFisherConfig.
	Fisher stats.FisherConfig
}

// fisher returns the Fisher configuration, defaulted.
func (c StudyConfig) fisher() stats.FisherConfig {
	if c.Fisher == (stats.FisherConfig{}) {
		return stats.DefaultFisherConfig()
	}
	return c.Fisher
}

// Row status: what is known about one servers.csv row.
const (
	StatusGraded    = "graded"
	StatusError     = "error"          // a result with an error or without a grade
	StatusNoResult  = "no_result"      // an https server without a result line
	StatusPlainHTTP = "plain_http"     // scheme http: not probed for TLS
	StatusTrustExcl = "trust_excluded" // T/M under TrustExclude
)

// Finding names of the per-app table (the study's Table 5 and its negative counterpart).
const (
	FindingTLS13      = "tls13"
	FindingHSTS       = "hsts"
	FindingBelowA     = "below_a"
	FindingUnsecured  = "unsecured"
	FindingVulnerable = "vulnerable"
	FindingCert       = "certificate_problem"
	FindingOldProto   = "sslv3_tls10"
	FindingWeakCipher = "rc4_3des"
)

// Findings lists the per-app findings in table order, positive first.
func Findings() []string {
	return []string{FindingTLS13, FindingHSTS, FindingBelowA, FindingUnsecured, FindingVulnerable, FindingCert, FindingOldProto, FindingWeakCipher}
}

// FindingLabel is the row label of a finding.
func FindingLabel(f string) string {
	switch f {
	case FindingTLS13:
		return "TLS 1.3 support observed"
	case FindingHSTS:
		return "HSTS support observed"
	case FindingBelowA:
		return "Rated below the A range"
	case FindingUnsecured:
		return "Unsecured connection (plain HTTP)"
	case FindingVulnerable:
		return "Vulnerable to a known attack (Heartbleed, CCS, ROBOT, POODLE, DROWN, FREAK, Logjam, CRIME, …)"
	case FindingCert:
		return "Certificate problem"
	case FindingOldProto:
		return "SSL 2/3 or TLS 1.0 supported"
	case FindingWeakCipher:
		return "RC4 or 3DES suites accepted"
	}
	return f
}

// IsOthers reports whether a category belongs to the study's "others": every server that
// is neither functional nor disregarded (advertising, tracking, content and other).
func IsOthers(category string) bool {
	return category != datasets.CategoryFunctional && category != datasets.CategoryDisregarded
}

// ServerFacts is what the analysis reads from one servers.csv row and its result.
type ServerFacts struct {
	Status                                                        string
	Letter                                                        string // the letter counted (after the trust policy); "" unless graded
	BelowA                                                        bool
	TLS13, HSTS, Vulnerable, CertProblem, OldProtocol, WeakCipher bool
	// CertUnknown: whether the certificate has a problem is not known, since its trust
	// could not be decided (certificate.trusted null) and nothing else is wrong with it.
	// CertProblem is false then, and the finding counts it as undecided, not as absent.
	CertUnknown bool
}

// anyExploitable reports whether any check for a known, exploitable attack came out
// vulnerable: the attacks SSL Labs caps a grade for. Left out on purpose: BEAST and LUCKY13,
// which testssl.sh flags for any CBC suite (so nearly every server "has" them); BREACH,
// which depends on the page; RC4 and SWEET32, which the weak-cipher finding counts; and
// client-initiated renegotiation, a denial-of-service concern rather than an attack on the
// connection.
func anyExploitable(v *result.Vulnerabilities) bool {
	for _, b := range []*bool{v.Heartbleed, v.CCS, v.Ticketbleed, v.ROBOT, v.CRIME,
		v.POODLESSL, v.FREAK, v.DROWN, v.LOGJAM,
		v.InsecureRenego, v.POODLETLS, v.PaddingOracle, v.ZombiePOODLE, v.GOLDENDOODLE} {
		if b != nil && *b {
			return true
		}
	}
	return false
}

func normalizeLetter(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "\u2212", "-")
}

// Facts derives the analysis facts of one row. r is nil when the server has no result.
func Facts(s datasets.Server, r *result.Result, trust TrustPolicy) ServerFacts {
	var f ServerFacts
	switch {
	case s.Scheme == datasets.SchemeHTTP:
		f.Status = StatusPlainHTTP
		return f
	case r == nil:
		f.Status = StatusNoResult
		return f
	}
	// Observations stand even when the grade is missing.
	f.TLS13 = r.Protocols.Supported(result.TLS13)
	f.HSTS = r.HTTP != nil && r.HTTP.HSTS != nil && r.HTTP.HSTS.Present && !r.HTTP.HSTS.Invalid && r.HTTP.HSTS.MaxAge > 0
	f.Vulnerable = anyExploitable(&r.Vulnerabilities)
	if c := r.Certificate; c != nil {
		f.CertProblem = (c.Trusted != nil && !*c.Trusted) || !c.HostnameMatch || c.Expired || c.NotYetValid || c.SelfSigned || (c.Revoked != nil && *c.Revoked)
		f.CertUnknown = !f.CertProblem && c.Trusted == nil
	}
	f.OldProtocol = r.Protocols.Supported(result.SSLv2) || r.Protocols.Supported(result.SSLv3) || r.Protocols.Supported(result.TLS10)
	f.WeakCipher = r.Vulnerabilities.RC4 != nil && *r.Vulnerabilities.RC4
	for _, c := range r.Ciphers {
		if c.Cipher == "RC4" || c.Cipher == "3DES" || strings.Contains(c.Name, "_RC4_") || strings.Contains(c.Name, "3DES") {
			f.WeakCipher = true
			break
		}
	}
	if r.Error != nil || r.Grade == nil || r.Grade.Letter == "" {
		f.Status = StatusError
		return f
	}
	letter := normalizeLetter(r.Grade.Letter)
	if letter == "T" || letter == "M" {
		switch trust {
		case TrustExclude:
			f.Status = StatusTrustExcl
			return f
		case TrustIgnore:
			if ti := normalizeLetter(r.Grade.TrustIgnored); ti != "" {
				letter = ti
			}
		}
	}
	f.Status, f.Letter = StatusGraded, letter
	f.BelowA = !result.InARange(letter)
	return f
}

// CategoryGrades is the grade distribution of one server category.
type CategoryGrades struct {
	Category string         `json:"category"`
	Rows     int            `json:"rows"`
	Graded   int            `json:"graded"`
	Grades   map[string]int `json:"grades"`
	// BelowA is graded servers below the A range, with its Wilson interval; nil when
	// none is graded.
	BelowA    *Share `json:"below_a"`
	Errors    int    `json:"errors"`
	NoResult  int    `json:"no_result"`
	PlainHTTP int    `json:"plain_http"`
	Excluded  int    `json:"trust_excluded"`
}

// FindingCounts counts the apps with a finding, Table 5 style: an app counts in a cell if
// at least one of its servers of that group shows the finding.
type FindingCounts struct {
	Finding           string `json:"finding"`
	Label             string `json:"label"`
	AndroidFunctional int    `json:"android_functional"`
	IOSFunctional     int    `json:"ios_functional"`
	AndroidOthers     int    `json:"android_others"`
	IOSOthers         int    `json:"ios_others"`
	TotalFunctional   int    `json:"total_functional"`
	TotalOthers       int    `json:"total_others"`
	// UndecidedFunctional and UndecidedOthers count the apps not counted above whose
	// finding is unknown: a server of that group could not be judged (a certificate whose
	// trust could not be decided). They are neither with nor without the finding.
	UndecidedFunctional int `json:"undecided_functional,omitempty"`
	UndecidedOthers     int `json:"undecided_others,omitempty"`
}

// GroupTest is one Test 2 comparison of functional servers below A between two groups
// of apps.
type GroupTest struct {
	Name   string      `json:"name"`
	Groups [2]string   `json:"groups"`
	Below  [2]*Share   `json:"below_a"`
	Table  stats.Table `json:"table"`
	// Contingency is nil (and Error says why) when the table cannot be tested, e.g. a
	// group without graded servers.
	Contingency    *stats.Contingency `json:"tests"`
	RiskDifference *Estimate          `json:"risk_difference"`
	Error          string             `json:"error,omitempty"`
	// Adjusted p-values (Config.Adjust across all of the study's tests), by statistic:
	// "pearson", "yates", "fisher".
	Adjusted map[string]*float64 `json:"adjusted_p"`
}

// ServerRef names one servers.csv row.
type ServerRef struct {
	AppID    string `json:"app_id"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Category string `json:"category"`
	Reason   string `json:"reason,omitempty"`
}

// StudyResult is the study analysis of one study folder.
type StudyResult struct {
	Trust     TrustPolicy    `json:"trust_policy"`
	Adjust    string         `json:"adjustment"`
	Apps      int            `json:"apps"`
	AppsBy    map[string]int `json:"apps_by_platform"`
	Rows      int            `json:"server_rows"`
	Endpoints int            `json:"distinct_endpoints"`
	// Categories holds the grade distribution per category, in datasets.Categories order.
	Categories []CategoryGrades `json:"categories"`
	// FunctionalBelowA is the headline: functional servers below the A range.
	FunctionalBelowA *Share `json:"functional_below_a"`
	OthersBelowA     *Share `json:"others_below_a"`
	// Apps with at least one functional server below A, one unsecured functional
	// connection, one non-functional (others) server below A.
	AppsFunctionalBelowA *Share              `json:"apps_functional_below_a"`
	AppsUnsecured        *Share              `json:"apps_unsecured_functional"`
	AppsOthersBelowA     *Share              `json:"apps_others_below_a"`
	AppsWithOthers       int                 `json:"apps_with_others"`
	Findings             []FindingCounts     `json:"findings"`
	Test1                *PulseResult        `json:"test1_pulse"`
	Test1Adjusted        map[string]*float64 `json:"test1_adjusted_p"`
	// Test1Reference is Test 1 against StudyConfig.Reference (its p-values are not
	// in the multiple-testing family).
	Test1Reference *ReferenceTest `json:"test1_reference,omitempty"`
	Test2          []GroupTest    `json:"test2"`
	// Unprobed lists https rows without a result; Ungraded rows whose result has an
	// error or no grade. Neither is silently dropped: both are excluded from the
	// below-A denominators and listed here.
	Unprobed []ServerRef `json:"unprobed"`
	Ungraded []ServerRef `json:"ungraded"`
	// UnknownApps counts servers.csv rows whose app is not in apps.csv (left out).
	UnknownApps int `json:"rows_with_unknown_app"`
	// TrustUnknown counts https rows whose certificate trust could not be decided
	// (certificate.trusted null); they are not graded and are counted neither as trusted
	// nor as untrusted.
	TrustUnknown int `json:"trust_unknown_rows"`
	// ClientReach is, per app, which releases of its platform its servers serve.
	ClientReach []AppReach `json:"client_reach"`
}

func share(count, total int) *Share {
	if total <= 0 {
		return nil
	}
	s, err := NewShare(count, total)
	if err != nil {
		return nil
	}
	return &s
}

// endpoint identifies a server by lower-case host and port.
type endpoint struct {
	host string
	port int
}

func (e endpoint) String() string { return e.host + ":" + strconv.Itoa(e.port) }

// ResultIndex finds the result of a servers.csv row by its endpoint.
type ResultIndex map[endpoint]*result.Result

// IndexResults indexes results by endpoint (lower-case host, port). When an endpoint has
// several results the last one wins (a resumed or repeated scan appends); AnalyzeStudy
// counts by this index, and so should anything that must agree with it.
func IndexResults(rs []result.Result) ResultIndex {
	ix := make(ResultIndex, len(rs))
	for i := range rs {
		ix[endpoint{strings.ToLower(rs[i].Host), rs[i].Port}] = &rs[i]
	}
	return ix
}

// Lookup returns the result of host:port, or nil.
func (ix ResultIndex) Lookup(host string, port int) *result.Result {
	return ix[endpoint{strings.ToLower(host), port}]
}

// AnalyzeStudy computes the study analysis of a loaded study folder. When an endpoint
// has several results, the last one wins (a resumed or repeated scan appends).
func AnalyzeStudy(st *datasets.Study, cfg StudyConfig) (*StudyResult, error) {
	if st == nil {
		return nil, errors.New("analyze study: no study")
	}
	if cfg.Trust == "" {
		cfg.Trust = TrustBelow
	}
	results := IndexResults(st.Results)
	appIndex := make(map[string]int, len(st.Apps))
	out := &StudyResult{Trust: cfg.Trust, Adjust: cfg.Adjust.String(), Apps: len(st.Apps), AppsBy: map[string]int{}}
	for i, a := range st.Apps {
		appIndex[a.ID] = i
		out.AppsBy[a.Platform]++
	}

	// Per app and group (functional, others): which findings were seen.
	type appFlags struct {
		functional, others []bool // indexed like Findings()
		// undecided: a server of the group could not be judged for the finding.
		undecidedFunctional, undecidedOthers []bool
		hasOthers                            bool
	}
	flags := make([]appFlags, len(st.Apps))
	for i := range flags {
		n := len(Findings())
		flags[i].functional, flags[i].others = make([]bool, n), make([]bool, n)
		flags[i].undecidedFunctional, flags[i].undecidedOthers = make([]bool, n), make([]bool, n)
	}
	findingIdx := map[string]int{}
	for i, f := range Findings() {
		findingIdx[f] = i
	}
	catIndex := map[string]int{}
	for i, c := range datasets.Categories() {
		catIndex[c] = i
		out.Categories = append(out.Categories, CategoryGrades{Category: c, Grades: map[string]int{}})
	}
	catBelow := make([]int, len(out.Categories))
	// Graded functional servers below A per app group, for Test 2.
	type groupCount struct{ below, graded int }
	byAvail := map[string]*groupCount{}
	byPlatform := map[string]*groupCount{}
	count := func(m map[string]*groupCount, k string, below bool) {
		g := m[k]
		if g == nil {
			g = &groupCount{}
			m[k] = g
		}
		g.graded++
		if below {
			g.below++
		}
	}
	var funcBelow, funcGraded, othBelow, othGraded int
	type schemeEndpoint struct {
		endpoint
		scheme string
	}
	endpoints := map[schemeEndpoint]struct{}{}
	for _, s := range st.Servers {
		ai, ok := appIndex[s.AppID]
		if !ok {
			out.UnknownApps++
			continue
		}
		app := &st.Apps[ai]
		out.Rows++
		// LoadStudy gives hosts in lower case; lower again only when needed.
		key := endpoint{s.Host, s.Port}
		if strings.ToLower(s.Host) != s.Host {
			key.host = strings.ToLower(s.Host)
		}
		endpoints[schemeEndpoint{key, s.Scheme}] = struct{}{}
		var r *result.Result
		if s.Scheme == datasets.SchemeHTTPS {
			r = results[key]
		}
		f := Facts(s, r, cfg.Trust)
		if r != nil && r.Certificate != nil && r.Certificate.Trusted == nil {
			out.TrustUnknown++
		}
		ci, ok := catIndex[s.Category]
		if !ok {
			return nil, fmt.Errorf("analyze study: server %s of app %s: unknown category %q", key, s.AppID, s.Category)
		}
		cg := &out.Categories[ci]
		cg.Rows++
		ref := ServerRef{AppID: s.AppID, Host: s.Host, Port: s.Port, Category: s.Category}
		switch f.Status {
		case StatusGraded:
			cg.Graded++
			cg.Grades[f.Letter]++
			if f.BelowA {
				catBelow[ci]++
			}
		case StatusError:
			cg.Errors++
			ref.Reason = "no grade"
			if r != nil && r.Error != nil {
				ref.Reason = string(r.Error.Kind) + ": " + r.Error.Message
			} else if ok, why := grade.Gradable(r); !ok {
				ref.Reason = "not graded: " + why
			}
			out.Ungraded = append(out.Ungraded, ref)
		case StatusNoResult:
			cg.NoResult++
			ref.Reason = "no result for this host and port in results.jsonl"
			out.Unprobed = append(out.Unprobed, ref)
		case StatusPlainHTTP:
			cg.PlainHTTP++
		case StatusTrustExcl:
			cg.Excluded++
		}
		functional := s.Category == datasets.CategoryFunctional
		others := IsOthers(s.Category)
		if !functional && !others {
			continue
		}
		group, undecided := flags[ai].others, flags[ai].undecidedOthers
		if functional {
			group, undecided = flags[ai].functional, flags[ai].undecidedFunctional
		} else {
			flags[ai].hasOthers = true
		}
		if f.CertUnknown {
			undecided[findingIdx[FindingCert]] = true
		}
		set := func(name string, v bool) {
			if v {
				group[findingIdx[name]] = true
			}
		}
		set(FindingTLS13, f.TLS13)
		set(FindingHSTS, f.HSTS)
		set(FindingBelowA, f.BelowA)
		set(FindingUnsecured, f.Status == StatusPlainHTTP)
		set(FindingVulnerable, f.Vulnerable)
		set(FindingCert, f.CertProblem)
		set(FindingOldProto, f.OldProtocol)
		set(FindingWeakCipher, f.WeakCipher)
		if f.Status != StatusGraded {
			continue
		}
		if functional {
			funcGraded++
			if f.BelowA {
				funcBelow++
			}
			count(byAvail, app.Availability, f.BelowA)
			count(byPlatform, app.Platform, f.BelowA)
		} else {
			othGraded++
			if f.BelowA {
				othBelow++
			}
		}
	}
	out.Endpoints = len(endpoints)
	for i := range out.Categories {
		out.Categories[i].BelowA = share(catBelow[i], out.Categories[i].Graded)
	}
	out.FunctionalBelowA = share(funcBelow, funcGraded)
	out.OthersBelowA = share(othBelow, othGraded)

	for _, name := range Findings() {
		fc := FindingCounts{Finding: name, Label: FindingLabel(name)}
		k := findingIdx[name]
		for i, a := range st.Apps {
			fl := flags[i]
			android := a.Platform == datasets.PlatformAndroid
			if fl.functional[k] {
				fc.TotalFunctional++
				if android {
					fc.AndroidFunctional++
				} else {
					fc.IOSFunctional++
				}
			}
			if fl.others[k] {
				fc.TotalOthers++
				if android {
					fc.AndroidOthers++
				} else {
					fc.IOSOthers++
				}
			}
			if !fl.functional[k] && fl.undecidedFunctional[k] {
				fc.UndecidedFunctional++
			}
			if !fl.others[k] && fl.undecidedOthers[k] {
				fc.UndecidedOthers++
			}
		}
		out.Findings = append(out.Findings, fc)
	}
	for _, fl := range flags {
		if fl.hasOthers {
			out.AppsWithOthers++
		}
	}
	below, unsec, othersBelow := out.Findings[findingIdx[FindingBelowA]], out.Findings[findingIdx[FindingUnsecured]], out.Findings[findingIdx[FindingBelowA]]
	out.AppsFunctionalBelowA = share(below.TotalFunctional, len(st.Apps))
	out.AppsUnsecured = share(unsec.TotalFunctional, len(st.Apps))
	out.AppsOthersBelowA = share(othersBelow.TotalOthers, len(st.Apps))

	if cfg.Baseline != nil && funcGraded > 0 {
		t1, err := PulseTest(funcBelow, funcGraded, *cfg.Baseline, cfg.PulseN)
		if err != nil {
			return nil, fmt.Errorf("analyze study: test 1: %w", err)
		}
		out.Test1 = &t1
	}
	if cfg.Reference != nil && funcGraded > 0 {
		fg := out.Categories[catIndex[datasets.CategoryFunctional]].Grades
		rt, err := TestReference(fg, funcBelow, Describe(st.Results), cfg.Reference, cfg.fisher())
		if err != nil {
			return nil, fmt.Errorf("analyze study: test 1 against %s: %w", cfg.Reference.File, err)
		}
		out.Test1Reference = &rt
	}
	get := func(m map[string]*groupCount, k string) groupCount {
		if g := m[k]; g != nil {
			return *g
		}
		return groupCount{}
	}
	for _, spec := range []struct {
		name string
		m    map[string]*groupCount
		a, b string
	}{
		{"international_vs_de_only", byAvail, datasets.AvailabilityInternational, datasets.AvailabilityGermanOnly},
		{"android_vs_ios", byPlatform, datasets.PlatformAndroid, datasets.PlatformIOS},
	} {
		ga, gb := get(spec.m, spec.a), get(spec.m, spec.b)
		out.Test2 = append(out.Test2, groupTest(spec.name, spec.a, spec.b, ga.below, ga.graded, gb.below, gb.graded))
	}
	if err := out.adjust(cfg.Adjust); err != nil {
		return nil, err
	}
	out.ClientReach = ClientReach(st)
	return out, nil
}

func groupTest(name, a, b string, belowA, nA, belowB, nB int) GroupTest {
	g := GroupTest{Name: name, Groups: [2]string{a, b}, Below: [2]*Share{share(belowA, nA), share(belowB, nB)}}
	g.Table = stats.Table{Counts: [][]int{{belowA, nA - belowA}, {belowB, nB - belowB}}, RowNames: []string{a, b}, ColNames: []string{"below_a", "a_range"}}
	t, err := stats.NewTable(g.Table.Counts, g.Table.RowNames, g.Table.ColNames)
	if err == nil {
		var c stats.Contingency
		c, err = stats.Analyze(t)
		if err == nil {
			if c.Table.Rows() < 2 || c.Table.Cols() < 2 {
				err = fmt.Errorf("table %v has an empty row or column", g.Table.Counts)
			} else {
				g.Contingency = &c
			}
		}
	}
	if err != nil {
		g.Error = err.Error()
	}
	if rd, err := RiskDifference(belowA, nA, belowB, nB); err == nil {
		g.RiskDifference = &rd
	}
	return g
}

// adjust corrects the p-values of Test 1 (2 × 2 independence) and the Test 2 comparisons
// for multiple testing, per statistic.
func (s *StudyResult) adjust(m stats.Method) error {
	type slot struct {
		p   float64
		dst map[string]*float64
		key string
	}
	s.Test1Adjusted = map[string]*float64{}
	for i := range s.Test2 {
		s.Test2[i].Adjusted = map[string]*float64{}
	}
	for _, stat := range []string{"pearson", "yates", "fisher"} {
		var slots []slot
		if t := s.Test1; t != nil {
			switch stat {
			case "pearson":
				slots = append(slots, slot{t.Independence.Pearson.P, s.Test1Adjusted, stat})
			case "yates":
				slots = append(slots, slot{t.Independence.Yates.P, s.Test1Adjusted, stat})
			case "fisher":
				slots = append(slots, slot{t.Independence.Fisher.P, s.Test1Adjusted, stat})
			}
		}
		for i := range s.Test2 {
			c := s.Test2[i].Contingency
			if c == nil {
				s.Test2[i].Adjusted[stat] = nil
				continue
			}
			p := c.Pearson.P
			switch stat {
			case "yates":
				if c.Yates == nil {
					continue
				}
				p = c.Yates.P
			case "fisher":
				if c.Fisher == nil {
					s.Test2[i].Adjusted[stat] = nil
					continue
				}
				p = c.Fisher.P
			}
			slots = append(slots, slot{p, s.Test2[i].Adjusted, stat})
		}
		if len(slots) == 0 {
			continue
		}
		ps := make([]float64, len(slots))
		for i, sl := range slots {
			ps[i] = sl.p
		}
		adj, err := stats.Adjust(ps, m)
		if err != nil {
			return fmt.Errorf("analyze study: adjust %s p-values: %w", stat, err)
		}
		for i, sl := range slots {
			v := adj[i]
			sl.dst[sl.key] = &v
		}
	}
	return nil
}

// SortRefs orders server references by app, host and port.
func SortRefs(refs []ServerRef) {
	sort.Slice(refs, func(i, j int) bool {
		a, b := refs[i], refs[j]
		if a.AppID != b.AppID {
			return a.AppID < b.AppID
		}
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		return a.Port < b.Port
	})
}
