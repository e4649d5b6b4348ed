// Package duckdbcheck reads the Parquet files of `mhealthsec export parquet` back with
// DuckDB and compares what DuckDB counts with what `analyze` counts. It is a module of its
// own because DuckDB is a large cgo library: building it costs minutes, which `go test ./...`
// of the main module should not pay. .ci/run runs it: (cd datasets/parquet/duckdbcheck && go test ./...).
package duckdbcheck
