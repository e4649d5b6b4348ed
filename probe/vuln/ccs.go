package vuln

import (
	"context"

	"github.com/mhealthsec/mhealthsec/probe/result"
	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// ccsInjection follows testssl.sh's run_ccs_injection (CVE-2014-0224): after the server's
// ServerHelloDone it sends ChangeCipherSpec before any key exchange, then a second one. A
// sound server rejects the early CCS with unexpected_message or handshake_failure (or
// closes). A vulnerable OpenSSL accepts it silently and switches to keys derived from an
// empty master secret, so the second CCS arrives as a record it cannot decrypt:
// decryption_failed or bad_record_mac. Silence is "not vulnerable (timed out)" in
// testssl.sh, and here.
func (p *prober) ccsInjection(ctx context.Context) (*bool, string) {
	if p.plan.tls13Only {
		return result.Bool(false), "not vulnerable: TLS 1.3 only"
	}
	s, _, err := p.start(ctx, p.hello())
	if err != nil {
		return nil, "not tested: " + err.Error()
	}
	defer s.Close()
	ccs := []byte{1}
	if err := s.write(tlswire.RecordChangeCipherSpec, ccs); err != nil {
		return nil, "not tested: send CCS: " + err.Error()
	}
	// The second CCS may meet a closed socket; the read below tells what happened.
	_ = s.write(tlswire.RecordChangeCipherSpec, ccs)
	rep := s.readReply(0)
	switch {
	case rep.alert != nil:
		switch rep.alert.Description {
		case tlswire.AlertUnexpectedMessage, tlswire.AlertHandshakeFailure, tlswire.AlertCloseNotify:
			return result.Bool(false), "not vulnerable: early CCS rejected with " + rep.String()
		case tlswire.AlertDecryptionFailed, tlswire.AlertBadRecordMAC:
			return result.Bool(true), "VULNERABLE: early CCS accepted; the next record failed with " + rep.String()
		}
		// testssl.sh calls any other alert "likely VULNERABLE"; so do we, and say so.
		return result.Bool(true), "likely VULNERABLE: early CCS answered with " + rep.String() + " (testssl.sh logic)"
	case rep.closed:
		return result.Bool(false), "not vulnerable: connection closed on early CCS"
	case rep.timeout:
		return result.Bool(false), "not vulnerable (timed out): no answer to early CCS, as testssl.sh reads it"
	case rep.record != nil:
		return nil, "not tested: unexpected answer to early CCS: " + rep.String()
	}
	return nil, "not tested: " + rep.String()
}
