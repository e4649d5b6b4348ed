package session_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/session"
)

// A crypto/tls server resumes by ticket and TLS 1.3 PSK but keeps no session cache (no
// resumption by session id), speaks h2 only and never allows early data over TCP.
func ExampleMeasure() {
	root, err := pki.NewRoot("example root")
	if err != nil {
		panic(err)
	}
	cert, err := root.Issue(pki.LeafOptions{Key: pki.ECDSA256})
	if err != nil {
		panic(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				_, _ = io.Copy(io.Discard, c) // handshake, then read until the client closes
			}()
		}
	}()

	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", ln.Addr().String())
	}
	var r result.Result
	session.Measure(context.Background(), session.Config{Dial: dial, Timeout: 10 * time.Second}, &r)
	out, _ := json.Marshal(struct {
		SessionResumption *result.SessionResumption `json:"session_resumption"`
		ALPN              []string                  `json:"alpn"`
		EarlyData         *bool                     `json:"early_data"`
	}{r.SessionResumption, r.ALPN, r.EarlyData})
	fmt.Println(string(out))
	// Output:
	// {"session_resumption":{"session_id":false,"ticket":true,"tls13_psk":true},"alpn":["h2"],"early_data":false}
}
