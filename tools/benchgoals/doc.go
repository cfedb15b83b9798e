// Command benchgoals reads the output of `make bench` (go test -bench, any -count) and prints the
// figures issue 8 sets goals for, each next to its goal and its ratio to the goal:
//
//	benchgoals [FILE...]    (default reports/bench/new.txt)
//
// The figures with goals:
//
//   - validation overhead: how much validating both directions of an exchange adds to a loopback
//     round trip, per vendor and body (BenchmarkRoundTrip, validation=on against validation=off);
//     goal under 25%.
//   - mock rate: the validated mock's requests per second over a bare net/http handler answering
//     the same bytes, per vendor (BenchmarkMockThroughput); goal at least 0.7.
//   - suite: the wall time of the conformance suite against the embedded mocks after compilation,
//     serial and -p (BenchmarkSuite); goal under 2 s.
//
// It also prints, without goals, the validation cost of one exchange (time and allocations) and
// drift traffic's rate and peak heap. Each figure is the median of its samples, and each ratio is
// between benchmarks of the same run, so it holds on a noisy machine.
//
// Benchmarks report and do not assert: the exit status is 0 whether goals are met or not, and a
// missed goal is marked MISSED and counted on the last line. Only unreadable input exits 1.
//
// Results are parsed with golang.org/x/perf/benchfmt, the reader benchstat uses.
package main
