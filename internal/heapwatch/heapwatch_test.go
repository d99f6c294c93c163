package heapwatch

import (
	"runtime"
	"testing"
	"time"
)

// TestPeakSeesTheHeapAtStart: the first sample is taken at once, so a heap
// that is large when the watch starts is reported even if no tick comes.
func TestPeakSeesTheHeapAtStart(t *testing.T) {
	const size = 64 << 20
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(i)
	}
	peak := Start(time.Hour)
	got := peak()
	runtime.KeepAlive(buf)
	if got < size {
		t.Errorf("peak = %d bytes while %d were in use", got, size)
	}
}
