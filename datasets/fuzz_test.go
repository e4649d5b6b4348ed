package datasets

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// checkLoadError asserts the shape every loader error must have: a *LoadError whose input
// errors name the file and a line.
func checkLoadError(t *testing.T, err error, file string) {
	t.Helper()
	var le *LoadError
	if !errors.As(err, &le) || len(le.Errors) == 0 {
		t.Fatalf("error %v (%T) is not a *LoadError with input errors", err, err)
	}
	for _, ie := range le.Errors {
		if ie.File != file || ie.Line < 1 {
			t.Fatalf("input error without file or line: %+v", ie)
		}
	}
}

func seedFile(f *testing.F, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

// FuzzLoadApps: ReadApps never panics; what it accepts is valid and survives
// WriteAppsCSV → ReadApps unchanged.
func FuzzLoadApps(f *testing.F) {
	seedFile(f, "testdata/study/apps.csv")
	for _, s := range []string{
		goodApps,
		"",
		"app_id,name,platform,availability,subcategory\n",
		"\ufeffapp_id,name,platform,availability,subcategory\r\na,\"x\"\"y\",IOS,De_Only,\"multi\nline\"\r\n",
		goodApps + "a1,dup,ios,de_only,x\n",
		goodApps + "a3,NaN,ios,de_only,x\n",
		"app_id,name,platform,availability,subcategory,,\na,b,ios,de_only,x,,\n",
		"app_id,name\n\"unterminated\n",
		"app_id,name,platform,availability,subcategory,extra\na,b,android,international,c,d\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		apps, err := ReadApps(bytes.NewReader(data), "apps.csv")
		if err != nil {
			checkLoadError(t, err, "apps.csv")
			if apps != nil {
				t.Fatal("apps returned with an error")
			}
			return
		}
		ids := make(map[string]bool)
		for _, a := range apps {
			if a.ID == "" || ids[a.ID] || (a.Platform != PlatformAndroid && a.Platform != PlatformIOS) ||
				(a.Availability != AvailabilityInternational && a.Availability != AvailabilityGermanOnly) {
				t.Fatalf("accepted an invalid app %+v", a)
			}
			ids[a.ID] = true
		}
		var buf bytes.Buffer
		if err := WriteAppsCSV(&buf, apps); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		back, err := ReadApps(bytes.NewReader(buf.Bytes()), "apps.csv")
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%q", err, buf.String())
		}
		byID := make(map[string]App, len(apps))
		for _, a := range apps {
			byID[a.ID] = a
		}
		if len(back) != len(apps) {
			t.Fatalf("%d apps back from %d", len(back), len(apps))
		}
		for _, b := range back {
			if a := byID[b.ID]; !sameApp(a, b) {
				t.Fatalf("round trip changed %+v into %+v", a, b)
			}
		}
	})
}

func sameApp(a, b App) bool {
	if len(a.Extra) == 0 && len(b.Extra) == 0 {
		a.Extra, b.Extra = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// FuzzLoadServers: ReadServers never panics; what it accepts is valid and survives
// WriteServersCSV → ReadServers unchanged.
func FuzzLoadServers(f *testing.F) {
	seedFile(f, "testdata/study/servers.csv")
	for _, s := range []string{
		serversHeader + "a1,api.one.example,443,https,functional\n",
		serversHeader + "a1,api.one.example,http,https,functional\n",
		serversHeader + "a1,[::1],8443,HTTPS,Tracking\n",
		serversHeader + "a1,example.org.,443,https,content\na1,EXAMPLE.org,443,https,content\n",
		serversHeader + "a1,a..b,443,https,content\n",
		serversHeader + "a1,h,0,https,other\na1,h,65536,http,other\n",
		"app_id,host,port,scheme,category,note\na1,h,1,http,disregarded,\"x\ry\"\n",
		"host,port\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		servers, err := ReadServers(bytes.NewReader(data), "servers.csv", nil)
		if err != nil {
			checkLoadError(t, err, "servers.csv")
			return
		}
		for _, s := range servers {
			if s.AppID == "" || s.Host == "" || s.Port < 1 || s.Port > 65535 || strings.ToLower(s.Host) != s.Host {
				t.Fatalf("accepted an invalid server %+v", s)
			}
		}
		var buf bytes.Buffer
		if err := WriteServersCSV(&buf, servers); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		back, err := ReadServers(bytes.NewReader(buf.Bytes()), "servers.csv", nil)
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%q", err, buf.String())
		}
		if len(back) != len(servers) {
			t.Fatalf("%d servers back from %d", len(back), len(servers))
		}
		type key struct {
			app, host, scheme string
			port              int
		}
		byKey := make(map[key]Server)
		for _, s := range servers {
			byKey[key{s.AppID, s.Host, s.Scheme, s.Port}] = s
		}
		for _, b := range back {
			a := byKey[key{b.AppID, b.Host, b.Scheme, b.Port}]
			if len(a.Extra) == 0 && len(b.Extra) == 0 {
				a.Extra, b.Extra = nil, nil
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("round trip changed %+v into %+v", a, b)
			}
		}
	})
}

// seedResults seeds a fuzz target of results.jsonl readers: the study's file, a good line,
// lines that are not JSON or not results, blank lines and CRLF endings.
func seedResults(f *testing.F) {
	seedFile(f, "testdata/study/results.jsonl")
	for _, s := range []string{
		goodResult + "\n",
		"not json\n" + goodResult + "\n[]\n",
		`{"host":"x","port":443,"protocols":{"TLS9":true}}`,
		`{"host":"x","port":443,"grade":{"letter":"Z"}}` + "\n\n\n",
		"\n\n{\n",
		"\r\n \r\n" + goodResult + "\r",
	} {
		f.Add([]byte(s))
	}
}

// FuzzReadResults: ReadResults never panics and reports every bad line with its number.
func FuzzReadResults(f *testing.F) {
	seedResults(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ReadResults(bytes.NewReader(data), "results.jsonl")
		if err != nil {
			checkLoadError(t, err, "results.jsonl")
			var le *LoadError
			errors.As(err, &le)
			lines := bytes.Count(data, []byte{'\n'}) + 1
			for _, ie := range le.Errors {
				if ie.Line > lines {
					t.Fatalf("error on line %d of %d", ie.Line, lines)
				}
			}
			return
		}
		st := &Study{Results: res}
		if df := st.ResultsFrame(); df.Err == nil && df.Nrow() != len(res) {
			t.Fatalf("frame has %d rows for %d results", df.Nrow(), len(res))
		}
	})
}
