// Package benchcpu measures the CPU time of the benchmarking process, for benchmarks that run on
// a shared machine (CI runners, a laptop with a build going): their wall time per operation
// depends on what else runs, the process's own CPU time per operation much less. Benchmarks
// report it beside ns/op as cpu-ns/op, so that a ratio between two of them can be read both ways.
package benchcpu
