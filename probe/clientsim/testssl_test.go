package clientsim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
)

// testsslPeers pairs our clients with the testssl.sh 3.0.8 client-simulation ids (its
// captures come from SSL Labs) that stand for the same platform release.
var testsslPeers = map[string]string{
	"android-4.4": "android_442", "android-5": "android_500", "android-7": "android_70",
	"android-8": "android_81", "android-9": "android_90", "android-10": "android_X",
	"android-11": "android_11", "android-12": "android_12",
	"ios-9": "apple_ats_9_ios9", "ios-10": "safari_10_ios10", "ios-12": "safari_121_ios_122",
	"chrome-like": "chrome_101_win10", "firefox-like": "firefox_100_win10", "safari-like": "safari_154_osx_1231",
}

// testsslKnown are the disagreements found with testssl.sh 3.0.8 and why ours stands:
// testssl.sh replays browser captures (Chrome on Android, Safari on iOS), we model what an
// app gets from the platform (SSLSocket defaults, URLSession under ATS).
var testsslKnown = map[string]string{
	"tls1.0-1.2-cbc/android-4.4": "testssl.sh's Android 4.4.2 is the browser, with TLS 1.2 on; SSLSocket enables TLS 1.1/1.2 only from API 20, so an app on 4.4 speaks TLS 1.0",
	"modern-only/android-4.4":    "testssl.sh's Android 4.4.2 is the browser, with TLS 1.2 on; an app's SSLSocket on API 19 offers TLS 1.0 at most and fails",
	"modern-only/android-9":      "testssl.sh's Android 9.0 capture offers TLS 1.3 (Chrome's BoringSSL); SSLSocket enables TLS 1.3 only from API 29",
	"rsa-kx-only/android-4.4":    "testssl.sh's Android 4.4.2 is the browser, with TLS 1.2 on; SSLSocket on API 19 speaks TLS 1.0",
	"rsa-kx-only/ios-10":         "testssl.sh's Safari accepts RSA key transport; App Transport Security requires forward secrecy",
	"rsa-kx-only/ios-12":         "testssl.sh's Safari accepts RSA key transport; App Transport Security requires forward secrecy",
}

// TestAgainstTestssl runs testssl.sh -c (all clients) and our simulation on the same
// loopback servers and compares, for the pairs above, whether the client connects and with
// which protocol and suite. Disagreements not explained in testsslKnown fail the test;
// all are logged.
func TestAgainstTestssl(t *testing.T) {
	testenv.Slow(t, "testssl.sh -c takes about a minute per server")
	bin, err := exec.LookPath("testssl")
	if err != nil {
		if bin, err = exec.LookPath("testssl.sh"); err != nil {
			t.Skip("testssl.sh not installed (Debian package testssl.sh)")
		}
	}
	cert := peertest.Leaf(t, pki.RSA2048)
	servers := []struct {
		name string
		cfg  *tls.Config
	}{
		{"modern-only", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}},
		{"tls1.0-1.2-cbc", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}},
		{"rsa-kx-only", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
			CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}},
	}
	dir := t.TempDir()
	// testssl.sh runs on the servers at once: one run is about two minutes on a busy machine.
	addrs := make([]string, len(servers))
	found := make([]map[string]string, len(servers))
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		addrs[i] = peertest.ServeGo(t, s.cfg, func(c *tls.Conn) { c.Write([]byte("HTTP/1.0 200 OK\r\n\r\n")) }).Addr
		wg.Go(func() { found[i], errs[i] = runTestsslC(bin, filepath.Join(dir, s.name+".json"), addrs[i]) })
	}
	wg.Wait()
	var lines []string
	for i, s := range servers {
		theirs, err := found[i], errs[i]
		if err != nil {
			t.Fatalf("%s: testssl.sh: %v", s.name, err)
		}
		addr := addrs[i]
		ours := byName(Simulate(t.Context(), Config{ConnConfig: check.ConnConfig{Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}}}))
		for client, peer := range testsslPeers {
			th, ok := theirs[peer]
			if !ok {
				t.Errorf("%s: testssl.sh has no %s", s.name, peer)
				continue
			}
			o := ours[client]
			mine := summary(o)
			key := s.name + "/" + client
			agree := mine == th
			why, known := testsslKnown[key]
			mark := ""
			switch {
			case agree && known:
				t.Errorf("%s: listed as a disagreement but both say %q", key, mine)
			case !agree && !known:
				t.Errorf("%s: ours %q, testssl.sh %s %q: not a known disagreement", key, mine, peer, th)
			case !agree:
				mark = "  (" + why + ")"
			}
			lines = append(lines, fmt.Sprintf("%-28s ours %-44s testssl %-20s %s%s", key, mine, peer, th, mark))
		}
	}
	t.Logf("ours vs testssl.sh -c:\n%s", strings.Join(lines, "\n"))
}

// summary writes our answer as testssl.sh does: "No connection" or "TLSv1.2 <OpenSSL name>".
func summary(s result.ClientSimulation) string {
	if s.Connects == nil {
		return "unknown: " + s.Note
	}
	if !*s.Connects {
		return "No connection"
	}
	v := map[result.Protocol]string{result.SSLv3: "SSLv3", result.TLS10: "TLSv1", result.TLS11: "TLSv1.1",
		result.TLS12: "TLSv1.2", result.TLS13: "TLSv1.3"}[s.Protocol]
	name := s.Cipher
	if st, ok := suites.Default().ByName(s.Cipher); ok && st.OpenSSL != "-" && s.Protocol != result.TLS13 {
		name = st.OpenSSL
	}
	return v + " " + name
}

// runTestsslC runs testssl.sh's client simulation with all its clients and returns the
// finding per client id ("TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256", "No connection").
func runTestsslC(bin, out, addr string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--jsonfile-pretty", out, "-c", "--warnings", "off", "--quiet", "--color", "0",
		"--ip", "one", addr)
	cmd.Env = append(os.Environ(), "ALL_CLIENTS=true")
	if b, err := cmd.CombinedOutput(); err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("%v: %s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var doc struct {
		ScanResult []struct {
			Sims []struct{ ID, Finding string } `json:"browserSimulations"`
		} `json:"scanResult"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", out, err)
	}
	if len(doc.ScanResult) == 0 {
		return nil, fmt.Errorf("%s: no scan result", out)
	}
	m := map[string]string{}
	for _, s := range doc.ScanResult[0].Sims {
		m[strings.TrimPrefix(s.ID, "clientsimulation-")] = strings.TrimSpace(s.Finding)
	}
	return m, nil
}
