package vuln

import (
	"os"
	"testing"

	"github.com/mhealthsec/mhealthsec/internal/testenv"
)

// Most of this package's tests wait on loopback servers and timeouts: run them side by side.
func TestMain(m *testing.M) { os.Exit(testenv.RunWaiting(m)) }
