package datasets

import (
	"fmt"
	"strconv"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// The frames are built column by column with series.New rather than through
// dataframe.LoadRecords: LoadRecords by default turns the strings "NA", "NaN" and "<nil>"
// into missing values and guesses column types, so an app named "NA" would vanish and an
// app_id "007" would become the int 7. series.New keeps every string except "NaN", which
// no gota String series can hold (the loaders reject it). A missing value is written
// "NaN" on purpose, the one spelling every gota type reads as missing.

// frameBuilder collects typed columns; the first problem sticks.
type frameBuilder struct {
	cols []series.Series
	err  error
}

const missing = "NaN"

func (b *frameBuilder) strings(name string, v []string) {
	for i, s := range v {
		if s == gotaNaN && b.err == nil {
			b.err = fmt.Errorf("column %q row %d: the string \"NaN\" cannot be held by a gota dataframe (it reads as missing)", name, i)
		}
	}
	b.cols = append(b.cols, series.New(v, series.String, name))
}

// nullable adds a column of type t from strings where missing marks a missing value.
func (b *frameBuilder) nullable(name string, t series.Type, v []string) {
	b.cols = append(b.cols, series.New(v, t, name))
}

func (b *frameBuilder) ints(name string, v []int) {
	b.cols = append(b.cols, series.New(v, series.Int, name))
}

func (b *frameBuilder) bools(name string, v []bool) {
	b.cols = append(b.cols, series.New(v, series.Bool, name))
}

func (b *frameBuilder) frame() dataframe.DataFrame {
	if b.err != nil {
		return dataframe.DataFrame{Err: b.err}
	}
	return dataframe.New(b.cols...)
}

// extraColumns adds the Extra columns of rows, in name order, as strings.
func (b *frameBuilder) extraColumns(n int, extra func(i int) map[string]string, defined []string) {
	names := make(map[string]bool)
	for i := 0; i < n; i++ {
		for k := range extra(i) {
			names[k] = true
		}
	}
	for _, d := range defined {
		delete(names, d)
	}
	for _, name := range sortedKeys(names) {
		v := make([]string, n)
		for i := 0; i < n; i++ {
			v[i] = extra(i)[name]
		}
		b.strings(name, v)
	}
}

// AppsFrame returns apps.csv as a dataframe: app_id, name, platform, availability,
// subcategory, then extra columns in name order; every column a string.
func (st *Study) AppsFrame() dataframe.DataFrame {
	n := len(st.Apps)
	id, name, platform, avail, sub := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, a := range st.Apps {
		id[i], name[i], platform[i], avail[i], sub[i] = a.ID, a.Name, a.Platform, a.Availability, a.Subcategory
	}
	var b frameBuilder
	b.strings("app_id", id)
	b.strings("name", name)
	b.strings("platform", platform)
	b.strings("availability", avail)
	b.strings("subcategory", sub)
	b.extraColumns(n, func(i int) map[string]string { return st.Apps[i].Extra }, AppColumns())
	return b.frame()
}

// ServersFrame returns servers.csv as a dataframe: app_id, host, port (int), scheme,
// category, then extra columns in name order.
func (st *Study) ServersFrame() dataframe.DataFrame {
	n := len(st.Servers)
	app, host, scheme, cat := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	port := make([]int, n)
	for i, s := range st.Servers {
		app[i], host[i], port[i], scheme[i], cat[i] = s.AppID, s.Host, s.Port, s.Scheme, s.Category
	}
	var b frameBuilder
	b.strings("app_id", app)
	b.strings("host", host)
	b.ints("port", port)
	b.strings("scheme", scheme)
	b.strings("category", cat)
	b.extraColumns(n, func(i int) map[string]string { return st.Servers[i].Extra }, ServerColumns())
	return b.frame()
}

// ResultsFrame returns the probe results flat, one row per result line: host, port, ip,
// target, source, error (its kind, "" when none), then the columns of ResultColumns. A
// value that was not checked is missing (NaN), never false.
func (st *Study) ResultsFrame() dataframe.DataFrame {
	n := len(st.Results)
	host, ip, target, source, errKind := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	port := make([]int, n)
	rs := make([]*result.Result, n)
	for i := range st.Results {
		r := &st.Results[i]
		rs[i] = r
		host[i], port[i], ip[i], target[i], source[i] = r.Host, r.Port, r.IP, r.Target, r.Source
		if r.Error != nil {
			errKind[i] = string(r.Error.Kind)
		}
	}
	var b frameBuilder
	b.strings("host", host)
	b.ints("port", port)
	b.strings("ip", ip)
	b.strings("target", target)
	b.strings("source", source)
	b.strings("error", errKind)
	addResultColumns(&b, rs)
	return b.frame()
}

// ServerResultsFrame joins servers.csv with apps.csv and results.jsonl: one row per
// servers.csv row with its app's platform, availability and subcategory, functional
// (category == functional), probed (a result exists for host:port), then the columns of
// ResultColumns (missing when not probed). When an endpoint has several results, the last
// line wins, as a resumed or repeated scan appends the newer result.
func (st *Study) ServerResultsFrame() dataframe.DataFrame {
	apps := make(map[string]*App, len(st.Apps))
	for i := range st.Apps {
		apps[st.Apps[i].ID] = &st.Apps[i]
	}
	byEndpoint := make(map[string]*result.Result, len(st.Results))
	for i := range st.Results {
		r := &st.Results[i]
		byEndpoint[endpointKey(r.Host, r.Port)] = r
	}
	n := len(st.Servers)
	app, platform, avail, sub := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	host, scheme, cat := make([]string, n), make([]string, n), make([]string, n)
	port := make([]int, n)
	functional, probed := make([]bool, n), make([]bool, n)
	rs := make([]*result.Result, n)
	for i, s := range st.Servers {
		app[i], host[i], port[i], scheme[i], cat[i] = s.AppID, s.Host, s.Port, s.Scheme, s.Category
		if a := apps[s.AppID]; a != nil {
			platform[i], avail[i], sub[i] = a.Platform, a.Availability, a.Subcategory
		}
		functional[i] = s.Category == CategoryFunctional
		rs[i] = byEndpoint[endpointKey(s.Host, s.Port)]
		probed[i] = rs[i] != nil
	}
	var b frameBuilder
	b.strings("app_id", app)
	b.strings("platform", platform)
	b.strings("availability", avail)
	b.strings("subcategory", sub)
	b.strings("host", host)
	b.ints("port", port)
	b.strings("scheme", scheme)
	b.strings("category", cat)
	b.bools("functional", functional)
	b.bools("probed", probed)
	addResultColumns(&b, rs)
	return b.frame()
}

func endpointKey(host string, port int) string {
	h, err := normalizeHost(host)
	if err != nil {
		h = host
	}
	return h + "|" + strconv.Itoa(port)
}

// resultColumn is one flat column taken from a result; value returns false when the value
// was not checked (missing).
type resultColumn struct {
	name  string
	typ   series.Type
	value func(r *result.Result) (string, bool)
}

func optBool(b *bool) (string, bool) {
	if b == nil {
		return "", false
	}
	return strconv.FormatBool(*b), true
}

func known(s string) (string, bool) { return s, true }

// belowA reports whether a letter is below the A range (A+, A, A-). T and M, the trust and
// name-mismatch grades, are below it too.
func belowA(letter string) bool { return !result.InARange(letter) }

// resultColumns lists the flat columns of a result, in frame order.
func resultColumns() []resultColumn {
	grade := func(f func(g *result.Grade) string) func(r *result.Result) (string, bool) {
		return func(r *result.Result) (string, bool) {
			if r.Grade == nil {
				return "", false
			}
			return f(r.Grade), true
		}
	}
	cert := func(f func(c *result.Certificate) string) func(r *result.Result) (string, bool) {
		return func(r *result.Result) (string, bool) {
			if r.Certificate == nil {
				return "", false
			}
			return f(r.Certificate), true
		}
	}
	cols := []resultColumn{
		{"grade", series.String, grade(func(g *result.Grade) string { return g.Letter })},
		{"below_a", series.Bool, grade(func(g *result.Grade) string { return strconv.FormatBool(belowA(g.Letter)) })},
		{"score", series.Int, grade(func(g *result.Grade) string { return strconv.Itoa(g.Score) })},
		{"trust_ignored", series.String, grade(func(g *result.Grade) string { return g.TrustIgnored })},
		{"criteria", series.String, grade(func(g *result.Grade) string { return g.Criteria })},
	}
	for _, p := range result.AllProtocols() {
		p := p
		cols = append(cols, resultColumn{string(p), series.Bool, func(r *result.Result) (string, bool) { return optBool(r.Protocols.Get(p)) }})
	}
	cols = append(cols,
		resultColumn{"hsts", series.Bool, func(r *result.Result) (string, bool) {
			if r.HTTP == nil || r.HTTP.HSTS == nil {
				return "", false
			}
			return known(strconv.FormatBool(r.HTTP.HSTS.Present))
		}},
		resultColumn{"hsts_max_age", series.Int, func(r *result.Result) (string, bool) {
			if r.HTTP == nil || r.HTTP.HSTS == nil || !r.HTTP.HSTS.Present {
				return "", false
			}
			return known(strconv.FormatInt(r.HTTP.HSTS.MaxAge, 10))
		}},
		resultColumn{"plain_http_reachable", series.Bool, func(r *result.Result) (string, bool) {
			if r.PlainHTTP == nil || !r.PlainHTTP.Checked {
				return "", false
			}
			return known(strconv.FormatBool(r.PlainHTTP.Reachable))
		}},
		resultColumn{"plain_http_redirects", series.Bool, func(r *result.Result) (string, bool) {
			if r.PlainHTTP == nil || !r.PlainHTTP.Checked || !r.PlainHTTP.Reachable {
				return "", false
			}
			return known(strconv.FormatBool(r.PlainHTTP.RedirectsToHTTPS))
		}},
		// Trust that could not be decided is missing, like no certificate at all.
		resultColumn{"cert_trusted", series.Bool, func(r *result.Result) (string, bool) {
			if r.Certificate == nil {
				return "", false
			}
			return optBool(r.Certificate.Trusted)
		}},
		resultColumn{"cert_hostname_match", series.Bool, cert(func(c *result.Certificate) string { return strconv.FormatBool(c.HostnameMatch) })},
		resultColumn{"cert_expired", series.Bool, cert(func(c *result.Certificate) string { return strconv.FormatBool(c.Expired) })},
		resultColumn{"cert_self_signed", series.Bool, cert(func(c *result.Certificate) string { return strconv.FormatBool(c.SelfSigned) })},
		resultColumn{"cert_key_alg", series.String, cert(func(c *result.Certificate) string { return c.KeyAlg })},
		resultColumn{"cert_key_bits", series.Int, cert(func(c *result.Certificate) string { return strconv.Itoa(c.KeyBits) })},
	)
	for _, v := range vulnerabilityColumns() {
		v := v
		cols = append(cols, resultColumn{"vuln_" + v.name, series.Bool, func(r *result.Result) (string, bool) { return optBool(v.get(&r.Vulnerabilities)) }})
	}
	return cols
}

// ResultColumns returns the names of the per-result columns of ResultsFrame and
// ServerResultsFrame, in order.
func ResultColumns() []string {
	cols := resultColumns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

type vulnColumn struct {
	name string
	get  func(v *result.Vulnerabilities) *bool
}

// vulnerabilityColumns are the vulnerability checks by their result JSON keys.
func vulnerabilityColumns() []vulnColumn {
	return []vulnColumn{
		{"heartbleed", func(v *result.Vulnerabilities) *bool { return v.Heartbleed }},
		{"CCS", func(v *result.Vulnerabilities) *bool { return v.CCS }},
		{"ticketbleed", func(v *result.Vulnerabilities) *bool { return v.Ticketbleed }},
		{"ROBOT", func(v *result.Vulnerabilities) *bool { return v.ROBOT }},
		{"secure_renego", func(v *result.Vulnerabilities) *bool { return v.SecureRenego }},
		{"secure_client_renego", func(v *result.Vulnerabilities) *bool { return v.SecureClientRenego }},
		{"CRIME_TLS", func(v *result.Vulnerabilities) *bool { return v.CRIME }},
		{"BREACH", func(v *result.Vulnerabilities) *bool { return v.BREACH }},
		{"POODLE_SSL", func(v *result.Vulnerabilities) *bool { return v.POODLESSL }},
		{"fallback_SCSV", func(v *result.Vulnerabilities) *bool { return v.FallbackSCSV }},
		{"SWEET32", func(v *result.Vulnerabilities) *bool { return v.SWEET32 }},
		{"FREAK", func(v *result.Vulnerabilities) *bool { return v.FREAK }},
		{"DROWN", func(v *result.Vulnerabilities) *bool { return v.DROWN }},
		{"LOGJAM", func(v *result.Vulnerabilities) *bool { return v.LOGJAM }},
		{"BEAST", func(v *result.Vulnerabilities) *bool { return v.BEAST }},
		{"LUCKY13", func(v *result.Vulnerabilities) *bool { return v.LUCKY13 }},
		{"RC4", func(v *result.Vulnerabilities) *bool { return v.RC4 }},
	}
}

// addResultColumns adds the flat result columns for rs; a nil result gives missing values.
func addResultColumns(b *frameBuilder, rs []*result.Result) {
	for _, c := range resultColumns() {
		v := make([]string, len(rs))
		for i, r := range rs {
			if r == nil {
				v[i] = missing
				continue
			}
			s, ok := c.value(r)
			switch {
			case !ok:
				s = missing
			case s == gotaNaN && b.err == nil:
				b.err = fmt.Errorf("result for %s:%d: column %q: the string \"NaN\" cannot be held by a gota dataframe (it reads as missing)", r.Host, r.Port, c.name)
			}
			v[i] = s
		}
		b.nullable(c.name, c.typ, v)
	}
}
