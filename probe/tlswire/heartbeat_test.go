package tlswire

import (
	"bytes"
	"testing"
)

func TestHeartbeatMessage(t *testing.T) {
	tests := []struct {
		name    string
		typ     uint8
		claimed uint16
		payload []byte
		want    []byte
	}{
		{"honest request", HeartbeatRequest, 2, []byte("hi"), append([]byte{1, 0, 2, 'h', 'i'}, make([]byte, 16)...)},
		{"heartbleed probe", HeartbeatRequest, 0x4000, []byte{7}, append([]byte{1, 0x40, 0, 7}, make([]byte, 16)...)},
		{"empty response", HeartbeatResponse, 0, nil, append([]byte{2, 0, 0}, make([]byte, 16)...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := HeartbeatMessage(tc.typ, tc.claimed, tc.payload)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("HeartbeatMessage = %x, want %x", got, tc.want)
			}
			typ, claimed, rest, err := ParseHeartbeat(got)
			if err != nil || typ != tc.typ || claimed != tc.claimed || !bytes.Equal(rest, tc.want[3:]) {
				t.Errorf("ParseHeartbeat = %d, %d, %x, %v", typ, claimed, rest, err)
			}
		})
	}
	if _, _, _, err := ParseHeartbeat([]byte{1, 0}); err == nil {
		t.Error("ParseHeartbeat of 2 bytes: no error")
	}
}

func FuzzParseHeartbeat(f *testing.F) {
	f.Add(HeartbeatMessage(HeartbeatRequest, 0x4000, []byte("0123456789abcdef")))
	f.Add([]byte{2, 0, 0})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, claimed, rest, err := ParseHeartbeat(b)
		if err != nil {
			return
		}
		again := append([]byte{typ, byte(claimed >> 8), byte(claimed)}, rest...)
		if !bytes.Equal(again, b) {
			t.Fatalf("round trip changed %x to %x", b, again)
		}
	})
}
