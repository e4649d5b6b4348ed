package clientsim_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http/httptest"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/clientsim"
)

// Simulate the Android 4.4 and Android 14 apps against a server that allows TLS 1.2 and
// newer only: the old platform cannot connect.
func ExampleSimulate() {
	srv := httptest.NewUnstartedServer(nil)
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	var clients []clientsim.Client
	for _, c := range clientsim.Clients() {
		if c.Name == "android-4.4" || c.Name == "android-14" {
			clients = append(clients, c)
		}
	}
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", srv.Listener.Addr().String())
	}
	for _, s := range clientsim.Simulate(context.Background(), clientsim.Config{ConnConfig: check.ConnConfig{Dial: dial}, Clients: clients}) {
		if *s.Connects {
			fmt.Println(s.Client, s.Protocol, s.Group)
		} else {
			fmt.Println(s.Client, "fails:", s.Note)
		}
	}
	// Output:
	// android-4.4 fails: server refused: alert protocol_version
	// android-14 TLS1_3 x25519
}
