// Package sample generates and checks the synthetic sample study in this folder (see
// README.md). Regenerate with:
//
//	go test ./datasets/sample -run TestSample -update
package sample

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/datasets/capture"
	"github.com/mhealthsec/mhealthsec/datasets/capture/capturetest"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

var update = flag.Bool("update", false, "rewrite the sample study files")

// Every name below is invented; example TLDs and documentation addresses only, except
// for a few well-known third-party hosts the built-in classification rules know.
var apps = []datasets.App{
	app("a01", "VitalTrack", "android", "international", "fitness", "vitaltrack.example"),
	app("a02", "VitalTrack", "ios", "international", "fitness", "vitaltrack.example"),
	app("a03", "PillPal", "android", "de_only", "medication", "pillpal.example"),
	app("a04", "PillPal", "ios", "de_only", "medication", "pillpal.example"),
	app("a05", "SleepWell", "android", "international", "sleep", "sleepwell.example"),
	app("a06", "SleepWell", "ios", "international", "sleep", "sleepwell.example"),
	app("a07", "DiabNote", "android", "de_only", "diabetes", "diabnote.example"),
	app("a08", "DiabNote", "ios", "de_only", "diabetes", "diabnote.example"),
	app("a09", "HerzCheck", "android", "de_only", "cardiology", "herzcheck.example"),
	app("a10", "HerzCheck", "ios", "international", "cardiology", "herzcheck.example"),
	app("a11", "MoodLog", "android", "international", "mental_health", "moodlog.example"),
	app("a12", "MoodLog", "ios", "de_only", "mental_health", "moodlog.example"),
}

func app(id, name, platform, avail, sub, firstParty string) datasets.App {
	return datasets.App{ID: id, Name: name, Platform: platform, Availability: avail, Subcategory: sub,
		Extra: map[string]string{"first_party": firstParty}}
}

// endpoint is a server and the security profile its synthetic result gets ("" = none).
type endpoint struct {
	host     string
	port     int
	scheme   string
	category string
	profile  string
}

var (
	vitalAPI   = endpoint{"api.vitaltrack.example", 443, "https", "functional", "aplus"}
	vitalSync  = endpoint{"sync.vitaltrack.example", 443, "https", "functional", "a"}
	pillAPI    = endpoint{"api.pillpal.example", 443, "https", "functional", "c_rc4"}
	pillImg    = endpoint{"img.pillpal.example", 80, "http", "functional", ""}
	pillDev    = endpoint{"dev.pillpal.example", 443, "https", "functional", ""} // never probed
	sleepAPI   = endpoint{"api.sleepwell.example", 443, "https", "functional", "aminus"}
	diabCloud  = endpoint{"cloud.diabnote.example", 443, "https", "functional", "b_legacy"}
	diabAPI    = endpoint{"api.diabnote.example", 443, "https", "functional", "a"}
	herzOld    = endpoint{"herz.herzcheck.example", 443, "https", "functional", "t_selfsigned"}
	herzUpload = endpoint{"upload.herzcheck.example", 80, "http", "functional", ""}
	herzAPI    = endpoint{"api.herzcheck.example", 443, "https", "functional", "aplus"}
	moodAPI    = endpoint{"api.moodlog.example", 443, "https", "functional", "aplus"}
	moodLegacy = endpoint{"legacy.moodlog.example", 8443, "https", "functional", "f_heartbleed"}
	googleAds  = endpoint{"googleads.g.doubleclick.net", 443, "https", "advertising", "aplus"}
	adnet      = endpoint{"ads.adnet.example", 443, "https", "advertising", "b_legacy"}
	adnetDown  = endpoint{"broken.adnet.example", 443, "https", "advertising", "error"}
	analytics  = endpoint{"www.google-analytics.com", 443, "https", "tracking", "aplus"}
	statsy     = endpoint{"track.statsy.example", 443, "https", "tracking", "a"}
	cloudfront = endpoint{"d111abcdef8.cloudfront.net", 443, "https", "content", "aminus"}
	oldCDN     = endpoint{"cdn.oldcdn.example", 443, "https", "content", "c_rc4"}
	plainCDN   = endpoint{"media.plaincdn.example", 80, "http", "content", ""}
	misc       = endpoint{"misc.unknown.example", 443, "https", "other", "a"}
	appleGSP   = endpoint{"gsp1.apple.com", 443, "https", "disregarded", "aplus"}
)

// servers is every app's list, as ingest with rules.txt classifies it.
var servers = map[string][]endpoint{
	"a01": {vitalAPI, vitalSync, googleAds, analytics},
	"a02": {vitalAPI, analytics, cloudfront, appleGSP},
	"a03": {pillAPI, pillImg, googleAds, adnet},
	"a04": {pillAPI, pillDev, adnet, appleGSP},
	"a05": {sleepAPI, googleAds, analytics, misc},
	"a06": {sleepAPI, analytics, cloudfront, appleGSP},
	"a07": {diabCloud, googleAds, adnet, oldCDN},
	"a08": {diabAPI, statsy, oldCDN, appleGSP},
	"a09": {herzOld, herzUpload, googleAds, adnetDown},
	"a10": {herzAPI, analytics, cloudfront, appleGSP},
	"a11": {moodAPI, googleAds},
	"a12": {moodAPI, moodLegacy, statsy, plainCDN, appleGSP},
}

var scanTime = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)

func tlsCipher(p result.Protocol, id, name, family string, bits int, kx string, fs, aead bool) result.Cipher {
	c := result.Cipher{Protocol: p, ID: id, Name: name, Bits: bits, Kx: kx, ForwardSecrecy: fs, AEAD: aead, Cipher: family}
	if kx == "ECDHE" {
		c.KxBits, c.Group = 253, "x25519"
	}
	if family == "3DES" {
		c.BlockBits = 64
	}
	return c
}

// synthResult builds the result of one profile. The letters are what the profile's
// configuration would be graded; they are written, not computed (the sample must not
// depend on the grader).
func synthResult(e endpoint) (result.Result, error) {
	r := result.Result{Target: e.host + ":" + itoa(e.port), Host: e.host, Port: e.port, SNI: e.host,
		IP: "192.0.2." + itoa(1+int(hash(e.host)%250)), StartedAt: scanTime, DurationMS: 800, Source: result.SourceProbe}
	if e.profile == "error" {
		r.Error = &result.Error{Kind: result.ErrConnect, Message: "connection refused"}
		return r, nil
	}
	no := result.Bool(false)
	for _, p := range result.AllProtocols() {
		r.Protocols.Set(p, false)
	}
	v := &r.Vulnerabilities
	for _, b := range []**bool{&v.Heartbleed, &v.CCS, &v.Ticketbleed, &v.ROBOT, &v.SecureClientRenego, &v.CRIME, &v.BREACH,
		&v.POODLESSL, &v.SWEET32, &v.FREAK, &v.DROWN, &v.LOGJAM, &v.BEAST, &v.LUCKY13, &v.RC4} {
		*b = no
	}
	v.SecureRenego, v.FallbackSCSV = result.Bool(true), result.Bool(true)
	nb, na := scanTime.AddDate(0, -2, 0), scanTime.AddDate(0, 10, 0)
	r.Certificate = &result.Certificate{Subject: "CN=" + e.host, Issuer: "CN=Sample Issuing CA", SAN: []string{e.host},
		NotBefore: &nb, NotAfter: &na, SigAlg: "SHA256-RSA", KeyAlg: "RSA", KeyBits: 2048, Trusted: result.Bool(true),
		HostnameMatch: true, ChainComplete: true, ChainOrderOK: true, ChainLen: 2}
	r.HTTP = &result.HTTP{Status: 200, HSTS: &result.HSTS{Present: false}}
	r.PlainHTTP = &result.PlainHTTP{Checked: true, Reachable: true, RedirectsToHTTPS: true}
	gcm := tlsCipher(result.TLS12, "0xc02f", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "AES", 128, "ECDHE", true, true)
	t13 := tlsCipher(result.TLS13, "0x1301", "TLS_AES_128_GCM_SHA256", "AES", 128, "ECDHE", true, true)
	grade := func(letter string, score int) {
		r.Grade = &result.Grade{Letter: letter, Score: score, Criteria: "2009r", TrustIgnored: letter, Caps: []result.Rule{}, Warnings: []result.Rule{}, GradedBy: "mhealthsec"}
	}
	hsts := func() { r.HTTP.HSTS = &result.HSTS{Present: true, MaxAge: 31536000, IncludeSubdomains: true} }
	switch e.profile {
	case "aplus":
		r.Protocols.Set(result.TLS12, true)
		r.Protocols.Set(result.TLS13, true)
		r.Ciphers = []result.Cipher{t13, gcm}
		hsts()
		grade("A+", 95)
	case "a":
		r.Protocols.Set(result.TLS12, true)
		r.Ciphers = []result.Cipher{gcm}
		grade("A", 90)
	case "aminus":
		r.Protocols.Set(result.TLS12, true)
		r.Protocols.Set(result.TLS13, true)
		r.Ciphers = []result.Cipher{t13, tlsCipher(result.TLS12, "0x009c", "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES", 128, "RSA", false, true)}
		grade("A-", 85)
	case "b_legacy":
		for _, p := range []result.Protocol{result.TLS10, result.TLS11, result.TLS12} {
			r.Protocols.Set(p, true)
		}
		r.Ciphers = []result.Cipher{gcm, tlsCipher(result.TLS10, "0x000a", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3DES", 112, "RSA", false, false)}
		v.SWEET32 = result.Bool(true)
		hsts()
		grade("B", 80)
		r.Grade.Caps = []result.Rule{{Rule: "tls10_tls11", Effect: "B", Reason: "TLS 1.0 or 1.1 supported"}}
	case "c_rc4":
		for _, p := range []result.Protocol{result.SSLv3, result.TLS10, result.TLS12} {
			r.Protocols.Set(p, true)
		}
		r.Ciphers = []result.Cipher{gcm, tlsCipher(result.SSLv3, "0x0005", "TLS_RSA_WITH_RC4_128_SHA", "RC4", 128, "RSA", false, false)}
		v.RC4, v.POODLESSL = result.Bool(true), result.Bool(true)
		grade("C", 70)
		r.Grade.Caps = []result.Rule{{Rule: "rc4", Effect: "C", Reason: "RC4 accepted with TLS 1.1 or newer"}}
	case "t_selfsigned":
		r.Protocols.Set(result.TLS12, true)
		r.Protocols.Set(result.TLS13, true)
		r.Ciphers = []result.Cipher{t13, gcm}
		r.Certificate.Trusted, r.Certificate.SelfSigned, r.Certificate.TrustError = result.Bool(false), true, "self-signed certificate"
		r.Certificate.Issuer, r.Certificate.ChainLen = r.Certificate.Subject, 1
		grade("T", 90)
		r.Grade.TrustIgnored = "A"
	case "f_heartbleed":
		for _, p := range []result.Protocol{result.TLS10, result.TLS11, result.TLS12} {
			r.Protocols.Set(p, true)
		}
		r.Ciphers = []result.Cipher{gcm}
		v.Heartbleed = result.Bool(true)
		grade("F", 80)
		r.Grade.Caps = []result.Rule{{Rule: "heartbleed", Effect: "F", Reason: "vulnerable to Heartbleed"}}
	default:
		return r, fmt.Errorf("%s: unknown profile %q", e.host, e.profile)
	}
	return r, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func hash(s string) uint32 {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

func appsCSV() []byte {
	var b bytes.Buffer
	b.WriteString("app_id,name,platform,availability,subcategory,first_party\n")
	for _, a := range apps {
		b.WriteString(strings.Join([]string{a.ID, a.Name, a.Platform, a.Availability, a.Subcategory, a.Extra["first_party"]}, ",") + "\n")
	}
	return b.Bytes()
}

func serverRows() []datasets.Server {
	var rows []datasets.Server
	for _, a := range apps {
		for _, e := range servers[a.ID] {
			rows = append(rows, datasets.Server{AppID: a.ID, Host: e.host, Port: e.port, Scheme: e.scheme, Category: e.category})
		}
	}
	return rows
}

func serversCSV(t *testing.T) []byte {
	var b bytes.Buffer
	if err := datasets.WriteServersCSV(&b, serverRows()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// resultsJSONL has one result per distinct https endpoint with a profile, in first-seen
// order.
func resultsJSONL(t *testing.T) []byte {
	var b bytes.Buffer
	w := result.NewWriter(&b)
	seen := map[string]bool{}
	for _, a := range apps {
		for _, e := range servers[a.ID] {
			key := e.host + ":" + itoa(e.port)
			if e.profile == "" || seen[key] {
				continue
			}
			seen[key] = true
			r, err := synthResult(e)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b.Bytes()
}

const rulesTxt = `# Classification rules for the sample study's invented third parties
# (used with: mhealthsec ingest ... --rules datasets/sample/rules.txt).
advertising adnet.example
tracking    statsy.example
content     oldcdn.example
content     plaincdn.example
`

// a01Capture is app a01's traffic: a DNS answer, then TLS with the SNI of a real Go
// ClientHello for each https server (one over IPv6, one without SNI named by DNS).
func a01Capture(t *testing.T) []byte {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cli := netip.MustParseAddr("10.0.2.15")
	cli6 := netip.MustParseAddr("2001:db8:a01::15")
	var pkts []capturetest.Packet
	for i, e := range servers["a01"] {
		srv := netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)})
		c := cli
		if i == 3 {
			srv, c = netip.MustParseAddr("2001:db8:5e::"+itoa(i+1)), cli6
		}
		sni := e.host
		if i == 1 { // no SNI: named by the DNS answer before it
			sni = ""
			ans, err := capturetest.DNSAnswer(netip.AddrPortFrom(c, 53535), netip.AddrPortFrom(netip.MustParseAddr("10.0.2.3"), 53), e.host, srv)
			if err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, ans)
		}
		hello, err := capturetest.ClientHello(ctx, sni)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, capturetest.Conversation(netip.AddrPortFrom(c, uint16(40000+i)), netip.AddrPortFrom(srv, uint16(e.port)), hello, nil, 200)...)
	}
	var b bytes.Buffer
	if err := capturetest.Write(&b, capturetest.Ethernet, true, scanTime, pkts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// a12HAR is app a12's traffic as a mitmproxy-style HAR export.
func a12HAR() []byte {
	type req struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	}
	type entry struct {
		Started string `json:"startedDateTime"`
		Request req    `json:"request"`
		IP      string `json:"serverIPAddress"`
	}
	var entries []entry
	for i, e := range servers["a12"] {
		u := e.scheme + "://" + e.host
		if (e.scheme == "https" && e.port != 443) || (e.scheme == "http" && e.port != 80) {
			u += ":" + itoa(e.port)
		}
		entries = append(entries, entry{scanTime.Add(time.Duration(i) * time.Second).Format(time.RFC3339), req{"GET", u + "/"}, "192.0.2." + itoa(100+i)})
	}
	doc := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]string{"name": "mhealthsec sample generator", "version": "1"},
		"pages": []any{}, "entries": entries}}
	b, _ := json.MarshalIndent(doc, "", "  ")
	return append(b, '\n')
}

func TestSampleUpToDate(t *testing.T) {
	files := map[string][]byte{
		"apps.csv":         appsCSV(),
		"servers.csv":      serversCSV(t),
		"results.jsonl":    resultsJSONL(t),
		"rules.txt":        []byte(rulesTxt),
		"captures/a12.har": a12HAR(),
	}
	if *update {
		files["captures/a01.pcapng"] = a01Capture(t)
		for name, b := range files {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range files {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v (regenerate with -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator (regenerate with: go test ./datasets/sample -run TestSample -update)", name)
		}
	}
	st, err := datasets.LoadStudy(".")
	if err != nil {
		t.Fatalf("the sample study does not load: %v", err)
	}
	if len(st.Apps) != 12 || len(st.Servers) != 47 || len(st.Results) != 19 {
		t.Errorf("loaded %d apps, %d servers, %d results; want 12, 47, 19", len(st.Apps), len(st.Servers), len(st.Results))
	}
}

// TestSampleCapturesMatchServers reads the sample captures back: they name exactly the
// servers of their apps.
func TestSampleCapturesMatchServers(t *testing.T) {
	want := func(id string) map[string]bool {
		m := map[string]bool{}
		for _, e := range servers[id] {
			m[e.host+":"+itoa(e.port)+":"+e.scheme] = true
		}
		return m
	}
	f, err := os.Open(filepath.Join("captures", "a01.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	obs, st, err := capture.ReadPcap(f, "a01.pcapng")
	f.Close()
	if err != nil || st.SkippedTotal() != 0 {
		t.Fatalf("%v %s", err, st)
	}
	check := func(name string, obs []capture.Observation, want map[string]bool) {
		got := map[string]bool{}
		for _, o := range obs {
			got[o.Host+":"+itoa(o.Port)+":"+o.Scheme] = true
		}
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
		for k := range want {
			if !got[k] {
				t.Errorf("%s: %s missing (got %v)", name, k, got)
			}
		}
	}
	check("a01.pcapng", obs, want("a01"))
	hf, err := os.Open(filepath.Join("captures", "a12.har"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := capture.ReadHAR(hf, "a12.har")
	hf.Close()
	if err != nil {
		t.Fatal(err)
	}
	check("a12.har", h.Observations, want("a12"))
}
