// Package testenv holds the one switch that gates this module's slow tests.
//
// `go test ./...` stays fast (under a minute on a warm cache on two cores). Tests that take
// minutes, or compare us with outside programs (sslscan, testssl.sh, R's slow goldens,
// real schedulers), call Slow first and run only with MHEALTHSEC_SLOW=1, as .ci/run does:
//
//	MHEALTHSEC_SLOW=1 go test -run TestPeersTestssl -timeout 40m ./probe/grade/
package testenv

import (
	"os"
	"testing"
)

// SlowEnv is the environment variable that turns the slow tests on.
const SlowEnv = "MHEALTHSEC_SLOW"

// Slow skips t unless MHEALTHSEC_SLOW=1; why says what makes the test slow.
func Slow(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(SlowEnv) != "1" {
		t.Skipf("slow test (%s): set %s=1 to run it", why, SlowEnv)
	}
}
