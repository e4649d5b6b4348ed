package tlswire

import (
	"encoding/binary"
	"fmt"
)

// Heartbeat message types and the minimum padding (RFC 6520, 3 and 4).
const (
	HeartbeatRequest  uint8 = 1
	HeartbeatResponse uint8 = 2
	HeartbeatPadding        = 16
)

// HeartbeatMessage builds a heartbeat message (the body of a RecordHeartbeat record) of type
// typ whose payload_length field says claimed while it carries payload and HeartbeatPadding
// zero bytes. A claim larger than len(payload) is the Heartbleed probe; a response that
// honours such a claim is the Heartbleed leak.
func HeartbeatMessage(typ uint8, claimed uint16, payload []byte) []byte {
	b := make([]byte, 0, 3+len(payload)+HeartbeatPadding)
	b = append(b, typ)
	b = binary.BigEndian.AppendUint16(b, claimed)
	b = append(b, payload...)
	return append(b, make([]byte, HeartbeatPadding)...)
}

// ParseHeartbeat splits a heartbeat message into its type, claimed payload length and the
// bytes that follow the header (payload and padding, which the claim does not separate in
// a hostile message).
func ParseHeartbeat(b []byte) (typ uint8, claimed uint16, rest []byte, err error) {
	if len(b) < 3 {
		return 0, 0, nil, fmt.Errorf("tlswire: heartbeat message of %d bytes is shorter than its header", len(b))
	}
	return b[0], binary.BigEndian.Uint16(b[1:3]), b[3:], nil
}
