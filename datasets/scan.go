package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/mhealthsec/mhealthsec/probe/result"
)

// StudyScan says what ScanStudy hands over. A result is reduced to a value of type T as
// it is decoded, so a study of millions of rows is read without holding its results.
type StudyScan[T any] struct {
	// Apps receives apps.csv's good rows, before anything else.
	Apps func(apps []App)
	// Reduce turns a decoded result into v. It runs on several goroutines at once and
	// must not keep r, which is reused.
	Reduce func(r *result.Result, v *T)
	// Result receives each good line of results.jsonl as reduced, in file order, before
	// any server row; v is reused after it returns.
	Result func(line int, v *T)
	// Server receives each good row of servers.csv, in file order; s is Server's to keep.
	// endpoint numbers the row's endpoint (host, port, scheme): 0, 1, 2 … in order of
	// first appearance, so a caller can keep what it knows of endpoints in a slice.
	Server func(line int, s *Server, endpoint int)
}

// ScanStudy reads a study folder as LoadStudy does, with the same checks and the same
// errors, but hands its rows to sc as it reads them instead of returning them: memory
// grows with what sc keeps, not with the files. On an input error the rows sc was given
// are to be dropped: ScanStudy returns a *LoadError naming file, line and column, as
// LoadStudy does.
func ScanStudy[T any](dir string, sc StudyScan[T]) error {
	all := &LoadError{}
	apps, ids, err := readAppsFile(dir, all)
	if err != nil {
		return err
	}
	if sc.Apps != nil {
		sc.Apps(apps)
	}

	var resultErrs fileErrors
	resultsErr := scanResults(dir, sc, &resultErrs)

	serversErr := readServersFile(dir, all, func(f *os.File, path string, rows int, errs *fileErrors) {
		fn := sc.Server
		if fn == nil {
			fn = func(int, *Server, int) {}
		}
		scanServers(f, path, ids, rows, errs, fn)
	})
	switch {
	case serversErr != nil:
		return serversErr
	case resultsErr != nil:
		return resultsErr
	}
	all.merge(resultErrs.err(filepath.Join(dir, ResultsFile)))
	if len(all.Errors) > 0 {
		return all
	}
	return nil
}

// scanned is one line of results.jsonl as ScanStudy's workers leave it.
type scanned[T any] struct {
	v   T
	bad fileErrors // checkResult's findings
}

// scanResults reads dir's results.jsonl, if there is one, into sc; input errors go to
// errs, and only a file that cannot be opened or read is returned.
func scanResults[T any](dir string, sc StudyScan[T], errs *fileErrors) error {
	path := filepath.Join(dir, ResultsFile)
	f, err := openOptional(dir, path)
	if f == nil {
		return err
	}
	defer f.Close()
	d := result.NewLineDecoder()
	scratch := sync.Pool{New: func() any { return new(result.Result) }}
	decode := func(line int, text []byte, sv *scanned[T]) error {
		r := scratch.Get().(*result.Result)
		defer scratch.Put(r)
		if err := d.Decode(path, line, text, r); err != nil {
			return err
		}
		checkResult(path, line, r, &sv.bad)
		if sc.Reduce != nil {
			sc.Reduce(r, &sv.v)
		}
		return nil
	}
	err = decodeLines(f, path, nil, decode, func(line int, head []byte, sv *scanned[T], err error) {
		if err != nil {
			errs.add(lineError(path, line, head, err))
			return
		}
		errs.addAll(&sv.bad)
		if sc.Result != nil {
			sc.Result(line, &sv.v)
		}
	})
	if err != nil {
		return fmt.Errorf("load study %s: %w", dir, err)
	}
	return nil
}
