package traffic

import (
	"context"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
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

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapInuse
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	r, err := Run(context.Background(), []string{path}, Options{})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(peak, after.HeapInuse)

	if r.Traffic.Exchanges != n || r.Traffic.Validated != n {
		t.Errorf("exchanges %d, validated %d; want %d each", r.Traffic.Exchanges, r.Traffic.Validated, n)
	}
	if len(r.Findings) != 0 {
		t.Errorf("findings on valid exchanges: %+v", r.Findings)
	}
	growth := int64(peak) - int64(before.HeapInuse)
	t.Logf("capture %.1f MiB, %d entries; heap in use before %.1f MiB, peak %.1f MiB (growth %.1f MiB, bound %d MiB)",
		float64(size)/(1<<20), n, float64(before.HeapInuse)/(1<<20), float64(peak)/(1<<20), float64(growth)/(1<<20), heapBound>>20)
	if growth > heapBound {
		t.Errorf("heap grew by %d bytes while validating a %d-byte capture; bound %d: the file is not streamed", growth, size, heapBound)
	}
}
