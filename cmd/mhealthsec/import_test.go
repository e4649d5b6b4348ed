package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportExitCodes: a wrong call is a usage error (2); a file that is not what it should
// be is a failure (1) naming the file; a good file gives one result line per endpoint.
func TestImportExitCodes(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte("{"), 0o644)
	good := filepath.Join("..", "..", "datasets", "importer", "testdata", "testssl-3.2-handwritten.json")
	labs := filepath.Join("..", "..", "datasets", "importer", "testdata", "ssllabs-v3-handwritten.json")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "nessus", good}, 2, "unknown format"},
		{[]string{"import", "testssl"}, 2, "arg"},
		{[]string{"import", "testssl", broken}, 1, "broken.json"},
		{[]string{"import", "testssl", filepath.Join(dir, "none.json")}, 1, "none.json"},
		{[]string{"import", "ssllabs", good}, 1, "testssl-3.2-handwritten.json: this file is testssl.sh JSON, not SSL Labs API JSON: read it with `mhealthsec import testssl`"},
		{[]string{"import", "testssl", labs}, 1, "this file is SSL Labs API JSON, not testssl.sh JSON: read it with `mhealthsec import ssllabs`"},
	} {
		code, _, stderr := ingestCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	code, stdout, stderr := ingestCLI(t, "import", "testssl", good)
	if code != 0 {
		t.Fatalf("good file: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "imported 2 results from 1 file\n") {
		t.Errorf("summary %q, want %q", stderr, "imported 2 results from 1 file")
	}
	// The handwritten file scans two endpoints: api.example.org:443 and down.example.org:8443.
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"target":"api.example.org:443"`) || !strings.Contains(lines[1], `"target":"down.example.org:8443"`) {
		t.Errorf("good file: want results for api.example.org:443 and down.example.org:8443, got %q", stdout)
	}
}

// TestImportBadFileWritesNothing: with one bad file among good ones, --out keeps what it
// held before (replace and append alike) instead of a partial import that looks complete.
func TestImportBadFileWritesNothing(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join("..", "..", "datasets", "importer", "testdata", "testssl-3.2-handwritten.json")
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte("{"), 0o644)
	out := filepath.Join(dir, "results.jsonl")
	const before = "{\"target\":\"kept.example:443\"}\n"
	for _, extra := range [][]string{nil, {"--append"}} {
		os.WriteFile(out, []byte(before), 0o644)
		args := append([]string{"import", "testssl", good, broken, "--out", out}, extra...)
		code, _, stderr := ingestCLI(t, args...)
		if code != 1 || !strings.Contains(stderr, "broken.json") {
			t.Errorf("%v: exit %d, stderr %q; want 1 naming broken.json", extra, code, stderr)
		}
		if got, _ := os.ReadFile(out); string(got) != before {
			t.Errorf("%v: --out changed to %q, want it untouched", extra, got)
		}
	}
	if code, _, _ := ingestCLI(t, "import", "testssl", good, "--append"); code != 2 {
		t.Errorf("--append without --out: exit %d, want 2", code)
	}
}
