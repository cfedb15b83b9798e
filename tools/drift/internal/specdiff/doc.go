// Package specdiff compares the vendor specs, and the Go API generated from them, between two
// revisions of the repository.
//
// Spec changes come from oasdiff used as a library (diff.GetWithOperationsSourcesMap, then every
// default check of checker.GetAllChecks down to INFO) on the kin-openapi documents, so the levels
// (ERR, WARN, INFO) and rule ids are oasdiff's own. The project's error catalogue
// (x-error-catalogue) is an extension oasdiff does not read; since the suite, the coverage file and
// traffic baselines key on its entry ids (specs/README.md: "never rename one without a drift
// acknowledgement"), removed and changed entries are reported too, under rule ids of our own.
//
// Go API changes come from golang.org/x/exp/apidiff on gen/<vendor> type-checked at each revision
// with golang.org/x/tools/go/packages. A revision other than the working tree is exported with
// `git archive` into a temporary directory (removed afterwards) rather than checked out with
// `git worktree add`: an archive leaves the repository's own metadata alone, which matters in a
// checkout several people work in at once.
//
// Everything reads the repository through the git command: revisions are resolved with
// rev-parse, files read with `git show <rev>:<path>`.
package specdiff
