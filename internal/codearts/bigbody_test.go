package codearts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"strconv"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// hashSink hashes the body and samples the heap every 8 MiB.
type hashSink struct {
	sum     string
	maxHeap uint64
}

func (s *hashSink) sink(body io.Reader) error {
	h := sha256.New()
	buf := make([]byte, 32<<10)
	var since int64
	for {
		n, err := body.Read(buf)
		h.Write(buf[:n])
		since += int64(n)
		if since >= 8<<20 {
			since = 0
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			s.maxHeap = max(s.maxHeap, ms.HeapAlloc)
		}
		if err == io.EOF {
			s.sum = hex.EncodeToString(h.Sum(nil))
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestLargeLogStreamsWithFlatMemory downloads a generated log much larger
// than the heap may grow, through a truncation and a retry, and checks it
// byte for byte. The heap is sampled during the download.
//
// Not parallel: the heap is shared with the other tests.
func TestLargeLogStreamsWithFlatMemory(t *testing.T) {
	const size = 128 << 20
	if testing.Short() {
		t.Skip("128 MiB download")
	}
	e := newEnv(t, nil, fakecodearts.StageSpec{LogGen: fakecodearts.GeneratedLog(size), LogSize: size, Faults: []fakecodearts.Fault{{Truncate: true}}})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var s hashSink
	attempts, err := e.client.TaskLog(context.Background(), testRecord, "stage1", "INFO", s.sink)
	if err != nil || attempts != 2 {
		t.Fatalf("attempts = %d, err = %v", attempts, err)
	}
	if want := fakecodearts.GeneratedLogSHA256(size); s.sum != want {
		t.Errorf("sha256 = %s, want %s", s.sum, want)
	}
	// Allow 32 MiB for the fake, buffers and GC slack: far below the
	// 128 MiB a buffered body would take.
	if grew := int64(s.maxHeap) - int64(before.HeapAlloc); grew > 32<<20 {
		t.Errorf("heap grew by %d MiB while streaming", grew>>20)
	}
}

// BenchmarkTaskLog measures a generated log's download over loopback (fake
// server and client in one process, so the figure is a floor for the
// client's own cost). The 1 GiB case is the size the product promises to
// stream with flat memory; run it with
//
//	go test -run '^$' -bench TaskLog -benchmem ./internal/codearts/
func BenchmarkTaskLog(b *testing.B) {
	for _, tc := range []struct {
		size int64
		gzip bool
	}{{64 << 20, false}, {64 << 20, true}, {1 << 30, false}} {
		name := strconv.FormatInt(tc.size>>20, 10) + "MiB"
		if tc.gzip {
			name += "-gzip"
		}
		b.Run(name, func(b *testing.B) {
			var faults []fakecodearts.Fault
			if tc.gzip {
				faults = make([]fakecodearts.Fault, 1000) // more than b.Loop will run
				for i := range faults {
					faults[i] = fakecodearts.Fault{Gzip: true}
				}
			}
			e := newEnv(b, nil, fakecodearts.StageSpec{LogGen: fakecodearts.GeneratedLog(tc.size), LogSize: tc.size, Faults: faults})
			b.SetBytes(tc.size)
			var maxHeap uint64
			for b.Loop() {
				var s hashSink
				if _, err := e.client.TaskLog(context.Background(), testRecord, "stage1", "INFO", s.sink); err != nil {
					b.Fatal(err)
				}
				maxHeap = max(maxHeap, s.maxHeap)
			}
			b.ReportMetric(float64(maxHeap)/(1<<20), "peak-heap-MiB")
		})
	}
}
