package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestRoundTripKeepsNullsAndKeys(t *testing.T) {
	r := Result{Target: "a.example:443", Host: "a.example", Port: 443, Source: SourceProbe}
	r.Protocols.Set(TLS12, true)
	r.Protocols.Set(SSLv3, false)
	r.Vulnerabilities.Heartbleed = Bool(false)
	var buf bytes.Buffer
	if err := NewWriter(&buf).Write(r); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"target", "host", "ip", "port", "sni", "started_at", "duration_ms", "source", "error",
		"protocols", "ciphers", "server_order", "modern_client", "certificate", "vulnerabilities", "http", "plain_http", "grade"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("key %q missing from %s", k, buf.String())
		}
	}
	protos := raw["protocols"].(map[string]any)
	if protos["TLS1_3"] != nil || protos["TLS1_2"] != true || protos["SSLv3"] != false {
		t.Errorf("protocols = %v, want TLS1_3 null, TLS1_2 true, SSLv3 false", protos)
	}
	var got []Result
	err := ReadJSONL(&buf, "x.jsonl", func(_ int, r Result) error { got = append(got, r); return nil })
	if err != nil || len(got) != 1 || !got[0].Protocols.Supported(TLS12) || got[0].Protocols.Get(TLS13) != nil {
		t.Fatalf("round trip: %v %+v", err, got)
	}
}

// TestTrustedReadsOldAndNull: a results.jsonl written before trusted could be null still
// reads (true and false as they were), null reads as unknown (nil), and each writes back
// as it was read.
func TestTrustedReadsOldAndNull(t *testing.T) {
	in := `{"target":"a:443","certificate":{"trusted":true}}
{"target":"b:443","certificate":{"trusted":false,"trust_error":"x509: certificate signed by unknown authority"}}
{"target":"c:443","certificate":{"trusted":null,"trust_error":"AIA: fetch http://10.0.0.1/ca.crt refused by the fetch policy (rule address)"}}
{"target":"d:443","certificate":{"subject":"CN=d"}}
`
	want := []string{"true", "false", "null", "null"}
	var got []string
	err := ReadJSONL(strings.NewReader(in), "x.jsonl", func(_ int, r Result) error {
		v := "null"
		if r.Certificate.Trusted != nil {
			v = strconv.FormatBool(*r.Certificate.Trusted)
		}
		got = append(got, v)
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(`"trusted":`+v)) {
			t.Errorf("%s: trusted %s written as %s", r.Target, v, b)
		}
		return nil
	})
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("trusted read as %q (%v), want %q", got, err, want)
	}
}

func TestReadJSONLErrorsNameLineAndField(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "{\"target\":\"a\"}\n\n{bad\n", "x.jsonl:3"},
		{"type", "{\"target\":\"a\",\"port\":\"443\"}\n", `x.jsonl:1: field "port"`},
		{"protocol key", "{\"modern_client\":{\"protocol\":\"TLS9\"}}\n", "x.jsonl:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ReadJSONL(strings.NewReader(tt.in), "x.jsonl", func(int, Result) error { return nil })
			var le *LineError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want LineError containing %q", err, tt.want)
			}
		})
	}
}

func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"target":"a:443","protocols":{"TLS1_2":true},"ciphers":[{"protocol":"TLS1_2","id":"0xc02f"}]}`))
	f.Add([]byte("{}\n{\"port\":1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = ReadJSONL(bytes.NewReader(b), "fuzz", func(int, Result) error { return nil })
	})
}

func TestWriterOnPipeDoesNotSync(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go io.Copy(io.Discard, r)
	if err := NewWriter(w).Write(Result{Target: "a:443"}); err != nil {
		t.Fatalf("write to a pipe: %v", err)
	}
	w.Close()
}
