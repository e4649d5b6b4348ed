package tlswire

import (
	"bytes"
	"crypto/tls"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

// TestCaptureServerFlights records real server flights and client hellos from Go's
// crypto/tls and OpenSSL on loopback into testdata/captures, the fuzz seed corpus. It runs
// only with MHEALTHSEC_CAPTURE=1 so that ordinary test runs never rewrite testdata.
func TestCaptureServerFlights(t *testing.T) {
	if os.Getenv("MHEALTHSEC_CAPTURE") != "1" {
		t.Skip("set MHEALTHSEC_CAPTURE=1 to rewrite testdata/captures")
	}
	dir := filepath.Join("testdata", "captures")
	save := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	saveParts := func(prefix string, raw []byte) {
		save("flight-"+prefix+".bin", raw)
		hr := NewHandshakeReader(bytes.NewReader(raw))
		for {
			m, err := hr.ReadMessage()
			if err != nil {
				return
			}
			switch m.Type {
			case TypeCertificate:
				save("certificate-"+prefix+".bin", m.Body)
			case TypeServerKeyExchange:
				kind := "ecdhe"
				if m.Body[0] != 3 {
					kind = "dhe"
				}
				save("ske-"+kind+"-"+prefix+".bin", m.Body)
			}
		}
	}
	share, _, err := NewX25519Share(nil)
	if err != nil {
		t.Fatal(err)
	}
	hello12 := func(suites ...uint16) []byte {
		c := ClientHello{Version: VersionTLS12, CipherSuites: suites, SupportedGroups: []uint16{GroupX25519, GroupSecp256r1},
			PointFormats: []uint8{0}, SignatureAlgorithms: []uint16{0x0804, 0x0403, 0x0401}, SecureRenegotiation: true, ServerName: "localhost"}
		b, err := c.Record(VersionTLS10)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hello13 := func(groups ...uint16) []byte {
		c := ClientHello{Version: VersionTLS12, CipherSuites: []uint16{0x1301, 0x1302, 0x1303}, SupportedVersions: []uint16{VersionTLS13},
			SupportedGroups: groups, KeyShares: []KeyShare{share}, SignatureAlgorithms: []uint16{0x0804, 0x0403}, ServerName: "localhost"}
		b, err := c.Record(VersionTLS10)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	grab := func(addr string, hello []byte) []byte {
		_, raw, err := exchange(t, addr, hello)
		if err != nil && len(raw) == 0 {
			t.Fatalf("%s: %v", addr, err)
		}
		return raw
	}

	rsa, ecdsa := peertest.Leaf(t, pki.RSA2048), peertest.Leaf(t, pki.ECDSA256)
	goAddr := peertest.ServeGo(t, &tls.Config{Certificates: []tls.Certificate{rsa, ecdsa}, MinVersion: tls.VersionTLS10}, nil).Addr
	saveParts("go-tls12-ecdhe-rsa", grab(goAddr, hello12(0xc02f)))
	saveParts("go-tls12-ecdhe-ecdsa", grab(goAddr, hello12(0xc02b)))
	saveParts("go-tls13", grab(goAddr, hello13(GroupX25519)))
	saveParts("go-tls13-hrr", grab(goAddr, hello13(GroupSecp384r1)))
	saveParts("go-alert", grab(goAddr, hello12(0x0005)))

	// crypto/tls client hellos, as a fake server sees them.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"})
		if err == nil {
			c.Close()
		}
	}()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	sc.SetDeadline(time.Now().Add(5 * time.Second))
	if m, err := NewHandshakeReader(sc).ReadMessage(); err == nil {
		save("clienthello-go.bin", m.Body)
	}
	sc.Close()

	if _, err := exec.LookPath("openssl"); err != nil {
		t.Log("openssl not found; OpenSSL captures skipped")
		return
	}
	tmp := t.TempDir()
	certPath, keyPath, err := pki.WritePEM(tmp, "rsa", rsa)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		hello []byte
	}{
		{"openssl-tls12-dhe-rsa", []string{"-cipher", "DHE-RSA-AES128-GCM-SHA256", "-no_tls1_3"}, hello12(0x009e)},
		{"openssl-tls12-ecdhe-rsa", []string{"-no_tls1_3"}, hello12(0xc030, 0xc02f)},
		{"openssl-tls10-ecdhe-rsa", []string{"-cipher", "ALL:@SECLEVEL=0", "-tls1"}, hello12(0xc014)},
		{"openssl-tls13", nil, hello13(GroupX25519)},
	} {
		srv := peertest.Start(t, "openssl", func(port int) []string {
			return append([]string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath}, tc.args...)
		})
		saveParts(tc.name, grab(srv.Addr, tc.hello))
	}
}
