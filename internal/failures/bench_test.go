package failures

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"testing"
)

// Environment variables used by .ci/bench-detect.sh: the file to write
// (TestWriteBenchLog) or to scan (BenchmarkDetectorFile), the size to
// write, and one failure line in how many lines (0: a clean log).
const (
	benchFileEnv  = "CODEARTS_BENCH_LOG"
	benchSizeEnv  = "CODEARTS_BENCH_SIZE"
	benchFailsEnv = "CODEARTS_BENCH_FAIL_EVERY"
)

var (
	benchOnce  sync.Once
	benchClean []byte
	benchFail  []byte
)

// benchLogs builds the in-memory logs of the package benchmarks once: 16 MB
// keeps one benchmark run within seconds on a shared machine.
func benchLogs(tb testing.TB) (clean, failing []byte) {
	benchOnce.Do(func() {
		var c, f bytes.Buffer
		if err := writeBenchLog(&c, 16<<20, 0); err != nil {
			tb.Fatal(err)
		}
		if err := writeBenchLog(&f, 16<<20, 500); err != nil {
			tb.Fatal(err)
		}
		benchClean, benchFail = c.Bytes(), f.Bytes()
	})
	return benchClean, benchFail
}

// scanChunks feeds log to d in chunks of size n, as io.Copy does with a
// response body, and returns the result.
func scanChunks(d *Detector, log []byte, n int) Result {
	for len(log) > 0 {
		k := min(n, len(log))
		_, _ = d.Write(log[:k])
		log = log[k:]
	}
	return d.Result()
}

// BenchmarkDetectorChunks scans the clean log written in chunks of
// several sizes: an HTTP body is read in pieces of a TLS record (16 KiB)
// up to the copy buffer (256 KiB in internal/download).
func BenchmarkDetectorChunks(b *testing.B) {
	clean, _ := benchLogs(b)
	for _, size := range []int{4 << 10, 16 << 10, 256 << 10} {
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			benchmarkDetectorChunks(b, clean, nil, size)
		})
	}
}

func benchmarkDetector(b *testing.B, log []byte, extra []string) {
	benchmarkDetectorChunks(b, log, extra, 32<<10)
}

func benchmarkDetectorChunks(b *testing.B, log []byte, extra []string, chunk int) {
	m, err := NewMatcher(extra)
	if err != nil {
		b.Fatal(err)
	}
	d := NewDetector(m, Options{Context: -1})
	b.SetBytes(int64(len(log)))
	cpu0 := cpuTime()
	for b.Loop() {
		d.Reset()
		r := scanChunks(d, log, chunk)
		if r.Bytes != int64(len(log)) {
			b.Fatalf("scanned %d bytes, want %d", r.Bytes, len(log))
		}
	}
	// CPU time is steadier than wall time on a shared machine:
	// .ci/bench-detect.sh compares it with grep's user+sys time.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(log))*float64(b.N)/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}

// BenchmarkDetectorClean scans a successful log: the common case, where
// the pre-filter must keep the regexp away from almost every line.
func BenchmarkDetectorClean(b *testing.B) {
	clean, _ := benchLogs(b)
	benchmarkDetector(b, clean, nil)
}

// BenchmarkDetectorFailures scans a log with a failure line in about every
// 500 lines.
func BenchmarkDetectorFailures(b *testing.B) {
	_, failing := benchLogs(b)
	benchmarkDetector(b, failing, nil)
}

// BenchmarkDetectorUserPattern adds a user pattern: every line then goes
// through a regexp (slower, and accepted as such).
func BenchmarkDetectorUserPattern(b *testing.B) {
	_, failing := benchLogs(b)
	benchmarkDetector(b, failing, []string{`(?i)deploy(ment)? failed`})
}

// BenchmarkDetectorFile scans the file named by CODEARTS_BENCH_LOG (see
// .ci/bench-detect.sh), reading it in 32 KiB chunks as the download does.
func BenchmarkDetectorFile(b *testing.B) {
	path := os.Getenv(benchFileEnv)
	if path == "" {
		b.Skip(benchFileEnv + " is not set")
	}
	log, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkDetector(b, log, nil)
	m, _ := NewMatcher(nil)
	d := NewDetector(m, Options{Context: -1})
	r := scanChunks(d, log, 32<<10)
	b.Logf("failure lines: %d of %d lines", r.Matches, r.Lines)
}

// TestWriteBenchLog writes the synthetic log for .ci/bench-detect.sh when
// CODEARTS_BENCH_LOG is set; otherwise it only checks that the generator
// is deterministic.
func TestWriteBenchLog(t *testing.T) {
	path := os.Getenv(benchFileEnv)
	if path == "" {
		var a, b bytes.Buffer
		if err := writeBenchLog(&a, 1<<16, 100); err != nil {
			t.Fatal(err)
		}
		if err := writeBenchLog(&b, 1<<16, 100); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) || a.Len() < 1<<16 {
			t.Fatalf("generator not deterministic or too short: %d and %d bytes", a.Len(), b.Len())
		}
		return
	}
	size := int64(100 << 20)
	if s := os.Getenv(benchSizeEnv); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		size = n
	}
	failEvery := 0
	if s := os.Getenv(benchFailsEnv); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		failEvery = int(n)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeBenchLog(f, size, failEvery); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
