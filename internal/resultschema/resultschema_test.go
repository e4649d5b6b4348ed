package resultschema

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/docs"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// TestCommittedResults: the sample study's results follow the schema. (The loader's test
// inputs under datasets/testdata are abbreviated on purpose and are not checked; the lab
// test checks a whole fleet's real probe output.)
func TestCommittedResults(t *testing.T) {
	for _, p := range []string{"../../datasets/sample/results.jsonl"} {
		if n := CheckFile(t, p); n == 0 {
			t.Errorf("%s: no lines checked", p)
		}
	}
}

// TestSchemaRejects: the schema is not vacuous; each broken line is refused.
func TestSchemaRejects(t *testing.T) {
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	good, err := json.Marshal(result.Result{Target: "a.example:443", Host: "a.example", Port: 443, Source: "probe"})
	if err != nil {
		t.Fatal(err)
	}
	if err := Line(s, good); err != nil {
		t.Fatalf("a minimal result is refused: %v\n%s", err, good)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"no target", `"target":"a.example:443",`, ``},
		{"port out of range", `"port":443`, `"port":70000`},
		{"protocol not a bool", `"protocols":{"SSLv2":null`, `"protocols":{"SSLv2":"yes"`},
		{"unknown error kind", `"error":null`, `"error":{"kind":"boom","message":""}`},
		{"unknown grade letter", `"grade":null`, `"grade":{"letter":"Z","score":1,"protocol":1,"key_exchange":1,"cipher":1,"criteria":"2009r","trust_ignored":"","caps":[],"warnings":[]}`},
		{"vulnerability not a bool", `"heartbleed":null`, `"heartbleed":"no"`},
		{"drown_same_key not a list", `"drown_same_key":null`, `"drown_same_key":"a.example:443"`},
		{"sslv2 certificate not hex", `"grade":null`, `"grade":null,"sslv2_certificate":{"sha256":"AB"}`},
	} {
		bad := strings.Replace(string(good), tc.from, tc.to, 1)
		if bad == string(good) {
			t.Fatalf("%s: %q not in %s", tc.name, tc.from, good)
		}
		if err := Line(s, []byte(bad)); err == nil {
			t.Errorf("%s: accepted %s", tc.name, bad)
		}
	}
}

// TestSchemaGradeLetters: the schema's letters are the one vocabulary of result.GradeLetters.
func TestSchemaGradeLetters(t *testing.T) {
	var doc struct {
		Defs struct {
			Grade struct {
				Properties struct {
					Letter struct {
						Enum []string `json:"enum"`
					} `json:"letter"`
				} `json:"properties"`
			} `json:"grade"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(docs.ResultSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Defs.Grade.Properties.Letter.Enum; !slices.Equal(got, result.GradeLetters()) {
		t.Errorf("schema grade letters %q, want %q", got, result.GradeLetters())
	}
}
