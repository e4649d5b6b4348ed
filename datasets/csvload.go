package datasets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// MaxErrorsPerFile bounds how many input errors are listed per file; the rest are counted.
const MaxErrorsPerFile = 25

// AppColumns returns the columns of apps.csv, in the order WriteAppsCSV writes them.
func AppColumns() []string {
	return []string{"app_id", "name", "platform", "availability", "subcategory"}
}

// ServerColumns returns the columns of servers.csv, in the order WriteServersCSV writes them.
func ServerColumns() []string { return []string{"app_id", "host", "port", "scheme", "category"} }

// fileErrors collects the input errors of one file, up to MaxErrorsPerFile.
type fileErrors struct {
	errs    []*InputError
	omitted int
}

func (f *fileErrors) add(e *InputError) {
	if len(f.errs) >= MaxErrorsPerFile {
		f.omitted++
		return
	}
	f.errs = append(f.errs, e)
}

func (f *fileErrors) err(file string) error {
	if len(f.errs) == 0 {
		return nil
	}
	return &LoadError{Errors: f.errs, Omitted: map[string]int{file: f.omitted}}
}

// LoadError is every input error found while loading, at most MaxErrorsPerFile per file.
// errors.As finds each *InputError in it.
type LoadError struct {
	Errors []*InputError
	// Omitted counts, per file, errors beyond MaxErrorsPerFile that are not listed.
	Omitted map[string]int
}

func (e *LoadError) Error() string {
	var b strings.Builder
	omitted := 0
	for _, n := range e.Omitted {
		omitted += n
	}
	if len(e.Errors) == 1 && omitted == 0 {
		return e.Errors[0].Error()
	}
	fmt.Fprintf(&b, "%d input errors", len(e.Errors)+omitted)
	for _, ie := range e.Errors {
		b.WriteString("\n  ")
		b.WriteString(ie.Error())
	}
	for _, file := range sortedKeys(e.Omitted) {
		if n := e.Omitted[file]; n > 0 {
			fmt.Fprintf(&b, "\n  %s: %d more errors not listed", file, n)
		}
	}
	return b.String()
}

// Unwrap returns the input errors, for errors.As and errors.Is.
func (e *LoadError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, ie := range e.Errors {
		out[i] = ie
	}
	return out
}

// merge adds another LoadError's errors.
func (e *LoadError) merge(other error) {
	var le *LoadError
	if !errors.As(other, &le) {
		return
	}
	e.Errors = append(e.Errors, le.Errors...)
	for f, n := range le.Omitted {
		if e.Omitted == nil {
			e.Omitted = make(map[string]int)
		}
		e.Omitted[f] += n
	}
}

// csvRow is one data row with its line number and cells by column name.
type csvRow struct {
	line  int
	cells map[string]string
	extra map[string]string
}

// readCSV reads a study CSV file: a header naming at least the required columns, then rows
// of the same width. Columns outside defined go to the row's extra. A CSV syntax error
// stops the read (what follows it cannot be trusted); other problems are collected.
func readCSV(r io.Reader, file string, defined []string, errs *fileErrors) []csvRow {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	isDefined := make(map[string]bool, len(defined))
	for _, d := range defined {
		isDefined[d] = true
	}
	var header []string
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			ie := &InputError{File: file, Expected: "valid CSV", Err: err}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				ie.Line, ie.Err = pe.Line, pe.Err
				ie.Got = fmt.Sprintf("column %d", pe.Column)
			}
			errs.add(ie)
			return nil
		}
		line, _ := cr.FieldPos(0)
		if header == nil {
			header = readHeader(rec, file, line, defined, errs)
			if header == nil {
				return nil
			}
			continue
		}
		if len(rec) != len(header) {
			errs.add(&InputError{File: file, Line: line,
				Expected: fmt.Sprintf("%d fields like the header", len(header)),
				Got:      fmt.Sprintf("%d fields", len(rec))})
			continue
		}
		row := csvRow{line: line, cells: make(map[string]string, len(defined))}
		for i, name := range header {
			if isDefined[name] {
				row.cells[name] = rec[i]
				continue
			}
			if row.extra == nil {
				row.extra = make(map[string]string)
			}
			row.extra[name] = rec[i]
			checkGotaString(file, line, name, rec[i], errs)
		}
		rows = append(rows, row)
	}
	if header == nil {
		errs.add(&InputError{File: file, Line: 1, Expected: "a header line: " + strings.Join(defined, ","), Got: ""})
	}
	return rows
}

// readHeader checks the header: names unique and non-empty, every defined column present.
// It returns nil if the file cannot be read on.
func readHeader(rec []string, file string, line int, defined []string, errs *fileErrors) []string {
	header := make([]string, len(rec))
	seen := make(map[string]int, len(rec))
	ok := true
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		switch {
		case h == "":
			errs.add(&InputError{File: file, Line: line, Column: fmt.Sprintf("#%d", i+1), Expected: "a column name", Got: rec[i]})
			ok = false
		case seen[h] > 0:
			errs.add(&InputError{File: file, Line: line, Column: h,
				Expected: fmt.Sprintf("a column name used once (also column %d)", seen[h]), Got: rec[i]})
			ok = false
		}
		seen[h] = i + 1
	}
	for _, d := range defined {
		if seen[d] == 0 {
			errs.add(&InputError{File: file, Line: line, Column: d,
				Expected: "a column named " + strconv.Quote(d) + " (required: " + strings.Join(defined, ", ") + ")",
				Got:      "header " + strings.Join(rec, ",")})
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return header
}

// skipBOM drops a leading UTF-8 byte order mark, which spreadsheet programs write.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	return br
}

// gotaNaN is the one string a gota String series cannot hold: series.New turns the string
// "NaN" into a missing value whatever the load options, so the dataframes would silently
// lose it. It is rejected on load instead.
const gotaNaN = "NaN"

func checkGotaString(file string, line int, column, v string, errs *fileErrors) bool {
	if v == gotaNaN {
		errs.add(&InputError{File: file, Line: line, Column: column,
			Expected: `a value other than "NaN" (dataframes read it as missing)`, Got: v})
		return false
	}
	return true
}

// enum normalizes v (trimmed, lower case) and checks it is one of allowed.
func enum(file string, line int, column, v string, allowed []string, errs *fileErrors) (string, bool) {
	norm, ok := normalizeEnum(v, allowed)
	if !ok {
		errs.add(&InputError{File: file, Line: line, Column: column, Expected: "one of " + strings.Join(allowed, ", "), Got: v})
	}
	return norm, ok
}

// normalizeEnum matches v, trimmed and in any case, against allowed.
func normalizeEnum(v string, allowed []string) (string, bool) {
	norm := strings.ToLower(strings.TrimSpace(v))
	if contains(allowed, norm) {
		return norm, true
	}
	return "", false
}

// ReadApps reads apps.csv from r; name is used in errors. Platform and availability are
// matched case-insensitively and stored in lower case. Any error returns no apps and a
// *LoadError listing up to MaxErrorsPerFile *InputErrors.
func ReadApps(r io.Reader, name string) ([]App, error) {
	var errs fileErrors
	apps, _ := readApps(r, name, &errs)
	if err := errs.err(name); err != nil {
		return nil, err
	}
	return apps, nil
}

// readApps returns the valid apps and the ids of every row, valid or not, so servers.csv
// is not blamed for an app whose row was bad in another column.
func readApps(r io.Reader, file string, errs *fileErrors) ([]App, map[string]bool) {
	rows := readCSV(r, file, AppColumns(), errs)
	ids := make(map[string]bool, len(rows))
	firstLine := make(map[string]int, len(rows))
	apps := make([]App, 0, len(rows))
	for _, row := range rows {
		ok := true
		a := App{ID: strings.TrimSpace(row.cells["app_id"]), Name: row.cells["name"],
			Subcategory: row.cells["subcategory"], Extra: row.extra}
		switch {
		case a.ID == "":
			errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "a non-empty app id", Got: row.cells["app_id"]})
			ok = false
		case firstLine[a.ID] > 0:
			errs.add(&InputError{File: file, Line: row.line, Column: "app_id",
				Expected: fmt.Sprintf("a unique app id (also on line %d)", firstLine[a.ID]), Got: a.ID})
			ok = false
		default:
			firstLine[a.ID] = row.line
			ids[a.ID] = true
			ok = checkGotaString(file, row.line, "app_id", a.ID, errs)
		}
		ok = checkGotaString(file, row.line, "name", a.Name, errs) && ok
		var good bool
		a.Platform, good = enum(file, row.line, "platform", row.cells["platform"], Platforms(), errs)
		ok = ok && good
		a.Availability, good = enum(file, row.line, "availability", row.cells["availability"], Availabilities(), errs)
		ok = ok && good
		ok = checkGotaString(file, row.line, "subcategory", a.Subcategory, errs) && ok
		if ok {
			apps = append(apps, a)
		}
	}
	return apps, ids
}

// ReadServers reads servers.csv from r; name is used in errors. When apps is not nil,
// every row's app_id must be one of them. Host, scheme and category are stored in lower
// case. Any error returns no servers and a *LoadError.
func ReadServers(r io.Reader, name string, apps []App) ([]Server, error) {
	var known map[string]bool
	if apps != nil {
		known = make(map[string]bool, len(apps))
		for _, a := range apps {
			known[a.ID] = true
		}
	}
	var errs fileErrors
	servers := readServers(r, name, known, &errs)
	if err := errs.err(name); err != nil {
		return nil, err
	}
	return servers, nil
}

func readServers(r io.Reader, file string, knownApps map[string]bool, errs *fileErrors) []Server {
	rows := readCSV(r, file, ServerColumns(), errs)
	type key struct {
		app, host, scheme string
		port              int
	}
	firstLine := make(map[key]int, len(rows))
	servers := make([]Server, 0, len(rows))
	for _, row := range rows {
		ok := true
		s := Server{AppID: strings.TrimSpace(row.cells["app_id"]), Extra: row.extra}
		switch {
		case s.AppID == "":
			errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "a non-empty app id", Got: row.cells["app_id"]})
			ok = false
		case knownApps != nil && !knownApps[s.AppID]:
			errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "an app_id listed in apps.csv", Got: s.AppID})
			ok = false
		}
		if h, err := normalizeHost(row.cells["host"]); err != nil {
			errs.add(&InputError{File: file, Line: row.line, Column: "host", Expected: "a host name or IP address", Got: row.cells["host"], Err: err})
			ok = false
		} else {
			s.Host = h
		}
		port, err := strconv.Atoi(strings.TrimSpace(row.cells["port"]))
		if err != nil || port < 1 || port > 65535 {
			errs.add(&InputError{File: file, Line: row.line, Column: "port", Expected: "a port 1-65535", Got: row.cells["port"]})
			ok = false
		}
		s.Port = port
		var good bool
		s.Scheme, good = enum(file, row.line, "scheme", row.cells["scheme"], Schemes(), errs)
		ok = ok && good
		s.Category, good = enum(file, row.line, "category", row.cells["category"], Categories(), errs)
		ok = ok && good
		if !ok {
			continue
		}
		k := key{s.AppID, s.Host, s.Scheme, s.Port}
		if first := firstLine[k]; first > 0 {
			errs.add(&InputError{File: file, Line: row.line, Column: "host",
				Expected: fmt.Sprintf("one row per app_id, host, port and scheme (same as line %d)", first),
				Got:      fmt.Sprintf("%s %s://%s:%d", s.AppID, s.Scheme, s.Host, s.Port)})
			continue
		}
		firstLine[k] = row.line
		servers = append(servers, s)
	}
	return servers
}

// normalizeHost trims and lower-cases a host name and checks that it could be one: no
// spaces, no URL parts. An IPv6 literal may come with or without brackets.
func normalizeHost(h string) (string, error) {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.TrimSuffix(h, ".") // the root label: "example.org." is "example.org"
	switch {
	case h == "":
		return "", errors.New("empty")
	case strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, ".."):
		return "", errors.New("empty label")
	case strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]"):
		ip := net.ParseIP(h[1 : len(h)-1])
		if ip == nil {
			return "", errors.New("not an IPv6 address in brackets")
		}
		return ip.String(), nil
	case strings.Contains(h, ":"):
		if ip := net.ParseIP(h); ip != nil {
			return ip.String(), nil
		}
		return "", errors.New("a host may not carry a port or scheme; use the port and scheme columns")
	case strings.ContainsAny(h, " \t\r\n/?#@,;\"'\\"):
		return "", errors.New("contains a character no host name has")
	}
	return h, nil
}
