package capture

import (
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// maxClientBytes bounds how much of a client's first bytes are reassembled per TCP
// connection: a ClientHello with post-quantum key shares fits with room to spare.
const maxClientBytes = 64 << 10

// ReadPcap reads a pcap or pcapng capture (detected from its first bytes) and returns one
// Observation per TCP connection whose client spoke TLS or HTTP. Unusable packets are
// counted in Stats; an error is returned only when the file is not a capture at all.
func ReadPcap(r io.Reader, name string) ([]Observation, Stats, error) {
	obs, st, _, err := readPcap(r, name)
	return obs, st, err
}

// readPcap is ReadPcap that also returns the assembler, whose counters tests read.
func readPcap(r io.Reader, name string) ([]Observation, Stats, *assembler, error) {
	st := Stats{File: name}
	fr, err := newFrameReader(r)
	if err != nil {
		return nil, st, nil, fmt.Errorf("%s: %w", name, err)
	}
	a := newAssembler()
	for {
		f, err := fr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			st.Truncated = true
			if errors.Is(err, errCorrupt) {
				st.skip("corrupt record (rest of file unreadable)")
			}
			break
		}
		st.Packets++
		if reason := a.packet(f); reason != "" {
			st.skip(reason)
		}
	}
	a.finish()
	st.ConnSkipped = a.skipped
	obs := a.observations()
	st.Connections, st.Unrecognized = a.connections, a.unrecognized
	return obs, st, a, nil
}

// decodeFrame decodes the link layer down to an IPv4 or IPv6 packet.
func decodeFrame(f frame) (gopacket.Packet, string) {
	var first gopacket.LayerType
	data := f.data
	switch f.link {
	case linkEthernet:
		first = layers.LayerTypeEthernet
	case linkLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case linkNull, linkLoop:
		first = layers.LayerTypeLoopback
	case linkSLL2:
		// SLL2: protocol type (2 bytes), reserved, interface index, ARPHRD type, packet
		// type, address length, 8 address bytes; 20 bytes in all (gopacket lacks it).
		if len(data) < 20 {
			return nil, "truncated"
		}
		switch binary.BigEndian.Uint16(data[:2]) {
		case 0x0800:
			first = layers.LayerTypeIPv4
		case 0x86dd:
			first = layers.LayerTypeIPv6
		default:
			return nil, ""
		}
		data = data[20:]
	case linkRaw, linkIPv4, linkIPv6:
		if len(data) == 0 {
			return nil, "truncated"
		}
		switch data[0] >> 4 {
		case 4:
			first = layers.LayerTypeIPv4
		case 6:
			first = layers.LayerTypeIPv6
		default:
			return nil, "malformed"
		}
	default:
		return nil, "unknown link type"
	}
	return gopacket.NewPacket(data, first, gopacket.DecodeOptions{Lazy: true, NoCopy: true}), ""
}

type assembler struct {
	flows map[flowKey]*flow
	// order lists client flows in the order their first byte was seen: the output order.
	order []*flow
	// dns maps a server address to the name last resolved to it.
	dns          map[netip.Addr]string
	connections  int
	unrecognized int
	// skipped counts connections left out or listed without a name of their own.
	skipped map[string]int
	// sniffed counts the stream bytes looked at, the work a hostile capture could inflate.
	sniffed int
}

type flowKey struct{ src, dst netip.AddrPort }

// flow is one direction of a TCP connection.
type flow struct {
	src, dst  netip.AddrPort
	start     uint32
	haveStart bool
	// client is set when this direction sent the SYN; server when it sent the SYN-ACK.
	client, server bool
	// stream holds the bytes from the start up to the first gap; pending the segments
	// beyond a gap, until the gap is filled. Each byte is copied once into each, so
	// reassembly is linear in the capture whatever the segment sizes and order.
	stream       []byte
	pending      segHeap
	pendingBytes int
	// sniffAt is the stream length at which to look at the stream again: looking only
	// when it has doubled keeps the work linear when it arrives a byte at a time.
	sniffAt int
	// head is the first bytes this direction sent, kept for server directions: a TLS
	// record there marks a TLS connection whose ClientHello the capture lost.
	head []byte
	// dnsName is what DNS said about dst when the stream began.
	dnsName string
	conn    *conn
	done    bool
}

// segment is a TCP payload at an offset from the stream's start.
type segment struct {
	off  int
	data []byte
}

// segHeap orders pending segments by offset (container/heap).
type segHeap []segment

func (h segHeap) Len() int           { return len(h) }
func (h segHeap) Less(i, j int) bool { return h[i].off < h[j].off }
func (h segHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *segHeap) Push(x any)        { *h = append(*h, x.(segment)) }
func (h *segHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}

// conn is a client connection that spoke TLS or HTTP.
type conn struct {
	dst    netip.AddrPort
	host   string // from SNI, Host or CONNECT; "" when the stream gave no name
	port   int    // from CONNECT or an absolute URI; 0: dst port
	scheme string
	source string
}

func newAssembler() *assembler {
	return &assembler{flows: map[flowKey]*flow{}, dns: map[netip.Addr]string{}}
}

// packet handles one frame and returns why it was skipped, "" when it was used or is
// simply not of interest (ARP, ICMP, ...).
func (a *assembler) packet(f frame) string {
	p, reason := decodeFrame(f)
	if p == nil {
		return reason
	}
	var src, dst netip.Addr
	switch nl := p.NetworkLayer().(type) {
	case *layers.IPv4:
		if nl.Flags&layers.IPv4MoreFragments != 0 || nl.FragOffset != 0 {
			return "IP fragment"
		}
		src, _ = netip.AddrFromSlice(nl.SrcIP.To4())
		dst, _ = netip.AddrFromSlice(nl.DstIP.To4())
	case *layers.IPv6:
		src, _ = netip.AddrFromSlice(nl.SrcIP.To16())
		dst, _ = netip.AddrFromSlice(nl.DstIP.To16())
		src, dst = src.Unmap(), dst.Unmap()
	default:
		if p.ErrorLayer() != nil {
			return truncOrMalformed(f)
		}
		return "" // not IP
	}
	switch tl := p.TransportLayer().(type) {
	case *layers.TCP:
		if tl.SrcPort == 0 || tl.DstPort == 0 {
			return "TCP port 0 (invalid)" // no server is reachable there; never a server row
		}
		a.tcp(netip.AddrPortFrom(src, uint16(tl.SrcPort)), netip.AddrPortFrom(dst, uint16(tl.DstPort)), tl)
	case *layers.UDP:
		if tl.SrcPort == 53 {
			a.dnsAnswer(tl.Payload)
		}
	default:
		if p.ErrorLayer() != nil {
			return truncOrMalformed(f)
		}
	}
	return ""
}

func truncOrMalformed(f frame) string {
	if f.cutOff {
		return "truncated"
	}
	return "malformed"
}

func (a *assembler) dnsAnswer(payload []byte) {
	// Through NewPacket, not DNS.DecodeFromBytes: gopacket's DNS decoder can panic on
	// malformed names, and NewPacket turns a decoder panic into a DecodeFailure layer.
	p := gopacket.NewPacket(payload, layers.LayerTypeDNS, gopacket.DecodeOptions{NoCopy: true})
	d, ok := p.Layer(layers.LayerTypeDNS).(*layers.DNS)
	if !ok || p.ErrorLayer() != nil || !d.QR {
		return
	}
	name := ""
	if len(d.Questions) > 0 {
		name = string(d.Questions[0].Name)
	}
	for _, ans := range d.Answers {
		if ans.Type != layers.DNSTypeA && ans.Type != layers.DNSTypeAAAA {
			continue
		}
		n := name
		if n == "" {
			n = string(ans.Name)
		}
		if ip, ok := netip.AddrFromSlice(ans.IP); ok && n != "" {
			a.dns[ip.Unmap()] = strings.TrimSuffix(strings.ToLower(n), ".")
		}
	}
}

func (a *assembler) tcp(src, dst netip.AddrPort, t *layers.TCP) {
	key := flowKey{src, dst}
	fl := a.flows[key]
	if fl == nil {
		fl = &flow{src: src, dst: dst}
		a.flows[key] = fl
	}
	if t.SYN {
		fl.start, fl.haveStart = t.Seq+1, true
		if t.ACK {
			fl.server = true
		} else if !fl.client {
			fl.client = true
			a.connections++
		}
		return
	}
	if fl.done || len(t.Payload) == 0 {
		return
	}
	if !fl.haveStart {
		fl.start, fl.haveStart = t.Seq, true
	}
	if fl.server {
		if len(fl.head) < 5 && t.Seq-fl.start == uint32(len(fl.head)) {
			fl.head = append(fl.head, t.Payload[:min(len(t.Payload), 5-len(fl.head))]...)
		}
		return
	}
	if fl.conn == nil && len(fl.stream) == 0 && fl.pendingBytes == 0 {
		a.order = append(a.order, fl)
		fl.dnsName = a.dns[dst.Addr()]
	}
	fl.add(t.Seq-fl.start, t.Payload)
	if len(fl.stream) < max(fl.sniffAt, 1) {
		return
	}
	kind, name, port := a.sniff(fl.stream)
	if kind == needMore {
		if len(fl.stream) < maxClientBytes {
			fl.sniffAt = min(2*len(fl.stream), maxClientBytes)
			return
		}
		kind = unknown
	}
	a.decide(fl, kind, name, port)
}

// add puts a segment at offset off of the stream; bytes beyond maxClientBytes, before
// the start (a wrapped offset) or repeated are dropped.
func (fl *flow) add(off uint32, p []byte) {
	if off >= maxClientBytes {
		return
	}
	o := int(off)
	if o+len(p) > maxClientBytes {
		p = p[:maxClientBytes-o]
	}
	if o > len(fl.stream) {
		if fl.pendingBytes+len(p) <= maxClientBytes {
			heap.Push(&fl.pending, segment{off: o, data: append([]byte(nil), p...)})
			fl.pendingBytes += len(p)
		}
		return
	}
	if end := o + len(p); end > len(fl.stream) {
		fl.stream = append(fl.stream, p[len(fl.stream)-o:]...)
	}
	// The gap before pending segments may now be filled.
	for len(fl.pending) > 0 && fl.pending[0].off <= len(fl.stream) {
		s := heap.Pop(&fl.pending).(segment)
		fl.pendingBytes -= len(s.data)
		if end := s.off + len(s.data); end > len(fl.stream) {
			fl.stream = append(fl.stream, s.data[len(fl.stream)-s.off:]...)
		}
	}
}

func (a *assembler) sniff(b []byte) (streamKind, string, int) {
	a.sniffed += len(b)
	return sniff(b)
}

// decide records what a client flow is, once.
func (a *assembler) decide(fl *flow, kind streamKind, name string, port int) {
	fl.done, fl.stream, fl.pending, fl.pendingBytes = true, nil, nil, 0
	src, dst := fl.src, fl.dst
	rev := a.flows[flowKey{dst, src}]
	isClient := fl.client || rev != nil && rev.server
	switch {
	case kind == unknown:
		if isClient {
			a.unrecognized++
		}
		return
	case (kind == tlsOther || kind == tlsLost) && !isClient && dst.Port() > src.Port():
		// Mid-connection TLS records without a handshake in view: only the direction
		// towards the lower port is taken to be the client.
		return
	}
	if !fl.client {
		a.connections++
	}
	c := &conn{dst: dst, host: name, port: port}
	switch kind {
	case tlsHello, tlsOther, tlsLost:
		c.scheme, c.source = HTTPS, "sni"
	case httpRequest:
		c.scheme, c.source = HTTP, "http_host"
	case httpConnect:
		c.scheme, c.source = HTTPS, "connect"
	}
	switch kind {
	case tlsOther:
		a.skip("TLS caught mid-stream, no ClientHello")
	case tlsLost:
		a.skip("TLS ClientHello cut by a lost segment")
	}
	if c.host == "" && fl.dnsName != "" {
		c.host, c.source = fl.dnsName, "dns"
	}
	fl.conn = c
}

func (a *assembler) skip(reason string) {
	if a.skipped == nil {
		a.skipped = map[string]int{}
	}
	a.skipped[reason]++
}

// finish decides the client flows the capture ended on: a stream still too short to
// tell, or one whose start was lost.
func (a *assembler) finish() {
	for _, fl := range a.order {
		if fl.done {
			continue
		}
		kind, name, port := a.sniff(fl.stream)
		if kind == needMore {
			kind = unknown
			rev := a.flows[flowKey{fl.dst, fl.src}]
			switch {
			case len(fl.stream) > 0 && fl.stream[0] == 22:
				kind = tlsLost // a handshake record cut short by a lost segment
			case len(fl.stream) == 0 && rev != nil && isTLSRecord(rev.head):
				kind = tlsLost // the client's first segment is missing; the server spoke TLS
			case len(fl.stream) == 0 && (fl.client || rev != nil && rev.server):
				a.skip("client's first bytes lost, protocol unknown (left out)")
				fl.done = true
				continue
			}
		}
		a.decide(fl, kind, name, port)
	}
}

// isTLSRecord reports whether b starts with a TLS handshake or alert record header.
func isTLSRecord(b []byte) bool {
	return len(b) >= 3 && (b[0] == 22 || b[0] == 21) && b[1] == 3 && b[2] <= 4
}

// observations names the connections the stream did not name: by the SNI another
// connection to the same address and port sent, else by DNS answers seen, else by address.
func (a *assembler) observations() []Observation {
	sniByAddr := map[netip.AddrPort]string{}
	for _, fl := range a.order {
		if c := fl.conn; c != nil && c.source == "sni" && c.host != "" {
			if _, ok := sniByAddr[c.dst]; !ok {
				sniByAddr[c.dst] = c.host
			}
		}
	}
	out := make([]Observation, 0, len(a.order))
	for _, fl := range a.order {
		c := fl.conn
		if c == nil {
			continue
		}
		o := Observation{Host: c.host, IP: c.dst.Addr().String(), Port: int(c.dst.Port()), Scheme: c.scheme, Source: c.source}
		if c.port != 0 {
			o.Port = c.port
		}
		if o.Host == "" {
			if n, ok := sniByAddr[c.dst]; ok && c.scheme == HTTPS {
				o.Host, o.Source = n, "sni_same_address"
			} else if n, ok := a.dns[c.dst.Addr()]; ok {
				o.Host, o.Source = n, "dns"
			} else {
				o.Host, o.Source = o.IP, "ip"
			}
		}
		if c.source == "connect" {
			o.IP = "" // the address is the proxy's, not the server's
		}
		out = append(out, o)
	}
	return out
}
