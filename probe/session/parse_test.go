package session

import (
	"bytes"
	"testing"

	"golang.org/x/crypto/cryptobyte"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// serverHello12 is a TLS 1.2 ServerHello message with session id sid.
func serverHello12(sid []byte) []byte {
	var b cryptobyte.Builder
	b.AddUint16(tlswire.VersionTLS12)
	b.AddBytes(make([]byte, 32))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(sid) })
	b.AddUint16(0xc02f)
	b.AddUint8(0)
	return tlswire.AppendMessage(nil, tlswire.TypeServerHello, b.BytesOrPanic())
}

func TestResumes(t *testing.T) {
	id := bytes.Repeat([]byte{7}, 32)
	other := bytes.Repeat([]byte{8}, 32)
	hs := func(msgs ...[]byte) []byte {
		return tlswire.AppendRecords(nil, tlswire.RecordHandshake, tlswire.VersionTLS12, bytes.Join(msgs, nil))
	}
	ccs := tlswire.AppendRecords(nil, tlswire.RecordChangeCipherSpec, tlswire.VersionTLS12, []byte{1})
	cert := tlswire.AppendMessage(nil, tlswire.TypeCertificate, []byte{0, 0, 0})
	ticket := tlswire.AppendMessage(nil, tlswire.TypeNewSessionTicket, make([]byte, 6))
	tests := []struct {
		name    string
		in      []byte
		want    bool
		wantErr bool
	}{
		{"echo then ChangeCipherSpec", append(hs(serverHello12(id)), ccs...), true, false},
		{"echo then NewSessionTicket", hs(serverHello12(id), ticket), true, false},
		// Some servers echo any offered id and still do a full handshake.
		{"echo then Certificate", hs(serverHello12(id), cert), false, false},
		{"echo then Certificate in the next record", append(hs(serverHello12(id)), hs(cert)...), false, false},
		{"new id", hs(serverHello12(other), cert), false, false},
		{"no id", hs(serverHello12(nil), cert), false, false},
		{"alert", tlswire.AppendRecords(nil, tlswire.RecordAlert, tlswire.VersionTLS12, []byte{2, 40}), false, true},
		{"ChangeCipherSpec first", ccs, false, true},
		{"cut short", hs(serverHello12(id))[:20], false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resumes(bytes.NewReader(tt.in), id)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("resumes = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// newSessionTicket is a TLS 1.3 NewSessionTicket body, with early_data when early > 0.
func newSessionTicket(early uint32) []byte {
	var b cryptobyte.Builder
	b.AddUint32(7200)
	b.AddUint32(1)
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("ticket")) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		if early > 0 {
			b.AddUint16(extEarlyData)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint32(early) })
		}
	})
	return b.BytesOrPanic()
}

func TestParseTicketEarlyData(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		want    uint32
		wantErr bool
	}{
		{"early data", newSessionTicket(16384), 16384, false},
		{"none", newSessionTicket(0), 0, false},
		{"trailing byte", append(newSessionTicket(0), 0), 0, true},
		{"cut", newSessionTicket(16384)[:10], 0, true},
		{"empty", nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTicketEarlyData(tt.body)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseTicketEarlyData = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzResumes(f *testing.F) {
	id := bytes.Repeat([]byte{7}, 32)
	f.Add(tlswire.AppendRecords(nil, tlswire.RecordHandshake, tlswire.VersionTLS12, serverHello12(id)))
	f.Add([]byte{22, 3, 3, 0, 4, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = resumes(bytes.NewReader(in), id) // must not panic or loop
	})
}

func FuzzParseTicketEarlyData(f *testing.F) {
	f.Add(newSessionTicket(16384))
	f.Add(newSessionTicket(0))
	f.Fuzz(func(t *testing.T, body []byte) { _, _ = parseTicketEarlyData(body) })
}

func FuzzTicketEarlyData(f *testing.F) {
	keyLog := []byte("SERVER_TRAFFIC_SECRET_0 00 " + string(bytes.Repeat([]byte("ab"), 32)) + "\n")
	f.Add([]byte{23, 3, 3, 0, 20, 1, 2, 3}, keyLog)
	f.Fuzz(func(t *testing.T, in, keyLog []byte) {
		for _, suite := range []uint16{0x1301, 0x1302, 0x1303} {
			_, _ = ticketEarlyData(in, keyLog, suite)
		}
	})
}
