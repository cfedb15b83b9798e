package traffic

import (
	"runtime"
	"sync"
	"time"
)

// sampleHeap runs f while sampling the heap in use every 10ms, and returns the heap in use when f
// started (after a collection) and the highest sample. Both the memory test and the benchmark
// read drift's peak this way, so their figures compare.
func sampleHeap(f func()) (before, peak uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	before, peak = m.HeapInuse, m.HeapInuse
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
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
	})
	f()
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&m)
	return before, max(peak, m.HeapInuse)
}
