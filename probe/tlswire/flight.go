package tlswire

import (
	"fmt"
)

// Flight is what a scanner reads of the server's first flight.
type Flight struct {
	Hello *ServerHello
	// Chain is the certificate chain as sent (TLS 1.2 and older).
	Chain [][]byte
	// KeyExchange is the parsed ServerKeyExchange, nil when none was sent or its layout
	// is unknown; SKE holds its raw body in both cases.
	KeyExchange *ServerKeyExchange
	SKE         []byte
	// Done is true when ServerHelloDone was read.
	Done bool
	// Status is the body of the CertificateStatus message (RFC 6066, 8), nil when the
	// server sent none.
	Status []byte
}

// ReadFlight reads a ServerHello and, unless it is a TLS 1.3 ServerHello or a
// HelloRetryRequest, the messages up to ServerHelloDone. kxFor says how to parse the
// ServerKeyExchange for the negotiated suite (0 to keep only the raw body); it may be nil.
// When the ServerHello was read but a later message fails, the partial flight is returned
// with the error.
func ReadFlight(hr *HandshakeReader, kxFor func(suite uint16) KeyExchange) (*Flight, error) {
	m, err := hr.ReadMessage()
	if err != nil {
		return nil, err
	}
	if m.Type != TypeServerHello {
		return nil, fmt.Errorf("tlswire: expected ServerHello, got handshake type %d", m.Type)
	}
	sh, err := ParseServerHello(m.Body)
	if err != nil {
		return nil, err
	}
	f := &Flight{Hello: sh}
	if sh.HelloRetryRequest || sh.SelectedVersion >= VersionTLS13 {
		return f, nil
	}
	// Bound the messages between ServerHello and ServerHelloDone: a hostile server could
	// otherwise stream CertificateStatus messages until the deadline.
	for range maxFlightMessages {
		m, err := hr.ReadMessage()
		if err != nil {
			return f, fmt.Errorf("tlswire: after ServerHello: %w", err)
		}
		switch m.Type {
		case TypeCertificate:
			if f.Chain, err = ParseCertificate(m.Body, false); err != nil {
				return f, err
			}
		case TypeServerKeyExchange:
			f.SKE = m.Body
			if kxFor != nil {
				if kx := kxFor(sh.CipherSuite); kx != 0 {
					if f.KeyExchange, err = ParseServerKeyExchange(m.Body, kx); err != nil {
						return f, err
					}
				}
			}
		case TypeServerHelloDone:
			f.Done = true
			return f, nil
		case TypeCertificateStatus:
			f.Status = m.Body
		case TypeCertificateRequest:
		default:
			return f, fmt.Errorf("tlswire: unexpected handshake type %d in server flight", m.Type)
		}
	}
	return f, fmt.Errorf("tlswire: no ServerHelloDone within %d messages", maxFlightMessages)
}

const maxFlightMessages = 8
