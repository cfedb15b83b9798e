package traffic

import (
	"context"
	"path/filepath"
	"testing"
)

// benchCaptureSize is the capture BenchmarkTraffic validates per operation: large enough that
// streaming, not start-up, is what is measured, and that a heap growing with the file would show.
const benchCaptureSize = 100_000

// BenchmarkTraffic validates a capture of 100,000 exchanges (one valid exchange of each vendor, in
// turn) per operation, through the whole pipeline: streaming, routing, request and response
// validation, the undeclared-field walk and the catalogue check. It reports exchanges validated
// per second and the peak heap in use during the run, which must not grow with the capture
// (TestLargeCaptureStreams bounds it).
func BenchmarkTraffic(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.har")
	size := writeCapture(b, path, benchCaptureSize, cleanEntries(b))
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		_, p := sampleHeap(func() {
			r, err := Run(context.Background(), []string{path}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if r.Traffic.Validated != benchCaptureSize || len(r.Findings) != 0 {
				b.Fatalf("validated %d of %d, %d findings", r.Traffic.Validated, benchCaptureSize, len(r.Findings))
			}
		})
		peak = max(peak, p)
	}
	b.ReportMetric(float64(benchCaptureSize)*float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20), "capture-MiB")
}
