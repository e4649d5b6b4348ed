package importer

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

var writeWorst = flag.Bool("write-worst", false, "rewrite testdata/fuzz/worst-*.json, the pathological inputs of TestLinearWork")

// worstInputs are the pathological 64 KiB inputs of each reader, one array element
// repeated with a counter: as many endpoints, certificates or hosts as fit, each element as
// small as the reader still does all its work on (the shapes that cost the most per byte in
// the benchmarks and the fuzzers' corpus).
var worstInputs = []struct {
	name string
	elem func(i int) string // one element of the top-level array
	wrap func(elems string) string
}{
	{"worst-testssl-endpoints.json", func(i int) string {
		return fmt.Sprintf(`{"id":"TLS1_2","ip":"h%d/192.0.2.1","port":"443","finding":"offered"}`, i)
	}, nil},
	{"worst-testssl-alternating.json", func(i int) string {
		return fmt.Sprintf(`{"id":"TLS1_2","ip":"h%d/192.0.2.1","port":"443","finding":"offered"}`, i%2)
	}, nil},
	{"worst-testssl-certs.json", func(i int) string {
		return fmt.Sprintf(`{"id":"cert_keySize <cert#%d>","ip":"h/192.0.2.1","port":"443","finding":"EC 256 bits"}`, i+1)
	}, nil},
	{"worst-testssl-pretty.json", func(i int) string {
		return fmt.Sprintf(`{"ip":"192.0.2.1","port":"%d","s%d":[{"id":"HSTS","finding":"=1 =2 =3 = = = = = = = = = = = = = = = ="}]}`, i%65535+1, i)
	}, func(elems string) string { return `{"version":"3.2","scanResult":[` + elems + `]}` }},
	{"worst-ssllabs-hosts.json", func(i int) string {
		return fmt.Sprintf(`{"host":"https://h%d.example/","status":"READY","endpoints":[{"ipAddress":"192.0.2.1","details":{"protocols":[{"id":771}],"suites":{"list":[{"id":5}],"preference":true}}}]}`, i)
	}, nil},
	{"worst-ssllabs-endpoints.json", func(i int) string {
		return `{"ipAddress":"192.0.2.1","details":{"certChains":[{"certIds":["c","c","c","c","c","c","c","c"]}]}}`
	}, func(elems string) string {
		return `{"host":"h.example","status":"READY","certs":[{"id":"c","subject":"CN=h","issuerSubject":"CN=i","sigAlg":"SHA1withRSA"}],"endpoints":[` + elems + `]}`
	}},
}

// worstInput builds the input of w with as many elements as fit in size bytes.
func worstInput(w int, size int) []byte {
	in := worstInputs[w]
	wrap := in.wrap
	if wrap == nil {
		wrap = func(e string) string { return "[" + e + "]" }
	}
	var elems []string
	for i := 0; ; i++ {
		next := append(elems, in.elem(i))
		if len(wrap(strings.Join(next, ","))) > size {
			return []byte(wrap(strings.Join(elems, ",")))
		}
		elems = next
	}
}

// work is the allocations and bytes allocated by one read of in.
func work(read func(io.Reader, string) ([]result.Result, error), in []byte) (allocs float64, bytesAlloc uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _ = read(bytes.NewReader(in), "worst")
	runtime.ReadMemStats(&after)
	return testing.AllocsPerRun(2, func() { _, _ = read(bytes.NewReader(in), "worst") }), after.TotalAlloc - before.TotalAlloc
}

// TestLinearWork feeds each reader its pathological 64 KiB inputs (testdata/fuzz/worst-*)
// and checks the work done, not the time: allocations and bytes allocated may at most
// double from the 32 KiB input of the same shape to the 64 KiB one (linear, with slack for
// slices that grow by doubling), and stay under a fixed multiple of the input's size (measured: at most 0.63 allocations
// and 60 bytes per input byte).
func TestLinearWork(t *testing.T) {
	const size = 64 << 10
	for w, in := range worstInputs {
		t.Run(in.name, func(t *testing.T) {
			path := filepath.Join("testdata", "fuzz", in.name)
			if *writeWorst {
				if err := os.WriteFile(path, worstInput(w, size), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			big, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (make it with: go test -run TestLinearWork ./datasets/importer -args -write-worst)", err)
			}
			if len(big) < size*9/10 || len(big) > size || !json.Valid(big) {
				t.Fatalf("%s: %d bytes, want valid JSON of nearly 64 KiB", path, len(big))
			}
			read := Testssl
			if strings.Contains(in.name, "ssllabs") {
				read = SSLLabs
			}
			if rs, err := read(bytes.NewReader(big), path); err != nil || len(rs) == 0 {
				t.Fatalf("the worst input must be read in full: %v, %d results", err, len(rs))
			}
			half := worstInput(w, size/2)
			a1, b1 := work(read, half)
			a2, b2 := work(read, big)
			t.Logf("%d bytes: %.0f allocs, %d bytes allocated; %d bytes: %.0f allocs, %d bytes allocated", len(half), a1, b1, len(big), a2, b2)
			if a2 > 2.3*a1 || float64(b2) > 2.6*float64(b1) {
				t.Errorf("work grows faster than the input: %.0f → %.0f allocations, %d → %d bytes for %d → %d input bytes", a1, a2, b1, b2, len(half), len(big))
			}
			if float64(b2) > 100*float64(len(big)) || a2 > float64(len(big)) {
				t.Errorf("%.0f allocations and %d bytes allocated for %d input bytes: more than 100 bytes and 1 allocation per input byte", a2, b2, len(big))
			}
		})
	}
}
