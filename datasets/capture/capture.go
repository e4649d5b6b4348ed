// Package capture reads traffic captures — HAR 1.2 files (browsers, mitmproxy, Charles) and
// pcap or pcapng packet captures — and lists the servers a client talked to: host name,
// port and whether the connection was TLS (https) or plain HTTP (http).
//
// Packet captures are read in pure Go. Names come from, in order of preference, the TLS
// ClientHello's server_name (SNI), the HTTP Host header (or a proxy CONNECT target), and
// the DNS answers seen in the same capture (so a TLS connection without SNI still gets a
// name); failing all, the server's IP address is the host. The client's first bytes are
// reassembled from TCP segments in sequence order, so a ClientHello split across segments
// (or arriving out of order) is read whole.
//
// Bad packets never stop a read: they are counted by reason in Stats. A capture cut off in
// the middle gives what was read before the cut, with Stats.Truncated set.
//
// Not covered: QUIC/HTTP3 (UDP), DNS over TCP or TLS, IP fragments (counted, not
// reassembled), encrypted ClientHello (the outer SNI is reported).
package capture

import (
	"fmt"
	"sort"
	"strings"
)

// Scheme values of an Observation.
const (
	HTTPS = "https"
	HTTP  = "http"
)

// Observation is one connection (or HAR request) to a server.
type Observation struct {
	Host   string // lower-case name, or the IP address when no name is known
	IP     string // server address when known
	Port   int
	Scheme string // HTTPS or HTTP
	// Source says where Host came from: "sni", "http_host", "connect", "dns", "ip", "har".
	Source string
}

// Stats counts what a reader saw and what it skipped.
type Stats struct {
	File    string
	Packets int // packets (or HAR entries) read
	// Skipped counts unusable packets (or entries) by reason.
	Skipped map[string]int
	// Truncated is set when the file ended in the middle of a packet or block.
	Truncated bool
	// Connections counts TCP connections seen; Unrecognized those whose client bytes were
	// neither TLS nor HTTP (not reported as servers).
	Connections, Unrecognized int
	// ConnSkipped counts, by reason, TCP connections listed without a name of their own
	// (a lost or missing ClientHello: the server appears under its address, or a name
	// another connection or DNS gave it) or left out (nothing tells their protocol).
	ConnSkipped map[string]int
}

func (s *Stats) skip(reason string) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason]++
}

// SkippedTotal is the number of skipped packets or entries.
func (s Stats) SkippedTotal() int {
	n := 0
	for _, v := range s.Skipped {
		n += v
	}
	return n
}

// String summarises the counts: "skipped 3 of 1,204 packets: 2 truncated, 1 unknown link type".
func (s Stats) String() string {
	unit := "packets"
	if strings.HasSuffix(strings.TrimSuffix(strings.ToLower(s.File), ".gz"), ".har") {
		unit = "entries"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "skipped %s of %s %s", thousands(s.SkippedTotal()), thousands(s.Packets), unit)
	writeReasons(&b, s.Skipped)
	if len(s.ConnSkipped) > 0 {
		b.WriteString("; connections")
		writeReasons(&b, s.ConnSkipped)
	}
	if s.Truncated {
		b.WriteString("; file truncated, read up to the cut")
	}
	return b.String()
}

// writeReasons writes ": 2 a, 1 b", most frequent first.
func writeReasons(b *strings.Builder, counts map[string]int) {
	reasons := make([]string, 0, len(counts))
	for r := range counts {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if counts[reasons[i]] != counts[reasons[j]] {
			return counts[reasons[i]] > counts[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	for i, r := range reasons {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(b, "%s%s %s", sep, thousands(counts[r]), r)
	}
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
