package tlswire

import "fmt"

// Alert levels.
const (
	AlertLevelWarning uint8 = 1
	AlertLevelFatal   uint8 = 2
)

// Alert descriptions a scanner meets (RFC 8446, 6; RFC 5246, 7.2; RFC 7507).
const (
	AlertCloseNotify           uint8 = 0
	AlertUnexpectedMessage     uint8 = 10
	AlertBadRecordMAC          uint8 = 20
	AlertDecryptionFailed      uint8 = 21 // SSL 3.0/TLS 1.0 only (RFC 2246, 7.2.2)
	AlertRecordOverflow        uint8 = 22
	AlertHandshakeFailure      uint8 = 40
	AlertNoCertificate         uint8 = 41
	AlertBadCertificate        uint8 = 42
	AlertIllegalParameter      uint8 = 47
	AlertDecodeError           uint8 = 50
	AlertDecryptError          uint8 = 51
	AlertProtocolVersion       uint8 = 70
	AlertInsufficientSecurity  uint8 = 71
	AlertInternalError         uint8 = 80
	AlertInappropriateFallback uint8 = 86
	AlertUserCanceled          uint8 = 90
	AlertNoRenegotiation       uint8 = 100
	AlertMissingExtension      uint8 = 109
	AlertUnsupportedExtension  uint8 = 110
	AlertUnrecognizedName      uint8 = 112
	AlertNoApplicationProtocol uint8 = 120
)

// alertName is the RFC name of an alert description, "" when unknown.
func alertName(d uint8) string {
	switch d {
	case AlertCloseNotify:
		return "close_notify"
	case AlertUnexpectedMessage:
		return "unexpected_message"
	case AlertBadRecordMAC:
		return "bad_record_mac"
	case AlertDecryptionFailed:
		return "decryption_failed"
	case AlertRecordOverflow:
		return "record_overflow"
	case AlertHandshakeFailure:
		return "handshake_failure"
	case AlertNoCertificate:
		return "no_certificate"
	case AlertBadCertificate:
		return "bad_certificate"
	case AlertIllegalParameter:
		return "illegal_parameter"
	case AlertDecodeError:
		return "decode_error"
	case AlertDecryptError:
		return "decrypt_error"
	case AlertProtocolVersion:
		return "protocol_version"
	case AlertInsufficientSecurity:
		return "insufficient_security"
	case AlertInternalError:
		return "internal_error"
	case AlertInappropriateFallback:
		return "inappropriate_fallback"
	case AlertUserCanceled:
		return "user_canceled"
	case AlertNoRenegotiation:
		return "no_renegotiation"
	case AlertMissingExtension:
		return "missing_extension"
	case AlertUnsupportedExtension:
		return "unsupported_extension"
	case AlertUnrecognizedName:
		return "unrecognized_name"
	case AlertNoApplicationProtocol:
		return "no_application_protocol"
	}
	return ""
}

// Alert is a TLS alert message. It is also the error a reader returns when the peer sends one.
type Alert struct {
	Level       uint8
	Description uint8
}

// ParseAlert decodes the body of an alert record. Only the first two bytes are an alert;
// a body of any other length is an error.
func ParseAlert(body []byte) (Alert, error) {
	if len(body) != 2 {
		return Alert{}, fmt.Errorf("tlswire: alert record of %d bytes, want 2", len(body))
	}
	return Alert{Level: body[0], Description: body[1]}, nil
}

// Marshal returns the two bytes of the alert.
func (a Alert) Marshal() []byte { return []byte{a.Level, a.Description} }

// Name is the RFC name of the description ("handshake_failure").
func (a Alert) Name() string {
	if n := alertName(a.Description); n != "" {
		return n
	}
	return "unknown"
}

func (a Alert) Error() string {
	level := "fatal"
	if a.Level == AlertLevelWarning {
		level = "warning"
	}
	return fmt.Sprintf("tlswire: peer sent %s alert %s (%d)", level, a.Name(), a.Description)
}
