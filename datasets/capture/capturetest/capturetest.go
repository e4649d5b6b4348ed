// Package capturetest writes small packet captures for tests, seed corpora and the sample
// study: TCP conversations (with the real bytes of a Go TLS client's handshake, recorded
// on loopback) and DNS answers, framed as Ethernet, Linux cooked (SLL, SLL2) or raw IP,
// in pcap or pcapng.
package capturetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/mhealthsec/mhealthsec/probe/pki"
)

// Packet is one IP packet carrying TCP or UDP.
type Packet struct {
	Src, Dst netip.AddrPort
	UDP      bool
	SYN, ACK bool
	Seq, Ack uint32
	Payload  []byte
}

// Conversation returns the packets of one TCP connection: the three-way handshake, the
// client's bytes in segments of at most segSize bytes, then the server's bytes.
func Conversation(client, server netip.AddrPort, clientBytes, serverBytes []byte, segSize int) []Packet {
	const cISN, sISN = 1000, 5000
	out := []Packet{
		{Src: client, Dst: server, SYN: true, Seq: cISN},
		{Src: server, Dst: client, SYN: true, ACK: true, Seq: sISN, Ack: cISN + 1},
		{Src: client, Dst: server, ACK: true, Seq: cISN + 1, Ack: sISN + 1},
	}
	out = append(out, segments(client, server, cISN+1, sISN+1, clientBytes, segSize)...)
	out = append(out, segments(server, client, sISN+1, cISN+1+uint32(len(clientBytes)), serverBytes, segSize)...)
	return out
}

func segments(src, dst netip.AddrPort, seq, ack uint32, b []byte, size int) []Packet {
	var out []Packet
	for len(b) > 0 {
		n := min(size, len(b))
		out = append(out, Packet{Src: src, Dst: dst, ACK: true, Seq: seq, Ack: ack, Payload: b[:n]})
		seq += uint32(n)
		b = b[n:]
	}
	return out
}

// DNSAnswer is a DNS response from server to client: name resolves to ips.
func DNSAnswer(client, server netip.AddrPort, name string, ips ...netip.Addr) (Packet, error) {
	d := &layers.DNS{ID: 1, QR: true, RD: true, RA: true,
		Questions: []layers.DNSQuestion{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
	for _, ip := range ips {
		typ := layers.DNSTypeA
		if ip.Is6() {
			typ = layers.DNSTypeAAAA
		}
		d.Answers = append(d.Answers, layers.DNSResourceRecord{Name: []byte(name), Type: typ, Class: layers.DNSClassIN, TTL: 60, IP: ip.AsSlice()})
	}
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		return Packet{}, fmt.Errorf("dns answer for %s: %w", name, err)
	}
	return Packet{Src: server, Dst: client, UDP: true, Payload: buf.Bytes()}, nil
}

// Link is the link-layer framing of a written capture.
type Link int

// Framings.
const (
	Ethernet Link = iota
	LinuxSLL
	LinuxSLL2
	RawIP
)

// Serialize frames p as one link-layer packet.
func Serialize(p Packet, link Link) ([]byte, error) {
	var ls []gopacket.SerializableLayer
	var ipLayer gopacket.NetworkLayer
	ethType := layers.EthernetTypeIPv4
	proto := layers.IPProtocolTCP
	if p.UDP {
		proto = layers.IPProtocolUDP
	}
	if p.Src.Addr().Is4() {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: p.Src.Addr().AsSlice(), DstIP: p.Dst.Addr().AsSlice()}
		ipLayer = ip
		ls = append(ls, ip)
	} else {
		ethType = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: p.Src.Addr().AsSlice(), DstIP: p.Dst.Addr().AsSlice()}
		ipLayer = ip
		ls = append(ls, ip)
	}
	if p.UDP {
		u := &layers.UDP{SrcPort: layers.UDPPort(p.Src.Port()), DstPort: layers.UDPPort(p.Dst.Port())}
		if err := u.SetNetworkLayerForChecksum(ipLayer); err != nil {
			return nil, err
		}
		ls = append(ls, u)
	} else {
		t := &layers.TCP{SrcPort: layers.TCPPort(p.Src.Port()), DstPort: layers.TCPPort(p.Dst.Port()),
			Seq: p.Seq, Ack: p.Ack, SYN: p.SYN, ACK: p.ACK, PSH: len(p.Payload) > 0, Window: 65535}
		if err := t.SetNetworkLayerForChecksum(ipLayer); err != nil {
			return nil, err
		}
		ls = append(ls, t)
	}
	ls = append(ls, gopacket.Payload(p.Payload))
	switch link {
	case Ethernet:
		ls = append([]gopacket.SerializableLayer{&layers.Ethernet{
			SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: ethType}}, ls...)
	case LinuxSLL:
		// gopacket cannot serialize SLL; it is 16 bytes: packet type, ARPHRD, address
		// length, 8 address bytes, protocol.
		hdr := make([]byte, 16)
		binary.BigEndian.PutUint16(hdr[0:2], 4) // sent by us
		binary.BigEndian.PutUint16(hdr[2:4], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(hdr[4:6], 6)
		copy(hdr[6:12], []byte{2, 0, 0, 0, 0, 1})
		binary.BigEndian.PutUint16(hdr[14:16], uint16(ethType))
		ls = append([]gopacket.SerializableLayer{gopacket.Payload(hdr)}, ls...)
	case LinuxSLL2:
		hdr := make([]byte, 20)
		binary.BigEndian.PutUint16(hdr[0:2], uint16(ethType))
		binary.BigEndian.PutUint32(hdr[4:8], 2)  // interface index
		binary.BigEndian.PutUint16(hdr[8:10], 1) // ARPHRD_ETHER
		hdr[10], hdr[11] = 4, 6                  // outgoing, address length
		copy(hdr[12:18], []byte{2, 0, 0, 0, 0, 1})
		ls = append([]gopacket.SerializableLayer{gopacket.Payload(hdr)}, ls...)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// LinkType is the LINKTYPE_ value of a framing.
func (l Link) LinkType() uint32 {
	switch l {
	case LinuxSLL:
		return 113
	case LinuxSLL2:
		return 276
	case RawIP:
		return 101
	}
	return 1
}

// Write writes packets as a pcap file (pcapng when ng), one second apart from t0.
func Write(w io.Writer, link Link, ng bool, t0 time.Time, pkts []Packet) error {
	frames := make([][]byte, len(pkts))
	for i, p := range pkts {
		b, err := Serialize(p, link)
		if err != nil {
			return fmt.Errorf("packet %d: %w", i, err)
		}
		frames[i] = b
	}
	ci := func(i int) gopacket.CaptureInfo {
		return gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frames[i]), Length: len(frames[i])}
	}
	if link == LinuxSLL2 {
		// pcapgo keeps link types in a byte, so SLL2 (276) gets a hand-written pcap header.
		return writeSLL2Pcap(w, frames, ci)
	}
	lt := layers.LinkType(link.LinkType())
	if ng {
		nw, err := pcapgo.NewNgWriter(w, lt)
		if err != nil {
			return err
		}
		for i, f := range frames {
			if err := nw.WritePacket(ci(i), f); err != nil {
				return err
			}
		}
		return nw.Flush()
	}
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, lt); err != nil {
		return err
	}
	for i, f := range frames {
		if err := pw.WritePacket(ci(i), f); err != nil {
			return err
		}
	}
	return nil
}

func writeSLL2Pcap(w io.Writer, frames [][]byte, ci func(int) gopacket.CaptureInfo) error {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:4], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:6], 2)
	binary.LittleEndian.PutUint16(hdr[6:8], 4)
	binary.LittleEndian.PutUint32(hdr[16:20], 65535)
	binary.LittleEndian.PutUint32(hdr[20:24], 276)
	b.Write(hdr)
	for i, f := range frames {
		c := ci(i)
		rec := make([]byte, 16)
		binary.LittleEndian.PutUint32(rec[0:4], uint32(c.Timestamp.Unix()))
		binary.LittleEndian.PutUint32(rec[4:8], uint32(c.Timestamp.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:12], uint32(len(f)))
		binary.LittleEndian.PutUint32(rec[12:16], uint32(len(f)))
		b.Write(rec)
		b.Write(f)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// recordingConn keeps a copy of what the client writes.
type recordingConn struct {
	net.Conn
	mu      sync.Mutex
	written bytes.Buffer
}

func (c *recordingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.written.Write(b)
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// ClientHello records the first flight of a Go TLS client (crypto/tls defaults) that
// connects to a TLS server on 127.0.0.1 with the given SNI ("" sends none). It returns
// the client's bytes up to the end of its ClientHello.
func ClientHello(ctx context.Context, sni string) ([]byte, error) {
	return ClientHelloWith(ctx, sni, nil)
}

// ClientHelloWith is ClientHello with a client configuration of the caller's (nil: the
// defaults); ServerName and InsecureSkipVerify are set on a copy. X25519 alone as curve
// preference gives a ClientHello of about 250 bytes instead of about 1,400, which keeps
// fuzz seeds small.
func ClientHelloWith(ctx context.Context, sni string, client *tls.Config) ([]byte, error) {
	ca, err := pki.NewRoot("capturetest root")
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue(pki.LeafOptions{})
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.(*tls.Conn).HandshakeContext(ctx)
	}()
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return nil, err
	}
	rc := &recordingConn{Conn: raw}
	// Only the client's bytes matter, so the certificate need not match the SNI.
	cfg := &tls.Config{}
	if client != nil {
		cfg = client.Clone()
	}
	cfg.ServerName, cfg.InsecureSkipVerify = sni, true
	tc := tls.Client(rc, cfg)
	err = tc.HandshakeContext(ctx)
	tc.Close()
	if err != nil {
		return nil, fmt.Errorf("handshake with sni %q: %w", sni, err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	b := rc.written.Bytes()
	// The first record is the ClientHello; keep exactly it.
	if len(b) < 5 {
		return nil, fmt.Errorf("client wrote %d bytes", len(b))
	}
	n := min(len(b), 5+(int(b[3])<<8|int(b[4])))
	return append([]byte(nil), b[:n]...), nil
}
