package vuln

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// heartbleedClaim is the payload length the over-long request claims, as testssl.sh does:
// a vulnerable server copies that many bytes of its memory into the answer.
const heartbleedClaim = 0x4000

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
	msgs := tlswire.AppendRecords(nil, tlswire.RecordHeartbeat, s.version, tlswire.HeartbeatMessage(tlswire.HeartbeatRequest, heartbleedClaim, probe))
	msgs = tlswire.AppendRecords(msgs, tlswire.RecordHeartbeat, s.version, tlswire.HeartbeatMessage(tlswire.HeartbeatRequest, uint16(len(marker)), marker))
	if _, err := s.conn.Write(msgs); err != nil {
		return nil, "not tested: send heartbeat: " + err.Error()
	}
	for range 4 {
		rep := s.readReply(0)
		switch {
		case rep.record != nil && rep.record.Type == tlswire.RecordHeartbeat:
			typ, claimed, rest, err := tlswire.ParseHeartbeat(rep.record.Payload)
			if err != nil || typ != tlswire.HeartbeatResponse {
				return nil, "not tested: malformed heartbeat answer"
			}
			if claimed > uint16(len(marker)) || len(rest) > len(marker)+tlswire.HeartbeatPadding*4 {
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
