package capture

import (
	"bytes"
	"net"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
)

type streamKind int

const (
	needMore streamKind = iota
	unknown
	tlsHello    // a ClientHello (name: its SNI, possibly empty)
	tlsOther    // TLS records, but not starting with a ClientHello
	tlsLost     // a TLS connection whose ClientHello the capture lost (cut or missing)
	httpRequest // name: the Host header
	httpConnect // name, port: the CONNECT target
)

var httpMethods = []string{"GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "TRACE ", "CONNECT "}

// sniff decides what a client's first bytes are.
func sniff(b []byte) (kind streamKind, name string, port int) {
	if len(b) == 0 {
		return needMore, "", 0
	}
	if b[0] >= 20 && b[0] <= 24 { // TLS record content types
		return sniffTLS(b)
	}
	if b[0]&0x80 != 0 { // SSLv2-compatible ClientHello: no extensions, so no SNI
		if len(b) < 3 {
			return needMore, "", 0
		}
		if b[2] == 1 {
			return tlsHello, "", 0
		}
		return unknown, "", 0
	}
	for _, m := range httpMethods {
		n := min(len(m), len(b))
		if string(b[:n]) == m[:n] {
			if len(b) < len(m) {
				return needMore, "", 0
			}
			return sniffHTTP(b)
		}
	}
	return unknown, "", 0
}

func sniffTLS(b []byte) (streamKind, string, int) {
	if len(b) < 5 {
		return needMore, "", 0
	}
	if b[1] != 3 {
		return unknown, "", 0
	}
	if b[0] != 22 {
		return tlsOther, "", 0
	}
	// Gather handshake bytes across records until the first message is complete.
	var hs []byte
	for len(b) >= 5 && b[0] == 22 {
		n := int(b[3])<<8 | int(b[4])
		if len(b) < 5+n {
			hs = append(hs, b[5:]...)
			b = nil
			break
		}
		hs = append(hs, b[5:5+n]...)
		b = b[5+n:]
		if len(hs) >= 4 && len(hs) >= 4+(int(hs[1])<<16|int(hs[2])<<8|int(hs[3])) {
			break
		}
	}
	if len(hs) < 4 {
		if len(b) == 0 {
			return needMore, "", 0
		}
		return tlsOther, "", 0
	}
	if hs[0] != 1 {
		return tlsOther, "", 0
	}
	n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
	if len(hs) < 4+n {
		if len(b) == 0 {
			return needMore, "", 0
		}
		return tlsHello, "", 0
	}
	return tlsHello, serverName(hs[4 : 4+n]), 0
}

// serverName reads the host_name of the server_name extension of a ClientHello body;
// "" when there is none or the message is malformed.
func serverName(body []byte) string {
	s := cryptobyte.String(body)
	var sessionID, suites, compression, exts cryptobyte.String
	if !s.Skip(2+32) || !s.ReadUint8LengthPrefixed(&sessionID) || !s.ReadUint16LengthPrefixed(&suites) ||
		!s.ReadUint8LengthPrefixed(&compression) {
		return ""
	}
	if s.Empty() || !s.ReadUint16LengthPrefixed(&exts) {
		return ""
	}
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return ""
		}
		if typ != 0 {
			continue
		}
		var list cryptobyte.String
		if !data.ReadUint16LengthPrefixed(&list) {
			return ""
		}
		for !list.Empty() {
			var nameType uint8
			var name cryptobyte.String
			if !list.ReadUint8(&nameType) || !list.ReadUint16LengthPrefixed(&name) {
				return ""
			}
			if nameType == 0 && validHostName(string(name)) {
				return strings.TrimSuffix(strings.ToLower(string(name)), ".")
			}
		}
	}
	return ""
}

func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func sniffHTTP(b []byte) (streamKind, string, int) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) < maxClientBytes {
			return needMore, "", 0
		}
		end = len(b)
	}
	lines := strings.Split(string(b[:end]), "\r\n")
	parts := strings.Fields(lines[0])
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/") {
		return unknown, "", 0
	}
	if parts[0] == "CONNECT" {
		host, ps, err := net.SplitHostPort(parts[1])
		p, perr := strconv.Atoi(ps)
		if err != nil || perr != nil || p <= 0 || p > 65535 || !validHostName(strings.Trim(host, "[]")) && net.ParseIP(host) == nil {
			return unknown, "", 0
		}
		return httpConnect, strings.ToLower(host), p
	}
	if u, err := url.Parse(parts[1]); err == nil && u.Scheme == "http" && u.Hostname() != "" {
		p := 80
		if u.Port() != "" {
			p, _ = strconv.Atoi(u.Port())
		}
		if p > 0 && p <= 65535 {
			return httpRequest, strings.ToLower(u.Hostname()), p
		}
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "host") {
			continue
		}
		v = strings.TrimSpace(v)
		host := v
		if h, _, err := net.SplitHostPort(v); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if validHostName(host) || net.ParseIP(host) != nil {
			return httpRequest, strings.ToLower(host), 0
		}
		break
	}
	return httpRequest, "", 0
}
