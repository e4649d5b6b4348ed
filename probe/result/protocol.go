package result

import "fmt"

// Protocol is a protocol key as the result JSON spells it.
type Protocol string

// Protocols from oldest to newest.
const (
	SSLv2 Protocol = "SSLv2"
	SSLv3 Protocol = "SSLv3"
	TLS10 Protocol = "TLS1"
	TLS11 Protocol = "TLS1_1"
	TLS12 Protocol = "TLS1_2"
	TLS13 Protocol = "TLS1_3"
)

// AllProtocols lists the protocols oldest first.
func AllProtocols() []Protocol { return []Protocol{SSLv2, SSLv3, TLS10, TLS11, TLS12, TLS13} }

// Version is the protocol's wire version (0x0002 for SSLv2).
func (p Protocol) Version() uint16 {
	switch p {
	case SSLv2:
		return 0x0002
	case SSLv3:
		return 0x0300
	case TLS10:
		return 0x0301
	case TLS11:
		return 0x0302
	case TLS12:
		return 0x0303
	case TLS13:
		return 0x0304
	}
	return 0
}

// Label is the name people use: "TLS 1.2".
func (p Protocol) Label() string {
	switch p {
	case SSLv2:
		return "SSL 2.0"
	case SSLv3:
		return "SSL 3.0"
	case TLS10:
		return "TLS 1.0"
	case TLS11:
		return "TLS 1.1"
	case TLS12:
		return "TLS 1.2"
	case TLS13:
		return "TLS 1.3"
	}
	return string(p)
}

// ProtocolFromVersion maps a wire version to its key.
func ProtocolFromVersion(v uint16) (Protocol, error) {
	for _, p := range AllProtocols() {
		if p.Version() == v {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown protocol version 0x%04x", v)
}

// Protocols records support per protocol; nil means not checked.
type Protocols struct {
	SSLv2 *bool `json:"SSLv2"`
	SSLv3 *bool `json:"SSLv3"`
	TLS10 *bool `json:"TLS1"`
	TLS11 *bool `json:"TLS1_1"`
	TLS12 *bool `json:"TLS1_2"`
	TLS13 *bool `json:"TLS1_3"`
}

func (ps *Protocols) field(p Protocol) **bool {
	switch p {
	case SSLv2:
		return &ps.SSLv2
	case SSLv3:
		return &ps.SSLv3
	case TLS10:
		return &ps.TLS10
	case TLS11:
		return &ps.TLS11
	case TLS12:
		return &ps.TLS12
	case TLS13:
		return &ps.TLS13
	}
	return nil
}

// Get returns support for p: nil when unchecked or p is unknown.
func (ps *Protocols) Get(p Protocol) *bool {
	if f := ps.field(p); f != nil {
		return *f
	}
	return nil
}

// Set records that p was checked and whether it is supported.
func (ps *Protocols) Set(p Protocol, supported bool) {
	if f := ps.field(p); f != nil {
		*f = Bool(supported)
	}
}

// Supported reports whether p was checked and found supported.
func (ps *Protocols) Supported(p Protocol) bool {
	b := ps.Get(p)
	return b != nil && *b
}

// List returns the supported protocols, oldest first.
func (ps *Protocols) List() []Protocol {
	var out []Protocol
	for _, p := range AllProtocols() {
		if ps.Supported(p) {
			out = append(out, p)
		}
	}
	return out
}

// UnmarshalText rejects unknown protocol keys so typos in imported data are caught.
// The empty string is accepted as the zero Protocol: a Negotiation that failed (Error set)
// has no protocol.
func (p *Protocol) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = ""
		return nil
	}
	for _, q := range AllProtocols() {
		if string(b) == string(q) {
			*p = q
			return nil
		}
	}
	return fmt.Errorf("unknown protocol %q (want one of SSLv2, SSLv3, TLS1, TLS1_1, TLS1_2, TLS1_3)", b)
}
