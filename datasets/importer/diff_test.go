package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// The differential tests read every file of testdata a second time, with a generic walk
// over the raw JSON that shares nothing with the importers (no structs, no handlers), and
// compare the facts both find: protocols offered, cipher suites, certificate key sizes and
// the vulnerability verdicts the walk can decide. A new file in testdata is checked without
// writing its answer by hand.

// facts are what both readers must agree on, per endpoint.
type facts struct {
	Protocols map[string]bool
	Suites    []string // "0xc02f", or "TLS1_2 0xc02f" where the input names the protocol
	KeyBits   []int    // per certificate, in the tool's order
	Vulns     map[string]bool
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(b, utf8BOM)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// walkFindings calls fn for every object with "id" and "finding" keys under v, with the
// endpoint it belongs to (flat: its "ip" and "port"; pretty: the index in scanResult).
func walkFindings(v any, endpoint string, fn func(endpoint string, f map[string]any)) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkFindings(e, endpoint, fn)
		}
	case map[string]any:
		if _, ok := x["id"].(string); ok {
			if _, ok := x["finding"].(string); ok {
				ep := endpoint
				if ep == "" {
					ep = fmt.Sprint(x["ip"], " ", x["port"])
				}
				fn(ep, x)
				return
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "scanResult" {
				for i, e := range x[k].([]any) {
					walkFindings(e, "scan "+strconv.Itoa(i), fn)
				}
				continue
			}
			walkFindings(x[k], endpoint, fn)
		}
	}
}

// genericTestssl extracts the facts of a testssl.sh file, one per endpoint in order.
func genericTestssl(t *testing.T, b []byte) []facts {
	var order []string
	byEP := map[string]*facts{}
	certBits := map[string]map[int]int{}
	walkFindings(decodeAny(t, b), "", func(ep string, f map[string]any) {
		fx := byEP[ep]
		if fx == nil {
			fx = &facts{Protocols: map[string]bool{}, Vulns: map[string]bool{}}
			byEP[ep], certBits[ep] = fx, map[int]int{}
			order = append(order, ep)
		}
		id, finding := f["id"].(string), strings.ToLower(f["finding"].(string))
		switch id {
		case "SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3":
			if strings.HasPrefix(finding, "offered") {
				fx.Protocols[id] = true
			} else if strings.HasPrefix(finding, "not offered") {
				fx.Protocols[id] = false
			}
			return
		case "heartbleed", "CCS", "ticketbleed", "ROBOT", "CRIME_TLS", "POODLE_SSL", "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "RC4":
			if strings.HasPrefix(finding, "not vulnerable") {
				fx.Vulns[id] = false
			} else if strings.HasPrefix(finding, "vulnerable") {
				fx.Vulns[id] = true
			}
			return
		}
		if name, no, ok := strings.Cut(id, " <"); ok && name == "cert_keySize" || id == "cert_keySize" {
			n := 1
			if ok {
				n, _ = strconv.Atoi(no[strings.IndexByte(no, '#')+1 : len(no)-1])
			}
			w := strings.Fields(finding)
			for i := 1; i < len(w); i++ {
				if w[i] == "bits" {
					certBits[ep][n], _ = strconv.Atoi(w[i-1])
				}
			}
			return
		}
		if strings.HasSuffix(finding, "not a/v") { // --show-each: a suite the server refused
			return
		}
		if rest, ok := strings.CutPrefix(id, "cipher_x"); ok {
			fx.Suites = append(fx.Suites, fmt.Sprintf("0x%04s", rest))
		} else if rest, ok := strings.CutPrefix(id, "cipher-"); ok {
			if i := strings.LastIndex(rest, "_x"); i > 0 {
				proto := map[string]string{"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLS1", "tls1_1": "TLS1_1", "tls1_2": "TLS1_2", "tls1_3": "TLS1_3"}[rest[:i]]
				fx.Suites = append(fx.Suites, proto+" "+fmt.Sprintf("0x%04s", rest[i+2:]))
			}
		}
	})
	out := make([]facts, 0, len(order))
	for _, ep := range order {
		fx := byEP[ep]
		var nos []int
		for n := range certBits[ep] {
			nos = append(nos, n)
		}
		sort.Ints(nos)
		for _, n := range nos {
			fx.KeyBits = append(fx.KeyBits, certBits[ep][n])
		}
		sort.Strings(fx.Suites)
		out = append(out, *fx)
	}
	return out
}

// importedFacts are the same facts as the importer gives them. withProto lists the
// protocols whose suites the input named explicitly (the others were placed by rule).
func importedFacts(r result.Result, vulnIDs []string, withProto bool) facts {
	fx := facts{Protocols: map[string]bool{}, Vulns: map[string]bool{}}
	for _, p := range result.AllProtocols() {
		if v := r.Protocols.Get(p); v != nil {
			fx.Protocols[string(p)] = *v
		}
	}
	for _, c := range r.Ciphers {
		s := strings.ReplaceAll(c.ID, " ", "0")
		if withProto {
			s = string(c.Protocol) + " " + s
		}
		fx.Suites = append(fx.Suites, s)
	}
	sort.Strings(fx.Suites)
	certs := r.Certificates
	if len(certs) == 0 && r.Certificate != nil {
		certs = []result.Certificate{*r.Certificate}
	}
	for _, c := range certs {
		fx.KeyBits = append(fx.KeyBits, c.KeyBits)
	}
	b, _ := json.Marshal(r.Vulnerabilities)
	var vs map[string]any
	_ = json.Unmarshal(b, &vs)
	for _, id := range vulnIDs {
		if v, ok := vs[id].(bool); ok {
			fx.Vulns[id] = v
		}
	}
	return fx
}

func TestTestsslDifferential(t *testing.T) {
	differential(t, "testdata/testssl-*.json", genericTestssl, Testssl)
}

// differential compares, for every file matching glob, what read imports with what the
// generic walk finds. Protocols the walk could not decide (WARN, "test skipped") are not
// compared.
func differential(t *testing.T, glob string, walk func(*testing.T, []byte) []facts, read func(io.Reader, string) ([]result.Result, error)) {
	files, _ := filepath.Glob(glob)
	if len(files) == 0 {
		t.Fatalf("no files match %s", glob)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b := mustRead(t, filepath.Base(f))
			want := walk(t, b)
			rs, err := read(bytes.NewReader(b), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != len(want) {
				t.Fatalf("importer: %d endpoints, generic walk: %d", len(rs), len(want))
			}
			for i, r := range rs {
				w := want[i]
				withProto := len(w.Suites) > 0 && strings.Contains(w.Suites[0], " ")
				var vulnIDs []string
				for id := range w.Vulns {
					vulnIDs = append(vulnIDs, id)
				}
				got := importedFacts(r, vulnIDs, withProto)
				for p := range got.Protocols {
					if _, ok := w.Protocols[p]; !ok {
						delete(got.Protocols, p)
					}
				}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("endpoint %d:\nimporter %+v\ngeneric  %+v", i, got, w)
				}
			}
		})
	}
}

// genericLabs extracts the facts of an SSL Labs file, one per endpoint in order.
func genericLabs(t *testing.T, b []byte) []facts {
	v := decodeAny(t, b)
	hosts, ok := v.([]any)
	if !ok {
		hosts = []any{v}
	}
	var out []facts
	for _, h := range hosts {
		host := h.(map[string]any)
		certs := map[string]any{}
		if cs, ok := host["certs"].([]any); ok {
			for _, c := range cs {
				certs[c.(map[string]any)["id"].(string)] = c
			}
		}
		eps, _ := host["endpoints"].([]any)
		if len(eps) == 0 {
			out = append(out, facts{Protocols: map[string]bool{}, Vulns: map[string]bool{}})
		}
		for _, e := range eps {
			fx := facts{Protocols: map[string]bool{}, Vulns: map[string]bool{}}
			d, _ := e.(map[string]any)["details"].(map[string]any)
			if d == nil {
				out = append(out, fx)
				continue
			}
			names := map[string]string{"512": "SSLv2", "2": "SSLv2", "768": "SSLv3", "769": "TLS1", "770": "TLS1_1", "771": "TLS1_2", "772": "TLS1_3"}
			for _, n := range names {
				fx.Protocols[n] = false
			}
			for _, p := range d["protocols"].([]any) {
				fx.Protocols[names[p.(map[string]any)["id"].(json.Number).String()]] = true
			}
			switch s := d["suites"].(type) {
			case []any:
				for _, g := range s {
					proto := names[g.(map[string]any)["protocol"].(json.Number).String()]
					for _, c := range g.(map[string]any)["list"].([]any) {
						id, _ := c.(map[string]any)["id"].(json.Number).Int64()
						fx.Suites = append(fx.Suites, fmt.Sprintf("%s 0x%04x", proto, id))
					}
				}
			case map[string]any:
				for _, c := range s["list"].([]any) {
					id, _ := c.(map[string]any)["id"].(json.Number).Int64()
					fx.Suites = append(fx.Suites, fmt.Sprintf("0x%04x", id))
				}
			}
			sort.Strings(fx.Suites)
			if chains, ok := d["certChains"].([]any); ok && len(chains) > 0 {
				for _, ch := range chains {
					leaf := certs[ch.(map[string]any)["certIds"].([]any)[0].(string)].(map[string]any)
					n, _ := leaf["keySize"].(json.Number).Int64()
					fx.KeyBits = append(fx.KeyBits, int(n))
				}
			} else if key, ok := d["key"].(map[string]any); ok {
				n, _ := key["size"].(json.Number).Int64()
				fx.KeyBits = []int{int(n)}
			}
			for k, id := range map[string]string{"heartbleed": "heartbleed", "poodle": "POODLE_SSL", "freak": "FREAK", "logjam": "LOGJAM", "drownVulnerable": "DROWN", "vulnBeast": "BEAST", "supportsRc4": "RC4"} {
				if b, ok := d[k].(bool); ok {
					fx.Vulns[id] = b
				}
			}
			out = append(out, fx)
		}
	}
	return out
}

func TestSSLLabsDifferential(t *testing.T) {
	differential(t, "testdata/ssllabs-*.json", genericLabs, SSLLabs)
}
