package fakeserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// The hostile fakes read whatever the client sends first (so that its write succeeds) and
// then misbehave. A scanner must end each with a classified error within its own timeouts.

// readFirst reads up to one buffer of the client's first bytes.
func readFirst(conn net.Conn) {
	conn.SetReadDeadline(time.Now().Add(drainLimit))
	buf := make([]byte, 4096)
	_, _ = conn.Read(buf)
	conn.SetReadDeadline(time.Time{})
}

// serverHelloRecord is a plausible TLS 1.2 ServerHello record, for the fakes that send only
// part of one.
func serverHelloRecord() ([]byte, error) {
	sh := tlswire.ServerHello{Version: tlswire.VersionTLS12, CipherSuite: 0xc02f}
	msg, err := sh.Marshal()
	if err != nil {
		return nil, err
	}
	return tlswire.AppendRecords(nil, tlswire.RecordHandshake, tlswire.VersionTLS12, msg), nil
}

// Garbage answers with bytes that are no protocol at all.
func Garbage() Handler {
	return func(ctx context.Context, conn net.Conn) {
		readFirst(conn)
		sum := sha256.Sum256([]byte("mhealthsec garbage"))
		junk := append([]byte{0xee, 0x00}, sum[:]...) // 0xee is no TLS content type
		if _, err := conn.Write(junk); err != nil {
			return
		}
		Drain(ctx, conn, drainLimit)
	}
}

// PlainHTTP answers like a web server that speaks plain HTTP on the TLS port: a 400
// response and a close, as nginx does for a TLS hello on an http listener.
func PlainHTTP() Handler {
	return func(ctx context.Context, conn net.Conn) {
		readFirst(conn)
		_, _ = conn.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
		Drain(ctx, conn, drainLimit)
	}
}

// Drip answers with the start of a plausible ServerHello record, one byte every interval,
// for as long as the client stays.
func Drip(interval time.Duration) Handler {
	return func(ctx context.Context, conn net.Conn) {
		readFirst(conn)
		stream, err := serverHelloRecord()
		if err != nil {
			return
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		for i := 0; ; i = (i + 1) % len(stream) {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := conn.Write(stream[i : i+1]); err != nil {
				return
			}
		}
	}
}

// Reset sends the first bytes of a ServerHello record and then resets the connection
// (TCP RST through SO_LINGER 0).
func Reset() Handler {
	return func(ctx context.Context, conn net.Conn) {
		readFirst(conn)
		rec, err := serverHelloRecord()
		if err != nil {
			return
		}
		if _, err := conn.Write(rec[:20]); err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

// Oversized answers with a handshake record header announcing 65535 bytes, far above the
// 2^14+2048 a TLS record may carry, followed by that many bytes.
func Oversized() Handler {
	return func(ctx context.Context, conn net.Conn) {
		readFirst(conn)
		rec := make([]byte, 5+0xffff)
		copy(rec, []byte{tlswire.RecordHandshake, 3, 3, 0xff, 0xff})
		if _, err := conn.Write(rec); err != nil {
			return
		}
		Drain(ctx, conn, drainLimit)
	}
}

// LongChain answers a TLS 1.0–1.2 ClientHello with a ServerHello choosing the client's first
// suite and a Certificate message carrying cert n times (split across records), then
// ServerHelloDone.
func LongChain(cert []byte, n int) Handler {
	return func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(drainLimit))
		ch, _, err := ReadClientHello(conn)
		if err != nil || len(ch.CipherSuites) == 0 {
			return
		}
		ver := min(ch.Version, tlswire.VersionTLS12)
		sh := tlswire.ServerHello{Version: ver, CipherSuite: ch.CipherSuites[0]}
		rand.Read(sh.Random[:])
		chain := make([][]byte, n)
		for i := range chain {
			chain[i] = cert
		}
		if writeFlight(conn, &sh, chain, nil) != nil {
			return
		}
		Drain(ctx, conn, drainLimit)
	}
}

// Silent accepts, reads and never answers.
func Silent() Handler {
	return func(ctx context.Context, conn net.Conn) {
		Drain(ctx, conn, 24*time.Hour)
	}
}
