// Package parquet writes a study folder as Parquet files, for the columnar tools a field
// analysis uses (DuckDB, pandas, Polars, R arrow, Spark). It writes four files:
//
//   - apps.parquet: one row per app of apps.csv;
//   - servers.parquet: one row per servers.csv row, with the analysis' facts of that row
//     (status, counted letter, below the A range, the per-app findings) exactly as
//     `mhealthsec analyze` counts them;
//   - results.parquet: one row per endpoint measured (the last result of an endpoint, as
//     analyze uses it), flattened: grade, protocols, certificate, HSTS, every
//     vulnerability check, and the analysis' facts of the result;
//   - suites.parquet: one row per accepted cipher suite of those results.
//
// A value that was not measured is null, never false or zero. The column reference is
// docs/parquet.md.
package parquet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// File names written by Write.
const (
	AppsFile    = "apps.parquet"
	ServersFile = "servers.parquet"
	ResultsFile = "results.parquet"
	SuitesFile  = "suites.parquet"
)

// App is one row of apps.parquet.
type App struct {
	AppID        string `parquet:"app_id,dict"`
	Name         string `parquet:"name"`
	Platform     string `parquet:"platform,dict"`
	Availability string `parquet:"availability,dict"`
	Subcategory  string `parquet:"subcategory,dict"`
}

// Facts are the analysis columns of servers.parquet and results.parquet: what `analyze`
// reads from a row (analysis.Facts). They are null where analyze has nothing to read: no
// result, or a plain-HTTP row.
type Facts struct {
	Status string `parquet:"status,dict"`
	// Letter is the letter analyze counts (after the trust policy); null unless graded.
	Letter *string `parquet:"letter,optional,dict"`
	BelowA *bool   `parquet:"below_a,optional"`
	// The per-app findings (analysis.Findings) this row shows.
	TLS13       *bool `parquet:"finding_tls13,optional"`
	HSTS        *bool `parquet:"finding_hsts,optional"`
	Vulnerable  *bool `parquet:"finding_vulnerable,optional"`
	CertProblem *bool `parquet:"finding_certificate_problem,optional"`
	OldProtocol *bool `parquet:"finding_sslv3_tls10,optional"`
	WeakCipher  *bool `parquet:"finding_rc4_3des,optional"`
}

// Server is one row of servers.parquet.
type Server struct {
	AppID    string `parquet:"app_id,dict"`
	Host     string `parquet:"host"`
	Port     int32  `parquet:"port"`
	Scheme   string `parquet:"scheme,dict"`
	Category string `parquet:"category,dict"`
	// Endpoint is "host:port", the key that joins results.parquet.
	Endpoint string `parquet:"endpoint"`
	Facts
}

// Result is one row of results.parquet.
type Result struct {
	Endpoint   string    `parquet:"endpoint"`
	Target     string    `parquet:"target"`
	Host       string    `parquet:"host"`
	IP         string    `parquet:"ip"`
	Port       int32     `parquet:"port"`
	SNI        string    `parquet:"sni"`
	StartedAt  time.Time `parquet:"started_at,timestamp(millisecond)"`
	DurationMS int64     `parquet:"duration_ms"`
	Source     string    `parquet:"source,dict"`
	ErrorKind  *string   `parquet:"error_kind,optional,dict"`
	ErrorMsg   *string   `parquet:"error_message,optional"`

	Grade             *string `parquet:"grade,optional,dict"`
	GradeTrustIgnored *string `parquet:"grade_trust_ignored,optional,dict"`
	Score             *int32  `parquet:"score,optional"`
	Criteria          *string `parquet:"criteria,optional,dict"`
	Caps              *int32  `parquet:"caps,optional"`

	SSLv2 *bool `parquet:"sslv2,optional"`
	SSLv3 *bool `parquet:"sslv3,optional"`
	TLS10 *bool `parquet:"tls1_0,optional"`
	TLS11 *bool `parquet:"tls1_1,optional"`
	TLS12 *bool `parquet:"tls1_2,optional"`
	TLS13 *bool `parquet:"tls1_3,optional"`
	// Suites is the number of accepted suites over all protocols (rows in suites.parquet).
	Suites int32 `parquet:"suites"`

	CertTrusted       *bool      `parquet:"cert_trusted,optional"`
	CertHostnameMatch *bool      `parquet:"cert_hostname_match,optional"`
	CertExpired       *bool      `parquet:"cert_expired,optional"`
	CertNotYetValid   *bool      `parquet:"cert_not_yet_valid,optional"`
	CertSelfSigned    *bool      `parquet:"cert_self_signed,optional"`
	CertChainComplete *bool      `parquet:"cert_chain_complete,optional"`
	CertSHA1InChain   *bool      `parquet:"cert_sha1_in_chain,optional"`
	CertKeyAlg        *string    `parquet:"cert_key_alg,optional,dict"`
	CertKeyBits       *int32     `parquet:"cert_key_bits,optional"`
	CertSigAlg        *string    `parquet:"cert_sig_alg,optional,dict"`
	CertIssuer        *string    `parquet:"cert_issuer,optional,dict"`
	CertNotAfter      *time.Time `parquet:"cert_not_after,optional,timestamp(millisecond)"`
	CertRevoked       *bool      `parquet:"cert_revoked,optional"`

	HTTPStatus        *int32 `parquet:"http_status,optional"`
	HSTSPresent       *bool  `parquet:"hsts_present,optional"`
	HSTSMaxAge        *int64 `parquet:"hsts_max_age,optional"`
	HSTSSubdomains    *bool  `parquet:"hsts_include_subdomains,optional"`
	HSTSPreload       *bool  `parquet:"hsts_preload,optional"`
	PlainHTTPChecked  *bool  `parquet:"plain_http_checked,optional"`
	PlainHTTPRedirect *bool  `parquet:"plain_http_redirects_to_https,optional"`

	Heartbleed         *bool `parquet:"heartbleed,optional"`
	CCS                *bool `parquet:"ccs,optional"`
	Ticketbleed        *bool `parquet:"ticketbleed,optional"`
	ROBOT              *bool `parquet:"robot,optional"`
	SecureRenego       *bool `parquet:"secure_renego,optional"`
	SecureClientRenego *bool `parquet:"secure_client_renego,optional"`
	CRIME              *bool `parquet:"crime,optional"`
	BREACH             *bool `parquet:"breach,optional"`
	POODLESSL          *bool `parquet:"poodle_ssl,optional"`
	FallbackSCSV       *bool `parquet:"fallback_scsv,optional"`
	SWEET32            *bool `parquet:"sweet32,optional"`
	FREAK              *bool `parquet:"freak,optional"`
	DROWN              *bool `parquet:"drown,optional"`
	LOGJAM             *bool `parquet:"logjam,optional"`
	BEAST              *bool `parquet:"beast,optional"`
	LUCKY13            *bool `parquet:"lucky13,optional"`
	RC4                *bool `parquet:"rc4,optional"`
	InsecureRenego     *bool `parquet:"insecure_renego,optional"`
	POODLETLS          *bool `parquet:"poodle_tls,optional"`
	PaddingOracle      *bool `parquet:"padding_oracle_2016_2107,optional"`
	ZombiePOODLE       *bool `parquet:"zombie_poodle,optional"`
	GOLDENDOODLE       *bool `parquet:"goldendoodle,optional"`
	SleepingPOODLE     *bool `parquet:"sleeping_poodle,optional"`
	ZeroLengthPadding  *bool `parquet:"zero_length_padding_oracle,optional"`

	Facts
}

// Suite is one row of suites.parquet: one accepted suite under one protocol.
type Suite struct {
	Endpoint       string `parquet:"endpoint"`
	Protocol       string `parquet:"protocol,dict"`
	ID             string `parquet:"id,dict"`
	Name           string `parquet:"name,dict"`
	Bits           int32  `parquet:"bits"`
	Kx             string `parquet:"kx,dict"`
	KxBits         int32  `parquet:"kx_bits"`
	ForwardSecrecy bool   `parquet:"forward_secrecy"`
	AEAD           bool   `parquet:"aead"`
	Cipher         string `parquet:"cipher,dict"`
	Export         bool   `parquet:"export"`
	BlockBits      int32  `parquet:"block_bits"`
	Group          string `parquet:"group,dict"`
}

// Counts says how many rows each file got.
type Counts struct {
	Apps, Servers, Results, Suites int
}

// Write writes the four files of st into dir (created if missing), counting facts under
// trust (analysis.TrustBelow when empty). The files are written into a temporary folder
// inside dir and renamed into place only when all four are complete, so a failed export
// leaves dir as it was (the four renames are not one step: a crash between them can leave
// old and new files side by side).
func Write(dir string, st *datasets.Study, trust analysis.TrustPolicy) (c Counts, err error) {
	if st == nil {
		return Counts{}, errors.New("parquet: no study")
	}
	if trust == "" {
		trust = analysis.TrustBelow
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, fmt.Errorf("parquet: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".export-")
	if err != nil {
		return c, fmt.Errorf("parquet: %w", err)
	}
	defer os.RemoveAll(tmp)
	final := dir
	dir = tmp

	apps := make([]App, len(st.Apps))
	for i, a := range st.Apps {
		apps[i] = App{AppID: a.ID, Name: a.Name, Platform: a.Platform, Availability: a.Availability, Subcategory: a.Subcategory}
	}
	if err := writeFile(filepath.Join(dir, AppsFile), apps); err != nil {
		return c, err
	}
	c.Apps = len(apps)

	ix := analysis.IndexResults(st.Results)
	servers := make([]Server, len(st.Servers))
	for i, s := range st.Servers {
		var r *result.Result
		if s.Scheme == datasets.SchemeHTTPS {
			r = ix.Lookup(s.Host, s.Port)
		}
		servers[i] = Server{AppID: s.AppID, Host: s.Host, Port: int32(s.Port), Scheme: s.Scheme, Category: s.Category,
			Endpoint: endpointKey(s.Host, s.Port), Facts: facts(analysis.Facts(s, r, trust))}
	}
	if err := writeFile(filepath.Join(dir, ServersFile), servers); err != nil {
		return c, err
	}
	c.Servers = len(servers)
	servers = nil

	// One row per endpoint: the result analyze uses (the last of the endpoint), in the
	// order endpoints first appear.
	var results []Result
	var suites []Suite
	seen := map[string]bool{}
	for i := range st.Results {
		key := endpointKey(st.Results[i].Host, st.Results[i].Port)
		if seen[key] {
			continue
		}
		seen[key] = true
		r := ix.Lookup(st.Results[i].Host, st.Results[i].Port)
		row := flatten(key, r)
		row.Facts = facts(analysis.Facts(datasets.Server{Host: r.Host, Port: r.Port, Scheme: datasets.SchemeHTTPS}, r, trust))
		results = append(results, row)
		for _, s := range r.Ciphers {
			suites = append(suites, Suite{Endpoint: key, Protocol: string(s.Protocol), ID: s.ID, Name: s.Name, Bits: int32(s.Bits),
				Kx: s.Kx, KxBits: int32(s.KxBits), ForwardSecrecy: s.ForwardSecrecy, AEAD: s.AEAD, Cipher: s.Cipher,
				Export: s.Export, BlockBits: int32(s.BlockBits), Group: s.Group})
		}
	}
	if err := writeFile(filepath.Join(dir, ResultsFile), results); err != nil {
		return c, err
	}
	c.Results = len(results)
	if err := writeFile(filepath.Join(dir, SuitesFile), suites); err != nil {
		return c, err
	}
	c.Suites = len(suites)
	for _, name := range []string{AppsFile, ServersFile, ResultsFile, SuitesFile} {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(final, name)); err != nil {
			return c, fmt.Errorf("parquet: %w", err)
		}
	}
	return c, nil
}

// endpointKey is "host:port" with the host in lower case, as analyze matches rows and
// results.
func endpointKey(host string, port int) string {
	return fmt.Sprintf("%s:%d", strings.ToLower(host), port)
}

func facts(f analysis.ServerFacts) Facts {
	out := Facts{Status: f.Status}
	if f.Status == analysis.StatusNoResult || f.Status == analysis.StatusPlainHTTP {
		return out // nothing was read: every fact is null
	}
	out.TLS13, out.HSTS, out.Vulnerable = &f.TLS13, &f.HSTS, &f.Vulnerable
	out.CertProblem, out.OldProtocol, out.WeakCipher = &f.CertProblem, &f.OldProtocol, &f.WeakCipher
	if f.CertUnknown {
		out.CertProblem = nil // trust not decided: not known either way
	}
	if f.Status == analysis.StatusGraded {
		out.Letter, out.BelowA = &f.Letter, &f.BelowA
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func flatten(key string, r *result.Result) Result {
	row := Result{Endpoint: key, Target: r.Target, Host: r.Host, IP: r.IP, Port: int32(r.Port), SNI: r.SNI,
		StartedAt: r.StartedAt.UTC(), DurationMS: r.DurationMS, Source: r.Source, Suites: int32(len(r.Ciphers))}
	if e := r.Error; e != nil {
		row.ErrorKind, row.ErrorMsg = ptr(string(e.Kind)), ptr(e.Message)
	}
	if g := r.Grade; g != nil && g.Letter != "" {
		row.Grade, row.Score, row.Criteria, row.Caps = ptr(g.Letter), ptr(int32(g.Score)), ptr(g.Criteria), ptr(int32(len(g.Caps)))
		if g.TrustIgnored != "" {
			row.GradeTrustIgnored = ptr(g.TrustIgnored)
		}
	}
	p := r.Protocols
	row.SSLv2, row.SSLv3, row.TLS10, row.TLS11, row.TLS12, row.TLS13 = p.SSLv2, p.SSLv3, p.TLS10, p.TLS11, p.TLS12, p.TLS13
	if c := r.Certificate; c != nil {
		row.CertTrusted, row.CertHostnameMatch, row.CertExpired = c.Trusted, ptr(c.HostnameMatch), ptr(c.Expired)
		row.CertNotYetValid, row.CertSelfSigned, row.CertChainComplete = ptr(c.NotYetValid), ptr(c.SelfSigned), ptr(c.ChainComplete)
		row.CertSHA1InChain, row.CertRevoked = ptr(c.SHA1InChain), c.Revoked
		row.CertKeyAlg, row.CertKeyBits, row.CertSigAlg, row.CertIssuer = ptr(c.KeyAlg), ptr(int32(c.KeyBits)), ptr(c.SigAlg), ptr(c.Issuer)
		if c.NotAfter != nil {
			row.CertNotAfter = ptr(c.NotAfter.UTC())
		}
	}
	if h := r.HTTP; h != nil {
		if h.Error == "" {
			row.HTTPStatus = ptr(int32(h.Status))
		}
		if s := h.HSTS; s != nil {
			row.HSTSPresent, row.HSTSMaxAge = ptr(s.Present), ptr(s.MaxAge)
			row.HSTSSubdomains, row.HSTSPreload = ptr(s.IncludeSubdomains), ptr(s.Preload)
		}
	}
	if ph := r.PlainHTTP; ph != nil {
		row.PlainHTTPChecked = ptr(ph.Checked)
		if ph.Checked && ph.Error == "" {
			row.PlainHTTPRedirect = ptr(ph.RedirectsToHTTPS)
		}
	}
	v := r.Vulnerabilities
	row.Heartbleed, row.CCS, row.Ticketbleed, row.ROBOT = v.Heartbleed, v.CCS, v.Ticketbleed, v.ROBOT
	row.SecureRenego, row.SecureClientRenego, row.CRIME, row.BREACH = v.SecureRenego, v.SecureClientRenego, v.CRIME, v.BREACH
	row.POODLESSL, row.FallbackSCSV, row.SWEET32, row.FREAK = v.POODLESSL, v.FallbackSCSV, v.SWEET32, v.FREAK
	row.DROWN, row.LOGJAM, row.BEAST, row.LUCKY13, row.RC4 = v.DROWN, v.LOGJAM, v.BEAST, v.LUCKY13, v.RC4
	row.InsecureRenego, row.POODLETLS, row.PaddingOracle = v.InsecureRenego, v.POODLETLS, v.PaddingOracle
	row.ZombiePOODLE, row.GOLDENDOODLE, row.SleepingPOODLE = v.ZombiePOODLE, v.GOLDENDOODLE, v.SleepingPOODLE
	row.ZeroLengthPadding = v.ZeroLengthPaddingOracle
	return row
}

// writeFile writes rows to path.
func writeFile[T any](path string, rows []T) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	w := pq.NewGenericWriter[T](f, pq.Compression(&zstd.Codec{}), pq.MaxRowsPerRowGroup(1<<20))
	_, err = w.Write(rows)
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("parquet: write %s: %w", filepath.Base(path), err)
	}
	return nil
}
