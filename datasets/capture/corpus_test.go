package capture

import (
	"bytes"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/datasets/capture/capturetest"
	"github.com/mhealthsec/mhealthsec/internal/testenv"
)

// The captures in testdata were made by make-captures.sh with tcpdump, dumpcap, curl,
// openssl and Chromium on loopback; the names are the ones that script gives its clients.
var corpus = []struct {
	file string
	want []string // host:port/scheme, sorted
	// connSkipped is the reason the capture must count once, "" for none.
	connSkipped string
}{
	{"curl-ethernet-ipv4.pcap", []string{"api.example-health.test:8443/https", "plain.example-health.test:8480/http"}, ""},
	{"curl-ethernet-ipv4.pcap.gz", []string{"api.example-health.test:8443/https", "plain.example-health.test:8480/http"}, ""},
	{"curl-cooked2-ipv4.pcap", []string{"api.example-health.test:8443/https", "plain.example-health.test:8480/http"}, ""},
	{"openssl-cooked-ipv6.pcap", []string{"cdn.example-cdn.test:8444/https", "tracker.example-ads.test:8444/https"}, ""},
	{"openssl-ethernet-ipv6.pcapng", []string{"cdn.example-cdn.test:8444/https", "tracker.example-ads.test:8444/https"}, ""},
	{"chromium-ethernet-ipv4.pcapng", []string{"www.example-health.test:8443/https"}, ""},
	// The relay's connection lost the middle of its ClientHello: listed under the name
	// the other connection to the same address sent, and counted.
	{"lost-clienthello.pcap", []string{"api.example-health.test:8443/https"}, "TLS ClientHello cut by a lost segment"},
}

func readCorpus(t *testing.T, file string) ([]Observation, Stats) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	obs, st, err := ReadPcap(f, file)
	if err != nil {
		t.Fatal(err)
	}
	return obs, st
}

func TestCorpusCaptures(t *testing.T) {
	for _, c := range corpus {
		obs, st := readCorpus(t, c.file)
		seen := map[string]bool{}
		var got []string
		for _, o := range obs {
			k := net.JoinHostPort(o.Host, strconv.Itoa(o.Port)) + "/" + o.Scheme
			if !seen[k] {
				seen[k] = true
				got = append(got, k)
			}
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: servers %v, want %v", c.file, got, c.want)
		}
		if st.SkippedTotal() != 0 || st.Truncated {
			t.Errorf("%s: %s, want nothing skipped", c.file, st)
		}
		if want := map[bool]int{true: 1}[c.connSkipped != ""]; st.ConnSkipped[c.connSkipped] != want || len(st.ConnSkipped) != want {
			t.Errorf("%s: connections skipped %v, want %q once", c.file, st.ConnSkipped, c.connSkipped)
		}
	}
}

// TestCorpusCapturesMatchTshark compares the reader with Wireshark's dissectors on every
// capture of the corpus: each ClientHello's SNI and each HTTP request's Host that tshark
// reads is a server the reader lists with the same address and port, each server the
// reader names from a ClientHello or Host header tshark read too, and every address and
// port a client opened a connection to (a SYN) is listed.
func TestCorpusCapturesMatchTshark(t *testing.T) {
	testenv.Slow(t, "runs tshark on every capture of the corpus")
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed (apt-get install tshark): differential test skipped")
	}
	for _, c := range corpus {
		if strings.HasSuffix(c.file, ".gz") {
			continue // the same packets as the file it was made from
		}
		out, err := exec.Command("tshark", "-n", "-r", filepath.Join("testdata", c.file),
			"-Y", "tls.handshake.type == 1 || http.request || (tcp.flags.syn == 1 && tcp.flags.ack == 0)",
			"-T", "fields", "-E", "separator=|", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
			"-e", "tls.handshake.extensions_server_name", "-e", "http.host").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v", c.file, err)
		}
		named, addrs := map[string]bool{}, map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(line, "|")
			if len(f) != 5 {
				t.Fatalf("%s: tshark line %q", c.file, line)
			}
			addr := net.JoinHostPort(f[0]+f[1], f[2])
			addrs[addr] = true
			if name := f[3]; name != "" {
				named[name+" "+addr] = true
			}
			if h := f[4]; h != "" {
				if host, _, err := net.SplitHostPort(h); err == nil {
					h = host
				}
				named[h+" "+addr] = true
			}
		}
		obs, _ := readCorpus(t, c.file)
		got, gotAddrs := map[string]bool{}, map[string]bool{}
		for _, o := range obs {
			addr := net.JoinHostPort(o.IP, strconv.Itoa(o.Port))
			gotAddrs[addr] = true
			if o.Source == "sni" || o.Source == "http_host" {
				got[o.Host+" "+addr] = true
			}
		}
		if !reflect.DeepEqual(got, named) {
			t.Errorf("%s: names from ClientHellos and Host headers\n reader %v\n tshark %v", c.file, got, named)
		}
		if !reflect.DeepEqual(gotAddrs, addrs) {
			t.Errorf("%s: addresses\n reader %v\n tshark %v", c.file, gotAddrs, addrs)
		}
	}
}

func TestCorpusHAR(t *testing.T) {
	for _, file := range []string{"playwright-chromium.har", "playwright-chromium-bom.har"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		h, err := ReadHAR(bytes.NewReader(data), file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// Playwright titles the page with the document's title; the page's own host comes
		// from its first request, redirected from example-health.test to www.
		if !reflect.DeepEqual(h.PageHosts, []string{"example-health.test"}) {
			t.Errorf("%s: page hosts %v", file, h.PageHosts)
		}
		if h.Stats.SkippedTotal() != 0 {
			t.Errorf("%s: %s", file, h.Stats)
		}
		// A second, generic walk over the raw JSON: every entries[].request.url's host and
		// port, in file order.
		var raw any
		if err := json.Unmarshal(bytes.TrimPrefix(data, utf8BOM), &raw); err != nil {
			t.Fatal(err)
		}
		var want []string
		var walk func(v any, key string)
		walk = func(v any, key string) {
			switch v := v.(type) {
			case map[string]any:
				if s, ok := v["url"].(string); ok && key == "request" {
					u, err := url.Parse(s)
					if err != nil {
						t.Fatal(err)
					}
					port := u.Port()
					if port == "" {
						port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
					}
					want = append(want, strings.ToLower(u.Hostname())+":"+port)
				}
				for k, c := range v {
					walk(c, k)
				}
			case []any:
				for _, c := range v {
					walk(c, key)
				}
			}
		}
		walk(raw, "")
		var got []string
		for _, o := range h.Observations {
			got = append(got, o.Host+":"+strconv.Itoa(o.Port))
		}
		sort.Strings(got)
		sort.Strings(want)
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: reader %v, generic walk %v", file, got, want)
		}
	}
}

// TestReadPcapLostAndMidStream: a connection whose first client segment the capture lost
// (the server answered with TLS) is listed under its address, and a connection caught
// mid-stream is named by the SNI another connection sent to the same address and port;
// both are counted in the summary.
func TestReadPcapLostAndMidStream(t *testing.T) {
	hello, _ := clientHellos(t)
	serverHello := []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}
	lost := capturetest.Conversation(ap("10.0.0.2:40001"), ap("198.51.100.20:443"), hello, serverHello, 100)
	lost = append(lost[:3:3], lost[4:]...) // SYN, SYN-ACK, ACK, then the first segment is gone
	named := capturetest.Conversation(ap("10.0.0.2:40002"), ap("203.0.113.7:443"), hello, nil, 1400)
	mid := capturetest.Conversation(ap("10.0.0.2:40003"), ap("203.0.113.7:443"), []byte{23, 3, 3, 0, 3, 1, 2, 3}, []byte{23, 3, 3, 0, 1, 9}, 100)
	mid = mid[3:] // the capture began after the handshake
	pkts := append(append(lost, named...), mid...)
	obs, st, err := ReadPcap(bytes.NewReader(writeCapture(t, capturetest.Ethernet, true, pkts)), "x.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	want := []Observation{
		{Host: "198.51.100.20", IP: "198.51.100.20", Port: 443, Scheme: HTTPS, Source: "ip"},
		{Host: "api.example.org", IP: "203.0.113.7", Port: 443, Scheme: HTTPS, Source: "sni"},
		{Host: "api.example.org", IP: "203.0.113.7", Port: 443, Scheme: HTTPS, Source: "sni_same_address"},
	}
	if !reflect.DeepEqual(obs, want) {
		t.Errorf("observations\n got %+v\nwant %+v", obs, want)
	}
	wantSkipped := map[string]int{"TLS ClientHello cut by a lost segment": 1, "TLS caught mid-stream, no ClientHello": 1}
	if !reflect.DeepEqual(st.ConnSkipped, wantSkipped) {
		t.Errorf("connections skipped %v, want %v", st.ConnSkipped, wantSkipped)
	}
	if s := st.String(); !strings.Contains(s, "connections: 1 TLS ClientHello cut by a lost segment, 1 TLS caught mid-stream, no ClientHello") {
		t.Errorf("summary %q does not list the skipped connections", s)
	}
}
