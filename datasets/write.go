package datasets

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteServersCSV writes rows as servers.csv: the columns of ServerColumns, then the Extra
// columns in name order; rows sorted by app_id, host, port, scheme, category, so the same
// rows give the same bytes. Rows are checked as LoadStudy checks them (except that app_id
// is not matched against apps.csv), so what it writes loads back; a bad row is an error
// naming its index. rows is not modified.
func WriteServersCSV(w io.Writer, rows []Server) error {
	sorted := append([]Server(nil), rows...)
	extras := make(map[string]bool)
	for i := range sorted {
		s := &sorted[i]
		c := rowCheck{what: "servers", row: i}
		s.AppID = c.id(s.AppID)
		s.Host = c.host(s.Host)
		c.port(s.Port)
		s.Scheme = c.enum("scheme", s.Scheme, Schemes())
		s.Category = c.enum("category", s.Category, Categories())
		c.extra(s.Extra, ServerColumns(), extras)
		if c.err != nil {
			return c.err
		}
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		switch {
		case a.AppID != b.AppID:
			return a.AppID < b.AppID
		case a.Host != b.Host:
			return a.Host < b.Host
		case a.Port != b.Port:
			return a.Port < b.Port
		case a.Scheme != b.Scheme:
			return a.Scheme < b.Scheme
		}
		return a.Category < b.Category
	})
	extraCols := sortedKeys(extras)
	recs := make([][]string, len(sorted))
	for i, s := range sorted {
		if i > 0 {
			if p := sorted[i-1]; p.AppID == s.AppID && p.Host == s.Host && p.Port == s.Port && p.Scheme == s.Scheme {
				return fmt.Errorf("write servers: %s %s://%s:%d appears twice; servers.csv has one row per app_id, host, port and scheme", s.AppID, s.Scheme, s.Host, s.Port)
			}
		}
		recs[i] = withExtra([]string{s.AppID, s.Host, strconv.Itoa(s.Port), s.Scheme, s.Category}, s.Extra, extraCols)
	}
	return writeRecords(w, "servers", append(ServerColumns(), extraCols...), recs)
}

// WriteAppsCSV writes apps as apps.csv: the columns of AppColumns, then the Extra columns
// in name order, rows sorted by app_id. Rows are checked as LoadStudy checks them; a bad
// row is an error naming its index. apps is not modified.
func WriteAppsCSV(w io.Writer, apps []App) error {
	sorted := append([]App(nil), apps...)
	extras := make(map[string]bool)
	for i := range sorted {
		a := &sorted[i]
		c := rowCheck{what: "apps", row: i}
		a.ID = c.id(a.ID)
		c.text("name", a.Name)
		a.Platform = c.enum("platform", a.Platform, Platforms())
		a.Availability = c.enum("availability", a.Availability, Availabilities())
		c.text("subcategory", a.Subcategory)
		c.extra(a.Extra, AppColumns(), extras)
		if c.err != nil {
			return c.err
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	extraCols := sortedKeys(extras)
	recs := make([][]string, len(sorted))
	for i, a := range sorted {
		if i > 0 && sorted[i-1].ID == a.ID {
			return fmt.Errorf("write apps: app_id %q appears twice", a.ID)
		}
		recs[i] = withExtra([]string{a.ID, a.Name, a.Platform, a.Availability, a.Subcategory}, a.Extra, extraCols)
	}
	return writeRecords(w, "apps", append(AppColumns(), extraCols...), recs)
}

// rowCheck applies the loader's rules to one row about to be written and keeps the first
// violation.
type rowCheck struct {
	what string
	row  int
	err  error
}

func (c *rowCheck) fail(column, expected, got string) {
	if c.err == nil {
		c.err = fmt.Errorf("write %s: row %d: column %q: expected %s, got %q", c.what, c.row, column, expected, got)
	}
}

// text rejects the one string a dataframe cannot hold (see gotaNaN).
func (c *rowCheck) text(column, v string) {
	if v == gotaNaN {
		c.fail(column, `a value other than "NaN"`, v)
	}
}

func (c *rowCheck) id(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		c.fail("app_id", "a non-empty app id", v)
	}
	c.text("app_id", v)
	return v
}

func (c *rowCheck) host(v string) string {
	h, err := normalizeHost(v)
	if err != nil {
		c.fail("host", "a host name or IP address ("+err.Error()+")", v)
	}
	return h
}

func (c *rowCheck) port(p int) {
	if p < 1 || p > 65535 {
		c.fail("port", "a port 1-65535", strconv.Itoa(p))
	}
}

func (c *rowCheck) enum(column, v string, allowed []string) string {
	norm, ok := normalizeEnum(v, allowed)
	if !ok {
		c.fail(column, "one of "+strings.Join(allowed, ", "), v)
	}
	return norm
}

// extra checks the Extra columns of a row (names that read back as themselves and do not
// shadow a defined column) and adds their names to names.
func (c *rowCheck) extra(extra map[string]string, defined []string, names map[string]bool) {
	for _, k := range sortedKeys(extra) {
		switch {
		case k == "" || k != strings.ToLower(strings.TrimSpace(k)):
			c.fail(k, "an extra column name that is non-empty, trimmed and lower case (the loader normalizes names so)", k)
		case contains(defined, k):
			c.fail(k, "an extra column name that is not a defined column", k)
		}
		c.text(k, extra[k])
		names[k] = true
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// withExtra appends a row's values of the extra columns.
func withExtra(rec []string, extra map[string]string, cols []string) []string {
	for _, c := range cols {
		rec = append(rec, extra[c])
	}
	return rec
}

func writeRecords(w io.Writer, what string, header []string, recs [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	if err := cw.WriteAll(recs); err != nil {
		return fmt.Errorf("write %s: %w", what, err)
	}
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
