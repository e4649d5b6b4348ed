// Command mhealthsec runs the server-side security study of mobile health apps: reproduce
// the published study, probe and grade servers, import other tools' results, ingest traffic
// captures, analyze a study folder and run the local lab.
//
// Exit codes: 0 success, 1 failure, 2 usage error (bad flags or bad input values).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mhealthsec/mhealthsec/internal/buildinfo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root, prof := newRoot()
	if args == nil {
		args = []string{} // cobra reads os.Args for nil: run's caller decides the arguments
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if perr := prof.stop(); err == nil {
		err = perr
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "mhealthsec:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func newRootCmd() *cobra.Command {
	root, _ := newRoot()
	return root
}

// newRoot returns the root command and its --cpuprofile, which the caller must stop once
// the command has returned.
func newRoot() (*cobra.Command, *profiler) {
	root := &cobra.Command{
		Use:           "mhealthsec",
		Short:         "Server-side security studies of mobile health apps",
		Long:          "mhealthsec reproduces Müthing, Brüngel & Friedrich (JMIR 2019, 21(1):e9818) and reruns the study on new apps:\ninventory the servers apps talk to, probe and grade them like SSL Labs, and test the results.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// With no Run of its own, cobra reports an unknown command as a plain error
		// (exit 1); taking no arguments makes it a usage error (exit 2) as documented.
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		// --version: the module version and VCS revision this binary was built from.
		Version: buildinfo.Read().String(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	prof := addProfileFlag(root)
	// Flag parsing errors are usage errors (exit 2).
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErrorf("%v", err) })
	root.AddCommand(
		newReproduceCmd(),
		newContingencyCmd(),
		newProbeCmd(),
		newGradeCmd(),
		newImportCmd(),
		newIngestCmd(),
		newMergeCmd(),
		newExportCmd(),
		newAnalyzeCmd(),
		newCompareCmd(),
		newLabCmd(),
	)
	return root, prof
}

// usageError marks an error as the caller's: bad flags, bad values, bad input. Exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error {
	return &usageError{fmt.Errorf(format, a...)}
}

// usageArgs wraps a cobra positional-argument validator so its failures exit 2.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &usageError{fmt.Errorf("%s: %w", cmd.Name(), err)}
		}
		return nil
	}
}
