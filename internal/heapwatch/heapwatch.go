// Package heapwatch samples the Go heap while a piece of work runs, for the
// tests and benchmarks that show a download or an upload streams instead of
// holding whole files in memory.
package heapwatch

import (
	"runtime"
	"time"
)

// Start samples the heap in use (runtime.MemStats.HeapInuse) now and then
// every interval, until the returned function is called; that function stops
// the sampling and returns the largest value seen, in bytes.
func Start(every time.Duration) (peak func() uint64) {
	var highest uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			highest = max(highest, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(stop); <-done; return highest }
}
