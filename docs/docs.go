// Package docs holds the project's reference documents (docs/*.md) and the JSON Schema of
// one probe result line, embedded so that programs and tests can validate results with it.
package docs

import _ "embed"

//go:embed result.schema.json
var resultSchema []byte

// ResultSchema returns the JSON Schema (draft 2020-12) of one line of results.jsonl, as
// written by `mhealthsec probe`, `import` and `grade`.
func ResultSchema() []byte { return append([]byte(nil), resultSchema...) }
