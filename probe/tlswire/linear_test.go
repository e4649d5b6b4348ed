package tlswire

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fragmented re-records a real server flight (testdata/captures) as one-byte handshake
// records, repeated until about size bytes: the most records, and so the most
// reassembly steps, a size-byte input can hold.
func fragmented(tb testing.TB, size int) []byte {
	tb.Helper()
	flight, err := os.ReadFile(filepath.Join("testdata", "captures", "flight-go-tls12-ecdhe-rsa.bin"))
	if err != nil {
		tb.Fatal(err)
	}
	var hs []byte
	hr := NewHandshakeReader(bytes.NewReader(flight))
	for {
		m, err := hr.ReadMessage()
		if err != nil {
			break
		}
		hs = AppendMessage(hs, m.Type, m.Body)
	}
	if len(hs) == 0 {
		tb.Fatal("no handshake messages in the captured flight")
	}
	var out []byte
	for i := 0; len(out)+RecordHeaderLen+1 <= size; i++ {
		out = AppendRecords(out, RecordHandshake, VersionTLS12, hs[i%len(hs):i%len(hs)+1])
	}
	return out
}

// TestReadLinear feeds 64 KiB of one-byte records to the record and flight readers and
// checks the work done, not the time: allocations stay within a small number per record.
func TestReadLinear(t *testing.T) {
	data := fragmented(t, 64<<10)
	records := len(data) / (RecordHeaderLen + 1)
	tests := []struct {
		name string
		read func()
	}{
		{"ReadRecord", func() {
			r := bytes.NewReader(data)
			for {
				if _, err := ReadRecord(r); err != nil {
					return
				}
			}
		}},
		{"ReadFlight", func() {
			_, _ = ReadFlight(NewHandshakeReader(bytes.NewReader(data)), func(uint16) KeyExchange { return KxECDHE })
		}},
		{"ReadMessage", func() {
			hr := NewHandshakeReader(bytes.NewReader(data))
			for {
				if _, err := hr.ReadMessage(); err != nil {
					return
				}
			}
		}},
	}
	for _, tt := range tests {
		allocs := testing.AllocsPerRun(3, tt.read)
		if per := allocs / float64(records); per > 3 {
			t.Errorf("%s: %.0f allocations for %d records (%.2f each), want <= 3 each", tt.name, allocs, records, per)
		}
	}
}
