package download

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/heapwatch"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/secret"
)

const (
	rec   = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"
	token = "download-test-token"
)

func setup(t testing.TB, retryMax int, specs ...fakecodearts.StageSpec) (*fakecodearts.Server, *codearts.Client) {
	t.Helper()
	fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: "/p", Token: token})
	fake.AddRecord(rec, specs...)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := codearts.New(codearts.Options{
		Endpoint: srv.URL + "/p", Auth: codearts.TokenAuth(token), UserAgent: "test",
		RetryMax: retryMax, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		StallTimeout: 200 * time.Millisecond,
		// The waits between attempts take no time.
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func matcher(t testing.TB) *failures.Matcher {
	m, err := failures.NewMatcher(nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func stagesOf(tasks ...string) []report.Stage {
	var out []report.Stage
	for _, t := range tasks {
		out = append(out, report.Stage{Task: t})
	}
	return out
}

func files(t *testing.T, dir string) []string {
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestRunSavesEveryStageAndScans(t *testing.T) {
	t.Parallel()
	logA := "[INFO] ok\n"
	logB := "[INFO] compiling\n[ERROR] Foo.java:[1,2] cannot find symbol\n[INFO] BUILD FAILURE\n"
	_, c := setup(t, 2,
		fakecodearts.StageSpec{Task: "stage1", Log: []byte(logA), Faults: []fakecodearts.Fault{{Truncate: true}}},
		fakecodearts.StageSpec{Task: "stage2", Log: []byte(logB)},
		fakecodearts.StageSpec{Task: "stage3", Log: []byte(logA), Faults: []fakecodearts.Fault{{Status: 404, Code: "CB.00060214", Msg: "not found"}}},
	)
	dir := t.TempDir()
	var done []string
	out, authErr := All(context.Background(), stagesOf("stage1", "stage2", "stage3"), Options{
		Source: c, RecordID: rec, Level: "INFO", Dir: dir, Concurrency: 2, Matcher: matcher(t),
		Detect: failures.Options{Context: 1, MaxLines: 10},
		Done:   func(s report.Stage) { done = append(done, s.Task) },
	})
	if authErr != nil {
		t.Fatal(authErr)
	}
	if len(done) != 3 {
		t.Errorf("progress called for %v", done)
	}
	if out[0].File != "stage1.log" || out[0].Bytes != int64(len(logA)) || out[0].Attempts != 2 || out[0].Scan.Matches != 0 {
		t.Errorf("stage1 = %+v", out[0])
	}
	if out[1].Scan.Matches != 2 || out[1].Scan.Lines != 3 || out[1].Scan.First.Number != 2 {
		t.Errorf("stage2 scan = %+v", out[1].Scan)
	}
	if out[2].Saved() || out[2].HTTPStatus() != 404 || out[2].ErrCode() != "CB.00060214" || out[2].ErrKind() != codearts.KindNotFound || out[2].Attempts != 1 {
		t.Errorf("stage3 = %+v", out[2])
	}
	if got := strings.Join(files(t, dir), ","); got != "stage1.log,stage2.log" {
		t.Errorf("files = %s", got)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "stage2.log"))
	if string(b) != logB {
		t.Errorf("stage2.log = %q", b)
	}
}

func TestFailedRetriesLeaveNoPartialFileAndKeepThePreviousOne(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("[INFO] a long line of a build log\n"), 5000)
	trunc := fakecodearts.Fault{Truncate: true}
	_, c := setup(t, 2,
		fakecodearts.StageSpec{Task: "stage1", Log: body, Faults: []fakecodearts.Fault{trunc, trunc, trunc}},
		fakecodearts.StageSpec{Task: "stage2", Log: body, Faults: []fakecodearts.Fault{{Reset: true}, {Reset: true}, {Reset: true}}},
	)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "stage2.log"), []byte("previous complete log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := All(context.Background(), stagesOf("stage1", "stage2"), Options{
		Source: c, RecordID: rec, Level: "INFO", Dir: dir, Concurrency: 2, Matcher: matcher(t),
	})
	for _, s := range out {
		if s.Saved() || s.Err == nil || s.Attempts != 3 {
			t.Errorf("%s = %+v, want an error after 3 attempts", s.Task, s)
		}
	}
	if got := strings.Join(files(t, dir), ","); got != "stage2.log" {
		t.Errorf("files = %s (no partial or temporary file may remain)", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "stage2.log")); string(b) != "previous complete log\n" {
		t.Errorf("the previous complete file was replaced by %d bytes", len(b))
	}
}

func TestAuthFailureCancelsTheRest(t *testing.T) {
	t.Parallel()
	var specs []fakecodearts.StageSpec
	for i := 1; i <= 6; i++ {
		specs = append(specs, fakecodearts.StageSpec{Task: fmt.Sprintf("stage%d", i), Log: []byte("x\n"),
			Faults: []fakecodearts.Fault{{Status: 401, Code: "APIGW.0307", Msg: "The token must be updated."}}})
	}
	fake, c := setup(t, 3, specs...)
	out, authErr := All(context.Background(), stagesOf("stage1", "stage2", "stage3", "stage4", "stage5", "stage6"), Options{
		Source: c, RecordID: rec, Level: "INFO", Dir: t.TempDir(), Concurrency: 1, Matcher: matcher(t),
	})
	if authErr == nil || !strings.Contains(authErr.Error(), "APIGW.0307") {
		t.Fatalf("authErr = %v", authErr)
	}
	if n := fake.Requests("stage1"); n != 1 {
		t.Errorf("401 retried: %d requests", n)
	}
	for i := 2; i <= 6; i++ {
		if n := fake.Requests(fmt.Sprintf("stage%d", i)); n != 0 {
			t.Errorf("stage%d requested %d times after the authentication failure", i, n)
		}
		if !errors.Is(out[i-1].Err, ErrAuth) || out[i-1].ErrKind() != codearts.KindAuth || out[i-1].HTTPStatus() != 0 {
			t.Errorf("stage%d err = %v (kind %v, HTTP %d), want not downloaded because of the authentication failure", i, out[i-1].Err, out[i-1].ErrKind(), out[i-1].HTTPStatus())
		}
	}
}

// TestConcurrencyIsBounded downloads 16 stages with concurrency 4. The
// first four requests wait at a barrier until four are being served at
// once, so the overlap has a lower bound without any timing; the fake's
// accounting gives the upper bound (each request is held a few
// milliseconds, so a fifth one in parallel would show), and every stage
// must be saved.
func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	const concurrency, stages = 4, 16
	fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: "/p", Token: token, Latency: 10 * time.Millisecond})
	var arrived atomic.Int32
	full := make(chan struct{})
	var specs []fakecodearts.StageSpec
	var tasks []string
	for i := 1; i <= stages; i++ {
		task := fmt.Sprintf("stage%d", i)
		tasks = append(tasks, task)
		body := []byte(task + " log\n")
		specs = append(specs, fakecodearts.StageSpec{Task: task, LogSize: int64(len(body)), LogGen: func(w io.Writer) error {
			if n := arrived.Add(1); n == concurrency {
				close(full)
			} else if n < concurrency {
				select {
				case <-full:
				case <-time.After(time.Minute): // a failure, not a measurement
					return errors.New("barrier: fewer than 4 downloads ever overlapped")
				}
			}
			_, err := w.Write(body)
			return err
		}})
	}
	fake.AddRecord(rec, specs...)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, _ := codearts.New(codearts.Options{Endpoint: srv.URL + "/p", Auth: codearts.TokenAuth(token), RetryMax: -1})
	var mu sync.Mutex
	order := []string{}
	dir := t.TempDir()
	out, _ := All(context.Background(), stagesOf(tasks...), Options{
		Source: c, RecordID: rec, Level: "INFO", Dir: dir, Concurrency: concurrency, Matcher: matcher(t),
		Done: func(s report.Stage) { mu.Lock(); order = append(order, s.Task); mu.Unlock() },
	})
	if m := fake.MaxInFlight(); m != concurrency {
		t.Errorf("max in flight = %d, want exactly the concurrency %d", m, concurrency)
	}
	for i, s := range out {
		if s.Task != tasks[i] {
			t.Fatalf("results not in the given order: %v", out)
		}
		b, err := os.ReadFile(filepath.Join(dir, s.Task+".log"))
		if !s.Saved() || err != nil || string(b) != s.Task+" log\n" {
			t.Errorf("%s: saved %v, err %v, file %q (%s)", s.Task, s.Saved(), err, b, s.Err)
		}
	}
	if len(out) != stages || len(order) != stages {
		t.Errorf("%d results, progress for %d stages; want %d", len(out), len(order), stages)
	}
}

// TestLargeLogStreams downloads a 64 MiB log and checks it byte-exact and
// that the heap stayed far below the log's size.
func TestLargeLogStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("large download")
	}
	const size = 64 << 20
	gen := fakecodearts.GeneratedLog(size)
	_, c := setup(t, 2, fakecodearts.StageSpec{Task: "stage1", LogGen: gen, LogSize: size})
	want := sha256.New()
	gen(want)
	dir := t.TempDir()
	peak := watchHeap(t)
	out, _ := All(context.Background(), stagesOf("stage1"), Options{
		Source: c, RecordID: rec, Level: "INFO", Dir: dir, Concurrency: 1, Matcher: matcher(t),
	})
	heap := peak()
	if !out[0].Saved() || out[0].Bytes != size {
		t.Fatalf("stage1 = %+v", out[0])
	}
	f, _ := os.Open(filepath.Join(dir, "stage1.log"))
	got := sha256.New()
	io.Copy(got, f)
	f.Close()
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Error("the saved log differs from the served one")
	}
	if heap > 32<<20 {
		t.Errorf("heap peaked at %d MiB for a %d MiB log: not streaming", heap>>20, size>>20)
	}
}

// watchHeap samples the live heap until the returned func is called, which
// returns the peak.
func watchHeap(t testing.TB) func() uint64 {
	runtime.GC()
	return heapwatch.Start(5 * time.Millisecond)
}

// BenchmarkDownload measures the whole download path (HTTP on loopback,
// file write, rename) with and without the failure scan, so the scan's cost
// on the end-to-end download can be read as a ratio:
//
//	go test -run '^$' -bench Download -benchtime 10x ./internal/download
func BenchmarkDownload(b *testing.B) {
	// The log is built once and served from memory, so the benchmark
	// measures the client, as with a remote server, not the fake's
	// generator competing for the same cores.
	const size = 128 << 20
	var log bytes.Buffer
	log.Grow(size)
	fakecodearts.GeneratedLog(size)(&log)
	_, c := setup(b, 2, fakecodearts.StageSpec{Task: "stage1", Log: log.Bytes()})
	for _, mode := range []string{"noscan", "scan", "scan+redact"} {
		var m *failures.Matcher
		var secrets *secret.Set
		if mode != "noscan" {
			m = matcher(b)
		}
		if mode == "scan+redact" {
			secrets = secret.New(token, strings.Repeat("MIIT", 500)) // IAM tokens run to thousands of characters
		}
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				out, _ := All(context.Background(), stagesOf("stage1"), Options{
					Source: c, RecordID: rec, Level: "INFO", Dir: dir, Concurrency: 1, Matcher: m, Secrets: secrets,
				})
				if !out[0].Saved() {
					b.Fatal(out[0].Err)
				}
			}
		})
	}
}

// TestAuthFailureKeepsEarlierErrors: a stage that failed for its own reason
// before the authentication failure keeps its error and code.
func TestAuthFailureKeepsEarlierErrors(t *testing.T) {
	t.Parallel()
	_, c := setup(t, 1,
		fakecodearts.StageSpec{Task: "stage1", Log: []byte("x\n"), Faults: []fakecodearts.Fault{{Status: 404, Code: "CB.00060214", Msg: "not found"}}},
		fakecodearts.StageSpec{Task: "stage2", Log: []byte("x\n"), Faults: []fakecodearts.Fault{{Status: 401, Code: "APIGW.0301", Msg: "bad token"}}},
		fakecodearts.StageSpec{Task: "stage3", Log: []byte("x\n")},
	)
	out, authErr := All(context.Background(), stagesOf("stage1", "stage2", "stage3"), Options{
		Source: c, RecordID: rec, Level: "INFO", Dir: t.TempDir(), Concurrency: 1, Matcher: matcher(t),
	})
	if authErr == nil {
		t.Fatal("no auth error")
	}
	if out[0].HTTPStatus() != 404 || out[0].ErrCode() != "CB.00060214" || errors.Is(out[0].Err, ErrAuth) {
		t.Errorf("stage1 lost its own error: %+v", out[0])
	}
	if !errors.Is(out[2].Err, ErrAuth) {
		t.Errorf("stage3 = %+v", out[2])
	}
}

// TestAuthFailureKeepsItsStatus: a 403 with the gateway's credential code
// stops the other stages like a 401, and is reported as the 403 it was.
func TestAuthFailureKeepsItsStatus(t *testing.T) {
	t.Parallel()
	_, c := setup(t, 1,
		fakecodearts.StageSpec{Task: "stage1", Log: []byte("x\n"), Faults: []fakecodearts.Fault{{Status: 403, Code: "APIGW.0301", Msg: "Incorrect IAM authentication information"}}},
		fakecodearts.StageSpec{Task: "stage2", Log: []byte("x\n")},
	)
	out, authErr := All(context.Background(), stagesOf("stage1", "stage2"), Options{
		Source: c, RecordID: rec, Level: "INFO", Dir: t.TempDir(), Concurrency: 1, Matcher: matcher(t),
	})
	if authErr == nil || codearts.KindOf(authErr) != codearts.KindAuth {
		t.Fatalf("authErr = %v, want the authentication failure", authErr)
	}
	if got := out[0].HTTPStatus(); got != 403 || out[0].ErrCode() != "APIGW.0301" {
		t.Errorf("stage1 reported as HTTP %d %s, want HTTP 403 APIGW.0301", got, out[0].ErrCode())
	}
	if !errors.Is(out[1].Err, ErrAuth) {
		t.Errorf("stage2 = %+v, want not downloaded", out[1])
	}
}

// BenchmarkDownloadFastLink is BenchmarkDownload over a 200 MiB/s link
// (faster than CI runners reach Huawei Cloud): when the network, not the
// CPU, bounds the download, the scan and the redaction run beside it.
//
//	go test -run '^$' -bench DownloadFastLink -benchtime 5x ./internal/download
func BenchmarkDownloadFastLink(b *testing.B) {
	const size = 64 << 20
	const rate = 200 << 20
	var log bytes.Buffer
	log.Grow(size)
	fakecodearts.GeneratedLog(size)(&log)
	data := log.Bytes()
	paced := func(w io.Writer) error {
		start := time.Now()
		for off := 0; off < len(data); off += 256 << 10 {
			end := min(off+256<<10, len(data))
			if _, err := w.Write(data[off:end]); err != nil {
				return err
			}
			if ahead := time.Duration(int64(end)*int64(time.Second)/rate) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		return nil
	}
	_, c := setup(b, 2, fakecodearts.StageSpec{Task: "stage1", LogGen: paced, LogSize: size})
	for _, mode := range []string{"noscan", "scan+redact"} {
		var m *failures.Matcher
		var secrets *secret.Set
		if mode != "noscan" {
			m, secrets = matcher(b), secret.New(token)
		}
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				out, _ := All(context.Background(), stagesOf("stage1"), Options{
					Source: c, RecordID: rec, Level: "INFO", Dir: dir, Concurrency: 1, Matcher: m, Secrets: secrets,
				})
				if !out[0].Saved() {
					b.Fatal(out[0].Err)
				}
			}
		})
	}
}

// TestEachFailureKeepsItsKind: every kind of failure reaches the stage's
// report with its kind, HTTP status and Huawei code as the server gave
// them, decided from the error itself (never from its text).
func TestEachFailureKeepsItsKind(t *testing.T) {
	t.Parallel()
	repeat := func(n int, f fakecodearts.Fault) []fakecodearts.Fault {
		out := make([]fakecodearts.Fault, n)
		for i := range out {
			out[i] = f
		}
		return out
	}
	const retryMax = 2
	tests := []struct {
		name     string
		faults   []fakecodearts.Fault
		timeout  time.Duration // for the whole download, 0: none
		kind     codearts.Kind
		status   int
		code     string
		attempts int
	}{
		{"401 APIGW.0301", []fakecodearts.Fault{{Status: 401, Code: "APIGW.0301", Msg: "Incorrect IAM authentication information"}}, 0, codearts.KindAuth, 401, "APIGW.0301", 1},
		{"403 APIGW.0301", []fakecodearts.Fault{{Status: 403, Code: "APIGW.0301", Msg: "Incorrect IAM authentication information"}}, 0, codearts.KindAuth, 403, "APIGW.0301", 1},
		{"403 APIGW.0310", []fakecodearts.Fault{{Status: 403, Code: "APIGW.0310", Msg: "The project is unavailable"}}, 0, codearts.KindForbidden, 403, "APIGW.0310", 1},
		{"404 CB.00060214", []fakecodearts.Fault{{Status: 404, Code: "CB.00060214", Msg: "URL not found"}}, 0, codearts.KindNotFound, 404, "CB.00060214", 1},
		{"503 after retries", repeat(retryMax+1, fakecodearts.Fault{Status: 503, Code: "CB.00060100", Msg: "network busy"}), 0, codearts.KindRemote, 503, "CB.00060100", retryMax + 1},
		{"throttled after retries", repeat(retryMax+1, fakecodearts.Fault{Status: 429, Code: "APIGW.0308", Msg: "too many requests", RetryAfter: "0"}), 0, codearts.KindThrottled, 429, "APIGW.0308", retryMax + 1},
		{"throttled as 400 after retries", repeat(retryMax+1, fakecodearts.Fault{Status: 400, Code: "CB.00060211", Msg: "too many requests"}), 0, codearts.KindThrottled, 400, "CB.00060211", retryMax + 1},
		{"reset after retries", repeat(retryMax+1, fakecodearts.Fault{Reset: true}), 0, codearts.KindTransport, 0, "", retryMax + 1},
		{"HTML page", []fakecodearts.Fault{{Status: 200, HTML: true, Msg: "Sign in"}}, 0, codearts.KindNotAPI, 200, "", 1},
		{"timeout", []fakecodearts.Fault{{Stall: time.Minute}}, 100 * time.Millisecond, codearts.KindTimeout, 0, "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, c := setup(t, retryMax,
				fakecodearts.StageSpec{Task: "stage1", Log: []byte("x\n"), Faults: tc.faults},
			)
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			out, _ := All(ctx, stagesOf("stage1"), Options{
				Source: c, RecordID: rec, Level: "INFO", Dir: t.TempDir(), Concurrency: 1, Matcher: matcher(t),
			})
			s := out[0]
			if s.Saved() || s.Err == nil {
				t.Fatalf("stage saved or without error: %+v", s)
			}
			if s.ErrKind() != tc.kind || s.HTTPStatus() != tc.status || s.ErrCode() != tc.code {
				t.Errorf("kind %v, HTTP %d, code %q; want %v, HTTP %d, code %q (err: %v)", s.ErrKind(), s.HTTPStatus(), s.ErrCode(), tc.kind, tc.status, tc.code, s.Err)
			}
			if s.Attempts != tc.attempts {
				t.Errorf("%d attempts, want %d", s.Attempts, tc.attempts)
			}
			if got := errors.Is(s.Err, context.DeadlineExceeded); got != (tc.kind == codearts.KindTimeout) {
				t.Errorf("errors.Is(err, context.DeadlineExceeded) = %v for %v", got, s.Err)
			}
		})
	}
}
