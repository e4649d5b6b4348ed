package datasets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Platforms of apps.csv.
const (
	PlatformAndroid = "android"
	PlatformIOS     = "ios"
)

// Availabilities of apps.csv.
const (
	AvailabilityInternational = "international"
	AvailabilityGermanOnly    = "de_only"
)

// Schemes of servers.csv.
const (
	SchemeHTTPS = "https"
	SchemeHTTP  = "http"
)

// Server categories of servers.csv. Functional servers are the app's own backend; the
// study's "others" are advertising, tracking and content.
const (
	CategoryFunctional  = "functional"
	CategoryAdvertising = "advertising"
	CategoryTracking    = "tracking"
	CategoryContent     = "content"
	CategoryOther       = "other"
	CategoryDisregarded = "disregarded"
)

// Platforms returns the platforms apps.csv accepts.
func Platforms() []string { return []string{PlatformAndroid, PlatformIOS} }

// Availabilities returns the availabilities apps.csv accepts.
func Availabilities() []string {
	return []string{AvailabilityInternational, AvailabilityGermanOnly}
}

// Schemes returns the schemes servers.csv accepts.
func Schemes() []string { return []string{SchemeHTTPS, SchemeHTTP} }

// Categories returns the server categories servers.csv accepts.
func Categories() []string {
	return []string{CategoryFunctional, CategoryAdvertising, CategoryTracking, CategoryContent, CategoryOther, CategoryDisregarded}
}

// App is one row of apps.csv.
type App struct {
	ID           string
	Name         string
	Platform     string // PlatformAndroid or PlatformIOS
	Availability string // AvailabilityInternational or AvailabilityGermanOnly
	Subcategory  string
	// Extra holds the row's columns that the format does not define, by header name.
	Extra map[string]string
}

// Server is one row of servers.csv: a server one app was observed talking to.
type Server struct {
	AppID    string
	Host     string // lower case
	Port     int
	Scheme   string // SchemeHTTPS or SchemeHTTP
	Category string // one of Categories()
	// Extra holds the row's columns that the format does not define, by header name.
	Extra map[string]string
}

// Study is a loaded, validated study folder.
type Study struct {
	Dir     string
	Apps    []App
	Servers []Server
	Results []result.Result
}

// Study file names inside a study folder.
const (
	AppsFile    = "apps.csv"
	ServersFile = "servers.csv"
	ResultsFile = "results.jsonl"
)

// LoadStudy reads a study folder: apps.csv (required), servers.csv and results.jsonl (each
// optional). Every file is checked in full; on any input error LoadStudy returns a nil
// Study and a *LoadError that lists up to MaxErrorsPerFile *InputErrors per file, each
// naming file, line and column.
func LoadStudy(dir string) (*Study, error) {
	st := &Study{Dir: dir}
	all := &LoadError{}

	appsPath := filepath.Join(dir, AppsFile)
	f, err := os.Open(appsPath)
	if err != nil {
		return nil, fmt.Errorf("load study %s: %s is required: %w", dir, AppsFile, err)
	}
	var appErrs fileErrors
	apps, ids := readApps(f, appsPath, &appErrs)
	f.Close()
	all.merge(appErrs.err(appsPath))
	st.Apps = apps

	serversPath := filepath.Join(dir, ServersFile)
	switch f, err := os.Open(serversPath); {
	case err == nil:
		var errs fileErrors
		st.Servers = readServers(f, serversPath, ids, &errs)
		f.Close()
		all.merge(errs.err(serversPath))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("load study %s: %w", dir, err)
	}

	resultsPath := filepath.Join(dir, ResultsFile)
	switch f, err := os.Open(resultsPath); {
	case err == nil:
		var errs fileErrors
		st.Results, err = readResults(f, resultsPath, &errs)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("load study %s: %w", dir, err)
		}
		all.merge(errs.err(resultsPath))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("load study %s: %w", dir, err)
	}

	if len(all.Errors) > 0 {
		return nil, all
	}
	return st, nil
}

// ReadResults reads results.jsonl from r (one probe result per line, via
// result.ReadJSONL); name is used in errors. Unlike result.ReadJSONL it reads past a bad
// line, so one pass reports up to MaxErrorsPerFile of them; any error returns no results.
// Beyond JSON it checks host, port and the grade letter.
func ReadResults(r io.Reader, name string) ([]result.Result, error) {
	var errs fileErrors
	res, err := readResults(r, name, &errs)
	if err != nil {
		return nil, err
	}
	if err := errs.err(name); err != nil {
		return nil, err
	}
	return res, nil
}

// isGradeLetter reports whether a result's grade may carry letter (shared/specs/grading.md).
func isGradeLetter(letter string) bool {
	switch letter {
	case "A+", "A", "A-", "B", "C", "D", "E", "F", "T", "M":
		return true
	}
	return false
}

// readResults returns an error only when r cannot be read; input errors go to errs. It
// streams: result.ReadJSONL reads from a lineFeeder, which hands over at most one line
// per Read, so after a bad line the input stands right behind it and reading resumes there.
func readResults(r io.Reader, file string, errs *fileErrors) ([]result.Result, error) {
	feed := &lineFeeder{br: bufio.NewReaderSize(r, 64<<10), atLineStart: true}
	var out []result.Result
	offset := 0 // lines already consumed by earlier passes
	for {
		err := result.ReadJSONL(feed, file, func(line int, res result.Result) error {
			checkResult(file, offset+line, &res, errs)
			out = append(out, res)
			return nil
		})
		if err == nil {
			return out, nil
		}
		var le *result.LineError
		if !errors.As(err, &le) {
			return nil, err
		}
		errs.add(&InputError{File: file, Line: offset + le.Line, Column: le.Field,
			Expected: "one probe result JSON object per line", Got: abbreviate(string(bytes.TrimSpace(feed.last))), Err: le.Err})
		offset += le.Line
		if err := feed.skipRestOfLine(); err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
	}
}

// lineFeeder is an io.Reader that never returns bytes past a newline in one Read, and
// remembers the start of the line it is in.
type lineFeeder struct {
	br          *bufio.Reader
	pending     []byte // rest of the current chunk, not yet handed over
	last        []byte // the first bytes of the latest line
	atLineStart bool
}

func (f *lineFeeder) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		chunk, err := f.br.ReadSlice('\n')
		if len(chunk) == 0 {
			if err == bufio.ErrBufferFull {
				err = nil
			}
			return 0, err
		}
		if f.atLineStart {
			f.last = append(f.last[:0], chunk[:min(len(chunk), 80)]...)
		}
		f.atLineStart = chunk[len(chunk)-1] == '\n'
		f.pending = chunk // valid until the next ReadSlice, which waits until it is used up
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// skipRestOfLine drops what is left of the current line (after an over-long line).
func (f *lineFeeder) skipRestOfLine() error {
	f.pending = nil
	for !f.atLineStart {
		chunk, err := f.br.ReadSlice('\n')
		if len(chunk) > 0 {
			f.atLineStart = chunk[len(chunk)-1] == '\n'
		}
		switch {
		case err == io.EOF:
			f.atLineStart = true
		case err != nil && err != bufio.ErrBufferFull:
			return err
		}
	}
	return nil
}

func checkResult(file string, line int, r *result.Result, errs *fileErrors) {
	if strings.TrimSpace(r.Host) == "" || r.Host == gotaNaN {
		errs.add(&InputError{File: file, Line: line, Column: "host", Expected: "a host name", Got: r.Host})
	}
	if r.Port < 1 || r.Port > 65535 {
		errs.add(&InputError{File: file, Line: line, Column: "port", Expected: "a port 1-65535", Got: strconv.Itoa(r.Port)})
	}
	if r.Grade != nil && !isGradeLetter(r.Grade.Letter) {
		errs.add(&InputError{File: file, Line: line, Column: "grade.letter",
			Expected: "one of A+, A, A-, B, C, D, E, F, T, M", Got: r.Grade.Letter})
	}
}

// abbreviate shortens s for an error message.
func abbreviate(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
