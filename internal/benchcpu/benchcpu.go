package benchcpu

import (
	"testing"
	"time"
)

// Start returns the CPU time (user and system) the process has used so far, to pass to Report
// once the timed loop is done. Call it after the benchmark's setup.
func Start() time.Duration {
	d, _ := processCPU()
	return d
}

// Report adds cpu-ns/op to b: the CPU time the process used since start, over b.N. Where the
// platform does not tell a process's CPU time, it reports nothing.
func Report(b *testing.B, start time.Duration) {
	now, ok := processCPU()
	if !ok || b.N == 0 {
		return
	}
	b.ReportMetric(float64(now-start)/float64(b.N), "cpu-ns/op")
}
