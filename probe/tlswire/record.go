package tlswire

import (
	"errors"
	"fmt"
	"io"
)

// Record content types (RFC 8446, 5.1; heartbeat from RFC 6520).
const (
	RecordChangeCipherSpec uint8 = 20
	RecordAlert            uint8 = 21
	RecordHandshake        uint8 = 22
	RecordApplicationData  uint8 = 23
	RecordHeartbeat        uint8 = 24
)

// Protocol versions as they appear on the wire.
const (
	VersionSSL2  uint16 = 0x0002
	VersionSSL3  uint16 = 0x0300
	VersionTLS10 uint16 = 0x0301
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// MaxRecordPayload is the largest record body accepted: 2^14 plus the 2048 bytes of expansion
// TLSCiphertext may carry (RFC 5246, 6.2.3). Anything longer is a protocol violation.
const MaxRecordPayload = 1<<14 + 2048

// RecordHeaderLen is the length of a TLS record header.
const RecordHeaderLen = 5

// ErrRecordTooLarge reports a record header announcing more than MaxRecordPayload bytes.
var ErrRecordTooLarge = errors.New("tlswire: record length exceeds maximum")

// NotTLSError reports bytes that cannot be the start of an SSL 3.0/TLS record: the peer
// speaks another protocol (HTTP, SSH, garbage).
type NotTLSError struct {
	Header [RecordHeaderLen]byte
}

func (e *NotTLSError) Error() string {
	return fmt.Sprintf("tlswire: not a TLS record header: % x", e.Header[:])
}

// Record is one TLS record.
type Record struct {
	Type    uint8
	Version uint16
	Payload []byte
}

// ReadRecord reads one record from r. A header that cannot start a record yields a
// *NotTLSError, a length above MaxRecordPayload yields ErrRecordTooLarge before any body byte
// is read, and a stream that ends inside a record yields io.ErrUnexpectedEOF. A stream that
// ends cleanly before the first header byte yields io.EOF.
func ReadRecord(r io.Reader) (Record, error) {
	var hdr [RecordHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Record{}, err
	}
	if err := checkHeader(hdr); err != nil {
		return Record{}, err
	}
	n := int(hdr[3])<<8 | int(hdr[4])
	if n > MaxRecordPayload {
		return Record{}, fmt.Errorf("%w: %d > %d", ErrRecordTooLarge, n, MaxRecordPayload)
	}
	rec := Record{Type: hdr[0], Version: uint16(hdr[1])<<8 | uint16(hdr[2]), Payload: make([]byte, n)}
	if _, err := io.ReadFull(r, rec.Payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return Record{}, fmt.Errorf("tlswire: reading %d-byte record body: %w", n, err)
	}
	return rec, nil
}

// checkHeader accepts the content types of RFC 8446 and RFC 6520 and major version 3.
func checkHeader(hdr [RecordHeaderLen]byte) error {
	if hdr[0] < RecordChangeCipherSpec || hdr[0] > RecordHeartbeat || hdr[1] != 3 || hdr[2] > 4 {
		return &NotTLSError{Header: hdr}
	}
	return nil
}

// AppendRecords appends payload to b as records of type typ and version ver, split into
// fragments of at most 2^14 bytes.
func AppendRecords(b []byte, typ uint8, ver uint16, payload []byte) []byte {
	for {
		n := min(len(payload), 1<<14)
		b = append(b, typ, byte(ver>>8), byte(ver), byte(n>>8), byte(n))
		b = append(b, payload[:n]...)
		payload = payload[n:]
		if len(payload) == 0 {
			return b
		}
	}
}

// WriteRecords writes payload to w as records (see AppendRecords) in one Write call.
func WriteRecords(w io.Writer, typ uint8, ver uint16, payload []byte) error {
	if _, err := w.Write(AppendRecords(nil, typ, ver, payload)); err != nil {
		return fmt.Errorf("tlswire: write record: %w", err)
	}
	return nil
}
