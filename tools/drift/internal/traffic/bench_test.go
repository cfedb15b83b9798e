package traffic

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkTraffic validates a capture of b.N exchanges (one valid exchange of each vendor, in
// turn) through the whole pipeline: streaming, routing, request and response validation, the
// undeclared-field walk and the catalogue check. It reports exchanges validated per second.
func BenchmarkTraffic(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.har")
	writeCapture(b, path, b.N, cleanEntries(b))
	b.ResetTimer()
	r, err := Run(context.Background(), []string{path}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if r.Traffic.Validated != b.N || len(r.Findings) != 0 {
		b.Fatalf("validated %d of %d, %d findings", r.Traffic.Validated, b.N, len(r.Findings))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
}
