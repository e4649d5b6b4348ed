package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// The servers.csv pass checks lines on several goroutines. It must report exactly what
// the one-goroutine pass it replaced reported: that pass is kept here as the reference.

// scanServersSerial is scanServers as it was before it went parallel: readCSV's rows, the
// row checks, the repeat check and fn, one row after the other.
func scanServersSerial(r io.Reader, file string, knownApps map[string]bool, rowsHint int, errs *fileErrors, fn func(line int, s *Server, endpoint int)) bool {
	cols := ServerColumns()
	iApp, iHost, iPort, iScheme, iCat := slices.Index(cols, "app_id"), slices.Index(cols, "host"),
		slices.Index(cols, "port"), slices.Index(cols, "scheme"), slices.Index(cols, "category")
	dups := newServerSet(rowsHint, 0)
	schemes, categories := Schemes(), Categories()
	rowErrs := &fileErrors{}
	complete := readCSV(r, file, cols, errs, func(row *csvRow) {
		errs := rowErrs
		ok := true
		s := Server{AppID: strings.TrimSpace(row.cells[iApp]), Extra: row.extra}
		switch {
		case s.AppID == "":
			errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "a non-empty app id", Got: row.cells[iApp]})
			ok = false
		case knownApps != nil && !knownApps[s.AppID]:
			errs.add(&InputError{File: file, Line: row.line, Column: "app_id", Expected: "an app_id listed in apps.csv", Got: s.AppID})
			ok = false
		}
		if h, err := normalizeHost(row.cells[iHost]); err != nil {
			errs.add(&InputError{File: file, Line: row.line, Column: "host", Expected: "a host name or IP address", Got: row.cells[iHost], Err: err})
			ok = false
		} else {
			s.Host = h
		}
		port, err := strconv.Atoi(strings.TrimSpace(row.cells[iPort]))
		if err != nil || port < 1 || port > 65535 {
			errs.add(&InputError{File: file, Line: row.line, Column: "port", Expected: "a port 1-65535", Got: row.cells[iPort]})
			ok = false
		}
		s.Port = port
		var good bool
		s.Scheme, good = enum(file, row.line, "scheme", row.cells[iScheme], schemes, errs)
		ok = ok && good
		s.Category, good = enum(file, row.line, "category", row.cells[iCat], categories, errs)
		ok = ok && good
		if !ok {
			return
		}
		first, ep := dups.add(&s, row.line)
		if first > 0 {
			errs.add(&InputError{File: file, Line: row.line, Column: "host",
				Expected: fmt.Sprintf("one row per app_id, host, port and scheme (same as line %d)", first),
				Got:      fmt.Sprintf("%s %s://%s:%d", s.AppID, s.Scheme, s.Host, s.Port)})
			return
		}
		fn(row.line, &s, ep)
	})
	if !complete {
		return false
	}
	errs.mergeByLine(rowErrs)
	return true
}

// serverScanCall is one call of a scanServers fn.
type serverScanCall struct {
	line     int
	s        Server
	endpoint int
}

// serverScanRun is all a servers.csv pass reports.
type serverScanRun struct {
	complete bool
	calls    []serverScanCall
	errs     string
	omitted  int
}

func runServerScan(scan func(r io.Reader, errs *fileErrors, fn func(line int, s *Server, endpoint int)) bool, r io.Reader) serverScanRun {
	var run serverScanRun
	var errs fileErrors
	run.complete = scan(r, &errs, func(line int, s *Server, endpoint int) {
		run.calls = append(run.calls, serverScanCall{line, *s, endpoint})
	})
	run.errs, run.omitted = fmt.Sprintf("%+v", errs.errs), errs.omitted
	for _, ie := range errs.errs { // %+v does not show what the errors wrap
		run.errs += "\n" + ie.Error()
	}
	return run
}

// compareServerScans checks that scanServersWith, with batches of about batchBytes, gives
// what scanServersSerial gives on data, read through wrap.
func compareServerScans(t *testing.T, data []byte, known map[string]bool, batchBytes int, wrap func(io.Reader) io.Reader) {
	t.Helper()
	want := runServerScan(func(r io.Reader, errs *fileErrors, fn func(int, *Server, int)) bool {
		return scanServersSerial(r, "servers.csv", known, 0, errs, fn)
	}, wrap(bytes.NewReader(data)))
	got := runServerScan(func(r io.Reader, errs *fileErrors, fn func(int, *Server, int)) bool {
		return scanServersWith(serverScanOptions{batchBytes: batchBytes}, r, "servers.csv", known, errs, fn)
	}, wrap(bytes.NewReader(data)))
	if got.complete != want.complete || got.errs != want.errs || got.omitted != want.omitted {
		t.Fatalf("batches of %d bytes, input %q:\ngot  %v (+%d) %s\nwant %v (+%d) %s", batchBytes, data,
			got.complete, got.omitted, got.errs, want.complete, want.omitted, want.errs)
	}
	if !reflect.DeepEqual(got.calls, want.calls) {
		t.Fatalf("batches of %d bytes, input %q:\ngot  %+v\nwant %+v", batchBytes, data, got.calls, want.calls)
	}
}

func sameReader(r io.Reader) io.Reader { return r }

// serverLines are lines servers.csv files are made of in these tests: good rows (some
// repeated), bad rows of every kind, blank lines, quotes.
var serverLines = []string{
	"a1,api.one.example,443,https,functional",
	"a1,API.one.example,443,HTTPS,functional",
	"a1,t1.example,443,https,tracking",
	"a2,t1.example,443,https,tracking",
	"a2,t1.example,80,http,tracking",
	"a2,t2.example.,443, https ,content",
	"a1,[::1],8443,https,other",
	"a3,y.example,443,https,other", // unknown app
	"a2,x.example,0,https,tracking",
	"a2,x.example,443,gopher,other",
	"a2,x.example,443,https,nope",
	"a2,a..b,443,https,other",
	"a1,z.example,443",
	",w.example,443,https,content",
	"a1,NaN,443,https,content",
	"a1,w.example,443,https,content,extra",
	"",
	" ",
	"\r",
	`a1,"q.example",443,https,other`,
	`a1,"multi` + "\n" + `line",443,https,other`,
	`a1,bad"quote,443,https,other`,
}

// randomServersCSV makes a servers.csv of n lines from serverLines, a header first (with
// an extra column or another separator at times), with \n or \r\n line ends; a quote is
// rare, so that batches come before it, and none comes before line quoteFrom.
func randomServersCSV(rng *rand.Rand, n, quoteFrom int) []byte {
	var b strings.Builder
	sep := []string{",", ";", "\t"}[rng.IntN(3)]
	header, extra := "app_id,host,port,scheme,category", rng.IntN(4) == 0
	if extra {
		header += ",note"
	}
	if rng.IntN(10) == 0 {
		b.WriteString("\ufeff")
	}
	b.WriteString(strings.ReplaceAll(header, ",", sep))
	for i := 0; i < n; i++ {
		if rng.IntN(2) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
		line := serverLines[rng.IntN(len(serverLines))]
		if strings.Contains(line, `"`) && (i+2 < quoteFrom || rng.IntN(8) != 0) {
			line = serverLines[rng.IntN(3)]
		}
		if extra && line != "" && !strings.Contains(line, "extra") {
			line += []string{",x", ",NaN", ""}[rng.IntN(3)]
		}
		b.WriteString(strings.ReplaceAll(line, ",", sep))
	}
	if rng.IntN(2) == 0 {
		b.WriteString([]string{"\n", "\r\n", "\r"}[rng.IntN(3)])
	}
	return []byte(b.String())
}

// The parallel pass gives the serial pass's rows, endpoints and errors on random files,
// with batch boundaries everywhere, through readers that return little at a time or fail
// part way.
func TestScanServersMatchesSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	known := map[string]bool{"a1": true, "a2": true}
	readErr := errors.New("disk on fire")
	for i := 0; i < 400; i++ {
		data := randomServersCSV(rng, rng.IntN(60), 0)
		for _, batch := range []int{1, 2 + rng.IntN(40), 4096, 0} {
			compareServerScans(t, data, known, batch, sameReader)
		}
		compareServerScans(t, data, nil, 1+rng.IntN(100), iotest.OneByteReader)
		cut := rng.IntN(len(data) + 1)
		compareServerScans(t, data, known, 1+rng.IntN(100), func(r io.Reader) io.Reader {
			return io.MultiReader(io.LimitReader(r, int64(cut)), iotest.ErrReader(readErr))
		})
	}
}

// A file of many batches, more than MaxErrorsPerFile errors and repeats across batches,
// and a long line, read in default batches on goroutines.
func TestScanServersMatchesSerialLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2))
	known := map[string]bool{"a1": true, "a2": true}
	data := randomServersCSV(rng, 40000, 39000) // quotes only in the last thousand lines
	if i := bytes.IndexByte(data, '"'); i < len(data)*9/10 {
		t.Fatalf("a quote at byte %d of %d: the batches end there", i, len(data))
	}
	long := "a1," + strings.Repeat("h", 100<<10) + ".example,443,https,other\n"
	withLong := append(slices.Clone(data[:len(data)/2]), "\n"+long...)
	withLong = append(withLong, data[len(data)/2:]...)
	for _, d := range [][]byte{data, withLong} {
		compareServerScans(t, d, known, 0, sameReader)
		compareServerScans(t, d, known, 1000, sameReader)
	}
}

// FuzzScanServersMatchesSerial: on any servers.csv and batch size, the parallel pass gives
// what the serial pass gives.
func FuzzScanServersMatchesSerial(f *testing.F) {
	rng := rand.New(rand.NewPCG(15, 3))
	for i := 0; i < 8; i++ {
		f.Add(randomServersCSV(rng, 20, 10), uint8(rng.IntN(64)))
	}
	f.Add([]byte(csvRefServers), uint8(1))
	f.Add([]byte(serversHeader+"a1,h,1,http,content\r\n\r\na2,\"h\n2\",1,http,content\na1,h,\"2\"x,http,content\n"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, batch uint8) {
		compareServerScans(t, data, map[string]bool{"a1": true, "a2": true}, int(batch), sameReader)
	})
}

// BenchmarkScanServersSmall: a small servers.csv costs the parallel pass no more than
// the serial one (it starts no goroutines for a file of one batch).
//
//	go test -run '^$' -bench ScanServersSmall ./datasets/
func BenchmarkScanServersSmall(b *testing.B) {
	for _, rows := range []int{1, 100, 10000} {
		var buf bytes.Buffer
		buf.WriteString(serversHeader)
		for i := 0; i < rows; i++ {
			fmt.Fprintf(&buf, "a%d,h%d.example,443,https,tracking\n", i/10, i)
		}
		data := buf.Bytes()
		for _, pass := range []struct {
			name string
			scan func(r io.Reader, file string, knownApps map[string]bool, rowsHint int, errs *fileErrors, fn func(line int, s *Server, endpoint int)) bool
		}{{"serial", scanServersSerial}, {"parallel", scanServers}} {
			b.Run(fmt.Sprintf("rows=%d/%s", rows, pass.name), func(b *testing.B) {
				for b.Loop() {
					var errs fileErrors
					n := 0
					pass.scan(bytes.NewReader(data), "servers.csv", nil, rows, &errs, func(int, *Server, int) { n++ })
					if n != rows || len(errs.errs) > 0 {
						b.Fatalf("%d rows, %v", n, errs.errs)
					}
				}
			})
		}
	}
}
