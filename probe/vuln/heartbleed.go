package vuln

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Heartbeat message types (RFC 6520, 3).
const (
	heartbeatRequest  = 1
	heartbeatResponse = 2
	// heartbeatPadding is the minimum padding a heartbeat message carries.
	heartbeatPadding = 16
	// heartbleedClaim is the payload length the over-long request claims, as testssl.sh
	// does: a vulnerable server copies that many bytes of its memory into the answer.
	heartbleedClaim = 0x4000
)

// HeartbeatMessage builds a heartbeat message of type typ whose payload_length field says
// claimed while the message carries payload and 16 bytes of padding. claimed larger than
// len(payload) makes the Heartbleed probe.
func HeartbeatMessage(typ uint8, claimed uint16, payload []byte) []byte {
	b := make([]byte, 0, 3+len(payload)+heartbeatPadding)
	b = append(b, typ)
	b = binary.BigEndian.AppendUint16(b, claimed)
	b = append(b, payload...)
	return append(b, make([]byte, heartbeatPadding)...)
}

// ParseHeartbeat splits a heartbeat message into its type, claimed payload length and the
// bytes that follow the header.
func ParseHeartbeat(b []byte) (typ uint8, claimed uint16, rest []byte, err error) {
	if len(b) < 3 {
		return 0, 0, nil, fmt.Errorf("heartbeat message of %d bytes is shorter than its header", len(b))
	}
	return b[0], binary.BigEndian.Uint16(b[1:3]), b[3:], nil
}

// heartbleed sends, in the early-handshake variant testssl.sh uses (after ServerHelloDone,
// before the key exchange), a heartbeat request claiming 16 KiB while carrying 16 bytes,
// then a well-formed one. A vulnerable server answers the first with the claimed length of
// its memory; a sound one drops it (RFC 6520, 4) and echoes the second exactly, or ignores
// heartbeats before the handshake ends.
func (p *prober) heartbleed(ctx context.Context) (*bool, string) {
	if p.plan.tls13Only {
		return result.Bool(false), "not vulnerable: TLS 1.3 only (no heartbeat before the handshake ends)"
	}
	ch := p.hello()
	ch.Heartbeat = true
	s, fl, err := p.start(ctx, ch)
	if err != nil {
		return nil, "not tested: " + err.Error()
	}
	defer s.Close()
	if !fl.Hello.Heartbeat {
		return result.Bool(false), "not vulnerable: no heartbeat extension"
	}
	probe := make([]byte, 16)
	marker := make([]byte, 16)
	rand.Read(probe)
	rand.Read(marker)
	msgs := tlswire.AppendRecords(nil, tlswire.RecordHeartbeat, s.version, HeartbeatMessage(heartbeatRequest, heartbleedClaim, probe))
	msgs = tlswire.AppendRecords(msgs, tlswire.RecordHeartbeat, s.version, HeartbeatMessage(heartbeatRequest, uint16(len(marker)), marker))
	if _, err := s.conn.Write(msgs); err != nil {
		return nil, "not tested: send heartbeat: " + err.Error()
	}
	for range 4 {
		rep := s.readReply(0)
		switch {
		case rep.record != nil && rep.record.Type == tlswire.RecordHeartbeat:
			typ, claimed, rest, err := ParseHeartbeat(rep.record.Payload)
			if err != nil || typ != heartbeatResponse {
				return nil, "not tested: malformed heartbeat answer"
			}
			if claimed > uint16(len(marker)) || len(rest) > len(marker)+heartbeatPadding*4 {
				return result.Bool(true), fmt.Sprintf("VULNERABLE: heartbeat answer of %d bytes to a request carrying %d", len(rest), len(probe))
			}
			if bytes.HasPrefix(rest, marker) {
				return result.Bool(false), "not vulnerable: over-long heartbeat dropped, well-formed one echoed"
			}
			return result.Bool(false), "not vulnerable: heartbeat answered without extra bytes"
		case rep.record != nil:
			continue // e.g. a late handshake record
		case rep.timeout:
			return result.Bool(false), "not vulnerable: no heartbeat answer within " + p.cfg.Timeout.Round(time.Millisecond).String()
		default:
			return result.Bool(false), "not vulnerable: server answered the heartbeat with " + rep.String()
		}
	}
	return nil, "not tested: no heartbeat answer among the server's records"
}
