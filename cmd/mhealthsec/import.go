package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/datasets/importer"
	"github.com/mhealthsec/mhealthsec/probe/result"
)

func newImportCmd() *cobra.Command {
	var out string
	var appendOut bool
	cmd := &cobra.Command{
		Use:   "import testssl|ssllabs FILE...",
		Short: "Turn testssl.sh JSON or SSL Labs API JSON into probe results",
		Long: `import converts the JSON of other assessment tools into probe results (one JSON object per
line), keeping the tool's own grade (grade.graded_by names the tool, grade.criteria its
criteria version).

  testssl   testssl.sh --jsonfile (flat) or --jsonfile-pretty output, versions 3.0, 3.1dev
            and 3.2; 2.9 and older are refused (other ids and value shapes)
  ssllabs   SSL Labs API v3 host objects (analyze?all=done), one per file or a JSON array
            of them as written by ssllabs-scan; API v2 responses too (their one suite list
            is filed under the highest protocol, with a note)

A file of the other kind, a HAR or a capture is refused, naming what it is and the command
that reads it. Bad input names the file and the JSON path of the offending value; a value
that cannot be read is never imported as 0 (it is refused, or left null with a note).
Results whose input carries no time have started_at null.`,
		Example: `  mhealthsec import testssl scans/*.json --out results.jsonl
  mhealthsec import ssllabs labs.json --out results.jsonl --append`,
		Args: usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var read func(io.Reader, string) ([]result.Result, error)
			switch args[0] {
			case "testssl":
				read = importer.Testssl
			case "ssllabs":
				read = importer.SSLLabs
			default:
				return usageErrorf("import: unknown format %q (want testssl or ssllabs)", args[0])
			}
			if appendOut && out == "" {
				return usageErrorf("import: --append needs --out")
			}
			// Read every file before writing anything: one bad file must not leave --out
			// half replaced or half appended, looking complete.
			var all []result.Result
			for _, path := range args[1:] {
				f, err := os.Open(path)
				if err != nil {
					return fmt.Errorf("import: %w", err)
				}
				rs, err := read(f, path)
				f.Close()
				if err != nil {
					return fmt.Errorf("import: %w", err) // bad file contents: failure, not usage
				}
				all = append(all, rs...)
			}
			write := func(w io.Writer) error {
				rw := result.NewWriter(w)
				for _, r := range all {
					if err := rw.Write(r); err != nil {
						return err
					}
				}
				return nil
			}
			var err error
			switch {
			case out == "":
				err = write(cmd.OutOrStdout())
			case appendOut:
				err = appendFile(out, write)
			default:
				err = writeFileAtomic(out, write)
			}
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "imported %s from %s\n", plural(len(all), "result"), plural(len(args)-1, "file"))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write results to this JSONL file (default: standard output); written only when every input file was read")
	cmd.Flags().BoolVar(&appendOut, "append", false, "append to --out instead of replacing it")
	return cmd
}

// plural writes "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// appendFile opens path for appending (creating it) and hands it to fill.
func appendFile(path string, fill func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
