package analysis

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/analysis/stats"
	"github.com/mhealthsec/mhealthsec/datasets"
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
	if s.Scheme == datasets.SchemeHTTP || r == nil {
		return rowFacts(&s, nil, trust)
	}
	rf := reduceResult(r, nil)
	return rowFacts(&s, &rf, trust)
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
	c := newStudyCounter(st.Apps, cfg)
	for i := range st.Results {
		c.addResult(c.reduce(&st.Results[i]))
	}
	for i := range st.Servers {
		if err := c.addServer(&st.Servers[i], -1); err != nil {
			return nil, err
		}
	}
	return c.result()
}

// AnalyzeStudyDir reads the study folder dir and analyses it as AnalyzeStudy does, with
// the same result and the same errors as LoadStudy and AnalyzeStudy, but without loading
// the study: results are reduced to the few facts the analysis reads as they are decoded,
// and servers.csv is counted row by row, so memory grows with the endpoints, not the
// rows. prepare, when not nil, is applied to every result before it is read (to regrade
// it, say); it runs on several goroutines at once.
func AnalyzeStudyDir(dir string, cfg StudyConfig, prepare func(r *result.Result)) (*StudyResult, error) {
	var c *studyCounter
	var rowErr error
	err := datasets.ScanStudy(dir, datasets.StudyScan[reduced]{
		Apps: func(apps []datasets.App) { c = newStudyCounter(apps, cfg) },
		Reduce: func(r *result.Result, v *reduced) {
			if prepare != nil {
				prepare(r)
			}
			*v = c.reduce(r)
		},
		Result: func(_ int, v *reduced) { c.addResult(*v) },
		Server: func(_ int, s *datasets.Server, endpoint int) {
			if rowErr == nil {
				rowErr = c.addServer(s, endpoint)
			}
		},
	})
	switch {
	case err != nil:
		return nil, err
	case rowErr != nil:
		return nil, rowErr
	}
	return c.result()
}

// reduced is one result as the study counter keeps it: its endpoint, its facts and what
// Describe reads.
type reduced struct {
	key   endpoint
	hash  uint64 // of key, in studyCounter.results
	facts resultFacts
	ms    measure
}

// packedFacts is resultFacts in 32 bytes, its strings numbered (studyCounter.strs).
type packedFacts struct {
	bits                         uint16
	letter, trustIgnored, reason uint32
	simKnown, simConnects        uint64
}

const (
	pfTLS13 = 1 << iota
	pfHSTS
	pfVulnerable
	pfCert
	pfOldProto
	pfWeak
	pfGraded
	pfSims
	pfCertUnknown
	pfTrustUnknown
)

// Schemes of an endpoint in studyCounter.schemes.
const (
	schemeHTTPS = 1 << iota
	schemeHTTP
)

// studyCounter computes a StudyResult from results and then server rows, one at a time.
type studyCounter struct {
	cfg      StudyConfig
	apps     []datasets.App
	appIndex map[string]int
	// sameID lists the other apps with the id of an appIndex one (ClientReach counts
	// each), lastID and lastApp the last row's app.
	sameID     map[string][]int
	lastID     string
	lastApp    int
	categories []string // datasets.Categories()
	clients    simClients

	strs     []string // interned strings of packed facts; strs[0] is ""
	strIndex map[string]uint32
	facts    []packedFacts
	results  resultIndex                 // numbers the endpoints of facts
	schemes  map[endpoint]uint8          // of unnumbered rows: with which schemes rows named an endpoint
	otherEPs map[schemeEndpoint]struct{} // unnumbered rows of schemes other than https and http
	byNumber []int32                     // by ScanStudy's endpoint number: its facts, -1, or unnumbered
	distinct int                         // distinct endpoints with their scheme
	measured Measured

	out                                      *StudyResult
	flags                                    []appFlags
	catIndex                                 map[string]int
	catBelow                                 []int
	byAvail, byPlatform                      map[string]*groupCount
	funcBelow, funcGraded, othBelow, othGrad int
	findings                                 []func(f *ServerFacts) bool // findingTests()
	row                                      ServerFacts                 // addServer's row
	certFinding                              int                         // FindingCert's index
	reach                                    []reachState
}

type schemeEndpoint struct {
	endpoint
	scheme string
}

// appFlags records per app and group (functional, others) which findings were seen.
type appFlags struct {
	functional, others []bool // indexed like Findings()
	// undecided: a server of the group could not be judged for the finding.
	undecidedFunctional, undecidedOthers []bool
	hasOthers                            bool
}

// groupCount counts graded functional servers below A of one group of apps, for Test 2.
type groupCount struct{ below, graded int }

func newStudyCounter(apps []datasets.App, cfg StudyConfig) *studyCounter {
	if cfg.Trust == "" {
		cfg.Trust = TrustBelow
	}
	c := &studyCounter{cfg: cfg, apps: apps, appIndex: make(map[string]int, len(apps)),
		clients: newSimClients(), strs: []string{""}, strIndex: map[string]uint32{"": 0},
		results: newResultIndex(), schemes: map[endpoint]uint8{}, catIndex: map[string]int{},
		byAvail: map[string]*groupCount{}, byPlatform: map[string]*groupCount{}}
	c.out = &StudyResult{Trust: cfg.Trust, Adjust: cfg.Adjust.String(), Apps: len(apps), AppsBy: map[string]int{}}
	for i, a := range apps {
		if j, dup := c.appIndex[a.ID]; dup {
			if c.sameID == nil {
				c.sameID = map[string][]int{}
			}
			c.sameID[a.ID] = append(c.sameID[a.ID], j)
		}
		c.appIndex[a.ID] = i
		c.out.AppsBy[a.Platform]++
	}
	c.categories = datasets.Categories()
	c.flags = make([]appFlags, len(apps))
	for i := range c.flags {
		n := len(Findings())
		c.flags[i].functional, c.flags[i].others = make([]bool, n), make([]bool, n)
		c.flags[i].undecidedFunctional, c.flags[i].undecidedOthers = make([]bool, n), make([]bool, n)
	}
	for i, cat := range datasets.Categories() {
		c.catIndex[cat] = i
		c.out.Categories = append(c.out.Categories, CategoryGrades{Category: cat, Grades: map[string]int{}})
	}
	c.catBelow = make([]int, len(c.out.Categories))
	c.findings = findingTests()
	c.certFinding = slices.Index(Findings(), FindingCert)
	c.reach = newReach(apps)
	return c
}

// reduce reads what the counter needs of r. It keeps nothing of r and may run on
// several goroutines at once.
func (c *studyCounter) reduce(r *result.Result) reduced {
	key := endpoint{strings.ToLower(r.Host), r.Port}
	return reduced{key: key, hash: c.results.hash(key), facts: reduceResult(r, c.clients), ms: measureOf(r)}
}

func (c *studyCounter) intern(s string) uint32 {
	if i, ok := c.strIndex[s]; ok {
		return i
	}
	i := uint32(len(c.strs))
	c.strs = append(c.strs, s)
	c.strIndex[s] = i
	return i
}

// addResult counts one result, in file order: the last result of an endpoint wins.
func (c *studyCounter) addResult(v reduced) {
	c.measured.add(v.ms)
	f := &v.facts
	p := packedFacts{letter: c.intern(f.letter), trustIgnored: c.intern(f.trustIgnored), reason: c.intern(f.reason),
		simKnown: f.simKnown, simConnects: f.simConnects}
	for _, b := range []struct {
		set bool
		bit uint16
	}{{f.observed.TLS13, pfTLS13}, {f.observed.HSTS, pfHSTS}, {f.observed.Vulnerable, pfVulnerable},
		{f.observed.CertProblem, pfCert}, {f.observed.OldProtocol, pfOldProto}, {f.observed.WeakCipher, pfWeak},
		{f.graded, pfGraded}, {f.sims, pfSims}, {f.observed.CertUnknown, pfCertUnknown}, {f.trustUnknown, pfTrustUnknown}} {
		if b.set {
			p.bits |= b.bit
		}
	}
	if n, added := c.results.number(v.key, v.hash); !added {
		c.facts[n] = p // the last result of an endpoint wins
		return
	}
	c.facts = append(c.facts, p) // at the new endpoint's number
}

// lookup returns the facts of an endpoint's result.
func (c *studyCounter) unpack(i int32) resultFacts {
	p := &c.facts[i]
	has := func(bit uint16) bool { return p.bits&bit != 0 }
	return resultFacts{
		observed: ServerFacts{TLS13: has(pfTLS13), HSTS: has(pfHSTS), Vulnerable: has(pfVulnerable),
			CertProblem: has(pfCert), CertUnknown: has(pfCertUnknown), OldProtocol: has(pfOldProto), WeakCipher: has(pfWeak)},
		trustUnknown: has(pfTrustUnknown),
		graded:       has(pfGraded), letter: c.strs[p.letter], trustIgnored: c.strs[p.trustIgnored], reason: c.strs[p.reason],
		sims: has(pfSims), simKnown: p.simKnown, simConnects: p.simConnects,
	}
}

// addServer counts one servers.csv row; every result must have been added before. ep
// numbers the row's endpoint (host, port, scheme) as datasets.ScanStudy does, or is -1.
func (c *studyCounter) addServer(s *datasets.Server, ep int) error {
	out := c.out
	ai, ok := c.lastApp, s.AppID == c.lastID && c.lastID != ""
	if !ok {
		if ai, ok = c.appIndex[s.AppID]; !ok {
			out.UnknownApps++
			return nil
		}
		c.lastID, c.lastApp = s.AppID, ai // rows come app by app
	}
	app := &c.apps[ai]
	out.Rows++
	// LoadStudy and ScanStudy give hosts in lower case; lower again only when needed (a
	// numbered row comes from ScanStudy).
	key := endpoint{s.Host, s.Port}
	if ep < 0 && strings.ToLower(s.Host) != s.Host {
		key.host = strings.ToLower(s.Host)
	}
	facts := c.endpointOf(s, key, ep)
	var rf *resultFacts
	if s.Scheme == datasets.SchemeHTTPS && facts >= 0 {
		v := c.unpack(facts)
		rf = &v
	}
	c.row = rowFacts(s, rf, c.cfg.Trust)
	f := &c.row // the finding tests take a pointer, which a local would escape with
	if rf != nil && rf.trustUnknown {
		out.TrustUnknown++
	}
	ci := slices.Index(c.categories, s.Category)
	if ci < 0 {
		return fmt.Errorf("analyze study: server %s of app %s: unknown category %q", key, s.AppID, s.Category)
	}
	c.reach[ai].add(s, rf)
	for _, i := range c.sameID[s.AppID] {
		c.reach[i].add(s, rf)
	}
	cg := &out.Categories[ci]
	cg.Rows++
	ref := ServerRef{AppID: s.AppID, Host: s.Host, Port: s.Port, Category: s.Category}
	switch f.Status {
	case StatusGraded:
		cg.Graded++
		cg.Grades[f.Letter]++
		if f.BelowA {
			c.catBelow[ci]++
		}
	case StatusError:
		cg.Errors++
		ref.Reason = "no grade"
		if rf != nil && rf.reason != "" {
			ref.Reason = rf.reason
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
		return nil
	}
	group, undecided := c.flags[ai].others, c.flags[ai].undecidedOthers
	if functional {
		group, undecided = c.flags[ai].functional, c.flags[ai].undecidedFunctional
	} else {
		c.flags[ai].hasOthers = true
	}
	if f.CertUnknown {
		undecided[c.certFinding] = true
	}
	for i, shows := range c.findings {
		if shows(f) {
			group[i] = true
		}
	}
	if f.Status != StatusGraded {
		return nil
	}
	if functional {
		c.funcGraded++
		if f.BelowA {
			c.funcBelow++
		}
		count(c.byAvail, app.Availability, f.BelowA)
		count(c.byPlatform, app.Platform, f.BelowA)
	} else {
		c.othGrad++
		if f.BelowA {
			c.othBelow++
		}
	}
	return nil
}

// endpointOf returns the index in facts of the result of the row's endpoint (key: host
// in lower case, and port), -1 if it has none, and counts the distinct endpoints. ep is the
// endpoint's number from datasets.ScanStudy, which spares a look-up per row, or -1.
func (c *studyCounter) endpointOf(s *datasets.Server, key endpoint, ep int) int32 {
	if ep >= 0 {
		for len(c.byNumber) <= ep {
			c.byNumber = append(c.byNumber, unnumbered)
		}
		if f := c.byNumber[ep]; f != unnumbered {
			return f
		}
		f := c.results.find(key, c.results.hash(key))
		c.byNumber[ep] = f
		c.distinct++
		return f
	}
	facts := c.results.find(key, c.results.hash(key))
	schemes, known := c.schemes[key]
	var scheme uint8
	switch s.Scheme {
	case datasets.SchemeHTTPS:
		scheme = schemeHTTPS
	case datasets.SchemeHTTP:
		scheme = schemeHTTP
	default:
		if c.otherEPs == nil {
			c.otherEPs = map[schemeEndpoint]struct{}{}
		}
		if _, seen := c.otherEPs[schemeEndpoint{key, s.Scheme}]; !seen {
			c.otherEPs[schemeEndpoint{endpoint{strings.Clone(key.host), key.port}, strings.Clone(s.Scheme)}] = struct{}{}
			c.distinct++
		}
	}
	if schemes&scheme != scheme {
		c.distinct++
		if !known {
			key.host = strings.Clone(key.host) // not the CSV line it was cut from
		}
		c.schemes[key] = schemes | scheme
	}
	return facts
}

// unnumbered marks an endpoint number not met yet in studyCounter.byNumber.
const unnumbered = -2

// findingTests returns, indexed like Findings(), whether a row's facts show each finding.
func findingTests() []func(f *ServerFacts) bool {
	tests := map[string]func(f *ServerFacts) bool{
		FindingTLS13:      func(f *ServerFacts) bool { return f.TLS13 },
		FindingHSTS:       func(f *ServerFacts) bool { return f.HSTS },
		FindingBelowA:     func(f *ServerFacts) bool { return f.BelowA },
		FindingUnsecured:  func(f *ServerFacts) bool { return f.Status == StatusPlainHTTP },
		FindingVulnerable: func(f *ServerFacts) bool { return f.Vulnerable },
		FindingCert:       func(f *ServerFacts) bool { return f.CertProblem },
		FindingOldProto:   func(f *ServerFacts) bool { return f.OldProtocol },
		FindingWeakCipher: func(f *ServerFacts) bool { return f.WeakCipher },
	}
	out := make([]func(f *ServerFacts) bool, len(Findings()))
	for i, name := range Findings() {
		out[i] = tests[name]
	}
	return out
}

func count(m map[string]*groupCount, k string, below bool) {
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

// result finishes the analysis once every row is counted.
func (c *studyCounter) result() (*StudyResult, error) {
	out, cfg := c.out, c.cfg
	out.Endpoints = c.distinct
	for i := range out.Categories {
		out.Categories[i].BelowA = share(c.catBelow[i], out.Categories[i].Graded)
	}
	out.FunctionalBelowA = share(c.funcBelow, c.funcGraded)
	out.OthersBelowA = share(c.othBelow, c.othGrad)

	findingIdx := map[string]int{}
	for k, name := range Findings() {
		findingIdx[name] = k
		fc := FindingCounts{Finding: name, Label: FindingLabel(name)}
		for i, a := range c.apps {
			fl := c.flags[i]
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
	for _, fl := range c.flags {
		if fl.hasOthers {
			out.AppsWithOthers++
		}
	}
	below, unsec, othersBelow := out.Findings[findingIdx[FindingBelowA]], out.Findings[findingIdx[FindingUnsecured]], out.Findings[findingIdx[FindingBelowA]]
	out.AppsFunctionalBelowA = share(below.TotalFunctional, len(c.apps))
	out.AppsUnsecured = share(unsec.TotalFunctional, len(c.apps))
	out.AppsOthersBelowA = share(othersBelow.TotalOthers, len(c.apps))

	if cfg.Baseline != nil && c.funcGraded > 0 {
		t1, err := PulseTest(c.funcBelow, c.funcGraded, *cfg.Baseline, cfg.PulseN)
		if err != nil {
			return nil, fmt.Errorf("analyze study: test 1: %w", err)
		}
		out.Test1 = &t1
	}
	if cfg.Reference != nil && c.funcGraded > 0 {
		fg := out.Categories[c.catIndex[datasets.CategoryFunctional]].Grades
		rt, err := TestReference(fg, c.funcBelow, c.measured.done(), cfg.Reference, cfg.fisher())
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
		{"international_vs_de_only", c.byAvail, datasets.AvailabilityInternational, datasets.AvailabilityGermanOnly},
		{"android_vs_ios", c.byPlatform, datasets.PlatformAndroid, datasets.PlatformIOS},
	} {
		ga, gb := get(spec.m, spec.a), get(spec.m, spec.b)
		out.Test2 = append(out.Test2, groupTest(spec.name, spec.a, spec.b, ga.below, ga.graded, gb.below, gb.graded))
	}
	if err := out.adjust(cfg.Adjust); err != nil {
		return nil, err
	}
	out.ClientReach = reachResult(c.apps, c.reach)
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
