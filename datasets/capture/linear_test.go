package capture

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/datasets/capture/capturetest"
)

// hostileCapture builds a capture of at most size bytes whose one TLS connection sends a
// handshake record header announcing 16 KiB and then its body a byte per segment, in the
// given order: the input that made reassembly quadratic (every segment re-joined the
// stream from a map and re-read it from the start).
func hostileCapture(tb testing.TB, size int, reverse bool) []byte {
	tb.Helper()
	cli, srv := ap("10.0.0.2:40000"), ap("203.0.113.7:443")
	pkts := []capturetest.Packet{{Src: cli, Dst: srv, SYN: true, Seq: 999}}
	pkts = append(pkts, capturetest.Packet{Src: cli, Dst: srv, ACK: true, Seq: 1000, Payload: []byte{22, 3, 1, 0x40, 0, 1, 0, 0x3f, 0xfc}})
	// An Ethernet frame of one payload byte is padded to 60 bytes, 76 with its pcap header.
	n := (size - 24 - 2*76 - 8) / 76
	body := make([]capturetest.Packet, n)
	for i := range body {
		body[i] = capturetest.Packet{Src: cli, Dst: srv, ACK: true, Seq: 1009 + uint32(i), Payload: []byte{byte(i)}}
	}
	if reverse {
		for i, j := 0, len(body)-1; i < j; i, j = i+1, j-1 {
			body[i], body[j] = body[j], body[i]
		}
	}
	data := writeCapture(tb, capturetest.Ethernet, false, append(pkts, body...))
	if len(data) > size {
		tb.Fatalf("hostile capture is %d bytes, want <= %d", len(data), size)
	}
	return data
}

// TestReadPcapLinear feeds 64 KiB hostile captures and checks the work done, not the time:
// the stream bytes looked at stay within a small multiple of the file, and allocations
// within a small number per packet.
func TestReadPcapLinear(t *testing.T) {
	for _, reverse := range []bool{false, true} {
		data := hostileCapture(t, 64<<10, reverse)
		_, st, a, err := readPcap(bytes.NewReader(data), "hostile.pcap")
		if err != nil {
			t.Fatal(err)
		}
		if a.sniffed > 2*len(data) {
			t.Errorf("reverse=%v: looked at %d stream bytes for a %d-byte capture of %d packets, want <= %d",
				reverse, a.sniffed, len(data), st.Packets, 2*len(data))
		}
		if st.ConnSkipped["TLS ClientHello cut by a lost segment"] != 1 {
			t.Errorf("reverse=%v: stats %s, want the cut ClientHello counted", reverse, st)
		}
		allocs := testing.AllocsPerRun(3, func() { _, _, _ = ReadPcap(bytes.NewReader(data), "hostile.pcap") })
		if perPacket := allocs / float64(st.Packets); perPacket > 12 {
			t.Errorf("reverse=%v: %.0f allocations for %d packets (%.1f each), want <= 12 each", reverse, allocs, st.Packets, perPacket)
		}
	}
}

// chainHAR is a HAR of n pages whose first requests redirect each to the next page's:
// followed afresh for every page, the chains cost n²/2 steps.
func chainHAR(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"log":{"pages":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"p%d"}`, i)
	}
	b.WriteString(`],"entries":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"pageref":"p%d","request":{"url":"https://h%d.example/"},"response":{"status":302,"redirectURL":"https://h%d.example/"}}`, i, i, i+1)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// TestReadHARLinear checks that doubling a hostile HAR (up to 64 KiB) at most about
// doubles the allocations.
func TestReadHARLinear(t *testing.T) {
	n := 1
	for len(chainHAR(2*n)) <= 64<<10 {
		n *= 2
	}
	allocs := func(n int) float64 {
		data := chainHAR(n)
		return testing.AllocsPerRun(2, func() {
			if _, err := ReadHAR(bytes.NewReader(data), "chain.har"); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, big := allocs(n/2), allocs(n)
	if big > 2.5*small {
		t.Errorf("%d pages: %.0f allocations, %d pages: %.0f; want about double, not %.1fx", n/2, small, n, big, big/small)
	}
}

// BenchmarkHostile times the hostile 64 KiB inputs of the tests above (README: no input
// of 64 KiB or less should take 100 ms).
func BenchmarkHostile(b *testing.B) {
	n := 1
	for len(chainHAR(2*n)) <= 64<<10 {
		n *= 2
	}
	inputs := []struct {
		name string
		data []byte
		read func([]byte)
	}{
		{"pcap-one-byte-segments", hostileCapture(b, 64<<10, false), func(d []byte) { _, _, _ = ReadPcap(bytes.NewReader(d), "x") }},
		{"pcap-one-byte-segments-reversed", hostileCapture(b, 64<<10, true), func(d []byte) { _, _, _ = ReadPcap(bytes.NewReader(d), "x") }},
		{"har-redirect-chain", chainHAR(n), func(d []byte) { _, _ = ReadHAR(bytes.NewReader(d), "x.har") }},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			for b.Loop() {
				in.read(in.data)
			}
		})
	}
}
