package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// profiler is the hidden flag --cpuprofile FILE of every command, which writes a CPU
// profile of the command for `go tool pprof`: how the README's performance figures were
// broken down, and what to attach to a report of a slow run.
type profiler struct {
	path string
	f    *os.File // while profiling
}

// addProfileFlag gives root and its commands --cpuprofile; run stops the profile (stop)
// when the command has returned, also when it failed, which cobra's post-run hooks skip.
func addProfileFlag(root *cobra.Command) *profiler {
	p := &profiler{}
	root.PersistentFlags().StringVar(&p.path, "cpuprofile", "", "write a CPU profile of the command to this file (for go tool pprof)")
	if err := root.PersistentFlags().MarkHidden("cpuprofile"); err != nil {
		panic(err) // the flag was just defined
	}
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return p.start() }
	return p
}

func (p *profiler) start() error {
	if p.path == "" {
		return nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return usageErrorf("--cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	p.f = f
	return nil
}

// stop ends the profile, if one was started, and writes it out.
func (p *profiler) stop() error {
	if p.f == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.f.Close()
	p.f = nil
	if err != nil {
		return fmt.Errorf("--cpuprofile: %w", err)
	}
	return nil
}
