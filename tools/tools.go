//go:build tools

// Package tools pins the versions of the programs this project builds but does not import:
// the GoNB Jupyter kernel and goimports (notebooks), toxiproxy (latency benchmarks) and
// staticcheck (CI). Build one with `go build -o BIN MODULE/PATH` from this folder.
package tools

import (
	_ "github.com/Shopify/toxiproxy/v2/cmd/server"
	_ "github.com/janpfeifer/gonb"
	_ "golang.org/x/tools/cmd/goimports"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
