package probe

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/internal/resultschema"
	"github.com/mhealthsec/mhealthsec/probe/fakeserver"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// serveCert serves "ok" over TLS with cert on 127.0.0.1 and returns the port.
func serveCert(t *testing.T, cert tls.Certificate) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: hsts("max-age=31536000"), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: discardLog()}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// spkiHex is the expected key identity, computed from the key itself.
func spkiHex(t *testing.T, c tls.Certificate) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(c.Leaf.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// TestDROWNAcrossServices scans an SSL 2.0 server (fake) and TLS servers that share its
// RSA key under other certificates (Go's crypto/tls; Debian's nginx where installed), and
// one with another key, then runs the pass over the results file.
func TestDROWNAcrossServices(t *testing.T) {
	t.Parallel()
	l := newLab(t)
	key, err := pki.NewKey(pki.RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	issue := func(opt pki.LeafOptions) tls.Certificate {
		opt.Names = []string{"127.0.0.1"}
		c, err := l.inter.Issue(opt)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	v2cert, goCert := issue(pki.LeafOptions{Signer: key}), issue(pki.LeafOptions{Signer: key})
	otherCert := issue(pki.LeafOptions{Key: pki.RSA2048})
	if bytes.Equal(v2cert.Certificate[0], goCert.Certificate[0]) {
		t.Fatal("the certificates should differ; only the key is shared")
	}
	want := spkiHex(t, goCert)

	v2, err := fakeserver.Start(fakeserver.SSLv2(fakeserver.SSLv2Options{Certificate: v2cert.Certificate[0]}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v2.Close() })
	_, p, _ := net.SplitHostPort(v2.Addr())
	v2Port, _ := strconv.Atoi(p)
	target := func(port int) Target { return Target{Host: "127.0.0.1", Port: port} }
	sslv2 := target(v2Port)
	shared := []Target{target(serveCert(t, goCert))}
	other := target(serveCert(t, otherCert))
	if _, err := exec.LookPath("nginx"); err == nil {
		certPath, keyPath, err := pki.WritePEM(t.TempDir(), "shared", issue(pki.LeafOptions{Signer: key}))
		if err != nil {
			t.Fatal(err)
		}
		shared = append(shared, target(peertest.Nginx(t, certPath, keyPath).Port))
	} else {
		t.Log("nginx not installed (apt-get install nginx-light): only Go's crypto/tls shares the key")
	}

	path := filepath.Join(t.TempDir(), "results.jsonl")
	out, err := OpenOutput(path, false)
	if err != nil {
		t.Fatal(err)
	}
	s := l.scanner(t, Config{Concurrency: 4, PerHost: 4, HTTPPort: -1, ReadTimeout: 2 * time.Second})
	targets := append([]Target{sslv2, other}, shared...)
	if _, err := s.Run(context.Background(), targets, result.NewWriter(out.File), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	out.File.Close()
	before := readResults(t, path)

	// As streamed: each endpoint knows only itself.
	if c := before[sslv2.String()].SSLv2Certificate; c == nil || c.SPKISHA256 != want || c.KeyAlg != "RSA" || c.KeyBits != 2048 {
		t.Fatalf("SSL 2.0 certificate %+v, want RSA 2048 with SPKI SHA-256 %s", c, want)
	}
	if sum := sha256.Sum256(v2cert.Certificate[0]); before[sslv2.String()].SSLv2Certificate.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SSL 2.0 certificate sha256 %s, want the DER's", before[sslv2.String()].SSLv2Certificate.SHA256)
	}
	for _, tg := range shared {
		r := before[tg.String()]
		if r.Certificate == nil || r.Certificate.SPKISHA256 != want {
			t.Fatalf("%s: certificate %+v, want SPKI SHA-256 %s", tg, r.Certificate, want)
		}
		if !isFalse(r.Vulnerabilities.DROWN) || r.Vulnerabilities.DROWNSameKey != nil || r.Grade == nil || r.Grade.Letter == "F" ||
			!strings.HasPrefix(r.Vulnerabilities.Notes["drown_same_key"], "not compared yet") {
			t.Fatalf("%s before the pass: DROWN %v same key %v (%q) grade %+v; want false, null with a note, not F", tg,
				r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Vulnerabilities.Notes["drown_same_key"], r.Grade)
		}
	}

	var marked bytes.Buffer
	sum, err := MarkDROWNFile(path, &marked)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Results != len(targets) || sum.SSLv2Keys != 1 || len(sum.Flagged) != len(shared) || sum.Regraded != len(shared) {
		t.Errorf("summary %+v, want %d results, 1 SSL 2.0 key, %d flagged", sum, len(targets), len(shared))
	}
	markedPath := filepath.Join(t.TempDir(), "marked.jsonl")
	if err := os.WriteFile(markedPath, marked.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	resultschema.CheckFile(t, markedPath)
	after := readResults(t, markedPath)
	for _, tg := range shared {
		r := after[tg.String()]
		v := r.Vulnerabilities
		if !isTrue(v.DROWN) || !slices.Equal(v.DROWNSameKey, []string{sslv2.String()}) || !strings.Contains(v.Notes["DROWN"], sslv2.String()) ||
			v.Notes["drown_same_key"] != "" {
			t.Errorf("%s: DROWN %v same key %v note %q; want true via %s", tg, v.DROWN, v.DROWNSameKey, v.Notes["DROWN"], sslv2)
		}
		if r.Grade == nil || r.Grade.Letter != "F" || !slices.ContainsFunc(r.Grade.Caps, func(c result.Rule) bool { return c.Rule == "drown" && strings.Contains(c.Reason, sslv2.String()) }) {
			t.Errorf("%s: grade %+v, want F by the drown cap naming %s", tg, r.Grade, sslv2)
		}
	}
	if r := after[other.String()]; !isFalse(r.Vulnerabilities.DROWN) || r.Vulnerabilities.DROWNSameKey == nil || len(r.Vulnerabilities.DROWNSameKey) != 0 ||
		r.Grade.Letter != before[other.String()].Grade.Letter {
		t.Errorf("other key: DROWN %v same key %v grade %s; want false, [], %s", r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade.Letter, before[other.String()].Grade.Letter)
	}
	if r := after[sslv2.String()]; !isTrue(r.Vulnerabilities.DROWN) || r.Vulnerabilities.DROWNSameKey == nil || len(r.Vulnerabilities.DROWNSameKey) != 0 || r.Grade.Letter != "F" {
		t.Errorf("SSL 2.0 endpoint: DROWN %v same key %v grade %s; want true, [] (no other endpoint), F", r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade.Letter)
	}

	// Only the DROWN fields and the grade change; every other byte of a line is kept.
	raw := rawLines(t, path)
	for k, line := range rawLines(t, markedPath) {
		old := raw[k]
		for _, key := range []string{"vulnerabilities", "grade"} {
			val, _, err := result.KeyValue(line, key)
			if err != nil {
				t.Fatal(err)
			}
			if old, err = result.ReplaceKey(old, key, val); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(old, line) {
			t.Errorf("%s: the pass changed more than vulnerabilities and grade:\n%s\n%s", k, raw[k], line)
		}
	}

	// The in-memory pass (for notebooks) agrees with the file pass.
	var rs []result.Result
	for _, tg := range targets {
		rs = append(rs, before[tg.String()])
	}
	if s := MarkDROWN(rs); len(s.Flagged) != len(shared) {
		t.Errorf("MarkDROWN flagged %v", s.Flagged)
	}
	for _, r := range rs {
		a, _ := json.Marshal(r)
		b, _ := json.Marshal(after[r.Target])
		if !bytes.Equal(a, b) {
			t.Errorf("%s: MarkDROWN and MarkDROWNFile disagree:\n%s\n%s", r.Target, a, b)
		}
	}

	// A second pass changes nothing.
	var again bytes.Buffer
	if s, err := MarkDROWNFile(markedPath, &again); err != nil || s.Changed != 0 || !bytes.Equal(again.Bytes(), marked.Bytes()) {
		t.Errorf("second pass: %+v, %v; changed the file: %v", s, err, !bytes.Equal(again.Bytes(), marked.Bytes()))
	}

	// Without the SSL 2.0 endpoint (a rescan found it gone) the shared-key endpoints are
	// unmarked and their grades are what they were.
	var kept []byte
	for k, line := range rawLines(t, markedPath) {
		if k != sslv2.String() {
			kept = append(append(kept, line...), '\n')
		}
	}
	if err := os.WriteFile(markedPath, kept, 0o644); err != nil {
		t.Fatal(err)
	}
	var unmarked bytes.Buffer
	if _, err := MarkDROWNFile(markedPath, &unmarked); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(markedPath, unmarked.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	final := readResults(t, markedPath)
	for _, tg := range shared {
		r, was := final[tg.String()], before[tg.String()]
		if !isFalse(r.Vulnerabilities.DROWN) || len(r.Vulnerabilities.DROWNSameKey) != 0 || r.Grade.Letter != was.Grade.Letter {
			t.Errorf("%s without its SSL 2.0 partner: DROWN %v same key %v grade %s; want false, [], %s",
				tg, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey, r.Grade.Letter, was.Grade.Letter)
		}
	}
}

// TestMarkDROWNEdges: keys that are unknown stay uncompared; an unknown SSL 2.0 support
// with a shared key is still DROWN; a bad line is refused with its place.
func TestMarkDROWNEdges(t *testing.T) {
	t.Parallel()
	spki := strings.Repeat("ab", 32)
	v2 := result.Result{Target: "v2:25", Protocols: result.Protocols{SSLv2: result.Bool(true)},
		SSLv2Certificate: &result.CertificateID{SHA256: strings.Repeat("01", 32), SPKISHA256: spki}}
	unknownV2 := result.Result{Target: "u:443", Certificate: &result.Certificate{SPKISHA256: spki}}
	failed := result.Result{Target: "f:443", Error: &result.Error{Kind: result.ErrTimeout}, Certificate: &result.Certificate{SPKISHA256: spki}}
	noKey := result.Result{Target: "n:443", Protocols: result.Protocols{SSLv2: result.Bool(false)}, Certificate: &result.Certificate{}}
	unparsed := result.Result{Target: "x:25", Protocols: result.Protocols{SSLv2: result.Bool(true)},
		SSLv2Certificate: &result.CertificateID{SHA256: strings.Repeat("02", 32), Error: "certificate does not parse"}}
	probeNoKey := result.Result{Target: "p:443", Source: result.SourceProbe, Protocols: result.Protocols{SSLv2: result.Bool(false)}}
	imported := result.Result{Target: "i:443", Source: result.SourceSSLLabs, Certificate: &result.Certificate{SPKISHA256: spki}}
	rs := []result.Result{v2, unknownV2, failed, noKey, unparsed, probeNoKey, imported}
	sum := MarkDROWN(rs)
	if v := rs[5].Vulnerabilities; !isFalse(v.DROWN) || v.DROWNSameKey != nil || !strings.Contains(v.Notes["DROWN"], "no certificate key was read") ||
		!strings.Contains(v.Notes["drown_same_key"], "no certificate key was read") {
		t.Errorf("probe result without a key: DROWN %v same %v note %q; want false, null, a note why", v.DROWN, v.DROWNSameKey, v.Notes["DROWN"])
	}
	if v := rs[6].Vulnerabilities; v.DROWN != nil || v.DROWNSameKey != nil || v.Notes != nil {
		t.Errorf("imported result: %+v; want it untouched (its tool's verdict)", v)
	}
	if !isTrue(rs[1].Vulnerabilities.DROWN) || !slices.Equal(rs[1].Vulnerabilities.DROWNSameKey, []string{"v2:25"}) {
		t.Errorf("SSL 2.0 unknown, key shared: DROWN %v same %v; want true via v2:25", rs[1].Vulnerabilities.DROWN, rs[1].Vulnerabilities.DROWNSameKey)
	}
	for _, r := range rs[2:4] {
		if r.Vulnerabilities.DROWNSameKey != nil || r.Vulnerabilities.DROWN != nil {
			t.Errorf("%s (key unknown): DROWN %v same %v; want both null", r.Target, r.Vulnerabilities.DROWN, r.Vulnerabilities.DROWNSameKey)
		}
	}
	if sum.SSLv2Keys != 1 || len(sum.Flagged) != 1 {
		t.Errorf("summary %+v", sum)
	}

	path := filepath.Join(t.TempDir(), "bad.jsonl")
	line, _ := json.Marshal(v2)
	os.WriteFile(path, append(append(line, '\n'), "{\"target\": 5}\n"...), 0o644)
	if _, err := MarkDROWNFile(path, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), path+":2") {
		t.Errorf("bad line: %v, want an error naming %s:2", err, path)
	}
}

func isFalse(b *bool) bool { return b != nil && !*b }

// readResults reads a results file by target.
func readResults(t *testing.T, path string) map[string]result.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]result.Result{}
	if err := result.ReadJSONL(f, path, func(_ int, r result.Result) error { out[r.Target] = r; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// rawLines reads a results file's lines by target.
func rawLines(t *testing.T, path string) map[string][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r struct{ Target string }
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		out[r.Target] = line
	}
	return out
}

// FuzzMarkDROWNFile: any file is marked or refused with an error, never a panic; a marked
// file holds valid results and a second pass leaves it as it is.
func FuzzMarkDROWNFile(f *testing.F) {
	spki := strings.Repeat("ab", 32)
	v2, _ := json.Marshal(result.Result{Target: "v2:25", Source: result.SourceProbe, Protocols: result.Protocols{SSLv2: result.Bool(true)},
		SSLv2Certificate: &result.CertificateID{SHA256: spki, SPKISHA256: spki}})
	web, _ := json.Marshal(result.Result{Target: "www:443", Source: result.SourceProbe, Protocols: result.Protocols{SSLv2: result.Bool(false)},
		Certificate: &result.Certificate{SPKISHA256: spki}, Grade: &result.Grade{Letter: "A", GradedBy: "mhealthsec", Criteria: "2009r"}})
	f.Add(string(v2) + "\n" + string(web) + "\n")
	f.Add(`{"target":"a:1","vulnerabilities":null,"certificate":{"spki_sha256":"x"},"sslv2_certificate":{"sha256":"","spki_sha256":"x"},"protocols":{"SSLv2":true}}` + "\n" +
		`{"target":"b:1","vulnerabilities":{"DROWN":true,"DROWN":false,"x":[1]},"certificate":{"spki_sha256":"x"}}`)
	f.Add("\n \n{\"target\":\"c:1\"}")
	f.Add("{\"target\":\"c:1\"} trailing\n")
	f.Fuzz(func(t *testing.T, content string) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in.jsonl")
		if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := MarkDROWNFile(in, &out); err != nil {
			return
		}
		marked := filepath.Join(dir, "marked.jsonl")
		if err := os.WriteFile(marked, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		var again bytes.Buffer
		sum, err := MarkDROWNFile(marked, &again)
		if err != nil {
			t.Fatalf("the marked file is refused: %v\n%s", err, out.Bytes())
		}
		if sum.Changed != 0 || !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("a second pass changed %d lines:\n%s\n%s", sum.Changed, out.Bytes(), again.Bytes())
		}
	})
}

// BenchmarkMarkDROWNFile times the pass over a file of 10,000 results built from the lab
// result lines of analysis/testdata (each copied with a target of its own; every 100th
// speaks SSL 2.0 with the key of the next one): both readings, the marking and the writing.
func BenchmarkMarkDROWNFile(b *testing.B) {
	src, err := os.ReadFile("../analysis/testdata/waves/new/results.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	var base []result.Result
	if err := result.ReadJSONL(bytes.NewReader(src), "results.jsonl", func(_ int, r result.Result) error {
		if r.Certificate != nil && r.Error == nil {
			base = append(base, r)
		}
		return nil
	}); err != nil || len(base) == 0 {
		b.Fatalf("no results with a certificate (%v)", err)
	}
	const n = 10000
	var file bytes.Buffer
	for i := range n {
		r := base[i%len(base)]
		r.Target = fmt.Sprintf("host%d.example:443", i)
		spki := fmt.Sprintf("%064x", i)
		c := *r.Certificate
		c.SPKISHA256 = spki
		r.Certificate = &c
		if i%100 == 0 {
			next := fmt.Sprintf("%064x", i+1)
			r.Protocols.SSLv2 = result.Bool(true)
			r.SSLv2Certificate = &result.CertificateID{SHA256: next, SPKISHA256: next}
		}
		line, _ := json.Marshal(r)
		file.Write(append(line, '\n'))
	}
	path := filepath.Join(b.TempDir(), "results.jsonl")
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	b.ResetTimer()
	for b.Loop() {
		sum, err := MarkDROWNFile(path, io.Discard)
		if err != nil || len(sum.Flagged) != n/100 {
			b.Fatalf("%v; flagged %d, want %d", err, len(sum.Flagged), n/100)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/result")
}
