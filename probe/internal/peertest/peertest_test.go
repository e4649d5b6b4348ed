package peertest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/pki"
)

func TestOwns(t *testing.T) {
	if !procAvailable() {
		t.Skip("no /proc: ownership is not checked on this system")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if !owns(os.Getpid(), port) {
		t.Errorf("owns(self, %d) = false for our own listener", port)
	}
	// A connected (not listening) socket on another port is not a listener.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if local := c.LocalAddr().(*net.TCPAddr).Port; owns(os.Getpid(), local) {
		t.Errorf("owns(self, %d) = true for a client socket", local)
	}
	// Another process does not own our listener.
	if owns(os.Getppid(), port) {
		t.Errorf("owns(parent, %d) = true", port)
	}
}

// TestStartRetriesTakenPort takes the first port the server is given (this process
// listens on it, as a racing process would), so the first attempt fails to bind while a
// connect to the port succeeds; Start must not take the squatter for the server and
// must come up on a fresh port.
func TestStartRetriesTakenPort(t *testing.T) {
	openssl := Tool(t, "openssl")
	dir := t.TempDir()
	certPath, keyPath := writeCert(t, dir)
	var squatted []int
	srv, stop, err := startRetrying(openssl, func(port int) []string {
		if len(squatted) == 0 {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			squatted = append(squatted, port)
		}
		return []string{"s_server", "-quiet", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if srv.Port == squatted[0] {
		t.Fatalf("server reported on the squatted port %d", srv.Port)
	}
	if procAvailable() && !owns(srv.Pid, srv.Port) {
		t.Errorf("server process %d does not listen on %d", srv.Pid, srv.Port)
	}
	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatalf("server not accepting: %v", err)
	}
	c.Close()
}

func TestStartGivesUp(t *testing.T) {
	bin, err := exec.LookPath("false")
	if err != nil {
		t.Skip("no false(1)")
	}
	calls := 0
	_, _, err = startRetrying(bin, func(int) []string { calls++; return nil })
	if err == nil {
		t.Fatal("a program that exits at once was reported listening")
	}
	if calls != Attempts || !strings.Contains(err.Error(), "attempt 5") || !strings.Contains(err.Error(), "exited") {
		t.Errorf("%d attempts, error %v", calls, err)
	}
}

func writeCert(t *testing.T, dir string) (string, string) {
	t.Helper()
	root, err := pki.NewRoot("peertest root")
	if err != nil {
		t.Fatal(err)
	}
	c, err := root.Issue(pki.LeafOptions{Names: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath, err := pki.WritePEM(dir, "leaf", c)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(certPath), filepath.Clean(keyPath)
}
