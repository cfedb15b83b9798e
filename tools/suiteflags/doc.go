// Command suiteflags prints the conformance suite's own flags, with their defaults and valid
// values, and the environment variables its url and live targets read (make conformance-flags).
// It reads them from conformance/suiteconfig, where the suite registers them, so the list cannot
// fall behind; building it takes seconds, where the suite's own -h needs the whole suite built
// and lists ginkgo's flags too.
package main
