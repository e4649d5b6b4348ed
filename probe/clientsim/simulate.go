package clientsim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/suites"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Config says how to reach the endpoint and which clients to simulate.
type Config struct {
	// ConnConfig's Timeout bounds each connection once open, and the dial when ctx has
	// no deadline; zero means DefaultTimeout.
	check.ConnConfig
	// Clients are simulated in order; nil means Clients().
	Clients []Client
}

// DefaultTimeout bounds one connection when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// answer is what the server said to one hello.
type answer struct {
	flight *tlswire.Flight
	// closed is why the server refused (alert, closed connection); unread is why the
	// answer could not be read at all (dial failure, timeout, garbage).
	closed, unread string
}

// Simulate runs every client's handshake and returns one entry per client, in order.
// Clients with the same hello share one connection.
func Simulate(ctx context.Context, cfg Config) []result.ClientSimulation {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	clients := cfg.Clients
	if clients == nil {
		clients = Clients()
	}
	// Each distinct hello is sent once and its answer lands in its own slot: the slots are
	// allocated before any goroutine starts, so none shares a map or a growing slice.
	slot := make([]int, len(clients))
	first := map[string]int{}
	var unique []Client
	for i, c := range clients {
		k := helloKey(c)
		j, ok := first[k]
		if !ok {
			j = len(unique)
			first[k] = j
			unique = append(unique, c)
		}
		slot[i] = j
	}
	answers := make([]*answer, len(unique))
	var wg sync.WaitGroup
	for j, c := range unique {
		wg.Go(func() { answers[j] = exchange(ctx, cfg, c) })
	}
	wg.Wait()
	out := make([]result.ClientSimulation, len(clients))
	for i, c := range clients {
		out[i] = judge(c, answers[slot[i]])
	}
	return out
}

// helloKey is what a server chooses from: versions, suites, groups, signature schemes, ALPN.
func helloKey(c Client) string {
	return fmt.Sprint(c.Versions, c.Suites, c.Groups, c.SigAlgs, c.ALPN)
}

// hello builds c's ClientHello.
func hello(c Client, sni string) (*tlswire.ClientHello, error) {
	maxV := slices.Max(c.Versions)
	ch := &tlswire.ClientHello{Version: min(maxV, tlswire.VersionTLS12), CipherSuites: c.Suites,
		RenegotiationSCSV: true, ServerName: sni, SessionTicket: true, Pad: true, ALPN: c.ALPN}
	rand.Read(ch.Random[:])
	if len(c.Groups) > 0 {
		ch.SupportedGroups = c.Groups
		ch.PointFormats = []uint8{0}
	}
	if maxV >= tlswire.VersionTLS12 {
		ch.SignatureAlgorithms = c.SigAlgs
		ch.ExtendedMasterSecret = true
	}
	if maxV >= tlswire.VersionTLS13 {
		share, _, err := tlswire.NewX25519Share(nil)
		if err != nil {
			return nil, err
		}
		ch.SessionID = make([]byte, 32)
		rand.Read(ch.SessionID)
		ch.SupportedVersions = c.Versions
		ch.KeyShares = []tlswire.KeyShare{share}
		ch.PSKModes = []uint8{1}
	}
	return ch, nil
}

// exchange sends c's hello on a new connection and reads the server's first flight.
func exchange(ctx context.Context, cfg Config, c Client) *answer {
	ch, err := hello(c, cfg.SNI)
	if err != nil {
		return &answer{unread: err.Error()}
	}
	rec, err := ch.Record(tlswire.VersionTLS10)
	if err != nil {
		return &answer{unread: fmt.Sprintf("build ClientHello: %v", err)}
	}
	dctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}
	conn, err := cfg.Dial(dctx)
	if err != nil {
		return &answer{unread: fmt.Sprintf("dial: %v", err)}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(cfg.Timeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if _, err := conn.Write(rec); err != nil {
		return &answer{unread: fmt.Sprintf("send ClientHello: %v", err)}
	}
	fl, err := tlswire.ReadFlight(tlswire.NewHandshakeReader(conn), kxFor)
	if fl != nil && fl.Hello != nil {
		// A flight cut after the ServerHello still names protocol and suite; judge says
		// what is missing.
		return &answer{flight: fl}
	}
	var alert tlswire.Alert
	var ne net.Error
	switch {
	case errors.As(err, &alert):
		return &answer{closed: "alert " + alert.Name()}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed) && ctx.Err() == nil:
		return &answer{closed: "connection closed after ClientHello"}
	case errors.As(err, &ne) && ne.Timeout():
		return &answer{unread: "no answer within " + cfg.Timeout.String()}
	case ctx.Err() != nil:
		return &answer{unread: fmt.Sprintf("cut short: %v", ctx.Err())}
	case isReset(err):
		return &answer{closed: "connection reset after ClientHello"}
	}
	return &answer{unread: fmt.Sprintf("read ServerHello: %v", err)}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "reset")
}

// kxFor tells ReadFlight how to parse the ServerKeyExchange of an ephemeral suite.
func kxFor(id uint16) tlswire.KeyExchange {
	s, ok := suites.Default().ByID(id)
	if !ok {
		return 0
	}
	switch s.Kx {
	case "ECDHE":
		return tlswire.KxECDHE
	case "DHE":
		return tlswire.KxDHE
	}
	return 0
}

// judge decides what c makes of the answer: a client aborts when the server picks a
// version, suite, group or compression it did not offer, or a DH prime below its floor.
func judge(c Client, a *answer) result.ClientSimulation {
	sim := result.ClientSimulation{Client: c.Name, Platform: c.Platform, Version: c.Version}
	no := func(why string) result.ClientSimulation {
		sim.Connects = new(bool)
		sim.Note = why
		return sim
	}
	switch {
	case a == nil:
		sim.Note = "not run"
		return sim
	case a.unread != "":
		sim.Note = a.unread
		return sim
	case a.closed != "":
		return no("server refused: " + a.closed)
	}
	sh := a.flight.Hello
	p, err := result.ProtocolFromVersion(sh.SelectedVersion)
	if err != nil || !slices.Contains(c.Versions, sh.SelectedVersion) {
		return no(fmt.Sprintf("server chose version 0x%04x, not offered", sh.SelectedVersion))
	}
	sim.Protocol = p
	sim.ID = fmt.Sprintf("0x%04x", sh.CipherSuite)
	if s, ok := suites.Default().ByID(sh.CipherSuite); ok {
		sim.Cipher = s.Name
	}
	if !slices.Contains(c.Suites, sh.CipherSuite) {
		return no("server chose suite " + sim.ID + ", not offered")
	}
	if sh.CompressionMethod != tlswire.CompressionNull {
		return no(fmt.Sprintf("server chose compression %d, not offered", sh.CompressionMethod))
	}
	if sh.SelectedVersion >= tlswire.VersionTLS13 {
		sim.Group = tlswire.GroupName(sh.KeyShareGroup)
		if !slices.Contains(c.Groups, sh.KeyShareGroup) {
			return no("server chose group " + sim.Group + ", not offered")
		}
		if sh.HelloRetryRequest {
			sim.Note = "HelloRetryRequest: the client sends a " + sim.Group + " share"
		}
		return yes(sim)
	}
	switch kxFor(sh.CipherSuite) {
	case tlswire.KxECDHE:
		ske := a.flight.KeyExchange
		if ske == nil {
			sim.Note = "no ServerKeyExchange read for an ECDHE suite"
			return sim
		}
		sim.Group = ske.GroupName
		if !slices.Contains(c.Groups, ske.Group) {
			return no("server chose group " + sim.Group + ", not offered")
		}
	case tlswire.KxDHE:
		ske := a.flight.KeyExchange
		if ske == nil {
			sim.Note = "no ServerKeyExchange read for a DHE suite"
			return sim
		}
		sim.Group = ske.GroupName
		if ske.Bits < c.MinDHBits {
			return no(fmt.Sprintf("DH prime of %d bits, below the client's %d", ske.Bits, c.MinDHBits))
		}
	}
	return yes(sim)
}

func yes(sim result.ClientSimulation) result.ClientSimulation {
	t := true
	sim.Connects = &t
	return sim
}

// Fill sets r.ClientSimulations from Simulate, unless the enumeration in r found no SSL 3.0
// or TLS protocol, in which case the field stays null and r.Notes says why.
func Fill(ctx context.Context, cfg Config, r *result.Result) error {
	for _, p := range r.Protocols.List() {
		if p != result.SSLv2 {
			r.ClientSimulations = Simulate(ctx, cfg)
			return nil
		}
	}
	r.Notes = append(r.Notes, "client_simulations: not run, no SSL 3.0 or TLS protocol was found")
	return nil
}
