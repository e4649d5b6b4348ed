package datasets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// writeStudy writes the given files into a fresh folder and returns it.
func writeStudy(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	goodApps = "app_id,name,platform,availability,subcategory\n" +
		"a1,App One,android,international,fitness\n" +
		"a2,App Two,ios,de_only,diabetes\n"
	serversHeader = "app_id,host,port,scheme,category\n"
	goodResult    = `{"target":"api.one.example:443","host":"api.one.example","port":443,"source":"probe","error":null,"protocols":{"TLS1_2":true},"grade":{"letter":"A","score":90,"criteria":"2009r","trust_ignored":"A","caps":[],"warnings":[]}}`
)

func TestLoadStudy(t *testing.T) {
	st, err := LoadStudy("testdata/study")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Apps) != 4 || len(st.Servers) != 8 || len(st.Results) != 5 {
		t.Fatalf("loaded %d apps, %d servers, %d results; want 4, 8, 5", len(st.Apps), len(st.Servers), len(st.Results))
	}
	if a := st.Apps[0]; a.Name != "NA" || a.Extra["store_rank"] != "1" {
		t.Errorf("app 0 = %+v, want name NA and extra store_rank 1", a)
	}
	if a := st.Apps[2]; a.Platform != PlatformIOS {
		t.Errorf("platform iOS not normalized: %+v", a)
	}
	if a := st.Apps[3]; a.Name != "Heart, Rate" {
		t.Errorf("quoted name: %+v", a)
	}
	if s := st.Servers[4]; s.Host != "api.pills.example" || s.Port != 8443 || s.Extra["note"] != "upper case host" {
		t.Errorf("server 4 = %+v", s)
	}
	if s := st.Servers[3]; s.Scheme != SchemeHTTP || s.Port != 80 {
		t.Errorf("server 3 = %+v", s)
	}
	if r := st.Results[3]; r.Error == nil || r.Grade != nil {
		t.Errorf("result 3 should be an unassessed endpoint: %+v", r)
	}
}

func TestLoadStudyOptionalFiles(t *testing.T) {
	st, err := LoadStudy(writeStudy(t, map[string]string{"apps.csv": goodApps}))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Apps) != 2 || st.Servers != nil || st.Results != nil {
		t.Errorf("apps only: %+v", st)
	}
	_, err = LoadStudy(writeStudy(t, map[string]string{"servers.csv": serversHeader}))
	if err == nil || !strings.Contains(err.Error(), "apps.csv is required") {
		t.Errorf("no apps.csv: %v", err)
	}
}

// Each kind of bad input gives an error that names file, line and column; nothing loads.
func TestLoadStudyErrors(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		want   []string // substrings of the error, in order of appearance
		file   string   // of the first *InputError
		line   int
		column string
	}{
		{"unknown platform",
			map[string]string{"apps.csv": goodApps + "a3,App Three,windows,international,x\n"},
			[]string{`apps.csv:4: column "platform": expected one of android, ios, got "windows"`}, "apps.csv", 4, "platform"},
		{"unknown availability",
			map[string]string{"apps.csv": goodApps + "a3,App Three,ios,worldwide,x\n"},
			[]string{`apps.csv:4: column "availability": expected one of international, de_only, got "worldwide"`}, "apps.csv", 4, "availability"},
		{"duplicate app_id",
			map[string]string{"apps.csv": goodApps + "a1,Again,ios,de_only,x\n"},
			[]string{`apps.csv:4: column "app_id": expected a unique app id (also on line 2), got "a1"`}, "apps.csv", 4, "app_id"},
		{"empty app_id",
			map[string]string{"apps.csv": goodApps + ",Nameless,ios,de_only,x\n"},
			[]string{`apps.csv:4: column "app_id": expected a non-empty app id`}, "apps.csv", 4, "app_id"},
		{"missing required apps column",
			map[string]string{"apps.csv": "app_id,name,platform,subcategory\na1,A,ios,x\n"},
			[]string{`apps.csv:1: column "availability": expected a column named "availability"`}, "apps.csv", 1, "availability"},
		{"duplicate header",
			map[string]string{"apps.csv": "app_id,name,platform,availability,subcategory,name\n"},
			[]string{`apps.csv:1: column "name": expected a column name used once (also column 2)`}, "apps.csv", 1, "name"},
		{"empty apps.csv",
			map[string]string{"apps.csv": ""},
			[]string{`apps.csv:1: expected a header line: app_id,name,platform,availability,subcategory`}, "apps.csv", 1, ""},
		{"wrong field count",
			map[string]string{"apps.csv": goodApps + "a3,App Three,ios\n"},
			[]string{`apps.csv:4: expected 5 fields like the header, got "3 fields"`}, "apps.csv", 4, ""},
		{"CSV syntax",
			map[string]string{"apps.csv": goodApps + "a3,App \"Three\" x\",ios,de_only,x\n"},
			[]string{`apps.csv:4: expected valid CSV`}, "apps.csv", 4, ""},
		{"name NaN lost by gota",
			map[string]string{"apps.csv": goodApps + "a3,NaN,ios,de_only,x\n"},
			[]string{`apps.csv:4: column "name": expected a value other than "NaN"`}, "apps.csv", 4, "name"},
		{"bad port",
			map[string]string{"apps.csv": goodApps, "servers.csv": serversHeader + "a1,api.one.example,443,https,functional\na1,api.one.example,http,https,functional\n"},
			[]string{`servers.csv:3: column "port": expected a port 1-65535, got "http"`}, "servers.csv", 3, "port"},
		{"port out of range",
			map[string]string{"apps.csv": goodApps, "servers.csv": serversHeader + "a1,api.one.example,70000,https,functional\n"},
			[]string{`servers.csv:2: column "port": expected a port 1-65535, got "70000"`}, "servers.csv", 2, "port"},
		{"unknown category",
			map[string]string{"apps.csv": goodApps, "servers.csv": serversHeader + "a1,api.one.example,443,https,backend\n"},
			[]string{`servers.csv:2: column "category": expected one of functional, advertising, tracking, content, other, disregarded, got "backend"`}, "servers.csv", 2, "category"},
		{"unknown scheme",
			map[string]string{"apps.csv": goodApps, "servers.csv": serversHeader + "a1,api.one.example,21,ftp,functional\n"},
			[]string{`servers.csv:2: column "scheme": expected one of https, http, got "ftp"`}, "servers.csv", 2, "scheme"},
		{"server of unknown app",
			map[string]string{"apps.csv": goodApps, "servers.csv": serversHeader + "a9,api.one.example,443,https,functional\n"},
			[]string{`servers.csv:2: column "app_id": expected an app_id listed in apps.csv, got "a9"`}, "servers.csv", 2, "app_id"},
		{"host with scheme",
			map[string]string{"apps.csv": goodApps, "servers.csv": serversHeader + "a1,https://api.one.example,443,https,functional\n"},
			[]string{`servers.csv:2: column "host": expected a host name or IP address, got "https://api.one.example"`}, "servers.csv", 2, "host"},
		{"duplicate server row",
			map[string]string{"apps.csv": goodApps, "servers.csv": serversHeader + "a1,api.one.example,443,https,functional\na1,API.one.example,443,https,tracking\n"},
			[]string{`servers.csv:3: column "host": expected one row per app_id, host, port and scheme (same as line 2)`}, "servers.csv", 3, "host"},
		{"missing required servers column",
			map[string]string{"apps.csv": goodApps, "servers.csv": "app_id,host,scheme,category\na1,x.example,https,functional\n"},
			[]string{`servers.csv:1: column "port": expected a column named "port"`}, "servers.csv", 1, "port"},
		{"malformed JSON line",
			map[string]string{"apps.csv": goodApps, "results.jsonl": goodResult + "\n{\"host\": \"x.example\",\n"},
			[]string{`results.jsonl:2: expected one probe result JSON object per line, got "{\"host\": \"x.example\","`}, "results.jsonl", 2, ""},
		{"JSON of the wrong type",
			map[string]string{"apps.csv": goodApps, "results.jsonl": "\n" + `{"host":"x.example","port":"443"}` + "\n"},
			[]string{`results.jsonl:2: column "port": expected one probe result JSON object per line`, "expected int, got JSON string"}, "results.jsonl", 2, "port"},
		{"unknown grade letter",
			map[string]string{"apps.csv": goodApps, "results.jsonl": strings.Replace(goodResult, `"letter":"A"`, `"letter":"A−"`, 1) + "\n"},
			[]string{`results.jsonl:1: column "grade.letter": expected one of A+, A, A-, B, C, D, E, F, T, M, got "A−"`}, "results.jsonl", 1, "grade.letter"},
		{"result without port",
			map[string]string{"apps.csv": goodApps, "results.jsonl": `{"host":"x.example"}` + "\n"},
			[]string{`results.jsonl:1: column "port": expected a port 1-65535, got "0"`}, "results.jsonl", 1, "port"},
		{"errors in several files and lines",
			map[string]string{
				"apps.csv":      goodApps + "a3,App Three,windows,everywhere,x\n",
				"servers.csv":   serversHeader + "a1,h.example,0,https,functional\na2,h.example,443,gopher,functional\n",
				"results.jsonl": "not json\n" + goodResult + "\n[]\n",
			},
			[]string{
				"6 input errors",
				`apps.csv:4: column "platform"`, `apps.csv:4: column "availability"`,
				`servers.csv:2: column "port"`, `servers.csv:3: column "scheme"`,
				`results.jsonl:1: expected one probe result`, `results.jsonl:3: expected one probe result`,
			}, "apps.csv", 4, "platform"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := LoadStudy(writeStudy(t, tt.files))
			if err == nil {
				t.Fatal("no error")
			}
			if st != nil {
				t.Error("a Study was returned with the error")
			}
			msg := err.Error()
			rest := msg
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("error\n%s\ndoes not contain (in order)\n%s", msg, w)
				}
				rest = rest[i+len(w):]
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("no *InputError in %T", err)
			}
			if filepath.Base(ie.File) != tt.file || ie.Line != tt.line || ie.Column != tt.column {
				t.Errorf("first InputError at %s:%d column %q, want %s:%d column %q", ie.File, ie.Line, ie.Column, tt.file, tt.line, tt.column)
			}
		})
	}
}

// An error-free row elsewhere does not hide the errors; more than MaxErrorsPerFile are
// counted, not listed.
func TestLoadStudyErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(goodApps)
	for i := 0; i < MaxErrorsPerFile+7; i++ {
		fmt.Fprintf(&b, "b%d,App,blackberry,international,x\n", i)
	}
	_, err := LoadStudy(writeStudy(t, map[string]string{"apps.csv": b.String()}))
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %v", err)
	}
	if len(le.Errors) != MaxErrorsPerFile {
		t.Errorf("%d errors listed, want %d", len(le.Errors), MaxErrorsPerFile)
	}
	if !strings.Contains(err.Error(), "apps.csv: 7 more errors not listed") {
		t.Errorf("omitted errors not reported:\n%s", err)
	}
	if le.Errors[MaxErrorsPerFile-1].Line != MaxErrorsPerFile+3 {
		t.Errorf("last listed error on line %d", le.Errors[MaxErrorsPerFile-1].Line)
	}
}

func TestLoadStudyBOMAndCase(t *testing.T) {
	apps := "\ufeffApp_ID, Name ,PLATFORM,availability,subcategory\na1,X,Android, International ,y\n"
	st, err := LoadStudy(writeStudy(t, map[string]string{"apps.csv": apps}))
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Apps[0]; a.ID != "a1" || a.Platform != PlatformAndroid || a.Availability != AvailabilityInternational {
		t.Errorf("app = %+v", a)
	}
}

func TestInputErrorMessage(t *testing.T) {
	tests := []struct {
		e    InputError
		want string
	}{
		{InputError{File: "servers.csv", Line: 14, Column: "port", Expected: "a port 1-65535", Got: "http"},
			`servers.csv:14: column "port": expected a port 1-65535, got "http"`},
		{InputError{File: "apps.csv", Line: 3, Expected: "5 fields", Got: "3 fields"},
			`apps.csv:3: expected 5 fields, got "3 fields"`},
		{InputError{File: "r.jsonl", Line: 2, Column: "port", Err: errors.New("boom")},
			`r.jsonl:2: column "port": boom`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %s\nwant %s", got, tt.want)
		}
	}
}

// ReadResults resumes after each bad line, including one too long to scan, and numbers
// every error by its line in the file.
func TestReadResultsResumes(t *testing.T) {
	long := `{"host":"` + strings.Repeat("x", result.MaxLineBytes) + `"}`
	input := strings.Join([]string{goodResult, "oops", goodResult, long, "", "[]", goodResult, `{"host":"h","port":99999}`}, "\n")
	_, err := ReadResults(strings.NewReader(input), "r.jsonl")
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %v", err)
	}
	want := []struct {
		line int
		got  string
	}{{2, "oops"}, {4, `{"host":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…`}, {6, "[]"}, {8, "99999"}}
	if len(le.Errors) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(le.Errors), len(want), err)
	}
	for i, w := range want {
		if e := le.Errors[i]; e.Line != w.line || e.Got != w.got {
			t.Errorf("error %d at line %d got %q, want line %d got %q", i, e.Line, e.Got, w.line, w.got)
		}
	}
	res, err := ReadResults(strings.NewReader(goodResult+"\n\n"+goodResult), "r.jsonl")
	if err != nil || len(res) != 2 {
		t.Errorf("two good lines: %d results, %v", len(res), err)
	}
}

// Spreadsheets in German and other locales save "CSV" with semicolons; some write tabs.
// testdata/study-semicolon and study-tab are the sample study saved so by LibreOffice Calc
// (make-locale-csv.sh); each reads as the comma files do.
func TestLoadStudySeparators(t *testing.T) {
	want, err := LoadStudy(filepath.Join("sample"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"study-semicolon", "study-tab"} {
		got, err := LoadStudy(filepath.Join("testdata", dir))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		if len(got.Apps) == 0 || !reflect.DeepEqual(got.Apps, want.Apps) || !reflect.DeepEqual(got.Servers, want.Servers) {
			t.Errorf("%s: study differs from the comma files'", dir)
		}
	}
}

// Errors are listed in line order, whichever check found them.
func TestLoadStudyErrorsInLineOrder(t *testing.T) {
	apps := strings.ReplaceAll(goodApps+"a3;App Three;windows;international;x\na4;Four\na5;Five;ios;de_only;NaN\n", ",", ";")
	_, err := LoadStudy(writeStudy(t, map[string]string{"apps.csv": apps}))
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v", err)
	}
	var lines []int
	for _, e := range le.Errors {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, []int{4, 5, 6}) {
		t.Errorf("error lines %v, want 4, 5, 6:\n%v", lines, err)
	}
}
