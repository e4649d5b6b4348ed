package capture

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/binary"
	"net/netip"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/datasets/capture/capturetest"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// hellos records real Go TLS ClientHellos once per test binary.
var hellos = struct {
	once       sync.Once
	sni, nosni []byte
	err        error
}{}

func clientHellos(tb testing.TB) (withSNI, withoutSNI []byte) {
	tb.Helper()
	hellos.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		hellos.sni, hellos.err = capturetest.ClientHello(ctx, "api.example.org")
		if hellos.err == nil {
			hellos.nosni, hellos.err = capturetest.ClientHello(ctx, "")
		}
	})
	if hellos.err != nil {
		tb.Fatalf("recording a Go TLS ClientHello on loopback: %v", hellos.err)
	}
	return hellos.sni, hellos.nosni
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// scenario is a small capture of one app: TLS with SNI (the ClientHello split in 100-byte
// segments), TLS without SNI named by an earlier DNS answer, plain HTTP with a Host
// header, and an SSH connection that is neither.
func scenario(tb testing.TB, v6 bool) ([]capturetest.Packet, []Observation) {
	hello, bare := clientHellos(tb)
	cli, dns := "10.0.0.2", "10.0.0.1"
	srvA, srvB, srvC, srvD := "203.0.113.7", "203.0.113.8", "198.51.100.9", "198.51.100.10"
	if v6 {
		cli, dns = "[2001:db8::2]", "[2001:db8::1]"
		srvA, srvB, srvC, srvD = "[2001:db8:1::7]", "[2001:db8:1::8]", "[2001:db8:2::9]", "[2001:db8:2::10]"
	}
	var pkts []capturetest.Packet
	ans, err := capturetest.DNSAnswer(ap(cli+":5353"), ap(dns+":53"), "cdn.example.net", ap(srvB+":1").Addr())
	if err != nil {
		tb.Fatal(err)
	}
	pkts = append(pkts, ans)
	pkts = append(pkts, capturetest.Conversation(ap(cli+":50001"), ap(srvA+":443"), hello, []byte{22, 3, 3, 0, 1, 2}, 100)...)
	pkts = append(pkts, capturetest.Conversation(ap(cli+":50002"), ap(srvB+":8443"), bare, nil, 1400)...)
	pkts = append(pkts, capturetest.Conversation(ap(cli+":50003"), ap(srvC+":80"),
		[]byte("GET /v1/steps HTTP/1.1\r\nHost: Plain.Example.com:80\r\nAccept: */*\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\n\r\n"), 20)...)
	pkts = append(pkts, capturetest.Conversation(ap(cli+":50004"), ap(srvD+":22"), []byte("SSH-2.0-OpenSSH_9.6\r\n"), nil, 100)...)
	ip := func(s string) string { return ap(s + ":1").Addr().String() }
	want := []Observation{
		{Host: "api.example.org", IP: ip(srvA), Port: 443, Scheme: HTTPS, Source: "sni"},
		{Host: "cdn.example.net", IP: ip(srvB), Port: 8443, Scheme: HTTPS, Source: "dns"},
		{Host: "plain.example.com", IP: ip(srvC), Port: 80, Scheme: HTTP, Source: "http_host"},
	}
	return pkts, want
}

func sortObs(o []Observation) {
	sort.Slice(o, func(i, j int) bool { return o[i].Host+o[i].Scheme < o[j].Host+o[j].Scheme })
}

func writeCapture(tb testing.TB, link capturetest.Link, ng bool, pkts []capturetest.Packet) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := capturetest.Write(&b, link, ng, t0, pkts); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestReadPcapLinkTypesAndFormats(t *testing.T) {
	links := []struct {
		name string
		link capturetest.Link
	}{{"ethernet", capturetest.Ethernet}, {"sll", capturetest.LinuxSLL}, {"sll2", capturetest.LinuxSLL2}, {"raw", capturetest.RawIP}}
	for _, l := range links {
		for _, ng := range []bool{false, true} {
			if ng && l.link == capturetest.LinuxSLL2 {
				continue // SLL2 is written as pcap only (see capturetest.Write)
			}
			for _, v6 := range []bool{false, true} {
				name := l.name + map[bool]string{false: "/pcap", true: "/pcapng"}[ng] + map[bool]string{false: "/ipv4", true: "/ipv6"}[v6]
				t.Run(name, func(t *testing.T) {
					pkts, want := scenario(t, v6)
					data := writeCapture(t, l.link, ng, pkts)
					got, st, err := ReadPcap(bytes.NewReader(data), "x.pcap")
					if err != nil {
						t.Fatal(err)
					}
					sortObs(got)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("observations\n got %+v\nwant %+v", got, want)
					}
					if st.Packets != len(pkts) || st.SkippedTotal() != 0 || st.Truncated {
						t.Errorf("stats = %+v, want %d packets, none skipped", st, len(pkts))
					}
					if st.Connections != 4 || st.Unrecognized != 1 {
						t.Errorf("connections %d unrecognized %d, want 4 and 1 (ssh)", st.Connections, st.Unrecognized)
					}
				})
			}
		}
	}
}

func TestReadPcapOutOfOrderAndNoHandshake(t *testing.T) {
	hello, _ := clientHellos(t)
	conv := capturetest.Conversation(ap("10.0.0.2:40000"), ap("203.0.113.7:443"), hello, nil, 60)
	// Drop SYN, SYN-ACK, ACK (capture started mid-connection) and reverse the data segments.
	data := conv[3:]
	for i, j := 0, len(data)-1; i < j; i, j = i+1, j-1 {
		data[i], data[j] = data[j], data[i]
	}
	// The earliest segment must come first for a capture without the handshake to know
	// where the stream starts: put it back in front.
	data = append([]capturetest.Packet{data[len(data)-1]}, data[:len(data)-1]...)
	got, _, err := ReadPcap(bytes.NewReader(writeCapture(t, capturetest.Ethernet, false, data)), "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Host != "api.example.org" {
		t.Errorf("got %+v, want api.example.org from reordered segments", got)
	}
}

func TestReadPcapConnectProxy(t *testing.T) {
	pkts := capturetest.Conversation(ap("10.0.0.2:40001"), ap("10.0.0.1:8080"),
		[]byte("CONNECT tracker.example.com:443 HTTP/1.1\r\nHost: tracker.example.com:443\r\n\r\n"), nil, 100)
	got, _, err := ReadPcap(bytes.NewReader(writeCapture(t, capturetest.Ethernet, true, pkts)), "x")
	if err != nil {
		t.Fatal(err)
	}
	want := []Observation{{Host: "tracker.example.com", Port: 443, Scheme: HTTPS, Source: "connect"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestReadPcapTruncatedAndSkipped(t *testing.T) {
	pkts, _ := scenario(t, false)
	full := writeCapture(t, capturetest.Ethernet, false, pkts)

	t.Run("cut file", func(t *testing.T) {
		cut := full[:len(full)*2/3]
		got, st, err := ReadPcap(bytes.NewReader(cut), "cut.pcap")
		if err != nil {
			t.Fatal(err)
		}
		if !st.Truncated || st.Packets == 0 || st.Packets >= len(pkts) {
			t.Errorf("stats = %+v, want truncated with some packets", st)
		}
		if len(got) == 0 || got[0].Host != "api.example.org" {
			t.Errorf("partial result = %+v, want the first connection", got)
		}
		if !strings.Contains(st.String(), "truncated") {
			t.Errorf("summary %q does not say truncated", st.String())
		}
	})
	t.Run("unknown link type and snaplen cut", func(t *testing.T) {
		b := append([]byte(nil), full...)
		binary.LittleEndian.PutUint32(b[20:24], 147) // LINKTYPE_USER0
		_, st, err := ReadPcap(bytes.NewReader(b), "user0.pcap")
		if err != nil {
			t.Fatal(err)
		}
		if st.Skipped["unknown link type"] != len(pkts) {
			t.Errorf("stats = %+v", st)
		}
		// Cut one TCP packet to 20 bytes of Ethernet+IP as if by a small snaplen.
		b = append([]byte(nil), full[:24]...)
		rec := make([]byte, 16)
		binary.LittleEndian.PutUint32(rec[8:12], 20)
		binary.LittleEndian.PutUint32(rec[12:16], 60)
		b = append(b, rec...)
		b = append(b, full[24+16:24+16+20]...)
		_, st, _ = ReadPcap(bytes.NewReader(b), "snap.pcap")
		if st.Skipped["truncated"] != 1 {
			t.Errorf("stats = %+v, want 1 truncated", st)
		}
	})
	t.Run("not a capture", func(t *testing.T) {
		for _, in := range []string{"", "abc", "GIF89a this is not a pcap file at all"} {
			if _, _, err := ReadPcap(strings.NewReader(in), "junk"); err == nil || !strings.Contains(err.Error(), "junk") {
				t.Errorf("ReadPcap(%q) err = %v, want an error naming the file", in, err)
			}
		}
	})
}

func TestReadPcapGzip(t *testing.T) {
	pkts, want := scenario(t, false)
	for _, ng := range []bool{false, true} {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(writeCapture(t, capturetest.Ethernet, ng, pkts))
		zw.Close()
		got, st, err := ReadPcap(bytes.NewReader(gz.Bytes()), "x.pcap.gz")
		if err != nil {
			t.Fatal(err)
		}
		sortObs(got)
		if !reflect.DeepEqual(got, want) || st.Truncated {
			t.Errorf("ng=%v: got %+v (%s), want %+v", ng, got, st, want)
		}
		// A cut .gz reads up to the cut, like a cut capture.
		_, st, err = ReadPcap(bytes.NewReader(gz.Bytes()[:gz.Len()/2]), "cut.pcap.gz")
		if err != nil || !st.Truncated {
			t.Errorf("ng=%v: cut gzip: err %v, stats %s; want truncated", ng, err, st)
		}
	}
}

func TestStatsString(t *testing.T) {
	st := Stats{File: "a.pcap", Packets: 1204, Skipped: map[string]int{"truncated": 2, "unknown link type": 1}}
	if got, want := st.String(), "skipped 3 of 1,204 packets: 2 truncated, 1 unknown link type"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

const harSample = `{"log":{"version":"1.2","creator":{"name":"mitmproxy har_dump","version":"0.1"},
"pages":[{"id":"page_1","title":"https://www.example-health.de/start","startedDateTime":"2026-11-23T12:00:00Z"}],
"entries":[
 {"request":{"method":"GET","url":"https://API.example-health.de/v2/user?x=1","httpVersion":"HTTP/1.1"},"serverIPAddress":"203.0.113.7","connection":"443"},
 {"request":{"method":"POST","url":"http://tracker.example.com:8080/collect"},"serverIPAddress":"[2001:db8::1]"},
 {"request":{"method":"CONNECT","url":"ads.example.net:443"}},
 {"request":{"method":"GET","url":"wss://push.example.org/socket"}},
 {"request":{"method":"GET","url":"data:image/png;base64,AAAA"}},
 {"request":{"method":"GET","url":"https://bad port.example:99999/"}},
 {"response":{"status":200}}
]}}`

func TestReadHAR(t *testing.T) {
	h, err := ReadHAR(strings.NewReader(harSample), "x.har")
	if err != nil {
		t.Fatal(err)
	}
	want := []Observation{
		{Host: "api.example-health.de", IP: "203.0.113.7", Port: 443, Scheme: HTTPS, Source: "har"},
		{Host: "tracker.example.com", IP: "2001:db8::1", Port: 8080, Scheme: HTTP, Source: "har"},
		{Host: "ads.example.net", Port: 443, Scheme: HTTPS, Source: "har"},
		{Host: "push.example.org", Port: 443, Scheme: HTTPS, Source: "har"},
	}
	if !reflect.DeepEqual(h.Observations, want) {
		t.Errorf("observations\n got %+v\nwant %+v", h.Observations, want)
	}
	if !reflect.DeepEqual(h.PageHosts, []string{"example-health.de"}) {
		t.Errorf("page hosts = %v", h.PageHosts)
	}
	if h.Stats.Packets != 7 || h.Stats.SkippedTotal() != 3 {
		t.Errorf("stats = %+v (%s)", h.Stats, h.Stats)
	}
	if got := h.Stats.String(); !strings.HasPrefix(got, "skipped 3 of 7 entries") {
		t.Errorf("summary = %q", got)
	}
}

func TestReadHARErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{harSample[:200], "x.har: at $: file ends"},
		{`{"log":{"entries":[{"request":{"url":5}}]}}`, "x.har: at $.log.entries.request.url"},
		{`{"foo":1}`, "x.har: at $.log: missing"},
		{"{\n\"log\": {,}}", "x.har:2: invalid character"},
	}
	for _, tt := range tests {
		_, err := ReadHAR(strings.NewReader(tt.in), "x.har")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadHAR(%.30q) err = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func FuzzReadHAR(f *testing.F) {
	f.Add([]byte(harSample))
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"CONNECT","url":"[::1]:0"}}]}}`))
	f.Add(append([]byte("\xef\xbb\xbf"), harPageref...))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"log":{"pages":[{"id":"p"}],"entries":[{"pageref":"p","request":{"url":"http://a.example/"},"response":{"status":301,"redirectURL":"https://b.example/"}}]}}`))
	zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ReadHAR(bytes.NewReader(b), "fuzz.har")
		if err == nil && len(h.Observations)+h.Stats.SkippedTotal() != h.Stats.Packets {
			t.Fatalf("%d observations + %d skipped != %d entries", len(h.Observations), h.Stats.SkippedTotal(), h.Stats.Packets)
		}
	})
}

// fuzzSeeds are small captures, one connection each, of every kind the reader tells
// apart. Small on purpose: the fuzzer minimizes every new interesting input, one byte
// removal per execution, so seeds of several KiB stall it for minutes.
func fuzzSeeds(f *testing.F, ng bool) [][]byte {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	small := &tls.Config{CurvePreferences: []tls.CurveID{tls.X25519}}
	hello, err := capturetest.ClientHelloWith(ctx, "api.example.org", small)
	if err != nil {
		f.Fatal(err)
	}
	ans, err := capturetest.DNSAnswer(ap("10.0.0.2:5353"), ap("10.0.0.1:53"), "cdn.example.net", ap("203.0.113.8:1").Addr())
	if err != nil {
		f.Fatal(err)
	}
	cli, srv := ap("10.0.0.2:50001"), ap("203.0.113.8:443")
	cli6, srv6 := ap("[2001:db8::2]:50001"), ap("[2001:db8:1::7]:443")
	tls12 := []byte{22, 3, 3, 0, 1, 2}
	conv := capturetest.Conversation(cli, srv, hello, tls12, 128)
	var seeds [][]byte
	add := func(l capturetest.Link, pkts ...capturetest.Packet) {
		if ng && l == capturetest.LinuxSLL2 {
			return
		}
		seeds = append(seeds, writeCapture(f, l, ng, pkts))
	}
	add(capturetest.Ethernet, conv...)
	add(capturetest.LinuxSLL, capturetest.Conversation(cli6, srv6, hello, tls12, 200)...)
	add(capturetest.RawIP, append([]capturetest.Packet{ans}, capturetest.Conversation(cli, srv, []byte{23, 3, 3, 0, 2, 0, 0}, nil, 8)...)...)
	add(capturetest.LinuxSLL2, capturetest.Conversation(cli, ap("198.51.100.9:80"),
		[]byte("GET / HTTP/1.1\r\nHost: plain.example.com\r\n\r\n"), nil, 20)...)
	// The ClientHello's second segment lost: listed by address.
	add(capturetest.Ethernet, append(conv[:4:4], conv[5:]...)...)
	return seeds
}

func fuzzCaptures(f *testing.F, ng bool) {
	seeds := fuzzSeeds(f, ng)
	for _, s := range seeds {
		f.Add(s)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(seeds[0])
	zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		obs, st, err := ReadPcap(bytes.NewReader(b), "fuzz")
		if err != nil {
			return
		}
		for _, o := range obs {
			if o.Host == "" || o.Port <= 0 || o.Port > 65535 || (o.Scheme != HTTP && o.Scheme != HTTPS) {
				t.Fatalf("bad observation %+v", o)
			}
		}
		if st.SkippedTotal() > st.Packets+1 {
			t.Fatalf("skipped %d of %d", st.SkippedTotal(), st.Packets)
		}
	})
}

func FuzzReadPcap(f *testing.F)   { fuzzCaptures(f, false) }
func FuzzReadPcapng(f *testing.F) { fuzzCaptures(f, true) }
