package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mhealthsec/mhealthsec/probe"
)

// markDROWNFile runs the DROWN pass (probe.MarkDROWNFile) over the results file path and
// replaces it atomically with the marked file; the summary goes to stderr. who prefixes
// messages ("probe", "merge").
func markDROWNFile(path, who string, stderr io.Writer) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", who, err)
	}
	var sum probe.DROWNSummary
	err = writeFileAtomic(path, func(w io.Writer) error {
		var err error
		sum, err = probe.MarkDROWNFile(path, w)
		return err
	})
	if err == nil { // the temporary file was private; the results keep their mode
		err = os.Chmod(path, info.Mode().Perm())
	}
	if err != nil {
		return fmt.Errorf("%s: DROWN across services: %w (%s is as it was: whole results, not compared; mhealthsec merge %s --out OTHER compares them)", who, err, path, path)
	}
	fmt.Fprintf(stderr, "%s: %v\n", who, sum)
	return nil
}

// reportDROWNStdout says on stderr what the DROWN pass would mark in results that went to
// stdout, where lines cannot be rewritten: they keep drown_same_key null.
func reportDROWNStdout(k *probe.DROWNKeys, stderr io.Writer) {
	flagged := k.Flagged()
	msg := "probe: DROWN across services: results on stdout are not compared (drown_same_key null); write them with --out, or pass the file through mhealthsec merge, to have them marked"
	if len(flagged) > 0 {
		var list []string
		for t, same := range flagged {
			list = append(list, t+" (key of "+strings.Join(same, ", ")+")")
		}
		sort.Strings(list)
		msg += fmt.Sprintf("; %d endpoints share an RSA key with an SSL 2.0 endpoint of this scan: %s", len(list), strings.Join(list, "; "))
	}
	fmt.Fprintln(stderr, msg)
}
