package main

import (
	"context"
	"strings"
	"testing"
)

// TestRootExitCodes: the README promises exit 2 for usage errors, an unknown command
// included, and 0 for help.
func TestRootExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"--no-such-flag"}, 2, "unknown flag"},
		{nil, 0, "Available Commands"},
		{[]string{"help"}, 0, "Available Commands"},
	} {
		code, stdout, stderr := runCLI(context.Background(), tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("%q: exit %d, want %d with %q; got:\n%s%s", tc.args, code, tc.code, tc.want, stdout, stderr)
		}
	}
}
