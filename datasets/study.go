package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mhealthsec/mhealthsec/datasets/classify"
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

// Server categories of servers.csv, as strings; the vocabulary itself is classify's.
// Functional servers are the app's own backend; the study's "others" are advertising,
// tracking and content.
const (
	CategoryFunctional  = string(classify.Functional)
	CategoryAdvertising = string(classify.Advertising)
	CategoryTracking    = string(classify.Tracking)
	CategoryContent     = string(classify.Content)
	CategoryOther       = string(classify.Other)
	CategoryDisregarded = string(classify.Disregarded)
)

// Platforms returns the platforms apps.csv accepts.
func Platforms() []string { return []string{PlatformAndroid, PlatformIOS} }

// Availabilities returns the availabilities apps.csv accepts.
func Availabilities() []string {
	return []string{AvailabilityInternational, AvailabilityGermanOnly}
}

// Schemes returns the schemes servers.csv accepts.
func Schemes() []string { return []string{SchemeHTTPS, SchemeHTTP} }

// Categories returns the server categories servers.csv accepts (classify.Categories).
func Categories() []string {
	var out []string
	for _, c := range classify.Categories() {
		out = append(out, string(c))
	}
	return out
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

	apps, ids, err := readAppsFile(dir, all)
	if err != nil {
		return nil, err
	}
	st.Apps = apps

	// results.jsonl does not depend on the other files: read it while servers.csv is read.
	loaded := make(chan resultsLoad, 1)
	go func() { loaded <- loadResults(dir) }()

	serversErr := readServersFile(dir, all, func(f *os.File, path string, rows int, errs *fileErrors) {
		st.Servers = readServers(f, path, ids, rows, errs)
	})

	res := <-loaded
	switch {
	case serversErr != nil:
		return nil, serversErr
	case res.err != nil:
		return nil, res.err
	}
	st.Results = res.results
	all.merge(res.inputErrs)

	if len(all.Errors) > 0 {
		return nil, all
	}
	return st, nil
}

// readAppsFile reads dir's apps.csv, which a study must have; its input errors go to all.
// It returns the good apps and the ids of every row (readApps).
func readAppsFile(dir string, all *LoadError) ([]App, map[string]bool, error) {
	path := filepath.Join(dir, AppsFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load study %s: %s is required: %w", dir, AppsFile, err)
	}
	defer f.Close()
	var errs fileErrors
	apps, ids := readApps(f, path, &errs)
	all.merge(errs.err(path))
	return apps, ids, nil
}

// readServersFile opens dir's servers.csv, if there is one, and has read read it; rows
// is at least its number of rows, to size tables. Input errors go to all; only a file
// that cannot be opened or read is returned.
func readServersFile(dir string, all *LoadError, read func(f *os.File, path string, rows int, errs *fileErrors)) error {
	path := filepath.Join(dir, ServersFile)
	f, err := openOptional(dir, path)
	if f == nil {
		return err
	}
	defer f.Close()
	rows, err := countLines(f)
	if err != nil {
		return fmt.Errorf("load study %s: %w", dir, err)
	}
	var errs fileErrors
	read(f, path, rows, &errs)
	all.merge(errs.err(path))
	return nil
}

// openOptional opens a file of the study folder dir that the study may lack: a missing
// file gives a nil file and no error.
func openOptional(dir, path string) (*os.File, error) {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load study %s: %w", dir, err)
	}
	return f, nil
}

// countLines counts the newlines of f, which has at least as many as rows of CSV, and
// rewinds f. It counts only in a regular file, which can be rewound; otherwise, or when
// a read fails, the count is 0 (the CSV reader then meets the read error itself).
func countLines(f *os.File) (int, error) {
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return 0, nil
	}
	buf := make([]byte, 256<<10)
	n := 0
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			break
		}
		if err != nil {
			n = 0
			break
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("rewind %s: %w", f.Name(), err)
	}
	return n, nil
}

// resultsLoad is what loadResults found.
type resultsLoad struct {
	results   []result.Result
	inputErrs error // a *LoadError, or nil
	err       error // the file could not be opened or read
}

// loadResults reads dir's results.jsonl, if there is one.
func loadResults(dir string) resultsLoad {
	path := filepath.Join(dir, ResultsFile)
	f, err := openOptional(dir, path)
	if f == nil {
		return resultsLoad{err: err}
	}
	defer f.Close()
	lines, err := countLines(f)
	if err != nil {
		return resultsLoad{err: fmt.Errorf("load study %s: %w", dir, err)}
	}
	var errs fileErrors
	res, err := readResults(f, path, lines+1, &errs)
	if err != nil {
		return resultsLoad{err: fmt.Errorf("load study %s: %w", dir, err)}
	}
	return resultsLoad{results: res, inputErrs: errs.err(path)}
}

// ReadResults reads results.jsonl from r (one probe result per line, via
// result.ReadJSONL); name is used in errors. Unlike result.ReadJSONL it reads past a bad
// line, so one pass reports up to MaxErrorsPerFile of them; any error returns no results.
// Beyond JSON it checks host, port and the grade letter.
func ReadResults(r io.Reader, name string) ([]result.Result, error) {
	var errs fileErrors
	res, err := readResults(r, name, 0, &errs)
	if err != nil {
		return nil, err
	}
	if err := errs.err(name); err != nil {
		return nil, err
	}
	return res, nil
}

// readResults returns an error only when r cannot be read; input errors go to errs. Lines
// are decoded concurrently (decodeResults) but reported in file order, so errs lists the
// same errors as a line-by-line read would, and a bad line does not stop the read.
// linesHint, when more than 0, is at least the number of lines r has (newlines + 1): the
// results are then decoded straight into one slice of that size.
func readResults(r io.Reader, file string, linesHint int, errs *fileErrors) ([]result.Result, error) {
	dst := make([]result.Result, max(linesHint, 0))
	n := 0 // dst[:n] holds the good results so far
	err := decodeResults(r, file, dst, func(line int, head []byte, res *result.Result, err error) {
		if err == nil {
			checkResult(file, line, res, errs)
			switch {
			case n == len(dst): // past the hint: res is a batch's own, dst may grow
				dst = append(dst, *res)
			case res != &dst[n]: // a blank or bad line came before: close the gap
				dst[n] = *res
			}
			n++
			return
		}
		errs.add(lineError(file, line, head, err))
	})
	if err != nil || n == 0 {
		return nil, err
	}
	clear(dst[n:]) // slack of blank and bad lines: drop what it points to
	return dst[:n:n], nil
}

// lineError is the input error of a results.jsonl line that does not decode.
func lineError(file string, line int, head []byte, err error) *InputError {
	ie := &InputError{File: file, Line: line, Expected: "one probe result JSON object per line",
		Got: abbreviate(string(bytes.TrimSpace(head))), Err: err}
	var le *result.LineError
	if errors.As(err, &le) {
		ie.Column, ie.Err = le.Field, le.Err
	}
	return ie
}

func checkResult(file string, line int, r *result.Result, errs *fileErrors) {
	if strings.TrimSpace(r.Host) == "" || r.Host == gotaNaN {
		errs.add(&InputError{File: file, Line: line, Column: "host", Expected: "a host name", Got: r.Host})
	}
	if r.Port < 1 || r.Port > 65535 {
		errs.add(&InputError{File: file, Line: line, Column: "port", Expected: "a port 1-65535", Got: strconv.Itoa(r.Port)})
	}
	if r.Grade != nil && !result.IsGradeLetter(r.Grade.Letter) {
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
