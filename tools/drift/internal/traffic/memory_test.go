package traffic

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// heapBound is how much the heap in use may grow while a 100,000-entry capture is validated. The
// capture is about 80 MiB, so a reader that held the file, or every entry, would pass it several
// times; what legitimately grows is the four validators (specs, routers) and a few entries per
// worker in flight.
const heapBound = 32 << 20

// TestLargeCaptureStreams validates a 100,000-entry capture and bounds the peak heap: memory must
// not grow with the file.
func TestLargeCaptureStreams(t *testing.T) {
	const n = 100_000
	path := filepath.Join(t.TempDir(), "large.har")
	// The two cheapest exchanges to validate (iovox's 204 and Valomnia's login), so that the
	// test also fits the race detector's time: what is measured is memory, and every entry still
	// goes through the whole pipeline.
	size := writeCapture(t, path, n, cleanEntries(t)[:2])
	if size < 2*heapBound {
		t.Fatalf("the capture is %d bytes; it must be well over the heap bound (%d) for the test to mean anything", size, heapBound)
	}

	var r *report.Report
	var err error
	before, peak := sampleHeap(func() { r, err = Run(context.Background(), []string{path}, Options{}) })
	if err != nil {
		t.Fatal(err)
	}

	if r.Traffic.Exchanges != n || r.Traffic.Validated != n {
		t.Errorf("exchanges %d, validated %d; want %d each", r.Traffic.Exchanges, r.Traffic.Validated, n)
	}
	if len(r.Findings) != 0 {
		t.Errorf("findings on valid exchanges: %+v", r.Findings)
	}
	growth := int64(peak) - int64(before)
	t.Logf("capture %.1f MiB, %d entries; heap in use before %.1f MiB, peak %.1f MiB (growth %.1f MiB, bound %d MiB)",
		float64(size)/(1<<20), n, float64(before)/(1<<20), float64(peak)/(1<<20), float64(growth)/(1<<20), heapBound>>20)
	if growth > heapBound {
		t.Errorf("heap grew by %d bytes while validating a %d-byte capture; bound %d: the file is not streamed", growth, size, heapBound)
	}
}
