// Package suite runs the conformance suite for drift probe and reads back what it found: it
// builds the suite's test binary (or takes a prebuilt one), runs it in the conformance directory
// with a label filter, a JSON report and a HAR recording, and turns the ginkgo report into drift
// findings. The suite is run as a separate process, not linked in: it reads its own flags and
// environment, and a spec that hangs or panics cannot take drift with it.
package suite
