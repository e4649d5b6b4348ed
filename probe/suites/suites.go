// Package suites is the table of TLS cipher suites and SSL 2.0 cipher kinds as data: for
// each id its IANA name, OpenSSL name, the oldest protocol it belongs to, key exchange,
// authentication, cipher, strength, MAC and the properties grading needs (AEAD, forward
// secrecy, export).
//
// The table (suites.tsv, embedded) covers the IANA TLS Cipher Suites registry, the SSL 2.0
// cipher kinds, and the pre-standard and vendor suites scanners meet (FIPS, GOST, CECPQ1,
// draft ChaCha20). It was written from the IANA registry and the defining RFCs, using the
// column layout of testssl.sh's cipher-mapping.txt, with RFC 8492, 9150 and 9189 and the
// ECDHE-PSK AEAD suites of RFC 8442 added. Conventions:
//   - bits is the effective symmetric strength: 112 for 3DES (meet-in-the-middle), 40 or 56
//     for export ciphers, as SSL Labs and OpenSSL's strength bits report it.
//   - kx DHE/ECDHE means ephemeral (anonymous ones included, auth NULL); DH/ECDH static.
//     TLS 1.3 suites have kx and auth "any".
//   - forward_secrecy is true for authenticated ephemeral key exchange only.
//   - block_bits is 0 for stream ciphers and AEAD modes.
package suites

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

//go:embed suites.tsv
var suitesTSV string

// Suite is one TLS cipher suite or SSL 2.0 cipher kind.
type Suite struct {
	// ID is the 16-bit suite id, or for SSL 2.0 the 24-bit cipher kind.
	ID    uint32
	SSLv2 bool
	// Name is the IANA name (SSL_CK_* for SSL 2.0); OpenSSL is "-" where OpenSSL has none.
	Name    string
	OpenSSL string
	// MinProtocol is the oldest protocol the suite is defined for.
	MinProtocol result.Protocol
	Kx          string // RSA, DHE, ECDHE, DH, ECDH, PSK, DHE-PSK, ECDHE-PSK, RSA-PSK, SRP, KRB5, GOST, ...
	Auth        string // RSA, ECDSA, DSS, PSK, NULL (anonymous), any (TLS 1.3), ...
	Cipher      string // AES, CHACHA20, 3DES, DES, RC4, RC2, IDEA, SEED, CAMELLIA, ARIA, NULL, ...
	Mode        string // CBC, GCM, CCM, CCM8, POLY1305, STREAM, NONE, ...
	Bits        int
	BlockBits   int
	MAC         string // SHA1, SHA256, SHA384, MD5, AEAD, ...
	AEAD        bool
	// ForwardSecrecy is true for authenticated ephemeral key exchange.
	ForwardSecrecy bool
	Export         bool
}

// IDString is the id as the probe result spells it: "0xc02f", or "0x0700c0" for SSL 2.0.
func (s Suite) IDString() string {
	if s.SSLv2 {
		return fmt.Sprintf("0x%06x", s.ID)
	}
	return fmt.Sprintf("0x%04x", s.ID)
}

// Protocols lists the protocols the suite can be negotiated in: SSL 2.0 kinds only in
// SSL 2.0, TLS 1.3 suites only in TLS 1.3, every other suite from MinProtocol to TLS 1.2.
func (s Suite) Protocols() []result.Protocol {
	switch s.MinProtocol {
	case result.SSLv2, result.TLS13:
		return []result.Protocol{s.MinProtocol}
	}
	var out []result.Protocol
	on := false
	for _, p := range result.AllProtocols() {
		on = on || p == s.MinProtocol
		if on && p != result.TLS13 {
			out = append(out, p)
		}
	}
	return out
}

// Anonymous reports a suite without server authentication.
func (s Suite) Anonymous() bool { return s.Auth == "NULL" }

// Table is the loaded suite table. It is read-only and safe for concurrent use.
type Table struct {
	all    []Suite
	byID   map[uint16]int
	byKind map[uint32]int
	byName map[string]int
}

// Default returns the embedded table, parsed once.
func Default() *Table {
	t, err := defaultTable()
	if err != nil {
		// The embedded table is checked by the tests; this cannot happen in a build
		// that passed them. Return an empty table rather than panic.
		return &Table{byID: map[uint16]int{}, byKind: map[uint32]int{}, byName: map[string]int{}}
	}
	return t
}

var defaultTable = sync.OnceValues(func() (*Table, error) { return Parse(suitesTSV, "suites.tsv") })

// Embedded parses the embedded table afresh and returns any error in it.
func Embedded() (*Table, error) { return Parse(suitesTSV, "suites.tsv") }

var columns = []string{"id", "name", "openssl", "min_protocol", "kx", "auth", "cipher", "mode", "bits",
	"block_bits", "mac", "aead", "forward_secrecy", "export"}

// Parse reads a table in the layout of suites.tsv (a header line, then tab-separated rows).
// name is used in errors, which give the line and column.
func Parse(data, name string) (*Table, error) {
	t := &Table{byID: map[uint16]int{}, byKind: map[uint32]int{}, byName: map[string]int{}}
	lines := strings.Split(strings.TrimRight(data, "\n"), "\n")
	if len(lines) == 0 || lines[0] != strings.Join(columns, "\t") {
		return nil, fmt.Errorf("%s:1: header must be %q", name, strings.Join(columns, "\t"))
	}
	for i, line := range lines[1:] {
		lineNo := i + 2
		f := strings.Split(line, "\t")
		if len(f) != len(columns) {
			return nil, fmt.Errorf("%s:%d: %d columns, want %d", name, lineNo, len(f), len(columns))
		}
		bad := func(col int, err error) error {
			return fmt.Errorf("%s:%d: column %q: %w", name, lineNo, columns[col], err)
		}
		s := Suite{Name: f[1], OpenSSL: f[2], Kx: f[4], Auth: f[5], Cipher: f[6], Mode: f[7], MAC: f[10]}
		hex, ok := strings.CutPrefix(f[0], "0x")
		if !ok || (len(hex) != 4 && len(hex) != 6) {
			return nil, bad(0, fmt.Errorf("%q is not 0x and 4 or 6 hex digits", f[0]))
		}
		id, err := strconv.ParseUint(hex, 16, 32)
		if err != nil {
			return nil, bad(0, err)
		}
		s.ID, s.SSLv2 = uint32(id), len(hex) == 6
		if err := s.MinProtocol.UnmarshalText([]byte(f[3])); err != nil {
			return nil, bad(3, err)
		}
		if s.SSLv2 != (s.MinProtocol == result.SSLv2) {
			return nil, bad(3, fmt.Errorf("SSL 2.0 kinds have 6 hex digits and protocol SSLv2"))
		}
		for col, dst := range map[int]*int{8: &s.Bits, 9: &s.BlockBits} {
			if *dst, err = strconv.Atoi(f[col]); err != nil || *dst < 0 {
				return nil, bad(col, fmt.Errorf("%q is not a bit count", f[col]))
			}
		}
		for col, dst := range map[int]*bool{11: &s.AEAD, 12: &s.ForwardSecrecy, 13: &s.Export} {
			if *dst, err = strconv.ParseBool(f[col]); err != nil {
				return nil, bad(col, err)
			}
		}
		if s.Name == "" || s.Name == "-" {
			return nil, bad(1, fmt.Errorf("empty name"))
		}
		idx := len(t.all)
		if s.SSLv2 {
			if _, dup := t.byKind[s.ID]; dup {
				return nil, bad(0, fmt.Errorf("duplicate SSL 2.0 kind %s", f[0]))
			}
			t.byKind[s.ID] = idx
		} else {
			if _, dup := t.byID[uint16(s.ID)]; dup {
				return nil, bad(0, fmt.Errorf("duplicate suite id %s", f[0]))
			}
			t.byID[uint16(s.ID)] = idx
		}
		// The first row wins a name, so TLS suites win over SSL 2.0 kinds of the same
		// OpenSSL name (DES-CBC3-SHA).
		for _, n := range []string{s.Name, s.OpenSSL} {
			if _, taken := t.byName[n]; !taken && n != "-" {
				t.byName[n] = idx
			}
		}
		t.all = append(t.all, s)
	}
	return t, nil
}

// ByID returns the TLS suite with id.
func (t *Table) ByID(id uint16) (Suite, bool) {
	i, ok := t.byID[id]
	if !ok {
		return Suite{}, false
	}
	return t.all[i], true
}

// BySSLv2Kind returns the SSL 2.0 cipher kind k.
func (t *Table) BySSLv2Kind(k uint32) (Suite, bool) {
	i, ok := t.byKind[k]
	if !ok {
		return Suite{}, false
	}
	return t.all[i], true
}

// ByName returns the suite with an IANA or OpenSSL name.
func (t *Table) ByName(name string) (Suite, bool) {
	i, ok := t.byName[name]
	if !ok {
		return Suite{}, false
	}
	return t.all[i], true
}

// All returns every suite, TLS suites by id, then SSL 2.0 kinds.
func (t *Table) All() []Suite { return append([]Suite(nil), t.all...) }

// For returns the suites that can be negotiated in protocol p.
func (t *Table) For(p result.Protocol) []Suite {
	var out []Suite
	for _, s := range t.all {
		for _, q := range s.Protocols() {
			if q == p {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// Result fills a result.Cipher for s negotiated in protocol p.
func (s Suite) Result(p result.Protocol) result.Cipher {
	return result.Cipher{Protocol: p, ID: s.IDString(), Name: s.Name, Bits: s.Bits, Kx: s.Kx,
		ForwardSecrecy: s.ForwardSecrecy, AEAD: s.AEAD, Cipher: s.Cipher, Export: s.Export, BlockBits: s.BlockBits}
}
