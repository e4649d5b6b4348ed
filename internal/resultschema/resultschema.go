// Package resultschema validates result lines against docs/result.schema.json in tests, so
// that the published schema and what the probe and importers write cannot drift apart.
package resultschema

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/mhealthsec/mhealthsec/docs"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Compile returns the compiled result schema.
func Compile() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.ResultSchema()))
	if err != nil {
		return nil, fmt.Errorf("docs/result.schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://github.com/mhealthsec/mhealthsec/docs/result.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// Line validates one JSON line; the error names what is wrong and where.
func Line(s *jsonschema.Schema, line []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// CheckFile fails t for every non-blank line of a JSONL file that the schema rejects, and
// returns how many lines it checked.
func CheckFile(t testing.TB, path string) int {
	t.Helper()
	s, err := Compile()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n, line := 0, 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		n++
		if err := Line(s, sc.Bytes()); err != nil {
			t.Errorf("%s:%d does not follow docs/result.schema.json: %v", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}
