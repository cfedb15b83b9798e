// Command mutation measures how much of the mock engine and its vendor adapters the conformance
// suite pins: it changes the code one small way at a time (a mutant), runs the suite alone
// against the embedded mocks, and counts the mutants the suite kills (fails on).
//
//	go run ./tools/mutation [-max 100] [-deadline 28m] [-workers 1] [FILE...]   (make mutation)
//
// The scope is conformance/mutation-scope.yaml: the files mutated and the declarations left out
// because no request reaches them. Every surviving mutant must be listed, with the reason it
// survives, in conformance/mutation-survivors.yaml; a survivor not listed fails the run (exit 1).
// The report (score, and each survivor with file, line, enclosing function and change) goes to
// stdout and to reports/mutation.txt and reports/mutation.json.
//
// # Why not gremlins
//
// github.com/go-gremlins/gremlins v0.6.0 was evaluated and not used: it judges a mutant by `go
// test` of the mutated package (or, with --integration, of ./... : every package's own tests),
// and has no way to name the package and the tests that judge instead, so it cannot run the
// conformance suite alone; its operators are token swaps only (no deleted statements, swapped
// status codes or catalogue conditions, changed strings); and it mutates copies of the module
// written to disk.
//
// # Mutants
//
// Operators (internal/mutant): comparisons negated (== to !=, < to >=) and moved across their
// boundary (< to <=), && and || swapped, conditions that are no comparison negated, statements
// deleted (calls, assignments that declare nothing, ++/--, break, continue), net/http status
// constants swapped, catalogue conditions (specs.On*) and the table's no-violation values
// replaced by the next of their set, string literals emptied, integer literals incremented, true
// and false swapped. Left alone: log records and error texts (no client sees them), struct tags,
// make's sizes.
//
// A mutant's identity is its file, enclosing top-level declaration, operator, the code before and
// after, and an ordinal among mutants otherwise the same: no line number, so the survivors file
// keeps matching across edits elsewhere.
//
// # How a mutant is run
//
// The mutated file is written to a temporary directory and swapped in with `go build -overlay`:
// the tree is never written, so a run is safe beside an editor or another build. The mutated
// package is compiled alone first (a mutant that does not compile is "not viable" and not
// counted), then the suite's test binary is built with the overlay and run as `go test` would
// (in the package's directory), with -test.run ^TestConformance$ and ginkgo's fail-fast. A run
// that takes ten times the unmutated suite's time (at least a minute) is cut and counts as
// killed.
//
// # Bound
//
// Building the suite's test binary for a mutant dominates the cost: about 7 s of CPU, plus one
// or two seconds for the suite. The scope has about 1,900 mutants (1,930 outside the excluded
// declarations, with the engine and the auregister, iovox and Which50 adapters), so a run takes a
// sample of -max (100 by default): the mutants whose identities hash lowest, which keeps the
// sample the same from run to run and moves few mutants in or out when the code changes.
// Measured: the 100 ran in 17m40s with one worker on two cores lightly shared (load average
// under 2), and in 13m51s on the larger scope with the same cores shared by other builds (load
// average 5 to 13), and in 15m0s on 1,930 (load average near 2); under heavy load (load average near 30), 40 mutants took 12 minutes with two
// workers. -deadline (28 minutes) stops starting mutants and reports the rest as not run, so a
// run on a busy machine still ends within 30 minutes. -max 0 runs every mutant (four to five
// hours); a FILE argument with -max N samples one file, and -match reruns chosen identities.
//
// The score is the usual one: killed / (killed + survived - equivalent), where equivalent are the
// survivors the survivors file lists as such (no request can tell them from the code, so no spec
// can kill them); the report gives killed / (killed + survived) beside it. Not viable and not run
// mutants are not counted. -min-score (90 in make mutation) fails a run that scores less.
package main
