package datasets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/internal/hostindex"
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

func (f *fileErrors) clone() fileErrors {
	return fileErrors{errs: slices.Clone(f.errs), omitted: f.omitted}
}

// addAll adds other's errors, listed and omitted, as if each had been added to f.
func (f *fileErrors) addAll(other *fileErrors) {
	for _, e := range other.errs {
		f.add(e)
	}
	f.omitted += other.omitted
}

// mergeByLine adds other's errors to f's in line order (each list is in line order, so
// the first MaxErrorsPerFile of the merge are the first of the file); on the same line,
// f's come first.
func (f *fileErrors) mergeByLine(other *fileErrors) {
	a, b := f.errs, other.errs
	merged := make([]*InputError, 0, min(len(a)+len(b), MaxErrorsPerFile))
	for len(merged) < MaxErrorsPerFile && len(a)+len(b) > 0 {
		if len(b) == 0 || len(a) > 0 && a[0].Line <= b[0].Line {
			merged, a = append(merged, a[0]), a[1:]
		} else {
			merged, b = append(merged, b[0]), b[1:]
		}
	}
	f.omitted += other.omitted + len(a) + len(b)
	f.errs = merged
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

// csvRow is one data row with its line number, its defined cells and its extra columns.
type csvRow struct {
	line int
	// cells holds the defined columns in the order readCSV was given them; it is reused
	// for the next row, the strings in it are not.
	cells []string
	extra map[string]string
}

// readCSV reads a study CSV file: a header naming at least the required columns, then rows
// of the same width, each handed to fn. Columns outside defined go to the row's extra. A
// CSV syntax error stops the read (what follows it cannot be trusted) and readCSV returns
// false: the caller drops the rows it was given. Other problems are collected in errs.
func readCSV(r io.Reader, file string, defined []string, errs *fileErrors, fn func(row *csvRow)) bool {
	cr := newStudyReader(r, defined)
	cols, complete := readCSVHeader(cr, file, defined, errs)
	if cols == nil {
		return complete
	}
	return readCSVRows(cr, cols, errs, fn)
}

// csvColumns is what the header of a study CSV file says: the columns of its rows.
type csvColumns struct {
	file    string
	defined []string
	header  []string
	pos     []int // pos[i] is the defined column that header column i holds, or -1 for an extra one
}

// readCSVHeader reads up to and including the header line and checks it. It returns nil
// when there are no rows to read: complete is then false if the file cannot be read on
// (readCSV's false), true if it has no header at all (an error in errs).
func readCSVHeader(cr *studyReader, file string, defined []string, errs *fileErrors) (cols *csvColumns, complete bool) {
	rec, err := cr.Read()
	switch {
	case err == io.EOF:
		errs.add(&InputError{File: file, Line: 1, Expected: "a header line: " + strings.Join(defined, ","), Got: ""})
		return nil, true
	case err != nil:
		errs.add(csvError(file, err))
		return nil, false
	}
	header := readHeader(rec, file, cr.line(), defined, errs)
	if header == nil {
		return nil, false
	}
	cols = &csvColumns{file: file, defined: defined, header: header, pos: make([]int, len(header))}
	for i, name := range header {
		cols.pos[i] = slices.Index(defined, name)
	}
	return cols, true
}

// readCSVRows reads the rows after the header, as readCSV does.
func readCSVRows(cr *studyReader, cols *csvColumns, errs *fileErrors, fn func(row *csvRow)) bool {
	row := csvRow{cells: make([]string, len(cols.defined))}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			errs.add(csvError(cols.file, err))
			return false
		}
		if cols.row(rec, cr.line(), &row, errs) {
			fn(&row)
		}
	}
}

// row fills row from the record rec, found on line, and reports whether it is a row: one
// of another width than the header is not, and is an error in errs, as is a "NaN" in an
// extra column.
func (c *csvColumns) row(rec []string, line int, row *csvRow, errs *fileErrors) bool {
	if len(rec) != len(c.header) {
		errs.add(&InputError{File: c.file, Line: line,
			Expected: fmt.Sprintf("%d fields like the header", len(c.header)),
			Got:      fmt.Sprintf("%d fields", len(rec))})
		return false
	}
	row.line, row.extra = line, nil
	for i, name := range c.header {
		if p := c.pos[i]; p >= 0 {
			row.cells[p] = rec[i]
			continue
		}
		if row.extra == nil {
			row.extra = make(map[string]string)
		}
		row.extra[name] = rec[i]
		checkGotaString(c.file, line, name, rec[i], errs)
	}
	return true
}

// csvError is the input error of a record that could not be read.
func csvError(file string, err error) *InputError {
	ie := &InputError{File: file, Expected: "valid CSV", Err: err}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		ie.Line, ie.Err = pe.Line, pe.Err
		ie.Got = fmt.Sprintf("column %d", pe.Column)
	}
	return ie
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
func skipBOM(r io.Reader) *bufio.Reader {
	br := bufio.NewReaderSize(r, maxHeaderLine)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	return br
}

// maxHeaderLine bounds how much of a file is looked at to find its separator.
const maxHeaderLine = 64 << 10

// newStudyCSVReader reads a study CSV file after its byte-order mark, with the separator
// its header line uses: a comma, or a semicolon or tab, which spreadsheets in German and
// other locales write for "CSV". The separator is the one of the three that splits the
// header line into the most columns named in defined, then into the most columns (so a
// header with misspelt names still reads as columns, and its errors name them); a full
// tie goes to the comma.
func newStudyCSVReader(r io.Reader, defined []string) *csv.Reader {
	br := skipBOM(r)
	head, _ := br.Peek(maxHeaderLine)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	cr := csv.NewReader(br)
	cr.Comma = headerSeparator(head, defined)
	return cr
}

// newStudyReader is newStudyCSVReader with a fast path: see studyReader.
func newStudyReader(r io.Reader, defined []string) *studyReader {
	br := skipBOM(r)
	head, _ := br.Peek(maxHeaderLine)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	return &studyReader{br: br, comma: byte(headerSeparator(head, defined))}
}

// studyReader reads the records of a study CSV file as encoding/csv does (FieldsPerRecord
// -1, ReuseRecord), with the same records, line numbers and errors, but splits a line
// without a quote itself, with one allocation and one pass: encoding/csv was a sixth of
// the servers.csv pass. From the first line with a quote on, encoding/csv reads the rest
// of the file (a quoted field may span lines), its line numbers shifted by the lines
// read before.
type studyReader struct {
	br    *bufio.Reader
	comma byte // ',', ';' or '\t' (headerSeparator)
	lines int  // lines read by the fast path
	long  []byte
	rec   []string
	cr    *csv.Reader // once a quote was met
	shift int         // lines read before cr took over
	// held is a line next returned and unread gave back, with its error: next returns it
	// again.
	held    []byte
	heldErr error
	holding bool
}

// Read returns the next record, reused by the next call.
func (r *studyReader) Read() ([]string, error) {
	if r.cr != nil {
		return r.readSlow()
	}
	for {
		raw, err := r.next()
		if len(raw) == 0 {
			return nil, err
		}
		r.lines++
		if !fastLine(raw, err) {
			r.handOver(raw, err)
			return r.readSlow()
		}
		line := trimLineEnd(raw, err == io.EOF)
		if len(line) == 0 {
			continue // encoding/csv skips empty lines
		}
		r.rec = splitFields(string(line), r.comma, r.rec[:0])
		return r.rec, nil
	}
}

// next returns the next line as bufio.Reader.ReadSlice('\n') does, with its line end, but
// whole however long it is. It is valid until the next call.
func (r *studyReader) next() ([]byte, error) {
	if r.holding {
		r.holding = false
		return r.held, r.heldErr
	}
	raw, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], raw...)
		for err == bufio.ErrBufferFull {
			raw, err = r.br.ReadSlice('\n')
			r.long = append(r.long, raw...)
		}
		raw = r.long
	}
	return raw, err
}

// unread gives back the line and error next returned last, uncounted, for the next call
// to return again.
func (r *studyReader) unread(raw []byte, err error) {
	r.held, r.heldErr, r.holding = raw, err, true
}

// fastLine reports whether the fast path splits the line raw, which next returned with
// err: not if it has a quote (a quoted field may span lines) or the read failed.
func fastLine(raw []byte, err error) bool {
	return bytes.IndexByte(raw, '"') < 0 && (err == nil || err == io.EOF)
}

// handOver has encoding/csv read the rest of the file, from raw, the line just counted,
// which next returned with err.
func (r *studyReader) handOver(raw []byte, err error) {
	var rest io.Reader = r.br
	if err != nil {
		rest = errReader{err} // what encoding/csv would have met
	}
	r.cr = csv.NewReader(io.MultiReader(bytes.NewReader(bytes.Clone(raw)), rest))
	r.cr.Comma, r.cr.FieldsPerRecord, r.cr.ReuseRecord = rune(r.comma), -1, true
	r.shift = r.lines - 1
}

// trimLineEnd cuts encoding/csv's line ends off raw: \n or \r\n, or at the end of the
// file (atEOF) a \r or none.
func trimLineEnd(raw []byte, atEOF bool) []byte {
	switch {
	case bytes.HasSuffix(raw, []byte("\r\n")):
		return raw[:len(raw)-2]
	case bytes.HasSuffix(raw, []byte("\n")), atEOF && bytes.HasSuffix(raw, []byte("\r")):
		return raw[:len(raw)-1]
	}
	return raw
}

// splitFields appends the fields of a line without quotes to rec.
func splitFields(line string, comma byte, rec []string) []string {
	for {
		i := strings.IndexByte(line, comma)
		if i < 0 {
			return append(rec, line)
		}
		rec = append(rec, line[:i])
		line = line[i+1:]
	}
}

func (r *studyReader) readSlow() ([]string, error) {
	rec, err := r.cr.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		pe.StartLine += r.shift
		pe.Line += r.shift
	}
	return rec, err
}

// line returns the line the last record Read returned starts on.
func (r *studyReader) line() int {
	if r.cr != nil {
		line, _ := r.cr.FieldPos(0)
		return line + r.shift
	}
	return r.lines
}

func headerSeparator(line []byte, defined []string) rune {
	best, bestN, bestFields := ',', -1, -1
	for _, sep := range []rune{',', ';', '\t'} {
		hr := csv.NewReader(bytes.NewReader(line))
		hr.Comma, hr.LazyQuotes = sep, true
		rec, _ := hr.Read()
		n := 0
		for _, h := range rec {
			if slices.Contains(defined, strings.ToLower(strings.TrimSpace(h))) {
				n++
			}
		}
		if n > bestN || n == bestN && len(rec) > bestFields {
			best, bestN, bestFields = sep, n, len(rec)
		}
	}
	return best
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

// normalizeEnum matches v, trimmed and in any case, against allowed (lower-case words).
func normalizeEnum(v string, allowed []string) (string, bool) {
	for _, a := range allowed { // nearly every value, without a copy
		if v == a {
			return a, true
		}
	}
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
	cols := AppColumns()
	iID, iName, iPlatform, iAvail, iSub := slices.Index(cols, "app_id"), slices.Index(cols, "name"),
		slices.Index(cols, "platform"), slices.Index(cols, "availability"), slices.Index(cols, "subcategory")
	ids := make(map[string]bool)
	firstLine := make(map[string]int)
	var apps []App
	// Row errors are collected apart from the file's CSV errors, then merged in line order.
	rowErrs := &fileErrors{}
	complete := readCSV(r, file, cols, errs, func(row *csvRow) {
		errs := rowErrs
		ok := true
		a := App{ID: strings.TrimSpace(row.cells[iID]), Name: row.cells[iName],
			Subcategory: row.cells[iSub], Extra: row.extra}
		switch {
		case a.ID == "":
			errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "a non-empty app id", Got: row.cells[iID]})
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
		a.Platform, good = enum(file, row.line, "platform", row.cells[iPlatform], Platforms(), errs)
		ok = ok && good
		a.Availability, good = enum(file, row.line, "availability", row.cells[iAvail], Availabilities(), errs)
		ok = ok && good
		ok = checkGotaString(file, row.line, "subcategory", a.Subcategory, errs) && ok
		if ok {
			apps = append(apps, a)
		}
	})
	if !complete {
		return []App{}, map[string]bool{}
	}
	errs.mergeByLine(rowErrs)
	if apps == nil {
		apps = []App{}
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
	servers := readServers(r, name, known, 0, &errs)
	if err := errs.err(name); err != nil {
		return nil, err
	}
	return servers, nil
}

// readServers reads servers.csv; rowsHint, when more than 0, is about how many rows it has
// (at least as many is best), to size the tables once.
func readServers(r io.Reader, file string, knownApps map[string]bool, rowsHint int, errs *fileErrors) []Server {
	servers := make([]Server, 0, rowsHint)
	if !scanServers(r, file, knownApps, rowsHint, errs, func(_ int, s *Server, _ int) { servers = append(servers, *s) }) {
		return []Server{}
	}
	return servers
}

// serverSet finds servers.csv rows that repeat an app_id, host, scheme and port, without
// keeping the rows: it numbers the apps and the endpoints (host, port, scheme) it meets,
// and keeps per app the numbers of its endpoints, an exact key of four bytes. A study has
// far fewer endpoints than rows, so the strings are held once per endpoint, and the rows
// of one app (which come together) are looked up in that app's small table.
type serverSet struct {
	lastApp   string // the app of the last row, and its table: rows come app by app
	lastLines map[uint32]int
	apps      map[string]uint32
	endpoints endpointTable
	lines     []map[uint32]int // by app number: endpoint → line of the app's first such row
	appRows   int              // how many rows an app's table is made for
}

type serverEndpoint struct {
	host  string
	port  uint16 // valid: 1-65535
	https bool
}

// newServerSet sizes the tables for about rowsHint rows of appsHint apps (either may be 0
// if not known).
func newServerSet(rowsHint, appsHint int) *serverSet {
	d := &serverSet{apps: make(map[string]uint32, appsHint), endpoints: newEndpointTable(rowsHint / 4)}
	if appsHint > 0 {
		// An app's table sized for the mean number of rows need not grow, which was a
		// tenth of the pass.
		d.appRows = min(rowsHint/appsHint, 4096)
	}
	return d
}

// add records s, found on line, and returns the number of its endpoint (host, port,
// scheme): 0, 1, 2 … in order of first appearance. If an earlier row has the same key,
// add returns that row's line and records nothing.
func (d *serverSet) add(s *Server, line int) (first, endpoint int) {
	return d.addHashed(s, line, d.endpoints.hash(endpointOf(s)))
}

// addHashed is add for a server whose endpoint has the hash h (endpointTable.hash).
func (d *serverSet) addHashed(s *Server, line int, h uint64) (first, endpoint int) {
	if d.lastLines == nil || s.AppID != d.lastApp {
		app, ok := d.apps[s.AppID]
		if !ok {
			app = uint32(len(d.apps))
			d.apps[strings.Clone(s.AppID)] = app
			d.lines = append(d.lines, make(map[uint32]int, d.appRows))
		}
		d.lastApp, d.lastLines = s.AppID, d.lines[app]
	}
	ep := d.endpoints.numberHashed(endpointOf(s), h)
	if first, taken := d.lastLines[ep]; taken {
		return first, int(ep)
	}
	d.lastLines[ep] = line
	return 0, int(ep)
}

// endpointTable numbers servers.csv's endpoints (host, port, scheme) in order of first
// appearance, in a hostindex.Index: no pointer per endpoint, about one cache miss a
// lookup. Its key's extra number is the port and whether the scheme is https.
type endpointTable struct{ *hostindex.Index }

func newEndpointTable(sizeHint int) endpointTable { return endpointTable{hostindex.New(sizeHint)} }

// endpointOf is the endpoint of s, which has a valid port.
func endpointOf(s *Server) serverEndpoint {
	return serverEndpoint{s.Host, uint16(s.Port), s.Scheme == SchemeHTTPS}
}

// extra is e's number beside its host in the index.
func (e serverEndpoint) extra() uint64 { return uint64(e.port)<<1 | boolBit(e.https) }

// number returns e's number, numbering it if it is new.
func (t endpointTable) number(e serverEndpoint) uint32 { return t.numberHashed(e, t.hash(e)) }

// numberHashed is number for an endpoint whose hash is h.
func (t endpointTable) numberHashed(e serverEndpoint, h uint64) uint32 {
	n, _ := t.Index.Number(e.host, e.extra(), h)
	return n
}

// hash is e's hash in t; it may run on any goroutine.
func (t endpointTable) hash(e serverEndpoint) uint64 { return t.Index.Hash(e.host, e.extra()) }

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// plainHost reports whether h is a host name normalizeHost would return unchanged by
// its first checks alone: lower-case letters, digits, '-', '_' and single inner dots. It
// spares the general path's several passes on nearly every row.
func plainHost(h string) bool {
	if h == "" || h[0] == '.' || h[len(h)-1] == '.' {
		return false
	}
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '.' && h[i-1] != '.': // i > 0: h[0] is no dot
		default:
			return false
		}
	}
	return true
}

// normalizeHost trims and lower-cases a host name and checks that it could be one: no
// spaces, no URL parts. An IPv6 literal may come with or without brackets.
func normalizeHost(h string) (string, error) {
	if plainHost(h) {
		return h, nil
	}
	return normalizeAnyHost(h)
}

// normalizeAnyHost is normalizeHost for any h.
func normalizeAnyHost(h string) (string, error) {
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

// errReader returns err from every Read: the I/O error the fast path met, handed on to
// encoding/csv so that it reports it where it would have.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
