package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/mhealthsec/mhealthsec/figures"
)

// OutputError is a failure to create or replace the destination folder itself (not
// writable, not a folder), as opposed to a failure to produce the report's content.
type OutputError struct {
	Path string
	Err  error
}

func (e *OutputError) Error() string {
	return fmt.Sprintf("output folder %s: %v", e.Path, e.Err)
}

func (e *OutputError) Unwrap() error { return e.Err }

// Write writes the report into dir (which must exist): report.md, report.html, stats.json,
// tables/ and figures/. stats is marshalled as indented JSON; it must not hold NaN or ±Inf
// (JSON has no such numbers: use nil for a value that could not be computed).
func Write(dir string, d Document, stats any) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, sub := range []string{"tables", "figures"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	// stats.json is marshalled while the tables and figures are rendered: of a census, it
	// is tens of MB, as long as the rest together.
	var js []byte
	var jsErr error
	var wg sync.WaitGroup
	wg.Go(func() { js, jsErr = json.MarshalIndent(stats, "", "  ") })
	defer wg.Wait() // on every return, so stats is not read after Write returns
	files := map[string][]byte{}
	pngs := map[string][]byte{}
	for _, s := range d.Sections {
		for _, blk := range s.Blocks {
			switch blk := blk.(type) {
			case Table:
				c, err := TableCSV(blk)
				if err != nil {
					return fmt.Errorf("report: %w", err)
				}
				files[filepath.Join("tables", blk.Name+".csv")] = c
				files[filepath.Join("tables", blk.Name+".md")] = TableMarkdown(blk)
				files[filepath.Join("tables", blk.Name+".tex")] = TableLaTeX(blk)
			case Figure:
				for _, format := range figures.Formats() {
					data, err := figures.Render(blk.Figure, format)
					if err != nil {
						return fmt.Errorf("report: %w", err)
					}
					files[filepath.Join("figures", blk.Figure.Name+"."+format)] = data
					if format == "png" {
						pngs[blk.Figure.Name] = data
					}
				}
			}
		}
	}
	files["report.md"] = Markdown(d)
	files["report.html"] = HTML(d, pngs)
	if wg.Wait(); jsErr != nil {
		return fmt.Errorf("report: stats.json: %w", jsErr)
	}
	files["stats.json"] = append(js, '\n')
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// WriteAtomic is Replace for callers that do not list the files kept.
func WriteAtomic(out string, d Document, stats any) error {
	_, err := Replace(out, d, stats)
	return err
}

// Replace writes the report to a temporary folder beside out and, when all of it was
// written, puts it in place of out (replacing an earlier report there). Files in out that
// a report does not write (a user's notes, a manuscript draft) are moved into the new
// report and returned, relative to out, so the caller can say which were kept. On any
// failure out is left as it was and the temporary folder is removed. Failures to use out
// itself are *OutputError.
func Replace(out string, d Document, stats any) (kept []string, err error) {
	out = filepath.Clean(out)
	if err := checkReplaceable(out); err != nil {
		return nil, &OutputError{Path: out, Err: err}
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, &OutputError{Path: out, Err: err}
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, &OutputError{Path: out, Err: err}
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	// MkdirTemp makes the folder 0700; a report is for reading.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, &OutputError{Path: out, Err: err}
	}
	if err := Write(tmp, d, stats); err != nil {
		return nil, err
	}
	kept, err = userFiles(out)
	if err != nil {
		return nil, &OutputError{Path: out, Err: err}
	}
	for _, rel := range kept {
		dst := filepath.Join(tmp, rel)
		if _, err := os.Lstat(dst); err == nil {
			// The new report writes a file of that name; the user's stays with the old report.
			return nil, &OutputError{Path: out, Err: fmt.Errorf("%s is not a report file but the new report writes one of that name; move it and rerun", rel)}
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, &OutputError{Path: out, Err: err}
		}
		// A copy, not a move: until the swap below succeeds, out must stay as it was.
		if err := copyFile(filepath.Join(out, rel), dst); err != nil {
			return nil, &OutputError{Path: out, Err: fmt.Errorf("keeping %s: %w", rel, err)}
		}
	}
	return kept, replaceDir(tmp, out)
}

// reportFile reports whether rel (a slash path inside a report folder) is a file a report
// writes: report.md, report.html, stats.json, tables/*.{csv,md,tex}, figures/*.{png,svg,pdf}.
func reportFile(rel string) bool {
	dir, name := path.Split(rel)
	ext := path.Ext(name)
	switch dir {
	case "":
		return name == "report.md" || name == "report.html" || name == "stats.json"
	case "tables/":
		return ext == ".csv" || ext == ".md" || ext == ".tex"
	case "figures/":
		return slices.Contains(figures.Formats(), strings.TrimPrefix(ext, "."))
	}
	return false
}

// userFiles lists the files under out that no report writes, sorted; a missing out has none.
func userFiles(out string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == out {
			return fs.SkipAll
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		if !reportFile(filepath.ToSlash(rel)) {
			files = append(files, rel)
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

func copyFile(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, fi.Mode().Perm())
}

// replaceDir moves the finished folder tmp to out. An existing out is first moved aside and
// removed only after the rename succeeded, so a failure never leaves out missing.
func replaceDir(tmp, out string) error {
	if _, err := os.Stat(out); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp, out); err != nil {
			return &OutputError{Path: out, Err: err}
		}
		return nil
	}
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return &OutputError{Path: out, Err: fmt.Errorf("moving the previous report aside: %w", err)}
	}
	if err := os.Rename(tmp, out); err != nil {
		// Put the previous report back; the new one is discarded by the caller.
		if rerr := os.Rename(old, out); rerr != nil {
			return &OutputError{Path: out, Err: fmt.Errorf("%w (and restoring the previous report failed: %v; it is in %s)", err, rerr, old)}
		}
		return &OutputError{Path: out, Err: err}
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("report written to %s, but the previous one is left in %s: %w", out, old, err)
	}
	return nil
}

// checkReplaceable refuses to replace anything but a missing folder, an empty folder or an
// earlier report (a folder holding stats.json), so a mistyped --out cannot delete other work.
func checkReplaceable(out string) error {
	fi, err := os.Stat(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("exists and is not a folder")
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, "stats.json")); err != nil {
		var names []string
		for i, e := range entries {
			if i == 5 {
				names = append(names, fmt.Sprintf("and %d more", len(entries)-i))
				break
			}
			names = append(names, e.Name())
		}
		return fmt.Errorf("exists, is not empty (%s) and holds no earlier report (no stats.json); refusing to replace it", strings.Join(names, ", "))
	}
	return nil
}
