package testenv

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// WaitingParallel is how many parallel tests RunWaiting lets run at once.
const WaitingParallel = 8

// RunWaiting runs a package's tests, as a TestMain does, with -test.parallel raised to
// WaitingParallel unless the command line sets it. It is for packages whose parallel tests
// mostly wait (on timeouts, silent peers, servers starting) rather than compute: Go's
// default, one test per core, would leave a 2-core machine idle while two tests wait out a
// timeout and the rest queue behind them. Not for packages whose parallel tests also
// compute hard (many servers' handshakes, reports): beside them, tests bounded by short
// timeouts starve and fail on a loaded machine (cmd/mhealthsec did, at load 8). While
// fuzzing it leaves -test.parallel alone: there it is the number of fuzzing processes,
// whose default, one per core, is right for work that only computes.
//
//	func TestMain(m *testing.M) { os.Exit(testenv.RunWaiting(m)) }
func RunWaiting(m *testing.M) int {
	flag.Parse()
	set, fuzzing := false, false
	flag.Visit(func(f *flag.Flag) {
		set = set || f.Name == "test.parallel"
		fuzzing = fuzzing || f.Name == "test.fuzz" && f.Value.String() != ""
	})
	if !set && !fuzzing {
		if err := flag.Set("test.parallel", strconv.Itoa(WaitingParallel)); err != nil {
			fmt.Fprintf(os.Stderr, "testenv: raise -test.parallel: %v\n", err)
			return 2
		}
	}
	return m.Run()
}
