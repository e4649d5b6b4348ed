package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Link types (LINKTYPE_* of tcpdump.org) this package decodes.
const (
	linkNull     = 0
	linkEthernet = 1
	linkRaw      = 101
	linkLoop     = 108
	linkLinuxSLL = 113
	linkIPv4     = 228
	linkIPv6     = 229
	linkSLL2     = 276
)

// Bounds that keep a corrupt length field from allocating without limit.
const (
	maxPacketBytes = 256 << 10
	maxBlockBytes  = maxPacketBytes + 1<<16
)

// errCut is a file that ends inside a record or block; errCorrupt a length field that
// cannot be right, after which the file cannot be followed.
var (
	errCut     = errors.New("file ends in the middle of a packet")
	errCorrupt = errors.New("corrupt record length")
)

// frame is one captured packet and the link type of its interface.
type frame struct {
	data   []byte
	link   uint32
	cutOff bool // captured length shorter than the packet on the wire
}

// frameReader yields frames; io.EOF at the clean end of the file.
type frameReader interface {
	next() (frame, error)
}

// gunzipped returns a reader of r's content, decompressed when r starts with the gzip
// magic number (a .pcap.gz, .pcapng.gz or .har.gz); the work stays linear in the
// decompressed size.
func gunzipped(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip-compressed, but the gzip header is unreadable: %w", err)
	}
	return zr, nil
}

// newFrameReader detects pcap or pcapng, gzip-compressed or not, from the first bytes.
func newFrameReader(r io.Reader) (frameReader, error) {
	r, err := gunzipped(r)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(r)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("not a capture file: %w", errCut)
	}
	if binary.BigEndian.Uint32(magic) == 0x0A0D0D0A {
		return &pcapngReader{r: br}, nil
	}
	return newPcapReader(br)
}

type pcapReader struct {
	r     io.Reader
	order binary.ByteOrder
	link  uint32
	hdr   [16]byte
	buf   []byte // reused: a frame is valid until the next call
}

func newPcapReader(r io.Reader) (*pcapReader, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("not a capture file: header: %w", errCut)
	}
	p := &pcapReader{r: r}
	switch m := binary.LittleEndian.Uint32(h[:4]); m {
	case 0xa1b2c3d4, 0xa1b23c4d:
		p.order = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		p.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("not a pcap or pcapng file (magic %08x)", m)
	}
	// The low 16 bits are the link type; the upper bits carry FCS information.
	p.link = p.order.Uint32(h[20:24]) & 0xffff
	return p, nil
}

func (p *pcapReader) next() (frame, error) {
	n, err := io.ReadFull(p.r, p.hdr[:])
	if err == io.EOF {
		return frame{}, io.EOF
	}
	if err != nil || n < 16 {
		return frame{}, errCut
	}
	incl := p.order.Uint32(p.hdr[8:12])
	orig := p.order.Uint32(p.hdr[12:16])
	if incl > maxPacketBytes {
		return frame{}, errCorrupt
	}
	var err2 error
	if p.buf, err2 = readN(p.r, p.buf, int(incl)); err2 != nil {
		return frame{}, errCut
	}
	return frame{data: p.buf, link: p.link, cutOff: incl < orig}, nil
}

// pcapngReader follows pcapng blocks: section headers, interface descriptions and
// enhanced, simple and obsolete packet blocks; other blocks are skipped.
type pcapngReader struct {
	r     *bufio.Reader
	order binary.ByteOrder
	links []uint32 // per interface of the current section
	buf   []byte   // reused: a frame is valid until the next call
}

func (p *pcapngReader) next() (frame, error) {
	for {
		var head [8]byte
		n, err := io.ReadFull(p.r, head[:])
		if err == io.EOF {
			return frame{}, io.EOF
		}
		if err != nil || n < 8 {
			return frame{}, errCut
		}
		typ := binary.BigEndian.Uint32(head[:4])
		if typ == 0x0A0D0D0A {
			// The byte-order magic decides how the section's lengths read.
			bom, err := p.r.Peek(4)
			if err != nil {
				return frame{}, errCut
			}
			switch binary.LittleEndian.Uint32(bom) {
			case 0x1A2B3C4D:
				p.order = binary.LittleEndian
			case 0x4D3C2B1A:
				p.order = binary.BigEndian
			default:
				return frame{}, errCorrupt
			}
			p.links = p.links[:0]
		}
		if p.order == nil {
			return frame{}, errCorrupt
		}
		typ = p.order.Uint32(head[:4])
		total := p.order.Uint32(head[4:8])
		if total < 12 || total%4 != 0 || total > maxBlockBytes {
			return frame{}, errCorrupt
		}
		if p.buf, err = readN(p.r, p.buf, int(total-8)); err != nil {
			return frame{}, errCut
		}
		body := p.buf[:len(p.buf)-4] // trailing copy of the length
		switch typ {
		case 1: // interface description
			if len(body) < 8 {
				return frame{}, errCorrupt
			}
			p.links = append(p.links, uint32(p.order.Uint16(body[:2])))
		case 6: // enhanced packet
			if len(body) < 20 {
				return frame{}, errCorrupt
			}
			iface, capLen, orig := p.order.Uint32(body[:4]), p.order.Uint32(body[12:16]), p.order.Uint32(body[16:20])
			if uint64(capLen) > uint64(len(body)-20) {
				return frame{}, errCorrupt
			}
			return frame{data: body[20 : 20+capLen], link: p.link(iface), cutOff: capLen < orig}, nil
		case 3: // simple packet: interface 0, captured length implied by the block
			if len(body) < 4 {
				return frame{}, errCorrupt
			}
			orig := p.order.Uint32(body[:4])
			data := body[4:]
			if uint64(len(data)) > uint64(orig) {
				data = data[:orig]
			}
			return frame{data: data, link: p.link(0), cutOff: uint64(len(data)) < uint64(orig)}, nil
		case 2: // obsolete packet block
			if len(body) < 20 {
				return frame{}, errCorrupt
			}
			iface, capLen, orig := uint32(p.order.Uint16(body[:2])), p.order.Uint32(body[12:16]), p.order.Uint32(body[16:20])
			if uint64(capLen) > uint64(len(body)-20) {
				return frame{}, errCorrupt
			}
			return frame{data: body[20 : 20+capLen], link: p.link(iface), cutOff: capLen < orig}, nil
		}
	}
}

// link returns an interface's link type; an unknown interface gets an impossible type so
// its packets are counted as of unknown link type.
func (p *pcapngReader) link(iface uint32) uint32 {
	if int64(iface) < int64(len(p.links)) {
		return p.links[iface]
	}
	return 1 << 31
}

// readN reads n bytes into buf[:0], growing buf as bytes arrive, so a length field that
// claims more than the file holds costs no more memory than the file.
func readN(r io.Reader, buf []byte, n int) ([]byte, error) {
	buf = buf[:0]
	for len(buf) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		end := min(n, cap(buf))
		k, err := io.ReadFull(r, buf[len(buf):end])
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
