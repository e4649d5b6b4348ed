package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// gradeInput has a well configured TLS 1.0–1.3 server (A+ under 2009n, B from 2009q on) with
// a stale grade and a key no struct knows, a failed endpoint and a blank line.
const gradeInput = `{"target":"a.test:443","host":"a.test","port":443,"error":null,"x_custom":{"keep":[1,2]},` +
	`"protocols":{"SSLv2":false,"SSLv3":false,"TLS1":true,"TLS1_1":true,"TLS1_2":true,"TLS1_3":true},` +
	`"ciphers":[{"protocol":"TLS1_2","id":"0xc02f","name":"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256","bits":128,"kx":"ECDHE","kx_bits":256,"forward_secrecy":true,"aead":true},` +
	`{"protocol":"TLS1_3","id":"0x1302","name":"TLS_AES_256_GCM_SHA384","bits":256,"kx":"ECDHE","kx_bits":253,"forward_secrecy":true,"aead":true}],` +
	`"modern_clients":[{"protocol":"TLS1_3","cipher":"TLS_AES_256_GCM_SHA384"}],` +
	`"certificate":{"key_alg":"RSA","key_bits":2048,"trusted":true,"hostname_match":true,"chain_complete":true,"sig_alg":"SHA256-RSA"},` +
	`"vulnerabilities":{"secure_renego":true,"fallback_SCSV":true},` +
	`"http":{"status":200,"hsts":{"present":true,"max_age":31536000}},` +
	`"grade":{"letter":"F","criteria":"old"},"after_grade":"kept"}
{"target":"b.test:443","error":{"kind":"connect","message":"refused"},"grade":null}

`

func runGrade(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"grade"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestGradeCommandRegrades(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "results.jsonl")
	if err := os.WriteFile(in, []byte(gradeInput), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ criteria, letter string }{{"2009n", "A+"}, {"2009q", "B"}, {"2009r", "B"}} {
		out := filepath.Join(dir, tc.criteria+".jsonl")
		code, _, stderr := runGrade(t, "--criteria", tc.criteria, in, "--out", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.criteria, code, stderr)
		}
		if !strings.Contains(stderr, "regraded 2 results under "+tc.criteria) || !strings.Contains(stderr, "1 could not be graded") {
			t.Errorf("%s: summary %q", tc.criteria, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines, want 2", tc.criteria, len(lines))
		}
		var first map[string]json.RawMessage
		if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
			t.Fatal(err)
		}
		var g struct{ Letter, Criteria string }
		if err := json.Unmarshal(first["grade"], &g); err != nil {
			t.Fatal(err)
		}
		if g.Letter != tc.letter || g.Criteria != tc.criteria {
			t.Errorf("%s: grade %+v, want letter %s", tc.criteria, g, tc.letter)
		}
		if string(first["x_custom"]) != `{"keep":[1,2]}` || string(first["after_grade"]) != `"kept"` {
			t.Errorf("%s: other fields changed: %s", tc.criteria, lines[0])
		}
		// Everything before the grade is byte-for-byte the input.
		prefix := gradeInput[:strings.Index(gradeInput, `"grade":`)]
		if !strings.HasPrefix(lines[0], prefix) {
			t.Errorf("%s: bytes before grade changed", tc.criteria)
		}
		if !strings.Contains(lines[1], `"grade":null`) {
			t.Errorf("%s: failed endpoint should keep grade null: %s", tc.criteria, lines[1])
		}
	}
}

func TestGradeCommandStdout(t *testing.T) {
	in := filepath.Join(t.TempDir(), "r.jsonl")
	os.WriteFile(in, []byte(gradeInput), 0o644)
	code, stdout, stderr := runGrade(t, in)
	if code != 0 || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, `"criteria":"2009r"`) {
		t.Errorf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

func TestGradeCommandErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	os.WriteFile(good, []byte(gradeInput), 0o644)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"target\":\"x\"}\n{\"target\":\"y\",\"port\":\"443\"}\n"), 0o644)
	trunc := filepath.Join(dir, "trunc.jsonl")
	os.WriteFile(trunc, []byte("{\"target\":\"x\"}\n\n{\"target\":\n"), 0o644)
	out := filepath.Join(dir, "out.jsonl")

	tests := []struct {
		name string
		args []string
		code int
		msg  []string
	}{
		{"unknown criteria", []string{"--criteria", "2009z", good}, 2, []string{"2009n, 2009q, 2009r"}},
		{"no file argument", []string{"--criteria", "2009n"}, 2, []string{"arg"}},
		{"wrong field type", []string{bad, "--out", out}, 1, []string{bad + ":2", `"port"`}},
		{"truncated line", []string{trunc}, 1, []string{trunc + ":3"}},
		{"missing file", []string{filepath.Join(dir, "none.jsonl")}, 1, []string{"none.jsonl"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runGrade(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (%s)", code, tc.code, stderr)
			}
			for _, m := range tc.msg {
				if !strings.Contains(stderr, m) {
					t.Errorf("stderr %q lacks %q", stderr, m)
				}
			}
			// Every error of grade's own says which command failed (cobra's argument
			// count error is main.go's), and a bad input line is not reported as a
			// failure to write --out.
			if tc.name != "no file argument" && (!strings.Contains(stderr, "grade: ") || strings.Contains(stderr, "write")) {
				t.Errorf("stderr %q: want a \"grade: \" prefix and no \"write\"", stderr)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
}

func TestReplaceKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,"grade":{"x":[1,{"y":"}"}]},"b":2}`, `{"a":1,"grade":null,"b":2}`},
		{`{"a":1, "grade" :  "s" }`, `{"a":1, "grade" :  null }`},
		{`{"a":1}`, `{"a":1,"grade":null}`},
		{`{}`, `{"grade":null}`},
		{`{"nested":{"grade":1}}`, `{"nested":{"grade":1},"grade":null}`},
	}
	for _, tc := range tests {
		got, err := result.ReplaceKey([]byte(tc.in), "grade", []byte("null"))
		if err != nil || string(got) != tc.want {
			t.Errorf("result.ReplaceKey(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{`[1]`, `"s"`, `{"a":`, ``} {
		if _, err := result.ReplaceKey([]byte(in), "grade", []byte("null")); err == nil {
			t.Errorf("result.ReplaceKey(%q) accepted a non-object", in)
		}
	}
}

func FuzzReplaceKey(f *testing.F) {
	f.Add([]byte(`{"a":1,"grade":{"letter":"A"},"b":[1,2]}`))
	f.Add([]byte(`{"grade":null}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"a":"\"grade\""}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := result.ReplaceKey(in, "grade", []byte(`{"letter":"B"}`))
		if err != nil {
			return
		}
		if !json.Valid(in) {
			return // garbage around a valid prefix is not our contract
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("output of a valid object is invalid: %s -> %s: %v", in, out, err)
		}
		if string(m["grade"]) != `{"letter":"B"}` {
			t.Fatalf("grade not replaced: %s -> %s", in, out)
		}
	})
}
