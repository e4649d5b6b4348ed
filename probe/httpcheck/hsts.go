package httpcheck

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// ParseHSTS parses the Strict-Transport-Security header values of one response, in the
// order received. With none it returns {Present: false}: the response was read and
// carries no policy (null is kept for "no response to read"). Per RFC 6797 §8.1 only the first
// header is processed; the rest are named in Note. A header that breaks the grammar of
// §6.1 (missing or malformed max-age, a directive twice, a value where none belongs,
// bad quoting) is Invalid: a browser ignores it, so its max-age and flags stay zero.
// Unknown directives are ignored, as §6.1 requires.
func ParseHSTS(values []string) *result.HSTS {
	if len(values) == 0 {
		return &result.HSTS{Present: false}
	}
	h := &result.HSTS{Present: true, Raw: values[0]}
	maxAge, sub, preload, err := parseDirectives(values[0])
	if err != nil {
		h.Invalid = true
		h.Note = err.Error()
	} else {
		h.MaxAge, h.IncludeSubdomains, h.Preload = maxAge, sub, preload
	}
	if len(values) > 1 {
		more := fmt.Sprintf("%d Strict-Transport-Security headers; only the first is used (RFC 6797 8.1)", len(values))
		if h.Note != "" {
			h.Note += "; " + more
		} else {
			h.Note = more
		}
	}
	return h
}

func parseDirectives(v string) (maxAge int64, includeSubdomains, preload bool, err error) {
	seen := map[string]bool{}
	haveMaxAge := false
	rest := v
	for {
		var name, value string
		var hasValue bool
		name, value, hasValue, rest, err = nextDirective(rest)
		if err != nil {
			return 0, false, false, err
		}
		if name != "" {
			key := strings.ToLower(name)
			if seen[key] {
				return 0, false, false, fmt.Errorf("directive %q appears more than once", name)
			}
			seen[key] = true
			switch key {
			case "max-age":
				if !hasValue {
					return 0, false, false, fmt.Errorf("max-age has no value")
				}
				maxAge, err = parseDeltaSeconds(value)
				if err != nil {
					return 0, false, false, err
				}
				haveMaxAge = true
			case "includesubdomains":
				if hasValue {
					return 0, false, false, fmt.Errorf("includeSubDomains takes no value")
				}
				includeSubdomains = true
			case "preload":
				if hasValue {
					return 0, false, false, fmt.Errorf("preload takes no value")
				}
				preload = true
			}
		}
		if rest == "" {
			break
		}
		rest = rest[1:] // the ';'
	}
	if !haveMaxAge {
		return 0, false, false, fmt.Errorf("max-age directive missing")
	}
	return maxAge, includeSubdomains, preload, nil
}

// nextDirective reads one `name [= value]` up to the next ';' (left in rest) or the end.
// An empty directive (";;") has an empty name.
func nextDirective(s string) (name, value string, hasValue bool, rest string, err error) {
	s = trimLWS(s)
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	name, s = s[:i], trimLWS(s[i:])
	if s == "" || s[0] == ';' {
		return name, "", false, s, nil
	}
	if s[0] != '=' || name == "" {
		return "", "", false, "", fmt.Errorf("malformed directive at %q", s)
	}
	s = trimLWS(s[1:])
	hasValue = true
	if strings.HasPrefix(s, `"`) {
		value, s, err = quotedString(s)
		if err != nil {
			return "", "", false, "", err
		}
	} else {
		j := 0
		for j < len(s) && isTokenChar(s[j]) {
			j++
		}
		if j == 0 {
			return "", "", false, "", fmt.Errorf("directive %q has an empty value", name)
		}
		value, s = s[:j], s[j:]
	}
	s = trimLWS(s)
	if s != "" && s[0] != ';' {
		return "", "", false, "", fmt.Errorf("unexpected %q after directive %q", s, name)
	}
	return name, value, true, s, nil
}

// quotedString reads an RFC 7230 quoted-string at the start of s.
func quotedString(s string) (value, rest string, err error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			if i+1 == len(s) {
				return "", "", fmt.Errorf("unterminated quoted string")
			}
			i++
			b.WriteByte(s[i])
		default:
			if c < 0x20 && c != '\t' || c == 0x7f {
				return "", "", fmt.Errorf("control character in quoted string")
			}
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated quoted string")
}

// parseDeltaSeconds reads 1*DIGIT; values past int64 are clamped, as browsers clamp.
func parseDeltaSeconds(v string) (int64, error) {
	if v == "" {
		return 0, fmt.Errorf("max-age is empty")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, fmt.Errorf("max-age %q is not a number of seconds", v)
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return math.MaxInt64, nil // only overflow remains possible after the digit check
	}
	return n, nil
}

func trimLWS(s string) string { return strings.Trim(s, " \t") }

// isTokenChar reports whether c may appear in an RFC 7230 token.
func isTokenChar(c byte) bool {
	if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
