package vuln

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// The CBC padding oracle checks (POODLE_TLS, sleeping_poodle, zombie_poodle, goldendoodle,
// padding_oracle_2016_2107, zero_length_padding_oracle) share one method, Tripwire's
// padcheck's: finish a handshake over an AES-CBC suite, send one application data record
// that carries an HTTP request and is malformed on purpose, and note how the server answers
// (data, which alert, a closed or reset connection, silence). A sound server answers every malformed record alike (RFC 5246,
// 6.2.3.2: bad_record_mac, whatever failed); a difference between two records that differ
// only in what the attacker must not learn is an oracle. Each record goes on its own
// connection, as an error ends a TLS connection.

// PadRecord is one record the padding oracle probe sends. The first is well formed; the
// others are padcheck's malformed records 1, 3 and 4, a record with both MAC and padding
// bad (padcheck's record 2, every byte 0xff, leaves no room for a MAC, so that its answer
// mixes the length check in), and the CVE-2016-2107 record of Valsorda's test.
type PadRecord int

// The records. Content is an HTTP request sized so that content and MAC fill whole
// blocks: a well-formed record then ends in a full block of padding (16 bytes of 15).
const (
	PadWellFormed PadRecord = iota // content, MAC, padding
	PadBadMAC                      // content, MAC with a flipped bit, valid padding (padcheck 1)
	PadBadBoth                     // content, MAC with a flipped bit, only the last padding byte right
	PadPOODLE                      // content, valid MAC, only the last padding byte right (padcheck 3)
	PadAllPadding                  // the whole record valid padding: no content, no MAC (padcheck 4)
	PadOverflow                    // 4 blocks of 'A' (0x41): padding longer than the record (CVE-2016-2107)
)

func (r PadRecord) String() string {
	return [...]string{"well-formed", "bad MAC", "bad MAC and padding", "bad padding", "all padding", "padding past the record"}[r]
}

// padRecords lists the records in order.
func padRecords() []PadRecord {
	return []PadRecord{PadWellFormed, PadBadMAC, PadBadBoth, PadPOODLE, PadAllPadding, PadOverflow}
}

// PaddedRecord builds the plaintext (content, MAC, padding) of record r for the CBC
// protector c, with content an HTTP request for host. It uses up one sequence number of c.
func PaddedRecord(r PadRecord, c *tlswire.CBCProtector, host string) []byte {
	bs, macLen := c.BlockSize(), c.MACSize()
	req := func(path string) []byte {
		// Connection: close, so that an HTTP server ends the exchange after its answer
		// instead of leaving the probe to wait for more.
		return []byte("GET /" + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
	}
	content := req("")
	if over := (len(content) + macLen) % bs; over != 0 {
		content = req(strings.Repeat("a", bs-over))
	}
	tag := c.MAC(tlswire.RecordApplicationData, content)
	full := append(append([]byte{}, content...), tag...)
	if r == PadBadMAC || r == PadBadBoth {
		full[len(content)] ^= 0x80
	}
	switch r {
	case PadBadBoth, PadPOODLE:
		// bs-1 bytes of padding, then the length: 16, 15, ..., 2, 15 as padcheck sends.
		for i := range bs - 1 {
			full = append(full, byte(bs-i))
		}
		return append(full, byte(bs-1))
	case PadAllPadding:
		n := 6 * bs
		return bytes.Repeat([]byte{byte(n - 1)}, n)
	case PadOverflow:
		return bytes.Repeat([]byte{'A'}, 4*bs)
	}
	return tlswire.AppendCBCPadding(full, bs)
}

// padAnswer is how the server answered one record: the events that followed it in order
// (application data, an alert, the connection's end, silence), as padcheck compares them.
type padAnswer struct {
	seq     string // the events: "data, alert bad_record_mac, then closed"
	data    bool   // application data came (an answer, or a banner sent before)
	refused bool   // an error alert came, or the connection ended with no data
	alert   string // the name of the alert, if one came
}

func (a padAnswer) String() string { return a.seq }

// quiet bounds the wait for what follows data or an alert (more data, an alert, the close
// that follows a fatal alert): servers send these at once. The first event may take the
// connection's whole timeout, or the silence wait (silenceWait).
const quiet = time.Second

// Silence (no answer to a record) is the sign of Sleeping POODLE, and a silence can only be
// told by waiting. Waiting out the whole timeout for it costs every server that answers
// nothing to some record the timeout, twice (the confirming round). The malformed records
// wait instead silenceFactor times the slowest exchange this endpoint had in the round
// before and in their own (a handshake, the answer to a record), and at least
// silenceFloor, never more than the timeout. The shorter wait is taken only when the
// endpoint answered the well-formed record with data, and a silence it gives is kept only
// if the same round shows the server refusing other malformed records within a tenth of the
// wait; otherwise the round runs again with the whole timeout (paddingOracles). An answer
// that comes within ten times the slowest exchange the server had just shown is not lost;
// the floor, the same second the probe gives servers to follow an alert with the close
// (quiet), covers a loaded machine's scheduling, where loopback answers take milliseconds.
const (
	silenceFactor = 10
	silenceFloor  = time.Second
)

// silenceWait is how long a malformed record waits for its first answer, given the
// slowest exchange seen on the endpoint; 0 means until the connection's deadline.
func silenceWait(slowest, timeout time.Duration) time.Duration {
	w := max(silenceFloor, silenceFactor*slowest)
	if w >= timeout {
		return 0
	}
	return w
}

// cbcTarget picks the protocol and AES-CBC suite to test with: the best TLS 1.0–1.2 version
// at which the enumeration found one the client runs (without an enumeration, TLS 1.2 and
// every such suite). why says why there is none to test with; measuredNone then says the
// enumeration found no CBC suite at all, so that the checks are false (measured), not null.
func cbcTarget(r *result.Result, pl plan) (version uint16, suites []uint16, why string, measuredNone bool) {
	if pl.tls13Only {
		return 0, nil, "not vulnerable: TLS 1.3 only, which has no CBC record protection", true
	}
	if !pl.measured || len(r.Ciphers) == 0 {
		// Not enumerated: try TLS 1.2 with every AES-CBC suite the client runs.
		for _, s := range client12Suites() {
			if !s.gcm {
				suites = append(suites, s.id)
			}
		}
		return tlswire.VersionTLS12, suites, "", false
	}
	var others []string
	for _, p := range []result.Protocol{result.TLS12, result.TLS11, result.TLS10} {
		for _, c := range r.Ciphers {
			if c.Protocol != p || !isCBC(c) {
				continue
			}
			id, ok := suiteID(c.ID)
			s, known := lookupSuite12(id)
			if ok && known && !s.gcm && s.usable(p.Version()) {
				return p.Version(), []uint16{id}, "", false
			}
			if !slices.Contains(others, c.Name) {
				others = append(others, c.Name)
			}
		}
	}
	if len(others) > 0 {
		return 0, nil, "not tested: the CBC suites offered (" + summarize(others) + ") are none the probe runs (AES-CBC with HMAC-SHA1 or SHA-256)", false
	}
	return 0, nil, "not vulnerable: no CBC suite offered under TLS 1.0–1.2", true
}

// paddingFindings are the padding oracle checks' values and notes.
type paddingFindings struct {
	poodleTLS, sleeping, zombie, golden, cve2107, zeroLength *bool
	notes                                                    map[string]string
}

// paddingIDs are the ids the padding oracle probe decides.
func paddingIDs() []string {
	return []string{"POODLE_TLS", "sleeping_poodle", "zombie_poodle", "goldendoodle", "padding_oracle_2016_2107", "zero_length_padding_oracle"}
}

func (f *paddingFindings) all(v *bool, note string) {
	f.poodleTLS, f.sleeping, f.zombie, f.golden, f.cve2107, f.zeroLength = v, v, v, v, v, v
	f.notes = map[string]string{}
	for _, id := range paddingIDs() {
		f.notes[id] = note
	}
}

// paddingOracles runs the records of padRecords, each on its own connection (the
// well-formed one first, then the malformed ones at once), and decides the checks of
// paddingIDs from the answers. When a check comes out vulnerable, the malformed records are
// sent once more and the finding stands only if every answer repeats.
func (p *prober) paddingOracles(ctx context.Context, r *result.Result) paddingFindings {
	var f paddingFindings
	version, suites, why, none := cbcTarget(r, p.plan)
	if why != "" {
		if none {
			f.all(result.Bool(false), why)
		} else {
			f.all(nil, why)
		}
		return f
	}
	// The well-formed record goes first and alone: on a service that does not answer it,
	// it waits out the timeout, and a server that serves one connection at a time
	// (OpenSSL's s_server) would hold the malformed records' connections queued meanwhile.
	answers, suite, slowest, err := p.padRound(ctx, version, suites, padRecords()[:1], 0)
	var silence time.Duration // the malformed records' wait for a first answer
	if err == nil {
		if answers[PadWellFormed].data {
			silence = silenceWait(slowest, p.cfg.Timeout)
		}
		var rest map[PadRecord]padAnswer
		rest, silence, err = p.malformedRound(ctx, version, suite, silence, slowest)
		for rec, a := range rest {
			answers[rec] = a
		}
	}
	if err != nil {
		f.all(nil, "not tested: "+err.Error())
		return f
	}
	f = decidePadding(answers)
	profile := padProfile(answers)
	where := fmt.Sprintf("%s %s; ", verLabel(version), tls.CipherSuiteName(suite))
	if silence > 0 && strings.Contains(profile, padNoAnswer) {
		where += fmt.Sprintf("no answer: none within %v, 10 times the slowest exchange or more; ", silence)
	}
	if isTrue(f.poodleTLS) || isTrue(f.sleeping) || isTrue(f.zombie) || isTrue(f.golden) || isTrue(f.cve2107) || isTrue(f.zeroLength) {
		again, _, err := p.malformedRound(ctx, version, suite, silence, slowest)
		again[PadWellFormed] = answers[PadWellFormed]
		if err != nil || padProfile(again) != profile {
			why := "the answers changed on a second round: " + padProfile(again)
			if err != nil {
				why = "the second round failed: " + err.Error()
			}
			f.all(nil, "not decided: "+why+"; first round: "+profile)
			return f
		}
		where += "the same answers twice; "
	}
	// The answers to every record go once, in POODLE_TLS's note; the others point there.
	for id, n := range f.notes {
		if id == "POODLE_TLS" {
			f.notes[id] = n + " (" + where + profile + ")"
		} else {
			f.notes[id] = n + " (" + where + "answers in the POODLE_TLS note)"
		}
	}
	return f
}

// malformedRound sends the malformed records at once, each waiting silence for its first
// answer (0: the connection's deadline). A silence is kept only if the round also shows
// the server refusing a malformed record, and every exchange of the round (and slowest, the
// slowest before it) took at most a tenth of silence; otherwise the round runs again with
// the whole timeout. It returns the answers and the wait they had.
func (p *prober) malformedRound(ctx context.Context, version, suite uint16, silence, slowest time.Duration) (map[PadRecord]padAnswer, time.Duration, error) {
	answers, _, roundSlowest, err := p.padRound(ctx, version, []uint16{suite}, padRecords()[1:], silence)
	if err != nil || silence == 0 {
		return answers, silence, err
	}
	silent, refused := false, false
	for _, a := range answers {
		silent = silent || a.seq == padNoAnswer
		refused = refused || a.refused
	}
	if silent && (!refused || silenceFactor*max(slowest, roundSlowest) > silence) {
		answers, _, _, err = p.padRound(ctx, version, []uint16{suite}, padRecords()[1:], 0)
		return answers, 0, err
	}
	return answers, silence, nil
}

// padProfile lists the answers in record order.
func padProfile(answers map[PadRecord]padAnswer) string {
	var parts []string
	for _, rec := range padRecords() {
		if a, ok := answers[rec]; ok {
			parts = append(parts, rec.String()+": "+a.String())
		}
	}
	return strings.Join(parts, "; ")
}

// decidePadding turns the answers into findings.
func decidePadding(a map[PadRecord]padAnswer) paddingFindings {
	var f paddingFindings
	good, badMAC, badBoth, poodle, overflow := a[PadWellFormed], a[PadBadMAC], a[PadBadBoth], a[PadPOODLE], a[PadOverflow]
	if good.refused || !good.data && good.seq != padNoAnswer {
		// Refused, or met with something that is neither an answer nor silence.
		f.all(nil, "not tested: the server refused a well-formed CBC record ("+good.String()+")")
		return f
	}
	if !badMAC.refused {
		// A server that does not refuse a bad MAC shows nothing of its padding check.
		f.all(nil, "not tested: the server did not refuse a record with a bad MAC ("+badMAC.String()+"), so its answers to bad padding say nothing")
		return f
	}
	f.notes = map[string]string{}
	set := func(id string, v bool, yes, no string) *bool {
		if v {
			f.notes[id] = "VULNERABLE: " + yes
		} else {
			f.notes[id] = "not vulnerable: " + no
		}
		return result.Bool(v)
	}
	// POODLE over TLS: the record whose padding bytes are wrong (all but the last) is
	// taken like a well-formed one: answered (data) or, on a service that answers nothing,
	// left unanswered while a bad MAC is refused.
	f.poodleTLS = set("POODLE_TLS", poodle == good,
		"a record whose padding bytes are not all the padding length is accepted like a well-formed one",
		"a record whose padding bytes are not all the padding length is not accepted")
	// Sleeping POODLE: that record is not answered at all (the connection stays open
	// without data) while the well-formed one is answered and errors are refused, so the
	// oracle is the silence.
	f.sleeping = set("sleeping_poodle", good.data && poodle.seq == padNoAnswer,
		"a record with wrong padding bytes and a valid MAC gets no answer, while errors are refused: the silence is the oracle",
		"a record with wrong padding bytes and a valid MAC is not met with silence")
	// Zombie POODLE: with bad padding, the MAC's validity shows: the record with a valid
	// MAC is refused otherwise than the same record with a bad one.
	f.zombie = set("zombie_poodle", poodle.refused && badBoth.refused && poodle != badBoth,
		"with bad padding, a valid MAC is refused otherwise ("+poodle.String()+") than a bad one ("+badBoth.String()+")",
		"with bad padding, a valid MAC is refused like a bad one")
	// GOLDENDOODLE: the padding's validity shows: with a bad MAC, a record with valid
	// padding is answered otherwise than the same record with bad padding.
	f.golden = set("goldendoodle", badMAC != badBoth,
		"with a bad MAC, valid padding is answered otherwise ("+badMAC.String()+") than bad padding ("+badBoth.String()+")",
		"with a bad MAC, valid and bad padding are answered alike")
	// CVE-2016-2107: OpenSSL's AES-NI code answers a record whose padding covers more than
	// the record with record_overflow instead of bad_record_mac (Valsorda's test).
	f.cve2107 = set("padding_oracle_2016_2107", overflow.alert == "record_overflow" && badMAC.alert != "record_overflow",
		"padding longer than the record is answered with record_overflow, a bad MAC otherwise",
		"padding longer than the record is answered "+overflow.String())
	// The 0-length padding oracle (OpenSSL 1.0.2's CVE-2019-1559): a record of valid padding
	// only, with no room for a MAC, is refused otherwise than a bad MAC.
	all := a[PadAllPadding]
	f.zeroLength = set("zero_length_padding_oracle", all.refused && all != badMAC,
		"a record of padding only (no room for a MAC) is refused otherwise ("+all.String()+") than a bad MAC",
		"a record of padding only is answered "+all.String())
	if isTrue(f.cve2107) && all.alert == "record_overflow" {
		// CVE-2016-2107's missing length check answers that record too; which flaw the
		// difference shows cannot be told apart.
		f.zeroLength = nil
		f.notes["zero_length_padding_oracle"] = "not decided: a record of padding only gets CVE-2016-2107's record_overflow, which hides this oracle"
	}
	return f
}

// padRound sends each record of recs on its own connection, concurrently, each waiting
// silence for its first answer (0: the connection's deadline), and returns the answers,
// the suite the server chose and the slowest exchange (handshake, or first answer).
func (p *prober) padRound(ctx context.Context, version uint16, suites []uint16, recs []PadRecord, silence time.Duration) (map[PadRecord]padAnswer, uint16, time.Duration, error) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		answers  = map[PadRecord]padAnswer{}
		suite    uint16
		slowest  time.Duration
		firstErr error
	)
	for _, rec := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, s, took, err := p.sendPadRecord(ctx, version, suites, rec, silence)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s record: %w", rec, err)
				}
				return
			}
			answers[rec], suite, slowest = a, s, max(slowest, took)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return answers, 0, 0, firstErr
	}
	return answers, suite, slowest, nil
}

// sendPadRecord runs a handshake with one of suites at version, sends record rec and reads
// the answer, waiting silence for the first event (0: until the connection's deadline).
// took is the slower of the handshake and the wait for the first answer (the handshake
// alone when none came).
func (p *prober) sendPadRecord(ctx context.Context, version uint16, suites []uint16, rec PadRecord, silence time.Duration) (a padAnswer, suite uint16, took time.Duration, err error) {
	start := time.Now()
	ch := p.hello()
	ch.Version = version
	ch.CipherSuites = suites
	ch.SupportedGroups = client12Groups()
	if version < tlswire.VersionTLS12 {
		ch.SignatureAlgorithms = nil
	}
	c, err := p.fullHandshake(ctx, ch)
	if err != nil {
		return padAnswer{}, 0, 0, fmt.Errorf("CBC handshake at %s: %w", verLabel(version), err)
	}
	defer c.s.Close()
	took = time.Since(start)
	cbc, ok := c.client.(*tlswire.CBCProtector)
	if !ok {
		return padAnswer{}, 0, 0, fmt.Errorf("server chose suite 0x%04x, not a CBC one", c.hello.CipherSuite)
	}
	host := p.cfg.SNI
	if host == "" {
		host = "localhost"
	}
	payload, err := cbc.Encrypt(PaddedRecord(rec, cbc, host))
	if err != nil {
		return padAnswer{}, 0, 0, err
	}
	if err := c.s.write(tlswire.RecordApplicationData, payload); err != nil {
		return padAnswer{seq: "closed", refused: true}, c.hello.CipherSuite, took, nil
	}
	if time.Now().Add(silence).After(start.Add(p.cfg.Timeout)) {
		silence = 0 // the connection's deadline comes first
	}
	a, first := c.answer(silence)
	return a, c.hello.CipherSuite, max(took, first), nil
}

// padNoAnswer is the answer of a server that sent nothing and kept the connection open.
const padNoAnswer = "no answer"

// answer reads how the server answered the last record: the records that follow it until
// an alert (and what became of the connection after it), the connection's end or silence.
// The first event may take wait (0: until the connection's deadline); first is how long
// it took to come (0 when none came).
func (c *conn12) answer(wait time.Duration) (a padAnswer, first time.Duration) {
	var parts []string
	start := time.Now()
	add := func(p string) {
		if len(parts) == 0 || parts[len(parts)-1] != p {
			parts = append(parts, p)
		}
	}
	done, ended := false, false
	for i := 0; i < 8 && !done; i++ {
		typ, plain, rep := c.readEncryptedWithin(wait)
		if i == 0 && !rep.timeout {
			first = time.Since(start)
		}
		wait, done = quiet, true
		switch {
		case rep.reset:
			add("reset")
			ended = true
		case rep.closed:
			add("closed")
			ended = true
		case rep.timeout && len(parts) == 0:
			add(padNoAnswer)
		case rep.timeout:
			add("then silent")
		case rep.err != nil:
			add("a record that does not decrypt")
		case typ == tlswire.RecordAlert && len(plain) == 2:
			a.alert = tlswire.Alert{Level: plain[0], Description: plain[1]}.Name()
			if a.alert == "unknown" {
				a.alert = fmt.Sprintf("unknown (%d)", plain[1])
			}
			next := c.s.readReply(quiet)
			switch {
			case next.reset:
				add("alert " + a.alert + ", then reset")
			case next.closed:
				add("alert " + a.alert + ", then closed")
			case next.record != nil || next.alert != nil:
				add("alert " + a.alert + ", then more records")
			default:
				add("alert " + a.alert + ", connection left open")
			}
		case typ == tlswire.RecordApplicationData:
			add("data")
			a.data, done = true, false
		default:
			add(fmt.Sprintf("record type %d", typ))
			done = false
		}
	}
	a.seq = strings.Join(parts, ", ")
	// close_notify after an answer is the end of a served request, not a refusal.
	closeNotify := a.alert == tlswire.Alert{Description: tlswire.AlertCloseNotify}.Name()
	a.refused = a.alert != "" && !closeNotify || (ended || closeNotify) && !a.data
	return a, first
}
