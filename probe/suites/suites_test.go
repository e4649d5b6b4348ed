package suites

import (
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

func TestEmbeddedParses(t *testing.T) {
	tab, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tab.All()); n < 340 {
		t.Errorf("%d suites, want the full registry (>= 340)", n)
	}
	if got := len(tab.For(result.TLS13)); got < 5 {
		t.Errorf("%d TLS 1.3 suites, want at least the 5 of RFC 8446", got)
	}
	if got := len(tab.For(result.SSLv2)); got < 7 {
		t.Errorf("%d SSL 2.0 kinds, want at least 7", got)
	}
}

func TestKnownSuites(t *testing.T) {
	tab := Default()
	tests := []struct {
		id   uint16
		want Suite
	}{
		{0xc02f, Suite{ID: 0xc02f, Name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", OpenSSL: "ECDHE-RSA-AES128-GCM-SHA256",
			MinProtocol: result.TLS12, Kx: "ECDHE", Auth: "RSA", Cipher: "AES", Mode: "GCM", Bits: 128, MAC: "AEAD", AEAD: true, ForwardSecrecy: true}},
		{0x000a, Suite{ID: 0x000a, Name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", OpenSSL: "DES-CBC3-SHA",
			MinProtocol: result.SSLv3, Kx: "RSA", Auth: "RSA", Cipher: "3DES", Mode: "CBC", Bits: 112, BlockBits: 64, MAC: "SHA1"}},
		{0x0005, Suite{ID: 0x0005, Name: "TLS_RSA_WITH_RC4_128_SHA", OpenSSL: "RC4-SHA",
			MinProtocol: result.SSLv3, Kx: "RSA", Auth: "RSA", Cipher: "RC4", Mode: "STREAM", Bits: 128, MAC: "SHA1"}},
		{0x0003, Suite{ID: 0x0003, Name: "TLS_RSA_EXPORT_WITH_RC4_40_MD5", OpenSSL: "EXP-RC4-MD5",
			MinProtocol: result.SSLv3, Kx: "RSA", Auth: "RSA", Cipher: "RC4", Mode: "STREAM", Bits: 40, MAC: "MD5", Export: true}},
		{0x009f, Suite{ID: 0x009f, Name: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", OpenSSL: "DHE-RSA-AES256-GCM-SHA384",
			MinProtocol: result.TLS12, Kx: "DHE", Auth: "RSA", Cipher: "AES", Mode: "GCM", Bits: 256, MAC: "AEAD", AEAD: true, ForwardSecrecy: true}},
		{0x0034, Suite{ID: 0x0034, Name: "TLS_DH_anon_WITH_AES_128_CBC_SHA", OpenSSL: "ADH-AES128-SHA",
			MinProtocol: result.SSLv3, Kx: "DHE", Auth: "NULL", Cipher: "AES", Mode: "CBC", Bits: 128, BlockBits: 128, MAC: "SHA1"}},
		{0x1303, Suite{ID: 0x1303, Name: "TLS_CHACHA20_POLY1305_SHA256", OpenSSL: "TLS_CHACHA20_POLY1305_SHA256",
			MinProtocol: result.TLS13, Kx: "any", Auth: "any", Cipher: "CHACHA20", Mode: "POLY1305", Bits: 256, MAC: "AEAD", AEAD: true, ForwardSecrecy: true}},
		{0x0000, Suite{ID: 0x0000, Name: "TLS_NULL_WITH_NULL_NULL", OpenSSL: "NULL",
			MinProtocol: result.SSLv3, Kx: "NULL", Auth: "NULL", Cipher: "NULL", Mode: "NONE", MAC: "NULL"}},
	}
	for _, tt := range tests {
		got, ok := tab.ByID(tt.id)
		if !ok || got != tt.want {
			t.Errorf("ByID(%#04x) =\n %+v, %v\nwant %+v", tt.id, got, ok, tt.want)
		}
		if byName, ok := tab.ByName(tt.want.Name); !ok || byName != tt.want {
			t.Errorf("ByName(%q) = %+v, %v", tt.want.Name, byName, ok)
		}
	}
	if s, ok := tab.ByName("ECDHE-ECDSA-CHACHA20-POLY1305"); !ok || s.ID != 0xcca9 {
		t.Errorf("OpenSSL name lookup: %+v %v", s, ok)
	}
	if s, ok := tab.ByName("DES-CBC3-SHA"); !ok || s.SSLv2 {
		t.Errorf("DES-CBC3-SHA should name the TLS suite, got %+v", s)
	}
	if s, ok := tab.BySSLv2Kind(0x0700c0); !ok || s.Name != "SSL_CK_DES_192_EDE3_CBC_WITH_MD5" || s.IDString() != "0x0700c0" || s.Bits != 112 {
		t.Errorf("SSLv2 kind: %+v %v", s, ok)
	}
	if _, ok := tab.ByID(0x5600); ok {
		t.Error("TLS_FALLBACK_SCSV is a signal, not a suite")
	}
}

func TestProtocols(t *testing.T) {
	tab := Default()
	tests := []struct {
		id   uint16
		want string
	}{
		{0x000a, "SSLv3 TLS1 TLS1_1 TLS1_2"},
		{0xc02f, "TLS1_2"},
		{0x1301, "TLS1_3"},
	}
	for _, tt := range tests {
		s, _ := tab.ByID(tt.id)
		var got []string
		for _, p := range s.Protocols() {
			got = append(got, string(p))
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%#04x: %v, want %s", tt.id, got, tt.want)
		}
	}
}

// TestTableInvariants checks every row for combinations that cannot be right.
func TestTableInvariants(t *testing.T) {
	for _, s := range Default().All() {
		switch {
		case s.AEAD != (s.MAC == "AEAD"):
			t.Errorf("%s: aead %v with mac %s", s.Name, s.AEAD, s.MAC)
		case s.ForwardSecrecy && s.Anonymous():
			t.Errorf("%s: anonymous suite marked forward secret", s.Name)
		case s.Export && s.Bits > 56:
			t.Errorf("%s: export with %d bits", s.Name, s.Bits)
		case strings.Contains(s.Name, "_GCM_") && s.Mode != "GCM":
			t.Errorf("%s: mode %s", s.Name, s.Mode)
		case strings.Contains(s.Name, "ECDHE_") && s.Kx != "ECDHE" && s.Kx != "ECDHE-PSK":
			t.Errorf("%s: kx %s", s.Name, s.Kx)
		case s.AEAD && s.BlockBits != 0:
			t.Errorf("%s: AEAD with block bits %d", s.Name, s.BlockBits)
		}
	}
}

func TestParseErrorsNameLineAndColumn(t *testing.T) {
	hdr := strings.Join(columns, "\t") + "\n"
	row := "0xc02f\tX\tx\tTLS1_2\tECDHE\tRSA\tAES\tGCM\t128\t0\tAEAD\ttrue\ttrue\tfalse\n"
	tests := []struct{ in, want string }{
		{"id\tname\n", "t.tsv:1: header"},
		{hdr + row + strings.Replace(row, "128", "x", 1), `t.tsv:3: column "bits"`},
		{hdr + strings.Replace(row, "TLS1_2", "TLS9", 1), `t.tsv:2: column "min_protocol"`},
		{hdr + row + row, `t.tsv:3: column "id": duplicate`},
		{hdr + "0xc02f\tshort\n", "t.tsv:2: 2 columns"},
	}
	for _, tt := range tests {
		if _, err := Parse(tt.in, "t.tsv"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q): %v, want error containing %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(suitesTSV[:2000])
	f.Add(strings.Join(columns, "\t") + "\n0x010080\ta\tb\tSSLv2\tRSA\tRSA\tRC4\tSTREAM\t128\t0\tMD5\tfalse\tfalse\tfalse\n")
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := Parse(s, "fuzz")
		if err == nil {
			for _, su := range tab.All() {
				_ = su.Protocols()
			}
		}
	})
}
