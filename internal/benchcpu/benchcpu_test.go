package benchcpu

import (
	"testing"
	"time"
)

// Spinning for a while must show as about that much CPU time: the figure is the process's, not
// the wall clock's or nothing.
func TestProcessCPUCountsWork(t *testing.T) {
	before, ok := processCPU()
	if !ok {
		t.Skip("no process CPU time on this platform")
	}
	const spin = 200 * time.Millisecond
	deadline := time.Now().Add(spin)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	after, _ := processCPU()
	// On a loaded machine the spinning goroutine gets less than the wall time; idle, about all of it.
	if got := after - before; got < spin/10 || got > 3*spin {
		t.Errorf("%v of CPU for %v of spinning (%d loops)", got, spin, x)
	}
	// Sleeping costs (almost) none.
	before, _ = processCPU()
	time.Sleep(spin)
	after, _ = processCPU()
	if got := after - before; got > spin/2 {
		t.Errorf("%v of CPU while sleeping %v", got, spin)
	}
}
