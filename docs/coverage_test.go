package docs_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/docs"
)

// TestCoverageFields keeps docs/coverage.md honest about mhealthsec: every comparison row
// opens each tool's cell with yes, partial or no, a yes or partial mhealthsec cell names the
// result field it comes from, and every field it names is in docs/result.schema.json or,
// where the schema leaves an object open (vulnerability ids, http), documented in
// docs/result-format.md.
func TestCoverageFields(t *testing.T) {
	coverage, err := os.ReadFile("coverage.md")
	if err != nil {
		t.Fatal(err)
	}
	format, err := os.ReadFile("result-format.md")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(docs.ResultSchema(), &schema); err != nil {
		t.Fatal(err)
	}
	verdict := regexp.MustCompile(`^(yes|partial|no)\b`)
	field := regexp.MustCompile("`([^`]+)`")
	rows := 0
	for i, line := range strings.Split(string(coverage), "\n") {
		if strings.HasPrefix(line, "## For studies") {
			break // the study table names commands, not fields
		}
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "| ") || len(cells) != 6 || cells[1] == " check " {
			continue
		}
		rows++
		for j, tool := range []string{"mhealthsec", "testssl.sh", "SSL Labs"} {
			if !verdict.MatchString(strings.TrimSpace(cells[j+2])) {
				t.Errorf("coverage.md:%d: %s cell does not start with yes, partial or no: %q", i+1, tool, cells[j+2])
			}
		}
		ours := strings.TrimSpace(cells[2])
		names := field.FindAllStringSubmatch(ours, -1)
		if !strings.HasPrefix(ours, "no") && len(names) == 0 {
			t.Errorf("coverage.md:%d: mhealthsec says %q but names no result field", i+1, ours)
		}
		for _, m := range names {
			if why := resolve(schema, schema, strings.Split(m[1], "."), format); why != "" {
				t.Errorf("coverage.md:%d: result field %s: %s", i+1, m[1], why)
			}
		}
	}
	if rows < 40 {
		t.Errorf("coverage.md: %d comparison rows read, want at least 40 (table format changed?)", rows)
	}
}

// resolve follows path through the schema node (properties, $ref, oneOf/anyOf, items for a
// "name[]" segment) and returns why it does not exist, or "".
func resolve(root, node map[string]any, path []string, format []byte) string {
	if len(path) == 0 {
		return ""
	}
	if ref, ok := node["$ref"].(string); ok {
		def, ok := lookup(root, ref)
		if !ok {
			return "schema reference " + ref + " not found"
		}
		return resolve(root, def, path, format)
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if branches, ok := node[key].([]any); ok {
			why := "not in any branch of " + key
			for _, b := range branches {
				if bm, ok := b.(map[string]any); ok {
					if w := resolve(root, bm, path, format); w == "" {
						return ""
					} else if bm["type"] != "null" {
						why = w
					}
				}
			}
			return why
		}
	}
	name, array := strings.CutSuffix(path[0], "[]")
	props, _ := node["properties"].(map[string]any)
	next, ok := props[name].(map[string]any)
	if !ok {
		if extra, set := node["additionalProperties"]; set && extra == false || node["type"] != "object" && props == nil {
			return "not in the schema"
		}
		// An open object: the key must be documented.
		if !regexp.MustCompile("`[^`]*\\b" + regexp.QuoteMeta(name) + "\\b[^`]*`").Match(format) {
			return "not in the schema and not documented in result-format.md"
		}
		return ""
	}
	if array {
		items, ok := next["items"].(map[string]any)
		if !ok {
			return name + " is not an array in the schema"
		}
		next = items
	}
	return resolve(root, next, path[1:], format)
}

// lookup finds a "#/$defs/name" reference.
func lookup(root map[string]any, ref string) (map[string]any, bool) {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil, false
	}
	defs, _ := root["$defs"].(map[string]any)
	def, ok := defs[name].(map[string]any)
	return def, ok
}
