package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// --cpuprofile writes a whole profile (gzip-compressed protobuf) whether the command
// succeeds or fails: a failed run is what one most wants to profile, and cobra's
// post-run hooks skip it.
func TestCPUProfileWritten(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"success", []string{"analyze", "../../datasets/sample", "--out", filepath.Join(dir, "out")}, 0},
		{"failure", []string{"analyze", filepath.Join(dir, "no-such-study"), "--out", filepath.Join(dir, "out2")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prof := filepath.Join(dir, tt.name+".pprof")
			code, _, stderr := runCLI(context.Background(), append(tt.args, "--cpuprofile", prof)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, stderr)
			}
			data, err := os.ReadFile(prof)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
				t.Errorf("%s: %d bytes, not a finished profile (gzip)", prof, len(data))
			}
		})
	}
}
