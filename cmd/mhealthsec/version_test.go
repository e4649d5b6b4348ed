package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mhealthsec/mhealthsec/internal/buildinfo"
)

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := buildinfo.Read().String() + "\n"
	if out.String() != want || !strings.HasPrefix(want, "mhealthsec ") {
		t.Errorf("--version printed %q, want %q", out.String(), want)
	}
}
