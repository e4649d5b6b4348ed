package session

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func TestTicketWait(t *testing.T) {
	tests := []struct {
		handshake, want time.Duration
	}{
		{0, minTicketWait},
		{time.Millisecond, minTicketWait},
		{200 * time.Millisecond, 800 * time.Millisecond},
		{500 * time.Millisecond, 2 * time.Second},
		{time.Second, maxTicketWait},
		{time.Minute, maxTicketWait},
	}
	for _, tt := range tests {
		if got := ticketWait(tt.handshake); got != tt.want {
			t.Errorf("ticketWait(%v) = %v, want %v", tt.handshake, got, tt.want)
		}
	}
}

// TestNoTicketNote: a TLS 1.3 server that issues no ticket is false, with a note naming
// how long the probe waited, within the bounds of ticketWait.
func TestNoTicketNote(t *testing.T) {
	cert := peertest.Leaf(t, pki.ECDSA256)
	srv := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13, SessionTicketsDisabled: true}, drain)
	var r result.Result
	Measure(context.Background(), Config{Dial: srv.Dial, Timeout: 20 * time.Second}, &r)
	if r.SessionResumption == nil || r.SessionResumption.TLS13PSK == nil || *r.SessionResumption.TLS13PSK {
		t.Fatalf("session_resumption %+v, want tls13_psk false", r.SessionResumption)
	}
	const prefix = "session_resumption.tls13_psk, early_data: false: no TLS 1.3 ticket within "
	for _, n := range r.Notes {
		if rest, ok := strings.CutPrefix(n, prefix); ok {
			d, err := time.ParseDuration(strings.TrimSuffix(rest, " of the handshake"))
			if err != nil || d < minTicketWait || d > maxTicketWait {
				t.Errorf("note %q: wait %v (%v), want within [%v, %v]", n, d, err, minTicketWait, maxTicketWait)
			}
			return
		}
	}
	t.Errorf("no note on the missing ticket in %q", r.Notes)
}
