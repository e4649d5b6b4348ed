package fakeserver

import (
	"context"
	"crypto/hmac"
	"net"
	"time"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// PaddingFlaw is how a PaddingOracle fake judges CBC records: each flaw is one of the CBC
// padding oracles SSL Labs reports, as the servers that had it behaved.
type PaddingFlaw int

// The flaws. Every fake answers a well-formed request with an HTTP answer, and a record
// its flaw does not concern with bad_record_mac, closing the connection, as a sound server
// answers every bad record (RFC 5246, 6.2.3.2).
const (
	// PaddingSound checks padding and MAC as RFC 5246 says: the healthy fake.
	PaddingSound PaddingFlaw = iota
	// PaddingPOODLETLS checks only the last padding byte, as SSL 3.0 does (POODLE over TLS,
	// CVE-2014-8730: F5, A10 and others in 2014): a record whose other padding bytes are
	// wrong but whose MAC is right is accepted and answered.
	PaddingPOODLETLS
	// PaddingSleepingPOODLE does not answer a record whose padding bytes are wrong but
	// whose MAC is right: it neither accepts nor refuses it, and keeps the connection open.
	PaddingSleepingPOODLE
	// PaddingZombiePOODLE closes the connection without an alert on a record whose padding
	// bytes are wrong but whose MAC is right (the Citrix behaviour of Zombie POODLE).
	PaddingZombiePOODLE
	// PaddingGOLDENDOODLE answers bad padding with decryption_failed and a bad MAC under
	// valid padding with bad_record_mac: the padding's validity shows.
	PaddingGOLDENDOODLE
	// Padding2016_2107 is OpenSSL's AES-NI code before 1.0.2h (CVE-2016-2107): it does not
	// check that a record has room for both MAC and padding, and answers one that has not
	// with record_overflow.
	Padding2016_2107
	// PaddingZeroLength closes the connection without an alert on a record of valid padding
	// only, with no room for a MAC, and answers other bad records with bad_record_mac: the
	// 0-length padding oracle of OpenSSL 1.0.2 before 1.0.2r (CVE-2019-1559).
	PaddingZeroLength
)

// PaddingOracleOptions configures the CBC padding oracle fake.
type PaddingOracleOptions struct {
	// Chain is sent in the Certificate message (see NewChain).
	Chain [][]byte
	// Flaw is how the fake judges records.
	Flaw PaddingFlaw
	// Suite is the CBC suite served: tlswire.SuiteECDHERSAWithAES128CBCSHA (the default) or
	// tlswire.SuiteECDHERSAWithAES128CBCSHA256.
	Suite uint16
}

// PaddingOracle finishes a TLS 1.2 handshake over an ECDHE_RSA AES-128-CBC suite (X25519)
// and then judges the client's application data records by opt.Flaw: a record it accepts
// is answered with an HTTP 200 and the connection closed; one it refuses gets the flaw's
// answer. No maintained library has these flaws, hence a fake.
func PaddingOracle(opt PaddingOracleOptions) Handler {
	suite := opt.Suite
	if suite == 0 {
		suite = tlswire.SuiteECDHERSAWithAES128CBCSHA
	}
	return func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(drainLimit))
		exts := []tlswire.Extension{{Type: tlswire.ExtRenegotiationInfo, Data: []byte{0}}}
		hs, err := serveHandshake12(conn, opt.Chain, suite, exts)
		if err != nil || hs == nil {
			return
		}
		client, ok := hs.client.(*tlswire.CBCProtector)
		if !ok {
			return
		}
		rec, err := tlswire.ReadRecord(conn)
		if err != nil {
			return
		}
		alert := func(desc uint8) {
			a := tlswire.Alert{Level: tlswire.AlertLevelFatal, Description: desc}.Marshal()
			_ = tlswire.WriteRecords(conn, tlswire.RecordAlert, tlswire.VersionTLS12, hs.server.Seal(tlswire.RecordAlert, a))
		}
		if rec.Type != tlswire.RecordApplicationData {
			alert(tlswire.AlertUnexpectedMessage)
			return
		}
		v := judge(client, rec.Payload, opt.Flaw)
		switch v {
		case verdictAccept:
			answer := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
			_ = tlswire.WriteRecords(conn, tlswire.RecordApplicationData, tlswire.VersionTLS12,
				hs.server.Seal(tlswire.RecordApplicationData, []byte(answer)))
		case verdictSilence:
			Drain(ctx, conn, drainLimit)
		case verdictClose:
		default:
			alert(uint8(v))
		}
	}
}

// verdict is how a fake answers a record: accept it, stay silent, close, or an alert
// (its description).
type verdict int

const (
	verdictAccept  verdict = -1
	verdictSilence verdict = -2
	verdictClose   verdict = -3
)

// judge decrypts one application data record and decides the answer by the flaw.
func judge(c *tlswire.CBCProtector, payload []byte, flaw PaddingFlaw) verdict {
	badMAC := verdict(tlswire.AlertBadRecordMAC)
	data, err := c.Decrypt(payload)
	if err != nil {
		return badMAC
	}
	macLen := c.MACSize()
	pad := int(data[len(data)-1])
	if pad+1+macLen > len(data) { // no room for MAC and padding
		switch {
		case flaw == Padding2016_2107:
			return verdict(tlswire.AlertRecordOverflow)
		case flaw == PaddingZeroLength && pad+1 == len(data) && validPadding(data, pad):
			return verdictClose
		}
		return badMAC
	}
	padOK := validPadding(data, pad)
	content := data[:len(data)-pad-1-macLen]
	macOK := hmac.Equal(data[len(content):len(data)-pad-1], c.MAC(tlswire.RecordApplicationData, content))
	switch {
	case padOK && macOK:
		return verdictAccept
	case flaw == PaddingGOLDENDOODLE && !padOK:
		return verdict(tlswire.AlertDecryptionFailed)
	case !macOK:
		return badMAC
	}
	// The padding bytes are wrong and the MAC is right: where the flaws differ.
	switch flaw {
	case PaddingPOODLETLS:
		return verdictAccept
	case PaddingSleepingPOODLE:
		return verdictSilence
	case PaddingZombiePOODLE:
		return verdictClose
	}
	return badMAC
}

// validPadding reports whether the last pad+1 bytes of data all equal pad.
func validPadding(data []byte, pad int) bool {
	ok := pad+1 <= len(data)
	for i := len(data) - pad - 1; ok && i < len(data); i++ {
		ok = int(data[i]) == pad
	}
	return ok
}
