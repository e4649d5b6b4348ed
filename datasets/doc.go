// Package datasets holds the data the toolkit works on and the loaders that check it.
//
// Embedded, read-only data:
//   - Published: every number the reproduced study printed, one record per number, with the
//     place it was printed (NotPublished lists what it left out).
//   - Pulse: the SSL Pulse monthly grade distribution 2016–2019, the study's baseline.
//
// Study folders (docs/toolkit.md): LoadStudy reads apps.csv, servers.csv and
// results.jsonl into typed rows (gota dataframes are built from them on request), and
// rejects bad input with errors that name the file, line and column. Nothing is
// half-loaded: any error and no Study. Big studies load on every core: results.jsonl is
// read while servers.csv is, its lines decoded concurrently and reported in file order.
//
// CountBy counts two columns of a dataframe against each other on typed slices; it is the
// fast path for big result tables, where gota's GroupBy is too slow (see the benchmarks).
package datasets
