package report

import "fmt"

// line is a probe run's counts in one line: the suite's specs, then the discrepancies by reading.
func (s *ProbeStats) line() string {
	d := s.Discrepancies
	return fmt.Sprintf("suite: %d %s ran, %d passed, %d failed (%d skipped); discrepancies: %d spec, %d page, %d neither, %d unsettled",
		s.Suite.Ran, plural(s.Suite.Ran, "spec", "specs"), s.Suite.Passed, s.Suite.Failed, s.Suite.Skipped,
		d["spec"], d["page"], d["neither"], d["unsettled"])
}
