// Package enum measures which protocol versions and cipher suites a TLS endpoint accepts,
// whether it imposes its own suite order, its ephemeral key exchange parameters, and what
// current browsers would negotiate with it, by writing ClientHellos with probe/tlswire and
// reading only the server's first flight.
//
// Suites are enumerated the way testssl.sh, sslscan and nmap do: offer a list (at most 128
// ids per hello), note the suite the server picks, remove it, and repeat until the server
// refuses. The IANA table of probe/suites provides the candidates and the properties
// reported per suite. Every hello runs on a fresh connection; probes run concurrently up to
// Config.MaxConns connections to the endpoint.
package enum

import (
	"context"
	"errors"
	"fmt"
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

// Config says how to reach the endpoint and how to enumerate it.
type Config struct {
	// ConnConfig's Dial is required. Its SNI is sent as server_name when not empty and
	// not an IP address. Its Timeout bounds one connection: dial, hello and reading the
	// server's first flight; zero means DefaultTimeout.
	check.ConnConfig
	// MaxConns is the most connections open to the endpoint at once. Default 4.
	MaxConns int
	// Suites is the suite table; default suites.Default().
	Suites *suites.Table
	// OnTLS, when set, is called once the first SSL 3.0/TLS hello is accepted, so that a
	// caller can start its own handshakes while the enumeration goes on.
	OnTLS func()
}

// Defaults for Config.
const (
	DefaultTimeout  = 5 * time.Second
	DefaultMaxConns = 4
)

// ErrNoDial is returned when Config.Dial is nil.
var ErrNoDial = errors.New("enum: Config.Dial is nil")

// Measure fills r.Protocols, r.Ciphers, r.ServerOrder, r.Ephemeral, r.ModernClient and
// r.ModernClients. A protocol whose check could not run stays nil; why is added to r.Notes.
//
// When the endpoint cannot be assessed (nothing accepted and an error, or a server that
// breaks the protocol after its ServerHello), r.Error is set and returned; otherwise
// Measure returns nil. Only a nil Dial is an error without r.Error.
func Measure(ctx context.Context, cfg Config, r *result.Result) error {
	if cfg.Dial == nil {
		return ErrNoDial
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.Suites == nil {
		cfg.Suites = suites.Default()
	}
	if net.ParseIP(cfg.SNI) != nil {
		cfg.SNI = "" // RFC 6066: server_name never carries an IP literal
	}
	m := &measurement{
		c:           &connector{cfg: cfg, sem: make(chan struct{}, cfg.MaxConns), tab: cfg.Suites},
		runs:        map[result.Protocol][]*run{},
		order:       map[result.Protocol]*bool{},
		orderProbes: map[result.Protocol]*orderProbe{},
		splits:      map[result.Protocol]int{},
	}
	m.measure(ctx)
	m.fill(r)
	if r.Error != nil {
		return r.Error
	}
	return nil
}

// run is the enumeration of one hello list (one chunk of one protocol): the suites
// accepted in order, and how it ended.
type run struct {
	offered  []uint16
	accepted []attempt
	end      attempt
	// splits are runs over parts of this run's list handed to parallel connections; each
	// is written only by its own goroutine, and read once every run has ended.
	splits []*run
}

// flatten lists runs and their splits, depth first: the discovery order.
func flatten(runs []*run) []*run {
	var out []*run
	for _, r := range runs {
		if r == nil {
			out = append(out, nil)
			continue
		}
		out = append(out, r)
		out = append(out, flatten(r.splits)...)
	}
	return out
}

// complete reports whether the run ended with the server's refusal rather than a failure.
func (r *run) complete() bool { return r.end.out == rejected }

type measurement struct {
	c *connector

	mu      sync.Mutex
	runs    map[result.Protocol][]*run
	order   map[result.Protocol]*bool
	clients []result.Negotiation
	gateErr *result.Error
	// wg tracks the split runs started while enumerating.
	wg      sync.WaitGroup
	tlsOnce sync.Once
	splits  map[result.Protocol]int // guarded by mu
	// orderProbes holds, per protocol, the server-order hello sent as soon as one run had
	// two accepted suites, so the answer is in before the enumeration ends.
	orderProbes map[result.Protocol]*orderProbe
}

// orderProbe is a hello offering a run's first two accepted suites reversed.
type orderProbe struct {
	first, second uint16
	done          chan struct{}
	a             attempt
}

// legacyProtocols are enumerated with SSL 3.0/TLS 1.0–1.2 hellos, started in this order
// (TLS 1.2 first: it has the longest remove-and-repeat chains).
func legacyProtocols() []result.Protocol {
	return []result.Protocol{result.TLS12, result.TLS11, result.TLS10, result.SSLv3}
}

func (m *measurement) measure(ctx context.Context) {
	tab, sni := m.c.tab, m.c.cfg.SNI
	// The first TLS 1.2 hello goes alone: if the endpoint does not answer it sensibly,
	// nothing else is tried and the endpoint is not flooded.
	chunks12 := chunks(candidates(tab, result.TLS12))
	gate := m.c.tls(ctx, legacyHello(tlswire.VersionTLS12, sni, chunks12[0]), tlswire.VersionTLS12)
	if gate.out == failed || gate.err != nil {
		m.gateErr = gate.err
		if gate.out == accepted {
			m.add(result.TLS12, 0, &run{accepted: []attempt{gate}, end: gate})
		}
		return
	}

	var wg sync.WaitGroup
	for _, p := range legacyProtocols() {
		ids := chunks12
		if p != result.TLS12 {
			ids = chunks(candidates(tab, p))
		}
		// The other hello lists of a protocol wait for the first list's first answer: a
		// server that refuses the version itself refuses every list, and need not be
		// asked again. (TLS 1.2's first answer is the gate's.)
		firstAnswer := make(chan attempt, 1)
		var once sync.Once
		publish := func(a attempt) { once.Do(func() { firstAnswer <- a; close(firstAnswer) }) }
		if p == result.TLS12 {
			publish(gate)
		}
		for i, chunk := range ids {
			var first *attempt
			if p == result.TLS12 && i == 0 {
				first = &gate
			}
			wg.Go(func() {
				v := p.Version()
				try := func(ids []uint16) attempt {
					a := m.c.tls(ctx, legacyHello(v, sni, ids), v)
					if i == 0 {
						publish(a)
					}
					return a
				}
				if i > 0 {
					var a attempt
					select {
					case a = <-firstAnswer:
					case <-ctx.Done():
						a = failure(ctx.Err())
					}
					if why := versionRefused(a); why != "" {
						m.add(p, i, &run{offered: chunk, end: attempt{out: rejected, sawTLS: a.sawTLS, why: why + " (first hello list)"}})
						return
					}
				}
				rn := m.enumerate(ctx, p, chunk, first, try)
				if i == 0 {
					publish(rn.end) // the list ended before any hello (canceled)
				}
				m.add(p, i, rn)
			})
		}
	}
	wg.Go(func() {
		m.add(result.TLS13, 0, m.enumerate(ctx, result.TLS13, tls13Suites(), nil, func(ids []uint16) attempt {
			ch, err := tls13Hello(sni, ids)
			if err != nil {
				return failure(err)
			}
			return m.c.tls(ctx, ch, tlswire.VersionTLS13)
		}))
	})
	wg.Go(func() {
		var kinds []uint32
		for _, s := range tab.For(result.SSLv2) {
			kinds = append(kinds, s.ID)
		}
		// One hello suffices: SERVER-HELLO lists every kind the server shares with us.
		a := m.c.sslv2(ctx, kinds)
		rn := &run{end: a}
		if a.out == accepted {
			rn = &run{accepted: []attempt{a}, end: attempt{out: rejected, why: "SSLv2 kinds listed"}}
		}
		m.add(result.SSLv2, 0, rn)
	})
	clients := referenceClients()
	negs := make([]result.Negotiation, len(clients))
	for i, rc := range clients {
		wg.Go(func() { negs[i] = m.negotiate(ctx, rc) })
	}
	wg.Wait()
	m.wg.Wait()
	m.clients = negs

	// Server order needs two accepted suites from one hello list.
	for _, p := range result.AllProtocols() {
		m.mu.Lock()
		var rn *run
		for _, r := range flatten(m.runs[p]) {
			if r != nil && len(r.accepted) >= 2 {
				rn = r
				break
			}
		}
		m.mu.Unlock()
		if p == result.SSLv2 || rn == nil {
			continue
		}
		wg.Go(func() {
			if o := m.serverOrder(ctx, p, rn); o != nil {
				m.mu.Lock()
				m.order[p] = o
				m.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// versionRefused returns why, when a is the server refusing the protocol version itself
// (an answer in another version, or a protocol_version alert), and "" otherwise.
func versionRefused(a attempt) string {
	if a.out != rejected {
		return ""
	}
	if strings.HasPrefix(a.why, "answered version ") || a.why == "alert protocol_version" {
		return a.why
	}
	return ""
}

// add records run i of protocol p.
func (m *measurement) add(p result.Protocol, i int, r *run) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.runs[p]) <= i {
		m.runs[p] = append(m.runs[p], nil)
	}
	m.runs[p][i] = r
}

// enumerate offers ids, removes the suite the server picks and repeats until the server
// refuses or fails twice in a row. first, when set, is the answer to the full list
// already obtained.
//
// Each pick costs one round trip, so a long list is a long chain of them. When the
// connection budget has room (fewer exchanges under way than Config.MaxConns), the rest
// of the list is split in two and the second half enumerated on its own, in parallel: one
// more refusal to collect, and a chain half as long. Every suite is still offered until
// refused, so the accepted set is the same; only the discovery order changes.
func (m *measurement) enumerate(ctx context.Context, p result.Protocol, ids []uint16, first *attempt, try func([]uint16) attempt) *run {
	r := &run{offered: ids}
	m.enumerateInto(ctx, p, r, ids, first, try)
	return r
}

// minSplit is the shortest rest of a list worth splitting: below it, the extra refusal
// costs as much as the chain it saves. A run splits only after two picks of its own (a
// chain that is proving long), and a protocol at most Config.MaxConns-1 times: the list
// always holds the many suites the server refuses, and a split made when the accepted
// ones are nearly found only adds a refusal.
const minSplit = 4

// takeSplit reports whether protocol p may split once more, and counts it.
func (m *measurement) takeSplit(p result.Protocol) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.splits[p] >= m.c.cfg.MaxConns-1 {
		return false
	}
	m.splits[p]++
	return true
}

func (m *measurement) enumerateInto(ctx context.Context, p result.Protocol, r *run, ids []uint16, first *attempt, try func([]uint16) attempt) {
	left := slices.Clone(ids)
	for len(left) > 0 {
		var a attempt
		if first != nil {
			a, first = *first, nil
		} else {
			a = try(left)
			// One retry on a fresh connection absorbs a lost packet or a momentary
			// overload; a failure that repeats is the endpoint's.
			if a.out == failed && ctx.Err() == nil {
				a = try(left)
			}
		}
		if a.out != accepted {
			r.end = a
			return
		}
		r.accepted = append(r.accepted, a)
		if m.c.cfg.OnTLS != nil && a.version != tlswire.VersionSSL2 {
			m.tlsOnce.Do(m.c.cfg.OnTLS)
		}
		if a.err != nil { // the flight broke after the ServerHello: stop here
			r.end = a
			return
		}
		if len(r.accepted) == 2 {
			m.startOrderProbe(ctx, p, r)
		}
		left = slices.DeleteFunc(left, func(id uint16) bool { return id == a.suite })
		if len(r.accepted)-len(r.splits) >= 2 && len(left) >= minSplit && m.c.idle() && m.takeSplit(p) {
			// Interleave, so both halves get their share of the well-ranked suites.
			var keep, give []uint16
			for i, id := range left {
				if i%2 == 0 {
					keep = append(keep, id)
				} else {
					give = append(give, id)
				}
			}
			left = keep
			child := &run{offered: give}
			r.splits = append(r.splits, child)
			m.wg.Go(func() { m.enumerateInto(ctx, p, child, give, nil, try) })
		}
	}
	r.end = attempt{out: rejected, why: "every offered suite accepted"}
}

// startOrderProbe sends, once per protocol, the hello that tells server order from
// client order (see serverOrder), as soon as a run has two accepted suites in the offered
// order; picks out of that order already prove a server order.
func (m *measurement) startOrderProbe(ctx context.Context, p result.Protocol, r *run) {
	if p == result.SSLv2 || slices.Index(r.offered, r.accepted[1].suite) < slices.Index(r.offered, r.accepted[0].suite) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.orderProbes[p] != nil {
		return
	}
	op := &orderProbe{first: r.accepted[0].suite, second: r.accepted[1].suite, done: make(chan struct{})}
	m.orderProbes[p] = op
	m.wg.Go(func() {
		defer close(op.done)
		op.a = m.orderHello(ctx, p, []uint16{op.second, op.first})
	})
}

// orderHello offers ids under p.
func (m *measurement) orderHello(ctx context.Context, p result.Protocol, ids []uint16) attempt {
	if p == result.TLS13 {
		ch, err := tls13Hello(m.c.cfg.SNI, ids)
		if err != nil {
			return failure(err)
		}
		return m.c.tls(ctx, ch, tlswire.VersionTLS13)
	}
	return m.c.tls(ctx, legacyHello(p.Version(), m.c.cfg.SNI, ids), p.Version())
}

// serverOrder decides whether the server imposes its suite order. A server that follows
// the client picks, at every step of the enumeration, the accepted suite that comes first
// in the offered list; any other pick proves a server order. When every pick matched the
// offered order, one more hello offers the first and last accepted suites reversed: the
// same pick again means server order, the other one client order.
func (m *measurement) serverOrder(ctx context.Context, p result.Protocol, rn *run) *bool {
	pos := map[uint16]int{}
	for i, id := range rn.offered {
		pos[id] = i
	}
	for i := 1; i < len(rn.accepted); i++ {
		if pos[rn.accepted[i].suite] < pos[rn.accepted[i-1].suite] {
			return result.Bool(true)
		}
	}
	first, last := rn.accepted[0].suite, rn.accepted[1].suite
	m.mu.Lock()
	op := m.orderProbes[p]
	m.mu.Unlock()
	var a attempt
	if op != nil {
		<-op.done
		first, last, a = op.first, op.second, op.a
	} else {
		a = m.orderHello(ctx, p, []uint16{last, first})
	}
	switch {
	case a.out != accepted:
		return nil
	case a.suite == first:
		return result.Bool(true)
	case a.suite == last:
		return result.Bool(false)
	}
	return nil
}

// negotiate replays a reference client's hello.
func (m *measurement) negotiate(ctx context.Context, rc referenceClient) result.Negotiation {
	n := result.Negotiation{Client: rc.name}
	ch, err := rc.hello(m.c.cfg.SNI)
	if err != nil {
		n.Error = err.Error()
		return n
	}
	a := m.c.tls(ctx, ch, 0)
	switch a.out {
	case accepted:
		p, err := result.ProtocolFromVersion(a.version)
		if err != nil {
			n.Error = err.Error()
			return n
		}
		n.Protocol, n.ID = p, fmt.Sprintf("0x%04x", a.suite)
		n.Cipher = n.ID
		if s, ok := m.c.tab.ByID(a.suite); ok {
			n.Cipher = s.Name
		}
	case rejected:
		n.Error = "rejected: " + a.why
	default:
		n.Error = a.err.Error()
	}
	return n
}
