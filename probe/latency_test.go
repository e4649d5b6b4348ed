package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/internal/peertest"
	"github.com/mhealthsec/mhealthsec/probe/pki"
)

// Flags of BenchmarkLatency (go test … -args -latency.rtt=100ms).
var (
	latencyRTTs    = flag.String("latency.rtt", "20ms,100ms,300ms", "BenchmarkLatency: round-trip times to simulate")
	latencyPeers   = flag.String("latency.peers", "sslscan,testssl", "BenchmarkLatency: peer scanners to time (sslscan, testssl; empty for none)")
	latencyTestssl = flag.String("latency.testssl-rtt", "100ms", "BenchmarkLatency: the RTTs at which testssl.sh runs (it takes minutes per endpoint)")
	latencyStacks  = flag.String("latency.stacks", "go,openssl,gnutls,nginx", "BenchmarkLatency: server stacks")
)

// BenchmarkLatency measures Go, OpenSSL s_server, GnuTLS and nginx endpoints on loopback
// through toxiproxy, which delays every chunk by half the round-trip time in each
// direction, so one request and its answer cost one RTT (the TCP connect itself is local
// and free). Our probe (default politeness: 4 connections open per IP, 50 new per second),
// sslscan and testssl.sh assess each endpoint in turn; a counting relay between toxiproxy
// and the server counts the connections each tool opened and the most it held open at
// once. The floor is ceil(connections / 4) × RTT: the time our probe's connections need
// if every one costs one round trip and four run at once.
//
// toxiproxy-server is taken from $TOXIPROXY_SERVER, else PATH, else built from the
// tools module (github.com/Shopify/toxiproxy/v2/cmd/server, pinned there).
//
//	go test -run '^$' -bench Latency -benchtime 1x -timeout 60m ./probe/ \
//	    -args -latency.rtt=20ms,100ms,300ms -latency.testssl-rtt=100ms
func BenchmarkLatency(b *testing.B) {
	rtts, err := parseDurations(*latencyRTTs)
	if err != nil {
		b.Fatal(err)
	}
	testsslRTTs, err := parseDurations(*latencyTestssl)
	if err != nil {
		b.Fatal(err)
	}
	tox := startToxiproxy(b)
	root, err := pki.NewRoot("latency root")
	if err != nil {
		b.Fatal(err)
	}
	cert, err := root.Issue(pki.LeafOptions{Names: []string{"localhost", "127.0.0.1"}, Key: pki.RSA2048})
	if err != nil {
		b.Fatal(err)
	}
	certPath, keyPath, err := pki.WritePEM(b.TempDir(), "leaf", cert)
	if err != nil {
		b.Fatal(err)
	}
	stacks := map[string]func() int{
		"go": func() int {
			l := &lab{root: root, cert: cert}
			return l.httpsServer(b, "127.0.0.1", hsts("max-age=31536000"))
		},
		"openssl": func() int {
			return peertest.Start(b, "openssl", func(port int) []string {
				return []string{"s_server", "-quiet", "-www", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", certPath, "-key", keyPath}
			}).Port
		},
		"gnutls": func() int {
			return peertest.Start(b, "gnutls-serv", func(port int) []string {
				return []string{"--http", "-p", strconv.Itoa(port), "--x509certfile", certPath, "--x509keyfile", keyPath, "-q"}
			}).Port
		},
		"nginx": func() int { return peertest.Nginx(b, certPath, keyPath).Port },
	}
	type server struct {
		name  string
		relay *countingRelay
	}
	var servers []server
	for _, name := range strings.Split(*latencyStacks, ",") {
		start, ok := stacks[name]
		if !ok {
			b.Fatalf("-latency.stacks: unknown stack %q", name)
		}
		servers = append(servers, server{name, newCountingRelay(b, start())})
	}
	peers := map[string]bool{}
	for _, p := range strings.Split(*latencyPeers, ",") {
		if p != "" {
			peers[p] = true
		}
	}
	var sslscan, testssl string
	if peers["sslscan"] {
		sslscan = peertest.Tool(b, "sslscan")
	}
	if peers["testssl"] {
		testssl = peertest.Tool(b, "testssl")
	}

	for b.Loop() {
		var rows []latencyRow
		for _, rtt := range rtts {
			for _, srv := range servers {
				addr := tox.proxy(b, srv.relay.addr, rtt)
				port := addr.(*net.TCPAddr).Port
				row := latencyRow{rtt: rtt, server: srv.name}

				s, err := New(Config{Roots: root.Pool(), LoopbackOnly: true, HTTPPort: -1})
				if err != nil {
					b.Fatal(err)
				}
				srv.relay.reset()
				start := time.Now()
				r := s.Measure(context.Background(), Target{Host: "127.0.0.1", Port: port, SNI: "localhost"})
				row.probe = tool{time.Since(start), srv.relay.accepted.Load(), srv.relay.maxOpen.Load()}
				row.grade = "-"
				if r.Grade != nil {
					row.grade = r.Grade.Letter
				}
				if r.Error != nil {
					row.grade = "error " + string(r.Error.Kind)
				}
				if sslscan != "" {
					row.sslscan = runPeer(b, srv.relay, sslscan, "--no-colour", "--sni-name=localhost", addr.String())
				}
				if testssl != "" && slices.Contains(testsslRTTs, rtt) {
					row.testssl = runPeer(b, srv.relay, testssl, "--quiet", "--color", "0", "--warnings", "off",
						"--ip", "127.0.0.1", "-p", "-E", "-P", "-S", "-h", "-U", "https://localhost:"+strconv.Itoa(port))
				}
				rows = append(rows, row)
				b.Logf("%s", row)
			}
		}
		fmt.Print(latencyTable(rows, DefaultPerHostConns))
	}
}

// tool is one tool's run on one endpoint.
type tool struct {
	took     time.Duration
	conns    int64 // connections opened
	maxConns int64 // most open at once
}

type latencyRow struct {
	rtt              time.Duration
	server, grade    string
	probe            tool
	sslscan, testssl tool // zero: not run
}

func (r latencyRow) String() string {
	return fmt.Sprintf("rtt %v %s: probe %.2fs %d conns (max %d open) grade %s; sslscan %.2fs %d conns; testssl %.2fs %d conns",
		r.rtt, r.server, r.probe.took.Seconds(), r.probe.conns, r.probe.maxConns, r.grade,
		r.sslscan.took.Seconds(), r.sslscan.conns, r.testssl.took.Seconds(), r.testssl.conns)
}

// floor is the least time conns connections take when each costs one round trip and
// perHost of them run at once.
func floor(conns int64, perHost int, rtt time.Duration) time.Duration {
	return time.Duration(math.Ceil(float64(conns)/float64(perHost))) * rtt
}

// latencyTable renders rows as the README's Markdown table, with each RTT's medians.
func latencyTable(rows []latencyRow, perHost int) string {
	var b strings.Builder
	b.WriteString("| RTT | server | probe s | conns (max open) | floor s | probe ÷ floor | grade | sslscan s | conns | sslscan ÷ probe | testssl.sh s | conns |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	secs := func(t tool) string {
		if t.took == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", t.took.Seconds())
	}
	count := func(t tool) string {
		if t.took == 0 {
			return "–"
		}
		return fmt.Sprintf("%d (%d)", t.conns, t.maxConns)
	}
	ratio := func(a, b time.Duration) string {
		if a == 0 || b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f×", a.Seconds()/b.Seconds())
	}
	var rtts []time.Duration
	byRTT := map[time.Duration][]latencyRow{}
	for _, r := range rows {
		if _, ok := byRTT[r.rtt]; !ok {
			rtts = append(rtts, r.rtt)
		}
		byRTT[r.rtt] = append(byRTT[r.rtt], r)
	}
	for _, rtt := range rtts {
		var overFloor, overPeer []float64
		for _, r := range byRTT[rtt] {
			f := floor(r.probe.conns, perHost, rtt)
			fmt.Fprintf(&b, "| %v | %s | %s | %s | %.2f | %s | %s | %s | %s | %s | %s | %s |\n",
				rtt, r.server, secs(r.probe), count(r.probe), f.Seconds(), ratio(r.probe.took, f), r.grade,
				secs(r.sslscan), count(r.sslscan), ratio(r.sslscan.took, r.probe.took), secs(r.testssl), count(r.testssl))
			overFloor = append(overFloor, r.probe.took.Seconds()/f.Seconds())
			if r.sslscan.took > 0 {
				overPeer = append(overPeer, r.sslscan.took.Seconds()/r.probe.took.Seconds())
			}
		}
		fmt.Fprintf(&b, "| %v | **median** | | | | %.2f× | | | | %s | | |\n", rtt, median(overFloor), medianRatio(overPeer))
	}
	return b.String()
}

func medianRatio(v []float64) string {
	if len(v) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f×", median(v))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// runPeer times one peer scan; its connections are counted by the relay. A peer that
// exits non-zero is timed anyway (testssl.sh exits with the number of findings).
func runPeer(b *testing.B, relay *countingRelay, bin string, args ...string) tool {
	b.Helper()
	relay.reset()
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		b.Fatalf("%s: %v", bin, err)
	}
	if relay.accepted.Load() == 0 {
		b.Fatalf("%s made no connection: %s", bin, out.String())
	}
	return tool{took, relay.accepted.Load(), relay.maxOpen.Load()}
}

func parseDurations(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 2*time.Millisecond {
			return nil, fmt.Errorf("RTT %q: want a duration of 2ms or more", f)
		}
		out = append(out, d)
	}
	return out, nil
}

// countingRelay forwards connections to a server's port and counts them.
type countingRelay struct {
	addr     string
	accepted atomic.Int64
	open     atomic.Int64
	maxOpen  atomic.Int64
}

func newCountingRelay(b *testing.B, port int) *countingRelay {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	r := &countingRelay{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	b.Cleanup(func() { ln.Close(); wg.Wait() })
	upstream := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.accepted.Add(1)
			n := r.open.Add(1)
			for m := r.maxOpen.Load(); n > m && !r.maxOpen.CompareAndSwap(m, n); m = r.maxOpen.Load() {
			}
			wg.Go(func() {
				defer r.open.Add(-1)
				defer c.Close()
				u, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer u.Close()
				var both sync.WaitGroup
				both.Go(func() { io.Copy(u, c); u.(*net.TCPConn).CloseWrite() })
				io.Copy(c, u)
				c.(*net.TCPConn).CloseWrite()
				both.Wait()
			})
		}
	})
	return r
}

func (r *countingRelay) reset() {
	r.accepted.Store(0)
	r.maxOpen.Store(r.open.Load())
}

// toxiproxy is a running toxiproxy-server and its HTTP API.
type toxiproxy struct {
	api string
	n   int
}

func startToxiproxy(b *testing.B) *toxiproxy {
	b.Helper()
	bin := os.Getenv("TOXIPROXY_SERVER")
	if bin == "" {
		bin, _ = exec.LookPath("toxiproxy-server")
	}
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "toxiproxy-server")
		build := exec.Command("go", "build", "-o", bin, "github.com/Shopify/toxiproxy/v2/cmd/server")
		build.Dir = filepath.Join("..", "tools")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("build toxiproxy-server from tools/: %v\n%s", err, out)
		}
	}
	srv := peertest.Start(b, bin, func(port int) []string {
		return []string{"-host", "127.0.0.1", "-port", strconv.Itoa(port)}
	})
	return &toxiproxy{api: "http://" + srv.Addr}
}

// proxy makes a proxy in front of upstream with latency toxics of rtt/2 in each
// direction and returns its listening address.
func (t *toxiproxy) proxy(b *testing.B, upstream string, rtt time.Duration) net.Addr {
	b.Helper()
	t.n++
	name := fmt.Sprintf("p%d", t.n)
	var p struct{ Listen string }
	t.post(b, "/proxies", map[string]any{"name": name, "listen": "127.0.0.1:0", "upstream": upstream, "enabled": true}, &p)
	for _, stream := range []string{"upstream", "downstream"} {
		t.post(b, "/proxies/"+name+"/toxics", map[string]any{
			"name": stream, "type": "latency", "stream": stream, "toxicity": 1.0,
			"attributes": map[string]any{"latency": rtt.Milliseconds() / 2, "jitter": 0},
		}, nil)
	}
	addr, err := net.ResolveTCPAddr("tcp", p.Listen)
	if err != nil {
		b.Fatalf("toxiproxy listens on %q: %v", p.Listen, err)
	}
	return addr
}

func (t *toxiproxy) post(b *testing.B, path string, body, into any) {
	b.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.Post(t.api+path, "application/json", bytes.NewReader(data))
	if err != nil {
		b.Fatalf("toxiproxy %s: %v", path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		b.Fatalf("toxiproxy %s: %s: %s", path, resp.Status, got)
	}
	if into != nil {
		if err := json.Unmarshal(got, into); err != nil {
			b.Fatalf("toxiproxy %s: %v: %s", path, err, got)
		}
	}
}
