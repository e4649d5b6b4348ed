// Package importer turns the JSON output of other TLS assessment tools — testssl.sh
// (--jsonfile and --jsonfile-pretty of versions 3.0, 3.1dev and 3.2; 2.9 is refused) and the
// SSL Labs API (v3 host objects as returned by analyze?all=done, or an array of them as
// written by ssllabs-scan; v2 responses too) — into probe results, so imported and probed
// endpoints can be analysed side by side. Sniff tells these formats, HARs and captures
// apart, so that a file given to the wrong reader is refused naming what it is.
//
// The tool's own grade is kept as it was given (Grade.GradedBy names the tool, Criteria its
// rating criteria version); nothing is regraded here. A check a tool did not run stays null,
// and so does a number the tool could not give: no unreadable value is imported as 0.
package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/mhealthsec/mhealthsec/internal/inputerr"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// PathError names the file and the JSON path (like $[3].endpoints[0].details) of bad input
// (the module's one input-position error, inputerr.Error).
type PathError = inputerr.Error

// decodeErr wraps a json decoding error of the value at path, adding the field and the
// line of a syntax error where encoding/json knows them.
func decodeErr(file, path string, data []byte, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := path
		if te.Field != "" {
			p += "." + te.Field
		}
		return &PathError{File: file, Path: p, Err: fmt.Errorf("expected %s, got JSON %s", te.Type, te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n")
		return &PathError{File: file, Line: line, Path: path, Err: err}
	}
	return &PathError{File: file, Path: path, Err: err}
}

// suiteTraits fills the properties of a cipher suite that follow from its IANA name
// ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), for tools that report only name and bits.
func suiteTraits(c *result.Cipher) {
	n := strings.ToUpper(c.Name)
	switch {
	case strings.Contains(n, "CHACHA20"):
		c.Cipher = "CHACHA20"
	case strings.Contains(n, "3DES") || strings.Contains(n, "DES_EDE") || strings.Contains(n, "DES192"):
		c.Cipher, c.BlockBits = "3DES", 64
	case strings.Contains(n, "RC4"):
		c.Cipher = "RC4"
	case strings.Contains(n, "AES"):
		c.Cipher = "AES"
	case strings.Contains(n, "CAMELLIA"):
		c.Cipher = "CAMELLIA"
	case strings.Contains(n, "ARIA"):
		c.Cipher = "ARIA"
	case strings.Contains(n, "SEED"):
		c.Cipher = "SEED"
	case strings.Contains(n, "IDEA"):
		c.Cipher, c.BlockBits = "IDEA", 64
	case strings.Contains(n, "RC2"):
		c.Cipher, c.BlockBits = "RC2", 64
	case strings.Contains(n, "DES"):
		c.Cipher, c.BlockBits = "DES", 64
	case strings.Contains(n, "NULL"):
		c.Cipher = "NULL"
	}
	if c.BlockBits == 0 && strings.Contains(n, "CBC") && c.Cipher != "" {
		c.BlockBits = 128
	}
	c.AEAD = c.Protocol == result.TLS13 || strings.Contains(n, "GCM") || strings.Contains(n, "CCM") || strings.Contains(n, "POLY1305")
	c.Export = strings.Contains(n, "EXPORT")
	if c.Kx == "" {
		switch {
		case c.Protocol == result.TLS13:
			c.Kx = "ECDHE"
		case strings.Contains(n, "ECDHE"):
			c.Kx = "ECDHE"
		case strings.Contains(n, "DHE") || strings.Contains(n, "EDH"):
			c.Kx = "DHE"
		case strings.Contains(n, "ECDH_"):
			c.Kx = "ECDH"
		case strings.Contains(n, "DH_"):
			c.Kx = "DH"
		default:
			c.Kx = "RSA"
		}
	}
	c.ForwardSecrecy = c.Protocol == result.TLS13 || c.Kx == "ECDHE" || c.Kx == "DHE"
}

// vulnerableCiphers derives the cipher-based checks that a tool did not report itself
// from the full list of accepted suites: RC4 and SWEET32 (any 64-bit block cipher).
func vulnerableCiphers(r *result.Result) {
	if len(r.Ciphers) == 0 {
		return
	}
	rc4, sweet := false, false
	for _, c := range r.Ciphers {
		rc4 = rc4 || c.Cipher == "RC4"
		sweet = sweet || c.BlockBits == 64
	}
	if r.Vulnerabilities.RC4 == nil {
		r.Vulnerabilities.RC4 = result.Bool(rc4)
	}
	if r.Vulnerabilities.SWEET32 == nil {
		r.Vulnerabilities.SWEET32 = result.Bool(sweet)
	}
}

func note(r *result.Result, id, why string) {
	if r.Vulnerabilities.Notes == nil {
		r.Vulnerabilities.Notes = map[string]string{}
	}
	r.Vulnerabilities.Notes[id] = why
}
