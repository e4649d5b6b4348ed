package capture

import (
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
	st := Stats{File: name}
	fr, err := newFrameReader(r)
	if err != nil {
		return nil, st, fmt.Errorf("%s: %w", name, err)
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
	obs := a.observations()
	st.Connections, st.Unrecognized = a.connections, a.unrecognized
	return obs, st, nil
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
	// dns maps a server address to the name last resolved to it.
	dns          map[netip.Addr]string
	conns        []*conn
	connections  int
	unrecognized int
}

type flowKey struct{ src, dst netip.AddrPort }

// flow is one direction of a TCP connection.
type flow struct {
	start     uint32
	haveStart bool
	// client is set when this direction sent the SYN; server when it sent the SYN-ACK.
	client, server bool
	segs           map[uint32][]byte // by offset from start
	buffered       int
	done           bool
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
		fl = &flow{}
		a.flows[key] = fl
	}
	if t.SYN {
		fl.start, fl.haveStart = t.Seq+1, true
		if t.ACK {
			fl.server = true
		} else {
			fl.client = true
			a.connections++
		}
		return
	}
	if fl.done || fl.server || len(t.Payload) == 0 {
		return
	}
	if !fl.haveStart {
		fl.start, fl.haveStart = t.Seq, true
	}
	off := t.Seq - fl.start
	if off >= maxClientBytes || fl.buffered >= maxClientBytes {
		return // before the start (wrapped) or beyond what a first message needs
	}
	if fl.segs == nil {
		fl.segs = map[uint32][]byte{}
	}
	if _, dup := fl.segs[off]; !dup {
		b := append([]byte(nil), t.Payload...)
		fl.segs[off] = b
		fl.buffered += len(b)
	}
	stream := fl.contiguous()
	kind, name, port := sniff(stream)
	switch kind {
	case needMore:
		if fl.buffered < maxClientBytes {
			return
		}
		kind = unknown
	}
	fl.done, fl.segs = true, nil
	rev := a.flows[flowKey{dst, src}]
	isClient := fl.client || rev != nil && rev.server
	switch {
	case kind == unknown:
		if isClient {
			a.unrecognized++
		}
		return
	case kind == tlsOther && !isClient && dst.Port() > src.Port():
		// Mid-connection TLS records without a handshake in view: only the direction
		// towards the lower port is taken to be the client.
		return
	}
	if !fl.client {
		a.connections++
	}
	c := &conn{dst: dst, host: name, port: port}
	switch kind {
	case tlsHello, tlsOther:
		c.scheme, c.source = HTTPS, "sni"
	case httpRequest:
		c.scheme, c.source = HTTP, "http_host"
	case httpConnect:
		c.scheme, c.source = HTTPS, "connect"
	}
	if c.host == "" {
		if n, ok := a.dns[dst.Addr()]; ok {
			c.host, c.source = n, "dns"
		}
	}
	a.conns = append(a.conns, c)
}

// contiguous returns the client's bytes from the start up to the first gap.
func (fl *flow) contiguous() []byte {
	var out []byte
	for {
		seg, ok := fl.segs[uint32(len(out))]
		if !ok {
			// a segment that overlaps the end of what we have (retransmission with more data)
			found := false
			for off, s := range fl.segs {
				if int(off) < len(out) && int(off)+len(s) > len(out) {
					out = append(out, s[len(out)-int(off):]...)
					found = true
					break
				}
			}
			if !found {
				return out
			}
			continue
		}
		out = append(out, seg...)
	}
}

// observations resolves names the stream did not give from DNS answers seen later.
func (a *assembler) observations() []Observation {
	out := make([]Observation, 0, len(a.conns))
	for _, c := range a.conns {
		o := Observation{Host: c.host, IP: c.dst.Addr().String(), Port: int(c.dst.Port()), Scheme: c.scheme, Source: c.source}
		if c.port != 0 {
			o.Port = c.port
		}
		if o.Host == "" {
			if n, ok := a.dns[c.dst.Addr()]; ok {
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
