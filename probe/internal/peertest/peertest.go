// Package peertest starts the external TLS servers the probe's tests measure (OpenSSL's
// s_server, gnutls-serv, nginx) on a loopback port, and finds the peer tools the tests
// compare with (sslscan, testssl.sh). It is shared test support, in a non-test file so
// that the tests of several packages can import it.
//
// A free port can only be found by binding it and letting it go, so another process may
// take it before the server binds it (a client's ephemeral port, another test's server).
// Start therefore checks that the server itself listens on the port, and starts it again
// on a fresh port when it does not come up.
package peertest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Attempts is how many fresh ports Start tries before it fails the test.
const Attempts = 5

// readyWithin bounds the wait for one attempt to listen. It is a bound, not a
// measurement: a loaded machine may need seconds to start a server.
const readyWithin = 15 * time.Second

// debianPackage names the package that installs a tool, for the skip message.
func debianPackage(tool string) string {
	switch tool {
	case "gnutls-serv", "gnutls-cli":
		return "gnutls-bin"
	case "nginx":
		return "nginx-light"
	case "testssl":
		return "testssl.sh"
	}
	return tool
}

// Tool returns the path of the program name, or skips t saying what to install.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (apt-get install %s; CI installs it); skipping", name, debianPackage(name))
	}
	return path
}

// Server is an external server listening on 127.0.0.1.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string
	Port int
	// Pid is the server's process id.
	Pid int
	// Output is what the server has written to stdout and stderr so far.
	Output func() string
}

// Start runs the program name (looked up with Tool, so t is skipped when it is missing)
// with args(port), for a server that listens on port of 127.0.0.1 (or of every address),
// and returns once it accepts connections there. args may write files the command line
// names (a config with the port in it). The server's stdin stays open, since s_server
// ends a connection when its stdin ends. The server is killed when t ends.
//
// If the server exits, or does not listen within a bound, it is started again on a fresh
// port, up to Attempts times; then t fails with each attempt's output.
func Start(t testing.TB, name string, args func(port int) []string) Server {
	t.Helper()
	srv, stop, err := startRetrying(Tool(t, name), args)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(stop)
	return srv
}

// startRetrying is Start without the testing.TB: it returns the server and the func
// that kills it, or an error with every attempt's output.
func startRetrying(bin string, args func(port int) []string) (Server, func(), error) {
	var failures []string
	for attempt := 1; attempt <= Attempts; attempt++ {
		port, err := freePort()
		if err != nil {
			return Server{}, nil, err
		}
		srv, stop, err := start(bin, port, args(port))
		if err == nil {
			return srv, stop, nil
		}
		failures = append(failures, fmt.Sprintf("attempt %d: %v", attempt, err))
	}
	return Server{}, nil, fmt.Errorf("never came up on a loopback port in %d attempts:\n%s", Attempts, strings.Join(failures, "\n"))
}

// freePort asks the kernel for a port that is free on 127.0.0.1 right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs one attempt; on failure the process is gone and the error holds its output.
func start(bin string, port int, argv []string) (Server, func(), error) {
	cmd := exec.Command(bin, argv...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return Server{}, nil, fmt.Errorf("stdin pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return Server{}, nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			stdin.Close()
			cmd.Process.Kill()
			<-exited
		})
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	command := bin + " " + strings.Join(argv, " ")
	give := time.NewTimer(readyWithin)
	defer give.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case err := <-exited:
			stdin.Close()
			return Server{}, nil, fmt.Errorf("%s exited (%v) before listening on %s: %s", command, err, addr, tail(out.String()))
		case <-give.C:
			stop()
			return Server{}, nil, fmt.Errorf("%s did not listen on %s within %v: %s", command, addr, readyWithin, tail(out.String()))
		case <-poll.C:
		}
		if !owns(cmd.Process.Pid, port) {
			continue
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		c.Close()
		return Server{Addr: addr, Port: port, Pid: cmd.Process.Pid, Output: out.String}, stop, nil
	}
}

// owns reports whether process pid has a socket listening on TCP port, so that a
// readiness check does not mistake another process that took the port for the server.
// Where /proc cannot tell (not Linux), it reports true and the connect alone decides.
func owns(pid, port int) bool {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return !procAvailable()
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if listening(table, port, inodes) {
			return true
		}
	}
	return false
}

func procAvailable() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
}

// listening scans a /proc/net/tcp table for a socket in LISTEN state (0A) whose inode is
// one of inodes, on 127.0.0.1:port or any-address:port (the addresses that take a
// connection to 127.0.0.1:port).
func listening(table string, port int, inodes map[string]bool) bool {
	b, err := os.ReadFile(table)
	if err != nil {
		return false
	}
	p := fmt.Sprintf(":%04X", port)
	// Addresses as /proc writes them: 32-bit words in host (little-endian) order.
	local := map[string]bool{
		"0100007F" + p: true, "00000000" + p: true, // tcp: 127.0.0.1, 0.0.0.0
		"00000000000000000000000000000000" + p: true, // tcp6: :: (dual stack)
		"0000000000000000FFFF00000100007F" + p: true, // tcp6: ::ffff:127.0.0.1
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		f := strings.Fields(sc.Text())
		if len(f) >= 10 && local[f[1]] && f[3] == "0A" && inodes[f[9]] {
			return true
		}
	}
	return false
}

// tail keeps the end of a server's output, where its error is.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "(no output)"
	}
	if len(s) > 600 {
		s = "..." + s[len(s)-600:]
	}
	return s
}

// syncBuffer is a bytes.Buffer the server's output goroutine and the test may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Nginx runs Debian's nginx with its default TLS settings on a loopback port, serving
// "ok" with a one-year HSTS header over the certificate and key in the PEM files named.
func Nginx(t testing.TB, certPath, keyPath string) Server {
	t.Helper()
	return NginxWith(t, certPath, keyPath, "", "")
}

// NginxWith is Nginx with listen parameters (" http2") and server directives
// ("ssl_session_tickets off;") added to its configuration.
func NginxWith(t testing.TB, certPath, keyPath, listen, directives string) Server {
	t.Helper()
	Tool(t, "nginx") // skip before writing files
	prefix := t.TempDir()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	confPath := filepath.Join(prefix, "nginx.conf")
	return Start(t, "nginx", func(port int) []string {
		conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log stderr;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/tmp; proxy_temp_path %[1]s/tmp; fastcgi_temp_path %[1]s/tmp;
  uwsgi_temp_path %[1]s/tmp; scgi_temp_path %[1]s/tmp;
  server {
    listen 127.0.0.1:%[2]d ssl%[5]s;
    ssl_certificate %[3]s;
    ssl_certificate_key %[4]s;
    %[6]s
    add_header Strict-Transport-Security "max-age=31536000" always;
    location / { return 200 "ok"; }
  }
}
`, prefix, port, certPath, keyPath, listen, directives)
		if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		// -e: the error log goes to the prefix from the start, and nginx's bind error
		// to stderr, which Start reports.
		return []string{"-p", prefix, "-c", confPath, "-e", "stderr"}
	})
}
