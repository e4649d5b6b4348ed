package datasets

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The CSV readers hand each row to their caller instead of collecting rows with a map of
// cells each. The readers they replaced are kept here as the reference: on any input the
// new ones must give the same rows and the same errors in the same order. A test oracle
// kept on purpose, so its loop repeats csvload.go's readCSV line for line.

// oldCSVRow is one data row with its line number and cells by column name.
type oldCSVRow struct {
	line  int
	cells map[string]string
	extra map[string]string
}

// readCSVOld reads a study CSV file: a header naming at least the required columns, then rows
// of the same width. Columns outside defined go to the row's extra. A CSV syntax error
// stops the read (what follows it cannot be trusted); other problems are collected.
func readCSVOld(r io.Reader, file string, defined []string, errs *fileErrors) []oldCSVRow {
	cr := newStudyCSVReader(r, defined)
	cr.FieldsPerRecord = -1
	isDefined := make(map[string]bool, len(defined))
	for _, d := range defined {
		isDefined[d] = true
	}
	var header []string
	var rows []oldCSVRow
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
		row := oldCSVRow{line: line, cells: make(map[string]string, len(defined))}
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

// readAppsOld returns the valid apps and the ids of every row, valid or not, so servers.csv
// is not blamed for an app whose row was bad in another column.
func readAppsOld(r io.Reader, file string, errs *fileErrors) ([]App, map[string]bool) {
	rows := readCSVOld(r, file, AppColumns(), errs)
	// Row errors are merged with the CSV errors in line order at the end, as the readers do.
	csvErrs, errs := errs, &fileErrors{}
	defer csvErrs.mergeByLine(errs)
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

func readServersOld(r io.Reader, file string, knownApps map[string]bool, errs *fileErrors) []Server {
	rows := readCSVOld(r, file, ServerColumns(), errs)
	// Row errors are merged with the CSV errors in line order at the end, as the readers do.
	csvErrs, errs := errs, &fileErrors{}
	defer csvErrs.mergeByLine(errs)
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

func compareCSVReaders(t *testing.T, apps, servers []byte) {
	t.Helper()
	var wantErrs, gotErrs fileErrors
	wantApps, wantIDs := readAppsOld(bytes.NewReader(apps), "apps.csv", &wantErrs)
	gotApps, gotIDs := readApps(bytes.NewReader(apps), "apps.csv", &gotErrs)
	if !reflect.DeepEqual(gotApps, wantApps) || !reflect.DeepEqual(gotIDs, wantIDs) {
		t.Fatalf("apps differ:\ngot  %+v %v\nwant %+v %v", gotApps, gotIDs, wantApps, wantIDs)
	}
	wantServers := readServersOld(bytes.NewReader(servers), "servers.csv", wantIDs, &wantErrs)
	gotServers := readServers(bytes.NewReader(servers), "servers.csv", gotIDs, bytes.Count(servers, []byte{'\n'}), &gotErrs)
	if !reflect.DeepEqual(gotServers, wantServers) {
		t.Fatalf("servers differ:\ngot  %+v\nwant %+v", gotServers, wantServers)
	}
	if g, w := fmt.Sprint(gotErrs.errs), fmt.Sprint(wantErrs.errs); g != w || gotErrs.omitted != wantErrs.omitted {
		t.Fatalf("errors differ:\ngot  %s (+%d)\nwant %s (+%d)", g, gotErrs.omitted, w, wantErrs.omitted)
	}
}

const csvRefServers = serversHeader +
	"a1,api.one.example,443,https,functional\n" +
	"a1,API.one.example,443,HTTPS,functional\n" +
	"a2,x.example,0,https,tracking\n" +
	"a3,y.example,443,gopher,other\n" +
	"a1,z.example,443\n" +
	",w.example,443,https,content\n"

func TestCSVReadersMatchReference(t *testing.T) {
	var many strings.Builder
	many.WriteString(goodApps)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&many, "b%d,App,blackberry,international,x\n", i)
		if i%9 == 0 {
			many.WriteString("short,row\n")
		}
	}
	tests := []struct{ name, apps, servers string }{
		{"good", goodApps, csvRefServers},
		{"extra columns", "app_id,name,platform,availability,subcategory,rank\na1,A,android,international,x,NaN\na1,B,ios,de_only,y,2\n",
			"app_id,host,port,scheme,category,note\na1,h.example,443,https,functional,NaN\na1,h.example,443,https,functional,x\n"},
		{"syntax error after bad rows", goodApps + "a3,X,palm,international,y\na4,\"open", csvRefServers + "a1,\"bad\"x,443,https,other\n"},
		{"bad header", "app_id,name,name\n", "app_id,host\nx,y\n"},
		{"empty", "", ""},
		{"row errors and field counts past the cap", many.String(), csvRefServers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { compareCSVReaders(t, []byte(tt.apps), []byte(tt.servers)) })
	}
}

// FuzzCSVReadersMatchReference: on any apps.csv and servers.csv the readers give what
// the reference readers give.
func FuzzCSVReadersMatchReference(f *testing.F) {
	f.Add([]byte(goodApps), []byte(csvRefServers))
	f.Add([]byte("\ufeffApp_ID, Name ,PLATFORM,availability,subcategory\na1,X,Android, International ,y\n"), []byte(serversHeader+"a1,[::1],443,https,other\n"))
	f.Add([]byte(goodApps+"a1,\"x"), []byte(serversHeader+"a2,h,1,http,content\n\"\n"))
	f.Add([]byte(strings.ReplaceAll(goodApps, ",", ";")), []byte(strings.ReplaceAll(csvRefServers, ",", "\t")))
	// Quotes after quote-free lines (the fast path hands over mid-file), and line ends.
	f.Add([]byte(goodApps), []byte(serversHeader+"a1,h,1,http,content\r\n\r\na2,\"h\n2\",1,http,content\na1,h,\"2\"x,http,content\n"))
	f.Add([]byte("app_id,name,platform,availability,subcategory\r\na1,X\r,android,international,y\r\r\n\n\r"), []byte(serversHeader+"a1,h,1,http,content\r"))
	f.Fuzz(func(t *testing.T, apps, servers []byte) { compareCSVReaders(t, apps, servers) })
}

// Rows differing in any one of app, host, port and scheme are kept apart, and a repeat
// is found with the line of its first row.
func TestServerSetRepeats(t *testing.T) {
	d := newServerSet(0, 0)
	a := Server{AppID: "a1", Host: "one.example", Port: 443, Scheme: SchemeHTTPS}
	steps := []struct {
		s                    Server
		line, want, endpoint int
	}{
		{a, 2, 0, 0},
		{Server{AppID: "a2", Host: "one.example", Port: 443, Scheme: SchemeHTTPS}, 3, 0, 0},
		{Server{AppID: "a1", Host: "two.example", Port: 443, Scheme: SchemeHTTPS}, 4, 0, 1},
		{Server{AppID: "a1", Host: "one.example", Port: 8443, Scheme: SchemeHTTPS}, 5, 0, 2},
		{Server{AppID: "a1", Host: "one.example", Port: 443, Scheme: SchemeHTTP}, 6, 0, 3},
		{a, 7, 2, 0},
		{Server{AppID: "a2", Host: "one.example", Port: 443, Scheme: SchemeHTTPS}, 8, 3, 0},
		{Server{AppID: "a1", Host: "one.example", Port: 443, Scheme: SchemeHTTP}, 9, 6, 3},
	}
	for _, st := range steps {
		got, ep := d.add(&st.s, st.line)
		if got != st.want || ep != st.endpoint {
			t.Errorf("line %d (%+v): repeat of line %d, endpoint %d; want %d, %d", st.line, st.s, got, ep, st.want, st.endpoint)
		}
	}
}

// Endpoints that differ only in port or scheme, or whose hashes collide, keep their own
// numbers (hostindex tests the index itself).
func TestEndpointTableCollisions(t *testing.T) {
	tab := newEndpointTable(0)
	eps := []serverEndpoint{{"one.example", 443, true}, {"one.example", 443, false}, {"two.example", 443, true},
		{"one.example", 8443, true}, {"one.exampl", 443, true}, {"one.example", 221, true}}
	for _, h := range []func(serverEndpoint) uint64{tab.hash, func(serverEndpoint) uint64 { return 0x1234_5678_9abc_def0 }} {
		tab = newEndpointTable(0)
		for i, e := range eps {
			if n := tab.numberHashed(e, h(e)); n != uint32(i) {
				t.Fatalf("%+v numbered %d, want %d", e, n, i)
			}
		}
		for i, e := range eps {
			if n := tab.numberHashed(e, h(e)); n != uint32(i) {
				t.Errorf("%+v again: %d, want %d", e, n, i)
			}
		}
	}
}

// The endpoint table numbers as a map from endpoint to number does, on random endpoints
// and real hashes, across growth of its index.
func TestEndpointTableMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	tab := newEndpointTable(0)
	want := map[serverEndpoint]uint32{}
	for i := 0; i < 20000; i++ {
		e := serverEndpoint{fmt.Sprintf("h%d.example", rng.IntN(5000)), uint16(1 + rng.IntN(3)), rng.IntN(2) == 0}
		n, ok := want[e]
		if !ok {
			n = uint32(len(want))
			want[e] = n
		}
		if got := tab.number(e); got != n {
			t.Fatalf("step %d: %+v numbered %d, want %d", i, e, got, n)
		}
	}
}

// FuzzPlainHost: a host plainHost lets through is one normalizeAnyHost returns unchanged
// and accepts, so normalizeHost's shortcut changes no result.
func FuzzPlainHost(f *testing.F) {
	for _, h := range []string{"api.example.org", "a..b", ".a", "a.", "A.example", " a", "x_y-1.z", "[::1]", "a:1", "", "ä.example"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if !plainHost(h) {
			return
		}
		if got, err := normalizeAnyHost(h); got != h || err != nil {
			t.Errorf("plainHost(%q) but normalizeAnyHost gives %q, %v", h, got, err)
		}
	})
}

// plainHost takes the hosts that need no work and only those.
func TestPlainHost(t *testing.T) {
	tests := []struct {
		host  string
		plain bool
	}{
		{"api.example.org", true}, {"x_y-1.z9", true}, {"a", true},
		{"", false}, {".a", false}, {"a.", false}, {"a..b", false}, {"A.example", false},
		{" a", false}, {"a:1", false}, {"[::1]", false}, {"ä.example", false}, {"a/b", false},
	}
	for _, tt := range tests {
		if got := plainHost(tt.host); got != tt.plain {
			t.Errorf("plainHost(%q) = %v, want %v", tt.host, got, tt.plain)
		}
	}
}
