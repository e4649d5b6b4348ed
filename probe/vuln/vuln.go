// Package vuln checks an endpoint for the known SSL/TLS vulnerabilities that testssl.sh and
// SSL Labs report, by testssl.sh's ids (heartbleed, CCS, ticketbleed, ROBOT, secure_renego,
// CRIME_TLS, fallback_SCSV, ...) and, for the CBC padding oracles testssl.sh does not test,
// by SSL Labs' names (POODLE_TLS, zombie_poodle, goldendoodle, sleeping_poodle,
// padding_oracle_2016_2107; padding.go). What follows from the protocols and suites the enumerator
// already found (SWEET32, FREAK, DROWN, LOGJAM, BEAST, LUCKY13, RC4, POODLE_SSL, BREACH) is
// derived from the result; the rest is probed actively with raw handshakes built from
// probe/tlswire (and, for renegotiation and the CBC padding oracles, a minimal TLS 1.0–1.2
// client in renego.go and client12.go), in three stages (most probes at once, then client
// renegotiation, then the padding oracles) so an endpoint costs a few rounds of connections.
//
// A check that cannot run leaves its value nil and says why in Vulnerabilities.Notes.
package vuln

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/check"
	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// Config says how to reach the endpoint. Each active probe dials its own connection.
// Timeout bounds each probe connection once open (the exchange, and the wait for a
// server that stays silent), and the dial when ctx has no deadline; zero means
// DefaultTimeout.
type Config = check.ConnConfig

// DefaultTimeout bounds one probe connection when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Check fills r.Vulnerabilities. It reads what the enumerator put in r (protocols, ciphers,
// HTTP) and runs the active probes concurrently. It returns when every probe has finished
// or ctx is done; probes cut short by ctx are recorded as not run.
func Check(ctx context.Context, cfg Config, r *result.Result) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	v := &r.Vulnerabilities
	n := newNotes(v)
	derive(r, n)
	if cfg.Dial == nil {
		n.skipActive("no dialer configured")
		return
	}
	p := &prober{cfg: cfg, plan: planFor(r)}
	if p.plan.skip != "" {
		n.skipActive(p.plan.skip)
		return
	}

	// Each probe returns its findings; they are merged under one lock.
	type finding struct {
		set  func(v *result.Vulnerabilities)
		note map[string]string
	}
	// Probes run in stages: every probe of a stage starts when the stage before has ended.
	// OpenSSL's s_server serves one connection at a time and, after refusing a
	// renegotiation, sleeps 1 s before it reads again (whatever the client sends next): the
	// client renegotiation probe runs after the others so that none is queued behind that
	// timer. The padding oracle probe comes last for the same reason: on a service that does
	// not answer its request it waits out the timeout.
	type probe struct {
		stage int
		run   func(context.Context) finding
	}
	probes := []probe{
		{0, func(ctx context.Context) finding {
			hb, note := p.heartbleed(ctx)
			return finding{func(v *result.Vulnerabilities) { v.Heartbleed = hb }, map[string]string{"heartbleed": note}}
		}},
		{0, func(ctx context.Context) finding {
			ccs, note := p.ccsInjection(ctx)
			return finding{func(v *result.Vulnerabilities) { v.CCS = ccs }, map[string]string{"CCS": note}}
		}},
		{0, func(ctx context.Context) finding {
			robot, note := p.robot(ctx)
			return finding{func(v *result.Vulnerabilities) { v.ROBOT = robot }, map[string]string{"ROBOT": note}}
		}},
		{0, func(ctx context.Context) finding {
			h := p.helloFeatures(ctx)
			return finding{func(v *result.Vulnerabilities) {
				v.SecureRenego, v.CRIME, v.InsecureRenego = h.secureRenego, h.crime, h.insecureRenego
			}, map[string]string{"secure_renego": h.renegoNote, "CRIME_TLS": h.crimeNote, "insecure_renego": h.insecureNote}}
		}},
		{0, func(ctx context.Context) finding {
			fb, note := p.fallbackSCSV(ctx)
			return finding{func(v *result.Vulnerabilities) { v.FallbackSCSV = fb }, map[string]string{"fallback_SCSV": note}}
		}},
		{0, func(ctx context.Context) finding {
			tb, note := p.ticketbleed(ctx)
			return finding{func(v *result.Vulnerabilities) { v.Ticketbleed = tb }, map[string]string{"ticketbleed": note}}
		}},
		{1, func(ctx context.Context) finding {
			cr, note := p.clientRenegotiation(ctx)
			return finding{func(v *result.Vulnerabilities) { v.SecureClientRenego = cr }, map[string]string{"secure_client_renego": note}}
		}},
		{2, func(ctx context.Context) finding {
			f := p.paddingOracles(ctx, r)
			return finding{func(v *result.Vulnerabilities) {
				v.POODLETLS, v.SleepingPOODLE, v.ZombiePOODLE, v.GOLDENDOODLE, v.PaddingOracle = f.poodleTLS, f.sleeping, f.zombie, f.golden, f.cve2107
				v.ZeroLengthPaddingOracle = f.zeroLength
			}, f.notes}
		}},
	}
	if version, ids, weak := weakDHSuites(r); v.LOGJAM == nil && weak {
		probes = append(probes, probe{0, func(ctx context.Context) finding {
			lj, note := p.logjamPrime(ctx, version, ids)
			return finding{func(v *result.Vulnerabilities) { v.LOGJAM = lj }, map[string]string{"LOGJAM": note}}
		}})
	}
	const stages = 3
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		before [stages]sync.WaitGroup // before[s] counts down as the probes of stage s end
	)
	for _, pr := range probes {
		before[pr.stage].Add(1)
	}
	for _, pr := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer before[pr.stage].Done()
			for s := range pr.stage {
				waitCtx(ctx, &before[s])
			}
			f := pr.run(ctx)
			mu.Lock()
			defer mu.Unlock()
			f.set(v)
			for id, note := range f.note {
				n.set(id, note)
			}
		}()
	}
	wg.Wait()
}

// waitCtx waits for wg or ctx, whichever is first.
func waitCtx(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// notes records why checks are null or how they were decided.
type notes struct{ v *result.Vulnerabilities }

func newNotes(v *result.Vulnerabilities) notes { return notes{v} }

func (n notes) set(id, note string) {
	if note == "" {
		return
	}
	if n.v.Notes == nil {
		n.v.Notes = map[string]string{}
	}
	n.v.Notes[id] = note
}

// activeIDs are the checks only an active probe can decide.
func activeIDs() []string {
	return append([]string{"heartbleed", "CCS", "ticketbleed", "ROBOT", "secure_renego", "secure_client_renego", "insecure_renego", "CRIME_TLS", "fallback_SCSV"}, paddingIDs()...)
}

func (n notes) skipActive(why string) {
	for _, id := range activeIDs() {
		n.set(id, "not tested: "+why)
	}
}

// plan is what the active probes need from the enumeration: which protocol version to
// speak and which suites to offer.
type plan struct {
	// version is the best protocol up to TLS 1.2 the server accepts (the vulnerabilities
	// probed here live in TLS 1.2 and older code paths).
	version uint16
	// suites offered in hellos for version, from the enumeration when known.
	suites []uint16
	// rsaSuites are the accepted RSA key transport suites (for ROBOT).
	rsaSuites []uint16
	// anySuites joins the suites accepted under any protocol up to TLS 1.2 and the
	// defaults, for hellos at other versions than version.
	anySuites []uint16
	// tlsSuites are the suites the enumeration found accepted under TLS 1.0–1.2; empty when
	// it listed none (or did not run).
	tlsSuites []uint16
	// protocols are the accepted SSL 3.0–TLS 1.3 versions, oldest first.
	protocols []uint16
	// tls13Only is set when the server speaks nothing older than TLS 1.3.
	tls13Only bool
	// measured is false when the result holds no protocol checks (no enumeration ran).
	measured bool
	// skip says why no active probe can run at all.
	skip string
}

func planFor(r *result.Result) plan {
	var pl plan
	measured := false
	for _, p := range []result.Protocol{result.SSLv3, result.TLS10, result.TLS11, result.TLS12, result.TLS13} {
		s := r.Protocols.Get(p)
		if s == nil {
			continue
		}
		measured = true
		if *s {
			pl.protocols = append(pl.protocols, p.Version())
			if p != result.TLS13 {
				pl.version = p.Version()
			}
		}
	}
	pl.measured = measured
	switch {
	case !measured:
		// Without enumeration, probe as TLS 1.2 with a broad suite list.
		pl.version = tlswire.VersionTLS12
	case len(pl.protocols) == 0:
		pl.skip = "no SSL 3.0 or TLS protocol supported"
		return pl
	case pl.version == 0:
		pl.tls13Only = true
		pl.version = tlswire.VersionTLS13
		return pl
	}
	proto, _ := result.ProtocolFromVersion(pl.version)
	seen := map[uint16]bool{}
	for _, c := range r.Ciphers {
		id, ok := suiteID(c.ID)
		if !ok || c.Protocol == result.TLS13 || c.Protocol == result.SSLv2 {
			continue
		}
		if !seen[id] {
			seen[id] = true
			pl.anySuites = append(pl.anySuites, id)
		}
		if c.Protocol != result.SSLv3 && !slices.Contains(pl.tlsSuites, id) {
			pl.tlsSuites = append(pl.tlsSuites, id)
		}
		if c.Protocol != proto {
			continue
		}
		pl.suites = append(pl.suites, id)
		if strings.EqualFold(c.Kx, "RSA") && !c.Export || (c.Kx == "" && rsaKxName(c.Name)) {
			pl.rsaSuites = append(pl.rsaSuites, id)
		}
	}
	if len(pl.suites) == 0 {
		pl.suites = defaultSuites()
		pl.rsaSuites = defaultRSASuites()
	}
	for _, id := range defaultSuites() {
		if !seen[id] {
			seen[id] = true
			pl.anySuites = append(pl.anySuites, id)
		}
	}
	pl.suites = capSuites(pl.suites)
	pl.anySuites = capSuites(pl.anySuites)
	return pl
}

// suiteID parses "0xc02f"; SSL 2.0 kinds (six hex digits) are not TLS suites.
func suiteID(s string) (uint16, bool) {
	s = strings.TrimPrefix(strings.ToLower(s), "0x")
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 16)
	return uint16(v), err == nil
}

func rsaKxName(name string) bool {
	return strings.HasPrefix(name, "TLS_RSA_WITH_") || strings.HasPrefix(name, "SSL_RSA_WITH_")
}

// defaultSuites is offered when the enumeration did not list suites: the common TLS 1.2 and
// older suites of every key exchange, so most servers find one to pick.
func defaultSuites() []uint16 {
	return []uint16{
		0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0xc013, 0xc014, 0xc009, 0xc00a,
		0xc027, 0xc028, 0xc023, 0xc024, 0x009e, 0x009f, 0x0033, 0x0039, 0x0067, 0x006b,
		0x009c, 0x009d, 0x002f, 0x0035, 0x003c, 0x003d, 0x000a, 0x0016, 0xc012, 0x0005, 0x0004,
	}
}

func defaultRSASuites() []uint16 {
	return []uint16{0x009c, 0x009d, 0x002f, 0x0035, 0x003c, 0x003d, 0x000a, 0x0005, 0x0004}
}

// verLabel names a wire version for notes.
func verLabel(v uint16) string {
	if p, err := result.ProtocolFromVersion(v); err == nil {
		return p.Label()
	}
	return fmt.Sprintf("0x%04x", v)
}

func capSuites(s []uint16) []uint16 {
	if len(s) > tlswire.MaxHelloSuites {
		return s[:tlswire.MaxHelloSuites]
	}
	return s
}
