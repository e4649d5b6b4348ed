package tlswire

import (
	"errors"
	"fmt"
	"io"
)

// Handshake message types (RFC 8446, 4; RFC 5246, 7.4).
const (
	TypeHelloRequest        uint8 = 0
	TypeClientHello         uint8 = 1
	TypeServerHello         uint8 = 2
	TypeNewSessionTicket    uint8 = 4
	TypeEncryptedExtensions uint8 = 8
	TypeCertificate         uint8 = 11
	TypeServerKeyExchange   uint8 = 12
	TypeCertificateRequest  uint8 = 13
	TypeServerHelloDone     uint8 = 14
	TypeCertificateVerify   uint8 = 15
	TypeClientKeyExchange   uint8 = 16
	TypeFinished            uint8 = 20
	TypeCertificateStatus   uint8 = 22
)

// MaxHandshakeMessage bounds one reassembled handshake message. Go's crypto/tls uses the
// same limit; a larger Certificate message is a protocol violation for a scanner.
const MaxHandshakeMessage = 1 << 16

// ErrMessageTooLarge reports a handshake message announcing more than MaxHandshakeMessage.
var ErrMessageTooLarge = errors.New("tlswire: handshake message length exceeds maximum")

// ErrUnexpectedRecord reports a record type a server's first flight cannot contain.
var ErrUnexpectedRecord = errors.New("tlswire: unexpected record type in handshake")

// Message is one handshake message: its type and body (without the 4-byte header).
type Message struct {
	Type uint8
	Body []byte
}

// AppendMessage appends a handshake message header and body to b.
func AppendMessage(b []byte, typ uint8, body []byte) []byte {
	n := len(body)
	b = append(b, typ, byte(n>>16), byte(n>>8), byte(n))
	return append(b, body...)
}

// HandshakeReader reassembles handshake messages from the records of r: a message may span
// records and a record may hold several messages. An alert record ends reading with the
// Alert as the error. ChangeCipherSpec records (TLS 1.3 middlebox compatibility) are skipped.
type HandshakeReader struct {
	r   io.Reader
	buf []byte
	// Version is the record version of the last record read, 0 before the first.
	Version uint16
	// Records counts the records read, for error messages and tests.
	Records int
}

// NewHandshakeReader reads records from r.
func NewHandshakeReader(r io.Reader) *HandshakeReader { return &HandshakeReader{r: r} }

// ReadMessage returns the next handshake message.
func (h *HandshakeReader) ReadMessage() (Message, error) {
	for {
		if len(h.buf) >= 4 {
			n := int(h.buf[1])<<16 | int(h.buf[2])<<8 | int(h.buf[3])
			if n > MaxHandshakeMessage {
				return Message{}, fmt.Errorf("%w: type %d of %d bytes", ErrMessageTooLarge, h.buf[0], n)
			}
			if len(h.buf) >= 4+n {
				m := Message{Type: h.buf[0], Body: h.buf[4 : 4+n : 4+n]}
				h.buf = h.buf[4+n:]
				return m, nil
			}
		}
		rec, err := ReadRecord(h.r)
		if err != nil {
			if err == io.EOF && (h.Records > 0 || len(h.buf) > 0) {
				err = io.ErrUnexpectedEOF
			}
			return Message{}, err
		}
		h.Records++
		h.Version = rec.Version
		switch rec.Type {
		case RecordHandshake:
			h.buf = append(h.buf, rec.Payload...)
		case RecordAlert:
			a, err := ParseAlert(rec.Payload)
			if err != nil {
				return Message{}, err
			}
			return Message{}, a
		case RecordChangeCipherSpec:
			// TLS 1.3 servers may send a dummy CCS after the ServerHello.
		default:
			return Message{}, fmt.Errorf("%w: %d", ErrUnexpectedRecord, rec.Type)
		}
	}
}
