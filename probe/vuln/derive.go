package vuln

import (
	"slices"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// derive decides the checks that follow from the enumeration alone, as testssl.sh does:
// they are properties of the accepted protocols and suites.
func derive(r *result.Result, n notes) {
	v := &r.Vulnerabilities
	ps := &r.Protocols
	enumerated := len(r.Ciphers) > 0

	// DROWN: SSL 2.0 on this endpoint. Other endpoints with the same key are compared when
	// the whole scan is done (probe.MarkDROWN), which fills drown_same_key.
	n.set("drown_same_key", "not compared yet: the endpoints of a scan are compared when it ends (probe.MarkDROWN)")
	if s := ps.Get(result.SSLv2); s != nil {
		v.DROWN = result.Bool(*s)
		n.set("DROWN", "SSL 2.0 on this endpoint only; other services with this key not compared yet (drown_same_key null)")
	} else {
		n.set("DROWN", "not tested: SSL 2.0 support unknown")
	}

	suites := func(id string, pred func(result.Cipher) bool) *bool {
		if !enumerated {
			n.set(id, "not tested: no cipher suites enumerated")
			return nil
		}
		var hits []string
		for _, c := range r.Ciphers {
			if pred(c) && !slices.Contains(hits, c.Name) {
				hits = append(hits, c.Name)
			}
		}
		if len(hits) > 0 {
			n.set(id, "offered: "+summarize(hits))
		}
		return result.Bool(len(hits) > 0)
	}
	v.SWEET32 = suites("SWEET32", is64BitBlock)
	v.FREAK = suites("FREAK", func(c result.Cipher) bool { return isExport(c) && isRSAKx(c) })
	v.RC4 = suites("RC4", isRC4)
	v.LUCKY13 = suites("LUCKY13", isCBC)
	if v.LUCKY13 != nil && *v.LUCKY13 {
		n.set("LUCKY13", "potentially vulnerable (CBC suites offered; the timing side channel itself is not measured): "+v.Notes["LUCKY13"])
	}
	v.BEAST = suites("BEAST", func(c result.Cipher) bool {
		return (c.Protocol == result.TLS10 || c.Protocol == result.SSLv3) && isCBC(c)
	})
	// LOGJAM: export DHE decides at once; a DHE group of 1024 bits or fewer is Logjam only
	// when its prime is a widely shared one, which an active probe asks (logjam.go).
	v.LOGJAM = suites("LOGJAM", func(c result.Cipher) bool { return isDHE(c) && isExport(c) })
	if isTrue(v.LOGJAM) {
		n.set("LOGJAM", "VULNERABLE: export DHE offered: "+v.Notes["LOGJAM"])
	} else if _, _, weak := weakDHSuites(r); weak {
		v.LOGJAM = nil
		n.set("LOGJAM", "not tested: DHE groups of 1024 bits or fewer offered; whether the prime is a widely shared one was not asked")
	}

	switch s := ps.Get(result.SSLv3); {
	case s == nil:
		n.set("POODLE_SSL", "not tested: SSL 3.0 support unknown")
	case !*s:
		v.POODLESSL = result.Bool(false)
	default:
		v.POODLESSL = suites("POODLE_SSL", func(c result.Cipher) bool { return c.Protocol == result.SSLv3 && isCBC(c) })
	}

	switch h := r.HTTP; {
	case h == nil || h.Error != "" && h.Status == 0:
		n.set("BREACH", "not tested: no HTTP response")
	default:
		v.BREACH = result.Bool(h.Compression != "")
		if h.Compression != "" {
			n.set("BREACH", "HTTP compression "+h.Compression+" on / ; whether secrets are reflected depends on the page")
		} else {
			n.set("BREACH", "no HTTP compression on / ; other pages may differ")
		}
	}
}

func upper(c result.Cipher) (name, family string) {
	return strings.ToUpper(c.Name), strings.ToUpper(c.Cipher)
}

func isRC4(c result.Cipher) bool {
	name, fam := upper(c)
	return fam == "RC4" || strings.Contains(name, "RC4")
}

func is64BitBlock(c result.Cipher) bool {
	name, fam := upper(c)
	return c.BlockBits == 64 || fam == "3DES" || fam == "DES" || fam == "IDEA" || fam == "RC2" ||
		strings.Contains(name, "3DES") || strings.Contains(name, "DES_") || strings.Contains(name, "DES-") ||
		strings.Contains(name, "IDEA") || strings.Contains(name, "RC2")
}

func isAEAD(c result.Cipher) bool {
	name, _ := upper(c)
	return c.AEAD || c.Protocol == result.TLS13 || strings.Contains(name, "GCM") ||
		strings.Contains(name, "CHACHA20") || strings.Contains(name, "CCM")
}

func isCBC(c result.Cipher) bool {
	name, fam := upper(c)
	if isAEAD(c) || isRC4(c) || fam == "NULL" || strings.Contains(name, "NULL") {
		return false
	}
	return strings.Contains(name, "CBC") || c.BlockBits > 0 || is64BitBlock(c)
}

func isExport(c result.Cipher) bool {
	name, _ := upper(c)
	return c.Export || strings.Contains(name, "EXPORT") || strings.HasPrefix(name, "EXP")
}

func isRSAKx(c result.Cipher) bool {
	if c.Kx != "" {
		return strings.EqualFold(c.Kx, "RSA")
	}
	name, _ := upper(c)
	return strings.HasPrefix(name, "TLS_RSA_") || strings.HasPrefix(name, "SSL_RSA_") || strings.HasPrefix(name, "EXP-RC4") ||
		strings.HasPrefix(name, "EXP-DES") || strings.HasPrefix(name, "EXP-RC2")
}

func isDHE(c result.Cipher) bool {
	kx := strings.ToUpper(c.Kx)
	if kx != "" {
		return kx == "DHE" || kx == "DH" || kx == "EDH"
	}
	name, _ := upper(c)
	return strings.Contains(name, "_DHE_") || strings.Contains(name, "EDH-") || strings.Contains(name, "DHE-")
}

func isTrue(b *bool) bool { return b != nil && *b }

func summarize(names []string) string {
	const show = 4
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:show], ", ") + " and more"
}
