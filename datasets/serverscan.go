package datasets

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// servers.csv is checked on several goroutines: a study of millions of rows spent a
// dozen seconds on one core in it. One goroutine cuts the file after its header into
// batches of whole lines; workers split and check the lines of a batch (the row checks
// of readCSV and scanServers, and the hash of the row's endpoint); what depends on the
// rows before is done in file order: the repeat check and the endpoint numbers on a
// goroutine of their own (number), fn on the calling goroutine (deliver). A quoted field
// may span lines, so from the first line with a quote on the rest of the file is read as
// before, by studyReader on the calling goroutine.

// serverBatchBytes is about how many bytes of servers.csv a batch holds.
const serverBatchBytes = 256 << 10

// serverScanOptions tune scanServersWith. The zero value is the default.
type serverScanOptions struct {
	// rowsHint, when more than 0, is about how many rows the file has (at least as many
	// is best), to size the tables once.
	rowsHint int
	// batchBytes is about how many bytes a batch holds; 0 means serverBatchBytes. Tests
	// make it small to put batch boundaries everywhere.
	batchBytes int
}

// scanServers checks the rows of servers.csv and hands each good one to fn, in file order,
// with the number of its endpoint (serverSet.add); s is fn's to keep. Errors go to errs,
// in line order. Like readCSV it returns false when a CSV syntax error stopped the read:
// the rows fn was given must then be dropped. rowsHint is serverScanOptions.rowsHint.
func scanServers(r io.Reader, file string, knownApps map[string]bool, rowsHint int, errs *fileErrors, fn func(line int, s *Server, endpoint int)) bool {
	return scanServersWith(serverScanOptions{rowsHint: rowsHint}, r, file, knownApps, errs, fn)
}

// scanServersWith is scanServers with options.
func scanServersWith(opt serverScanOptions, r io.Reader, file string, knownApps map[string]bool, errs *fileErrors, fn func(line int, s *Server, endpoint int)) bool {
	defined := ServerColumns()
	cr := newStudyReader(r, defined)
	cols, complete := readCSVHeader(cr, file, defined, errs)
	if cols == nil {
		return complete
	}
	p := newServerPass(cols, knownApps, opt.rowsHint, errs, fn)
	if cr.cr == nil { // no quote yet
		p.cr, p.batchBytes, p.comma = cr, opt.batchBytes, cr.comma
		if p.batchBytes <= 0 {
			p.batchBytes = serverBatchBytes
		}
		first := new(serverBatch)
		inOrder(first, p.fill(first), p.fill, p.work, p.number, p.deliver)
	}
	// From the first quote (or a read error) on, if any.
	if !readCSVRows(cr, cols, errs, p.serial) {
		return false
	}
	// Row errors are collected apart from the file's CSV errors, then merged in line order.
	errs.mergeByLine(p.rowErrs)
	return true
}

// serverPass is one read of servers.csv by scanServersWith.
type serverPass struct {
	cols                              *csvColumns
	knownApps                         map[string]bool
	iApp, iHost, iPort, iScheme, iCat int
	schemes, categories               []string
	table                             endpointTable // dups', whose hash the workers compute

	// Read by fill only, while batches are cut.
	cr         *studyReader
	batchBytes int
	comma      byte // cr's

	// Used in file order by one goroutine at a time: dups by number, then by serial; the
	// rest by deliver and serial, on the calling goroutine.
	last    knownApp // serial's
	dups    *serverSet
	errs    *fileErrors // the file's CSV errors
	rowErrs *fileErrors // the rows' other errors
	fn      func(line int, s *Server, endpoint int)
}

func newServerPass(cols *csvColumns, knownApps map[string]bool, rowsHint int, errs *fileErrors, fn func(line int, s *Server, endpoint int)) *serverPass {
	p := &serverPass{cols: cols, knownApps: knownApps, schemes: Schemes(), categories: Categories(),
		dups: newServerSet(rowsHint, len(knownApps)), errs: errs, rowErrs: &fileErrors{}, fn: fn}
	p.table = p.dups.endpoints
	d := cols.defined
	p.iApp, p.iHost, p.iPort = slices.Index(d, "app_id"), slices.Index(d, "host"), slices.Index(d, "port")
	p.iScheme, p.iCat = slices.Index(d, "scheme"), slices.Index(d, "category")
	return p
}

// check fills s from row and checks it; its errors go to errs. It may run on any
// goroutine, each with its own last.
func (p *serverPass) check(row *csvRow, s *Server, last *knownApp, errs *fileErrors) bool {
	file := p.cols.file
	ok := true
	*s = Server{AppID: strings.TrimSpace(row.cells[p.iApp]), Extra: row.extra}
	switch {
	case s.AppID == "":
		errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "a non-empty app id", Got: row.cells[p.iApp]})
		ok = false
	case p.knownApps != nil && !last.known(s.AppID, p.knownApps):
		errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "an app_id listed in apps.csv", Got: s.AppID})
		ok = false
	}
	if h, err := normalizeHost(row.cells[p.iHost]); err != nil {
		errs.add(&InputError{File: file, Line: row.line, Column: "host", Expected: "a host name or IP address", Got: row.cells[p.iHost], Err: err})
		ok = false
	} else {
		s.Host = h
	}
	port, err := strconv.Atoi(strings.TrimSpace(row.cells[p.iPort]))
	if err != nil || port < 1 || port > 65535 {
		errs.add(&InputError{File: file, Line: row.line, Column: "port", Expected: "a port 1-65535", Got: row.cells[p.iPort]})
		ok = false
	}
	s.Port = port
	var good bool
	s.Scheme, good = enum(file, row.line, "scheme", row.cells[p.iScheme], p.schemes, errs)
	ok = ok && good
	s.Category, good = enum(file, row.line, "category", row.cells[p.iCat], p.categories, errs)
	return ok && good
}

// knownApp remembers whether the last app looked up is known: rows come app by app.
type knownApp struct {
	id        string
	ok, valid bool
}

// known reports whether apps has id.
func (k *knownApp) known(id string, apps map[string]bool) bool {
	if !k.valid || id != k.id {
		*k = knownApp{id: id, ok: apps[id], valid: true}
	}
	return k.ok
}

// commit takes a checked row in file order: a repeat is an error, any other row goes to
// fn. h is the hash of its endpoint.
func (p *serverPass) commit(line int, s *Server, h uint64) {
	first, ep := p.dups.addHashed(s, line, h)
	p.take(line, s, first, ep)
}

// take is commit after the repeat check, which found that the row repeats line first (if
// more than 0), and numbered its endpoint ep.
func (p *serverPass) take(line int, s *Server, first, ep int) {
	if first > 0 {
		p.rowErrs.add(&InputError{File: p.cols.file, Line: line, Column: "host",
			Expected: fmt.Sprintf("one row per app_id, host, port and scheme (same as line %d)", first),
			Got:      fmt.Sprintf("%s %s://%s:%d", s.AppID, s.Scheme, s.Host, s.Port)})
		return
	}
	p.fn(line, s, ep)
}

// serial takes a row read by readCSVRows.
func (p *serverPass) serial(row *csvRow) {
	s := new(Server) // fn's to keep
	if p.check(row, s, &p.last, p.rowErrs) {
		p.commit(row.line, s, p.table.hash(endpointOf(s)))
	}
}

// serverBatch is a run of lines of servers.csv, none with a quote.
type serverBatch struct {
	first int    // the line number of the first line
	data  []byte // the lines back to back, each with its line end
	ends  []int  // line i ends at data[ends[i]]
	eof   bool   // the last line ends the file (a \r at its end is a line end)

	rows []checkedServer // by work, one per line but the blank ones; fresh for each batch

	// work's scratch
	last             knownApp
	rec              []string
	row              csvRow
	csvErrs, rowErrs fileErrors
}

// checkedServer is a line of a serverBatch as work leaves it.
type checkedServer struct {
	line int
	s    Server
	h    uint64     // the hash of s's endpoint, if ok
	ok   bool       // a good row: it goes on to number and deliver
	errs *rowErrors // nil when there are none
	// By number: the line the row repeats, if more than 0, and its endpoint's number.
	first, ep int
}

// rowErrors are the errors of one row: CSV errors (width, extra columns), then the others.
type rowErrors struct{ csv, row fileErrors }

// fill cuts the next batch: whole lines, up to the first with a quote or a read error
// (given back to p.cr, to read on from), or the end of the file. It reports whether no
// batch follows.
func (p *serverPass) fill(b *serverBatch) (last bool) {
	b.first, b.data, b.ends, b.eof = p.cr.lines+1, b.data[:0], b.ends[:0], false
	if b.data == nil { // a new batch: sized for what is buffered, all of a small file
		buffered, _ := p.cr.br.Peek(min(p.cr.br.Buffered(), p.batchBytes))
		b.data = make([]byte, 0, len(buffered)+1)
		b.ends = make([]int, 0, bytes.Count(buffered, []byte{'\n'})+1)
	}
	for len(b.data) < p.batchBytes {
		raw, err := p.cr.next()
		if len(raw) == 0 || !fastLine(raw, err) {
			p.cr.unread(raw, err)
			return true
		}
		p.cr.lines++
		b.data = append(b.data, raw...)
		b.ends = append(b.ends, len(b.data))
		if err == io.EOF {
			b.eof = true
			return true
		}
	}
	return false
}

// work splits and checks the lines of b, as studyReader.Read, readCSVRows and serial do.
func (p *serverPass) work(b *serverBatch) {
	b.rows = make([]checkedServer, 0, len(b.ends))
	if b.row.cells == nil {
		b.row.cells = make([]string, len(p.cols.defined))
	}
	start := 0
	for i, end := range b.ends {
		line := trimLineEnd(b.data[start:end], b.eof && i == len(b.ends)-1)
		start = end
		if len(line) == 0 {
			continue // encoding/csv skips empty lines
		}
		b.rec = splitFields(string(line), p.comma, b.rec[:0])
		b.rows = append(b.rows, checkedServer{line: b.first + i})
		cs := &b.rows[len(b.rows)-1]
		b.csvErrs, b.rowErrs = fileErrors{errs: b.csvErrs.errs[:0]}, fileErrors{errs: b.rowErrs.errs[:0]}
		if p.cols.row(b.rec, cs.line, &b.row, &b.csvErrs) && p.check(&b.row, &cs.s, &b.last, &b.rowErrs) {
			cs.ok, cs.h = true, p.table.hash(endpointOf(&cs.s))
		}
		if len(b.csvErrs.errs)+b.csvErrs.omitted+len(b.rowErrs.errs)+b.rowErrs.omitted > 0 {
			cs.errs = &rowErrors{csv: b.csvErrs.clone(), row: b.rowErrs.clone()}
		}
	}
}

// number runs the repeat check and numbers the endpoints of a batch's good rows, in file
// order, on a goroutine apart from deliver's: it is the costliest part that cannot be
// parallel, and fn may cost as much.
func (p *serverPass) number(b *serverBatch) {
	const chunk = 256 // rows whose slots are loaded together: few enough pages for the TLB
	for start := 0; start < len(b.rows); start += chunk {
		rows := b.rows[start:min(start+chunk, len(b.rows))]
		p.dups.endpoints.Touch(func(yield func(uint64) bool) {
			for i := range rows {
				if cs := &rows[i]; cs.ok && !yield(cs.h) {
					return
				}
			}
		})
		for i := range rows {
			if cs := &rows[i]; cs.ok {
				cs.first, cs.ep = p.dups.addHashed(&cs.s, cs.line, cs.h)
			}
		}
	}
}

// deliver takes the rows of a batch in file order.
func (p *serverPass) deliver(b *serverBatch) {
	for i := range b.rows {
		cs := &b.rows[i]
		if cs.errs != nil {
			p.errs.addAll(&cs.errs.csv)
			p.rowErrs.addAll(&cs.errs.row)
		}
		if cs.ok {
			p.take(cs.line, &cs.s, cs.first, cs.ep)
		}
	}
	b.rows = nil // fn keeps the servers
}
