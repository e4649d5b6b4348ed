package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/mhealthsec/mhealthsec/datasets/parquet"
)

func TestExportParquet(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pq")
	code, _, stderr := runCLI(context.Background(), "export", "parquet", "../../datasets/sample", "--out", out, "--trust", "ignore")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "12 apps, 47 server rows") {
		t.Errorf("summary: %s", stderr)
	}
	servers, err := pq.ReadFile[parquet.Server](filepath.Join(out, parquet.ServersFile))
	if err != nil || len(servers) != 47 {
		t.Fatalf("servers.parquet: %d rows, %v", len(servers), err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 4 {
		t.Errorf("%d entries in %s, want the 4 files (no temporary folder left)", len(entries), out)
	}
}

func TestExportParquetErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"export", "parquet", "../../datasets/sample"}, 2, "--out DIR is required"},
		{[]string{"export", "parquet", "../../datasets/sample", "--out", dir, "--trust", "maybe"}, 2, "--trust"},
		{[]string{"export", "parquet", "--out", dir}, 2, "accepts 1 arg"},
		{[]string{"export", "parquet", filepath.Join(dir, "nostudy"), "--out", dir}, 1, "apps.csv"},
	}
	for _, tc := range tests {
		code, _, stderr := runCLI(context.Background(), tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
}
