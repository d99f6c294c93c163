package artifact

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// writeTree creates files (slash-separated names) under a new folder.
func writeTree(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// logLines returns n bytes of log-like text, varied enough that deflate
// does not shrink it to nothing.
func logLines(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	words := []string{"[INFO]", "[ERROR]", "Downloading", "Compiling", "module", "com.example.app",
		"BUILD", "SUCCESS", "npm", "warn", "deprecated", "src/main/java/App.java", "tests", "passed"}
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, "2026-11-27T08:%02d:%02d.%03dZ", r.IntN(60), r.IntN(60), r.IntN(1000))
		for range 3 + r.IntN(8) {
			b.WriteByte(' ')
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "%x", r.Uint32())
			} else {
				b.WriteString(words[r.IntN(len(words))])
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()[:n]
}

// testSegment is a small segment size, so that multi-segment files stay
// cheap under the race detector.
const testSegment = 64 << 10

// recorder keeps what an upload reports (masks, warnings, retries) and
// counts the waits between attempts, which it makes instant.
type recorder struct {
	mu      sync.Mutex
	masks   []string
	warns   []string
	retries []retryCall
	slept   time.Duration
}

// sleep is Options.Sleep: it waits on no timer.
func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.slept += d
	return nil
}

// retryCall is one call of Options.OnRetry.
type retryCall struct {
	op      string
	attempt int
	err     error
	wait    time.Duration
}

// options are options for tests: small waits, none of them on a real
// timer, masks, warnings and retries kept.
func (r *recorder) options(name, dir string) Options {
	return Options{
		Name:         name,
		Dir:          dir,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Sleep:        r.sleep,
		AddMask: func(s string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.masks = append(r.masks, s)
		},
		Warnf: func(format string, args ...any) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.warns = append(r.warns, fmt.Sprintf(format, args...))
		},
		OnRetry: func(op string, attempt int, err error, wait time.Duration) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.retries = append(r.retries, retryCall{op, attempt, err, wait})
		},
	}
}

// retried returns the OnRetry calls as "op #attempt".
func (r *recorder) retried() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.retries {
		out = append(out, fmt.Sprintf("%s #%d", c.op, c.attempt))
	}
	return out
}

// readZip returns the entries of a zip, checking every CRC on the way.
func readZip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("read zip: %v", err)
	}
	got := map[string][]byte{}
	for _, f := range zr.File {
		if f.Method != zip.Deflate {
			t.Errorf("%s: method %d, want deflate", f.Name, f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(rc) // checks the CRC and size at EOF
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		if _, dup := got[f.Name]; dup {
			t.Errorf("duplicate entry %s", f.Name)
		}
		got[f.Name] = b
	}
	return got
}

func TestUploadRoundTrip(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"summary.md":                  []byte("# Build\n\nstage1 failed\n"),
		"stage1.log":                  logLines(1, 200_000),
		"empty.log":                   {},
		"nested/deeper/stage2.log":    logLines(2, 3000),
		"nested/编译 stage ü.log":       []byte("non-ASCII name\n"),
		"big/stage3.log":              logLines(3, 2*testSegment+12345), // three segments
		"big/exactly-one-segment.log": logLines(4, testSegment),
	}
	dir := writeTree(t, files)
	f := newFake(t)
	var rec recorder
	o := rec.options("codearts-build-logs-42", dir)
	masked := o.AddMask
	putsBeforeMask := -1
	o.AddMask = func(s string) {
		f.mu.Lock()
		putsBeforeMask = max(putsBeforeMask, f.blockPuts+f.listed)
		f.mu.Unlock()
		masked(s)
	}
	o.BlockSize = 32 << 10
	o.Workers = 3
	o.zip.segSize = testSegment
	o.UserAgent = "codearts-logs/test"
	res, err := Upload(context.Background(), f.service(), o)
	f.check()
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listed != 1 {
		t.Errorf("block list put %d times, want 1", f.listed)
	}
	if got := readZip(t, f.committed); !mapsEqual(got, files) {
		t.Errorf("zip entries %v, want %v", keys(got), keys(files))
	}
	sum := sha256.Sum256(f.committed)
	want := Result{
		ID: 987654321012, Name: "codearts-build-logs-42", Size: int64(len(f.committed)),
		SHA256: hex.EncodeToString(sum[:]), Files: len(files),
		URL: "https://github.example/octo/repo/actions/runs/123/artifacts/987654321012",
	}
	if res != want {
		t.Errorf("result\n got %+v\nwant %+v", res, want)
	}
	// Several blocks, all full but the last, in order.
	if len(f.blockIDs) < 3 {
		t.Errorf("%d blocks, want several", len(f.blockIDs))
	}
	for i, id := range f.blockIDs {
		if id != blockID(i) {
			t.Errorf("block %d has id %q, want %q", i, id, blockID(i))
		}
		if n := len(f.blocks[id]); n > o.BlockSize || (i < len(f.blockIDs)-1 && n != o.BlockSize) {
			t.Errorf("block %d has %d bytes (block size %d)", i, n, o.BlockSize)
		}
	}
	if len(f.finalizes) != 1 {
		t.Fatalf("%d FinalizeArtifact calls", len(f.finalizes))
	}
	fin := f.finalizes[0]
	wantFin := map[string]any{
		"workflow_run_backend_id":     "ce7f54c7-61c7-4aae-887f-30da475f5f1a",
		"workflow_job_run_backend_id": "ca395085-040a-526b-2ce8-bdc85f692774",
		"name":                        "codearts-build-logs-42",
		"size":                        fmt.Sprint(len(f.committed)),
		"hash":                        "sha256:" + hex.EncodeToString(sum[:]),
	}
	if !mapsEqualAny(fin, wantFin) {
		t.Errorf("FinalizeArtifact body %v, want %v", fin, wantFin)
	}
	wantCreate := map[string]any{
		"workflow_run_backend_id":     "ce7f54c7-61c7-4aae-887f-30da475f5f1a",
		"workflow_job_run_backend_id": "ca395085-040a-526b-2ce8-bdc85f692774",
		"name":                        "codearts-build-logs-42",
		"version":                     float64(4),
	}
	if len(f.creates) != 1 || !mapsEqualAny(f.creates[0], wantCreate) {
		t.Errorf("CreateArtifact bodies %v, want [%v]", f.creates, wantCreate)
	}
	if !slices.Contains(rec.masks, fakeSig) || !slices.Contains(rec.masks, fakeSigPlain) {
		t.Errorf("masks %q, want the sig value raw and decoded", rec.masks)
	}
	if len(rec.warns) != 0 {
		t.Errorf("warnings %q", rec.warns)
	}
	if putsBeforeMask != 0 {
		t.Errorf("%d blob requests before the sig was masked", putsBeforeMask)
	}
}

func TestUploadTwirpTruncatedAnswerRetried(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
	f := newFake(t)
	f.truncate["CreateArtifact"] = 1
	f.truncate["FinalizeArtifact"] = 2
	var rec recorder
	res, err := Upload(context.Background(), f.service(), rec.options("logs", dir))
	f.check()
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls["CreateArtifact"] != 2 || f.calls["FinalizeArtifact"] != 3 || res.ID != 987654321012 {
		t.Errorf("calls %v, id %d; want truncated answers retried", f.calls, res.ID)
	}
}

func TestUploadTwirpTransportError(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
	f := newFake(t)
	svc := f.service()
	f.srv.Close()
	var rec recorder
	o := rec.options("logs", dir)
	o.RetryMax = 1
	_, err := Upload(context.Background(), svc, o)
	if err == nil || !strings.Contains(err.Error(), "CreateArtifact") || !strings.Contains(err.Error(), "connect") {
		t.Fatalf("error %v, want a CreateArtifact connection error", err)
	}
	if strings.Contains(err.Error(), svc.RuntimeToken) {
		t.Errorf("error %q contains the runtime token", err)
	}
	// A refused connection is not silent while it is retried.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.retries) != 1 || rec.retries[0].op != "CreateArtifact" || rec.retries[0].attempt != 1 ||
		rec.retries[0].err == nil || !strings.Contains(rec.retries[0].err.Error(), "connect") {
		t.Fatalf("OnRetry calls %+v, want CreateArtifact #1 with the connection error", rec.retries)
	}
	if msg := rec.retries[0].err.Error(); strings.Contains(msg, svc.RuntimeToken) {
		t.Errorf("OnRetry error %q contains the runtime token", msg)
	}
}

// TestZipMemoryBounded checks that the zip is streamed: zipping 16 MiB
// allocates well under half of it. Not parallel: it reads process-wide
// allocation counters.
func TestZipMemoryBounded(t *testing.T) {
	chunk := logLines(8, 1<<20)
	data := bytes.Repeat(chunk, 8) // repeats too far apart for deflate's window
	dir := writeTree(t, map[string][]byte{"a.log": data, "c/d.log": data})
	files, err := collectFiles(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out countWriter
	out.w = io.Discard
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// Stored blocks (level 0): the pipeline, not deflate, is under test, and
	// the zip is as big as the input, so buffering it would show.
	if err := writeZip(context.Background(), &out, files, zipConfig{workers: 2, segSize: 1 << 20, level: 0}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	if limit := uint64(7 << 20); alloc > limit {
		t.Errorf("zipping %d MiB allocated %.1f MiB, want under %d MiB", 2*len(data)>>20, float64(alloc)/(1<<20), limit>>20)
	}
	if out.n < int64(2*len(data)) {
		t.Errorf("stored zip of %d bytes for 2×%d bytes of logs", out.n, len(data))
	}
	t.Logf("16 MiB -> %d-byte zip, %.1f MiB allocated", out.n, float64(alloc)/(1<<20))
}

func TestZipEntries(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{
		"a.log":        []byte("a\n"),
		"sub/b.log":    []byte("b\n"),
		"sub/c/d.log":  []byte("d\n"),
		"sub/empty/.x": nil,
	})
	if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// No link is followed: not one to a file inside the folder, not one to
	// a secret outside it, not one to a folder (which could loop).
	secret := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(secret, []byte("TOKEN=secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"link.log":    filepath.Join(dir, "a.log"),
		"environ.log": secret,
		"sub/env.log": secret,
		"loop":        dir,
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	mod := time.Date(2026, 11, 27, 8, 30, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "a.log"), mod, mod); err != nil {
		t.Fatal(err)
	}
	files, err := collectFiles(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeZip(context.Background(), &buf, files, zipConfig{workers: 2, segSize: testSegment, level: compressionLevel}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "a.log" {
			if !f.Modified.Equal(mod) {
				t.Errorf("a.log modified %v, want %v", f.Modified, mod)
			}
			if f.Mode().Perm() != 0o644 {
				t.Errorf("a.log mode %v", f.Mode())
			}
		}
	}
	want := []string{"a.log", "sub/b.log", "sub/c/d.log", "sub/empty/.x"}
	if !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q (regular files only, relative, forward slashes, no link followed)", names, want)
	}
	for name, data := range readZip(t, buf.Bytes()) {
		if strings.Contains(string(data), "TOKEN") {
			t.Errorf("%s holds the linked secret", name)
		}
	}
}

// TestZipRefusesSwappedFile: a file replaced after it was listed (by a link
// to a secret, or by another file) is not read; the zip fails naming it.
func TestZipRefusesSwappedFile(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(secret, []byte("TOKEN=secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		swap func(path string) error
	}{
		{"link", func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return os.Symlink(secret, p)
		}},
		{"other file", func(p string) error {
			if err := os.WriteFile(p+".new", []byte("TOKEN=other\n"), 0o644); err != nil {
				return err
			}
			return os.Rename(p+".new", p)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n"), "b.log": []byte("b\n")})
			files, err := collectFiles(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.swap(filepath.Join(dir, "b.log")); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			err = writeZip(context.Background(), &buf, files, zipConfig{workers: 1, segSize: testSegment, level: 1, tempDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), "b.log") || !strings.Contains(err.Error(), "changed") {
				t.Fatalf("error %v, want b.log refused as changed", err)
			}
			if strings.Contains(buf.String(), "TOKEN") {
				t.Error("the swapped-in content reached the zip")
			}
		})
	}
}

// TestUploadFiles: with Options.Files only the named files are zipped;
// a name that is a link, under a link, outside the folder or not a regular
// file is an error naming it, before any request.
func TestUploadFiles(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{
		"stage1.log":     []byte("one\n"),
		"sub/stage2.log": []byte("two\n"),
		"old.log":        []byte("from an earlier run\n"),
	})
	secret := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(secret, []byte("TOKEN=secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "env.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(secret), filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "stage1.log"), filepath.Join(dir, "inside.log")); err != nil {
		t.Fatal(err)
	}

	f := newFake(t)
	var rec recorder
	o := rec.options("logs", dir)
	o.Files = []string{"stage1.log", filepath.Join("sub", "stage2.log"), "./sub/stage2.log"}
	res, err := Upload(context.Background(), f.service(), o)
	f.check()
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	got := readZip(t, f.committed)
	want := map[string][]byte{"stage1.log": []byte("one\n"), "sub/stage2.log": []byte("two\n")}
	if !mapsEqual(got, want) || res.Files != 2 {
		t.Errorf("zip holds %q (%d files), want only %q", keys(got), res.Files, keys(want))
	}

	bad := []struct{ name, why string }{
		{"env.log", "symbolic link"},
		{"inside.log", "symbolic link"},
		{"linkdir/environ", "linkdir is a symbolic link"},
		{"../" + filepath.Base(dir) + "/stage1.log", ".."},
		{"sub/../stage1.log", ".."},
		{secret, "not a path relative"},
		{"sub", "not a regular file"},
		{"stage1.log/x", "not a folder"},
		{"missing.log", "no such file"},
		{"", "empty"},
	}
	for _, tc := range bad {
		f := newFake(t)
		o := rec.options("logs", dir)
		o.Files = []string{"stage1.log", tc.name}
		_, err := Upload(context.Background(), f.service(), o)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.name)) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("Files %q: error %v, want one naming it (%s)", tc.name, err, tc.why)
		}
		f.noCalls(t, fmt.Sprintf("Files %q", tc.name))
	}

	o = rec.options("logs", dir)
	o.Files = []string{}
	if _, err := Upload(context.Background(), newFake(t).service(), o); !errors.Is(err, ErrNoFiles) {
		t.Errorf("empty Files: error %v, want ErrNoFiles", err)
	}
}

func TestUploadRetries(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"stage1.log": logLines(5, 100_000)})
	f := newFake(t)
	f.twirpFail["CreateArtifact"] = []int{http.StatusServiceUnavailable, http.StatusTooManyRequests}
	f.twirpFail["FinalizeArtifact"] = []int{http.StatusBadGateway}
	f.retryAfter = "0"
	f.blockFail = 2
	var rec recorder
	o := rec.options("logs", dir)
	o.BlockSize = 16 << 10
	res, err := Upload(context.Background(), f.service(), o)
	f.check()
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls["CreateArtifact"] != 3 || f.calls["FinalizeArtifact"] != 2 {
		t.Errorf("calls %v, want 3 CreateArtifact and 2 FinalizeArtifact", f.calls)
	}
	if f.blockPuts != len(f.blockIDs)+2 {
		t.Errorf("%d block PUTs for %d blocks, want 2 retries", f.blockPuts, len(f.blockIDs))
	}
	if got := readZip(t, f.committed); len(got["stage1.log"]) != 100_000 {
		t.Errorf("stage1.log has %d bytes after retries", len(got["stage1.log"]))
	}
	// Every retry is reported before its wait, with why.
	wantRetries := []string{"CreateArtifact #1", "CreateArtifact #2", "upload block 0 #1", "upload block 0 #2", "FinalizeArtifact #1"}
	if got := rec.retried(); !slices.Equal(got, wantRetries) {
		t.Errorf("OnRetry calls %q, want %q", got, wantRetries)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, want := range []string{"HTTP 503", "HTTP 429", "HTTP 500", "HTTP 500", "HTTP 502"} {
		if i >= len(rec.retries) {
			break
		}
		c := rec.retries[i]
		var se *Error
		if !errors.As(c.err, &se) || !strings.Contains(c.err.Error(), c.op+": "+want) || c.wait < 0 || c.wait > o.RetryWaitMax {
			t.Errorf("OnRetry %s #%d: err %v, wait %v; want an *Error with %s and a wait up to %v", c.op, c.attempt, c.err, c.wait, want, o.RetryWaitMax)
		}
	}
	if res.Size != int64(len(f.committed)) {
		t.Errorf("size %d, committed %d", res.Size, len(f.committed))
	}
}

func TestUploadServiceErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		statuses   []int
		body       string
		answer     string // CreateArtifact's 200 answer
		wantCalls  int
		wantStatus int
		wantUsage  bool
		wantText   string
	}{
		{name: "unauthorized", method: "CreateArtifact", statuses: []int{401},
			body: `{"code":"unauthenticated","msg":"bad token"}`, wantCalls: 1, wantStatus: 401, wantText: "HTTP 401 unauthenticated: bad token (the runtime token was rejected)"},
		{name: "already exists", method: "CreateArtifact", statuses: []int{409},
			body: `{"code":"already_exists","msg":"an artifact with this name already exists on the workflow run"}`, wantCalls: 1, wantStatus: 409, wantText: "choose another artifact-name"},
		{name: "quota on 403", method: "CreateArtifact", statuses: []int{403},
			body: `{"code":"permission_denied","msg":"insufficient usage to create artifact"}`, wantCalls: 1, wantStatus: 403, wantUsage: true, wantText: "quota"},
		{name: "quota on 500 is not retried", method: "CreateArtifact", statuses: []int{500, 500},
			body: `{"code":"internal","msg":"Artifact storage quota has been hit"}`, wantCalls: 1, wantStatus: 500, wantUsage: true},
		{name: "retries exhausted", method: "CreateArtifact", statuses: []int{503, 503, 503, 503},
			wantCalls: 3, wantStatus: 503, wantText: "CreateArtifact: HTTP 503 unavailable: try again"},
		{name: "not implemented is not retried", method: "FinalizeArtifact", statuses: []int{501},
			body: `{"code":"unimplemented","msg":"no"}`, wantCalls: 1, wantStatus: 501},
		{name: "ok false", method: "CreateArtifact", answer: `{"ok":false}`, wantCalls: 1, wantText: "CreateArtifact: the service answered ok=false"},
		{name: "no ok", method: "CreateArtifact", answer: `{"signed_upload_url":"http://x/?sig=1"}`, wantCalls: 1, wantText: "ok=false"},
		{name: "finalize ok false", method: "FinalizeArtifact", wantCalls: 1, wantText: "FinalizeArtifact: the service answered ok=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
			f := newFake(t)
			f.twirpFail[tt.method] = tt.statuses
			f.twirpBody[tt.method] = tt.body
			f.createAnswer = tt.answer
			if tt.name == "finalize ok false" {
				f.finalizeAnswr = `{"ok":false,"artifact_id":"1"}`
			}
			var rec recorder
			o := rec.options("logs", dir)
			o.RetryMax = 2
			_, err := Upload(context.Background(), f.service(), o)
			f.check()
			if err == nil {
				t.Fatal("Upload succeeded")
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if se.Op != tt.method || se.Status != tt.wantStatus || se.Usage != tt.wantUsage {
				t.Errorf("error %+v, want op %s status %d usage %v", se, tt.method, tt.wantStatus, tt.wantUsage)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not say %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), f.token) {
				t.Errorf("error %q contains the runtime token", err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if got := f.calls[tt.method]; got != tt.wantCalls {
				t.Errorf("%d %s calls, want %d", got, tt.method, tt.wantCalls)
			}
			if tt.method == "CreateArtifact" && f.blockPuts != 0 {
				t.Errorf("%d block PUTs after CreateArtifact failed", f.blockPuts)
			}
		})
	}
}

// TestUploadErrorKeepsCause: when the upload gives up, its error says what
// the service answered last, how many attempts were made and why it
// stopped; it does not wait for a retry that the deadline would cut short.
// The clock moves 4 minutes with each failed attempt, the deadline is 10
// minutes away.
func TestUploadErrorKeepsCause(t *testing.T) {
	t.Parallel()
	const diskOnFire = `<?xml version="1.0" encoding="utf-8"?><Error><Code>InternalError</Code><Message>disk on fire
RequestId:7</Message></Error>`
	tests := []struct {
		name     string
		twirp    []int // CreateArtifact statuses before success
		body     string
		blockErr *blockAnswer
		slow     bool // each failure takes 4 minutes
		long     bool // retry waits of an hour
		retryMax int
		want     string
		puts     int // block PUTs
		retries  []string
	}{
		{name: "twirp 500 until the deadline", twirp: []int{500, 500, 500, 500, 500}, body: `{"code":"internal","msg":"boom"}`, slow: true,
			want:    `create artifact "logs": CreateArtifact: HTTP 500 internal: boom (3 attempts; the next retry would pass the deadline)`,
			retries: []string{"CreateArtifact #1", "CreateArtifact #2"}},
		{name: "block 3 500 until the deadline", blockErr: &blockAnswer{from: 3, status: 500, body: diskOnFire}, slow: true,
			want:    `upload artifact "logs": upload block 3: HTTP 500 InternalError: disk on fire (3 attempts; the next retry would pass the deadline)`,
			puts:    6,
			retries: []string{"upload block 3 #1", "upload block 3 #2"}},
		{name: "a wait longer than the deadline", blockErr: &blockAnswer{status: 500, body: diskOnFire}, long: true,
			want: `upload artifact "logs": upload block 0: HTTP 500 InternalError: disk on fire (1 attempt; the next retry would pass the deadline)`,
			puts: 1},
		{name: "retries exhausted", blockErr: &blockAnswer{from: 1, status: 500, body: diskOnFire}, retryMax: 2,
			want:    `upload artifact "logs": upload block 1: HTTP 500 InternalError: disk on fire (3 attempts)`,
			puts:    4,
			retries: []string{"upload block 1 #1", "upload block 1 #2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string][]byte{"a.log": logLines(9, 60_000)})
			f := newFake(t)
			f.twirpFail["CreateArtifact"] = tt.twirp
			f.twirpBody["CreateArtifact"] = tt.body
			f.blockErr = tt.blockErr
			start := time.Now()
			var elapsed atomic.Int64
			if tt.slow {
				f.onFail = func() { elapsed.Add(int64(4 * time.Minute)) }
			}
			var rec recorder
			o := rec.options("logs", dir)
			o.BlockSize = 4 << 10
			o.RetryMax = tt.retryMax
			o.Now = func() time.Time { return time.Now().Add(time.Duration(elapsed.Load())) }
			if tt.long {
				o.RetryWaitMin, o.RetryWaitMax = time.Hour, time.Hour
			}
			ctx, cancel := context.WithDeadline(context.Background(), start.Add(10*time.Minute))
			defer cancel()
			_, err := Upload(ctx, f.service(), o)
			f.check()
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, tt.want)
			}
			var se *Error
			if !errors.As(err, &se) || se.Status == 0 {
				t.Errorf("error %v does not carry the service's *Error", err)
			}
			if deadline := strings.Contains(tt.want, "deadline"); errors.Is(err, context.DeadlineExceeded) != deadline {
				t.Errorf("errors.Is(err, context.DeadlineExceeded) = %v, want %v", !deadline, deadline)
			}
			if got := rec.retried(); !slices.Equal(got, tt.retries) {
				t.Errorf("OnRetry calls %q, want %q", got, tt.retries)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.blockPuts != tt.puts || f.listed != 0 || len(f.finalizes) != 0 {
				t.Errorf("%d block PUTs, %d block lists, %d finalizes; want %d, 0, 0", f.blockPuts, f.listed, len(f.finalizes), tt.puts)
			}
		})
	}
}

// TestUploadErrorTextIsCleaned: the service's text reaches the error as
// one line without control or bidirectional characters, cut, and without
// the upload's secrets in any encoding the service could echo them.
func TestUploadErrorTextIsCleaned(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
	echoes := []string{fakeSig, fakeSigPlain, "aB%2bc%2fd%3D%3d", `aB+c\/d==`, `aB\u002bc/d==`}

	t.Run("twirp", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.twirpFail["CreateArtifact"] = []int{http.StatusForbidden}
		msg, _ := json.Marshal("denied \x1b]0;owned\x07for \u202e" + f.token + " " + strings.Repeat("x", 1000))
		f.twirpBody["CreateArtifact"] = `{"code":"permission\u001b[2J_denied","msg":` + string(msg) + `}`
		var rec recorder
		_, err := Upload(context.Background(), f.service(), rec.options("logs", dir))
		f.check()
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("error %v is not an *Error", err)
		}
		if se.Code != "permission_denied" || !strings.HasPrefix(se.Message, "denied for *** xxx") || !strings.HasSuffix(se.Message, "x…") ||
			utf8.RuneCountInString(se.Message) != maxMessageLen {
			t.Errorf("code %q, message %q: not cleaned, scrubbed and cut to %d runes", se.Code, se.Message, maxMessageLen)
		}
		if strings.Contains(err.Error(), f.token) || strings.ContainsAny(err.Error(), "\x1b\x07\u202e\n") {
			t.Errorf("error %q", err)
		}
	})
	t.Run("blob", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.blockErr = &blockAnswer{status: http.StatusForbidden, body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>signature ` +
			strings.Join(echoes, " ; ") + ` &#x202e;did not match</Message></Error>`}
		var rec recorder
		_, err := Upload(context.Background(), f.service(), rec.options("logs", dir))
		f.check()
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("error %v is not an *Error", err)
		}
		if want := "signature *** ; *** ; *** ; *** ; *** did not match"; se.Message != want {
			t.Errorf("message %q, want %q", se.Message, want)
		}
	})
}

func TestUploadBlobErrorHidesURL(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"a.log": logLines(6, 50_000)})
	f := newFake(t)
	f.blockStatus = http.StatusForbidden
	var rec recorder
	o := rec.options("logs", dir)
	o.BlockSize = 4 << 10
	_, err := Upload(context.Background(), f.service(), o)
	f.check()
	var se *Error
	if !errors.As(err, &se) || se.Op != "upload block 0" || se.Status != 403 || se.Code != "AuthenticationFailed" {
		t.Fatalf("error %v (%+v), want upload block 0 HTTP 403 AuthenticationFailed", err, se)
	}
	if want := "Server failed to authenticate the request."; se.Message != want {
		t.Errorf("message %q, want %q", se.Message, want)
	}
	for _, secret := range []string{fakeSig, fakeSigPlain, fakeBlobPath, f.srv.URL} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blockPuts != 1 || len(f.finalizes) != 0 || f.listed != 0 {
		t.Errorf("%d block PUTs, %d block lists, %d finalizes after a 403; want 1, 0, 0", f.blockPuts, f.listed, len(f.finalizes))
	}
}

func TestUploadTransportErrorHidesURL(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
	f := newFake(t)
	// The signed URL points at a closed port.
	closed := newFake(t)
	closed.srv.Close()
	f.createAnswer = `{"ok":true,"signed_upload_url":"` + closed.srv.URL + fakeBlobPath + "?" + fakeQuery + `"}`
	var rec recorder
	o := rec.options("logs", dir)
	o.RetryMax = 1
	_, err := Upload(context.Background(), f.service(), o)
	f.check()
	if err == nil {
		t.Fatal("Upload succeeded")
	}
	if !strings.Contains(err.Error(), "upload block 0") {
		t.Errorf("error %q does not name the block", err)
	}
	for _, secret := range []string{fakeSig, fakeSigPlain, "sig="} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains %q", err, secret)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.retries) != 1 || rec.retries[0].op != "upload block 0" || rec.retries[0].attempt != 1 || rec.retries[0].err == nil {
		t.Fatalf("OnRetry calls %+v, want upload block 0 #1", rec.retries)
	}
	msg := rec.retries[0].err.Error()
	for _, secret := range []string{fakeSig, fakeSigPlain, "sig=", fakeBlobPath} {
		if strings.Contains(msg, secret) {
			t.Errorf("OnRetry error %q contains %q", msg, secret)
		}
	}
}

func TestUploadArtifactIDForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, answer string
		want         int64
		wantErr      string
	}{
		{name: "json name string", answer: `{"ok":true,"artifactId":"12"}`, want: 12},
		{name: "proto name number", answer: `{"ok":true,"artifact_id":34}`, want: 34},
		{name: "missing", answer: `{"ok":true}`, wantErr: "no artifact_id"},
		{name: "not a number", answer: `{"ok":true,"artifactId":"x"}`, wantErr: "is not an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
			f := newFake(t)
			f.finalizeAnswr = tt.answer
			// The create answer uses the proto field name this time.
			f.createAnswer = `{"ok":true,"signed_upload_url":"` + f.signedURL() + `"}`
			var rec recorder
			res, err := Upload(context.Background(), f.service(), rec.options("logs", dir))
			f.check()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || res.ID != tt.want {
				t.Fatalf("id %d, err %v; want %d", res.ID, err, tt.want)
			}
		})
	}
}

func TestUploadBadToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, token, want string
	}{
		{"not a JWT", "ghs_opaque", "is not a JWT"},
		{"payload not base64", "a.b*c.d", "not base64url"},
		{"payload not JSON", makeToken("nope"), "not JSON"},
		{"no scp", makeToken(`{"iss":"x"}`), "no Actions.Results scope"},
		{"other scopes", makeToken(`{"scp":"Actions.GenericRead:1 Actions.UploadArtifacts:1:2"}`), "no Actions.Results scope"},
		{"malformed scope", makeToken(`{"scp":"Actions.Results:1"}`), "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
			f := newFake(t)
			svc := f.service()
			svc.RuntimeToken = tt.token
			var rec recorder
			_, err := Upload(context.Background(), svc, rec.options("logs", dir))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q quotes the token", err)
			}
			f.noCalls(t, tt.name)
		})
	}
}

func TestBackendIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, claims, run, job string
	}{
		{"GitHub", `{"scp":"Actions.ExampleScope Actions.Results:ce7f54c7:ca395085"}`, "ce7f54c7", "ca395085"},
		{"act", `{"scp":"Actions.Results:1:1"}`, "1", "1"},
		{"array", `{"scp":["Actions.X","Actions.Results:7:8"]}`, "7", "8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			run, job, err := backendIDs(makeToken(tt.claims))
			if err != nil || run != tt.run || job != tt.job {
				t.Errorf("got %q %q %v, want %q %q", run, job, err, tt.run, tt.job)
			}
		})
	}
	// Padding is tolerated.
	tok := makeToken(`{"scp":"Actions.Results:1:2"}`)
	parts := strings.Split(tok, ".")
	parts[1] += strings.Repeat("=", (4-len(parts[1])%4)%4)
	if run, job, err := backendIDs(strings.Join(parts, ".")); err != nil || run != "1" || job != "2" {
		t.Errorf("padded token: %q %q %v", run, job, err)
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		wantErr string
	}{
		{"codearts-build-logs-42", ""},
		{"logs with spaces; and (parens) & ünïcode", ""},
		{"", "empty"},
		{`a"b`, "double quote"},
		{"a:b", "colon"},
		{"a<b", "less than"},
		{"a>b", "greater than"},
		{"a|b", "vertical bar"},
		{"a*b", "asterisk"},
		{"a?b", "question mark"},
		{"a\rb", "carriage return"},
		{"a\nb", "line feed"},
		{`a\b`, "backslash"},
		{"a/b", "forward slash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateName(tt.name)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("ValidateName(%q) = %v", tt.name, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ValidateName(%q) = %v, want it to say %q", tt.name, err, tt.wantErr)
			}
			if err != nil && tt.name != "" && !strings.Contains(err.Error(), "not allowed") {
				t.Errorf("error %q does not list what is not allowed", err)
			}
		})
	}
}

func TestUploadInvalidInputMakesNoRequest(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		edit    func(*Service, *Options)
		wantErr string
		is      error
	}{
		{name: "bad name", edit: func(_ *Service, o *Options) { o.Name = "a/b" }, wantErr: "forward slash"},
		{name: "negative retention", edit: func(_ *Service, o *Options) { o.RetentionDays = -1 }, wantErr: "negative"},
		{name: "no results URL", edit: func(s *Service, _ *Options) { s.ResultsURL = "" }, wantErr: "ACTIONS_RESULTS_URL"},
		{name: "results URL not http", edit: func(s *Service, _ *Options) { s.ResultsURL = "ftp://x" }, wantErr: "not an http(s) URL"},
		{name: "no token", edit: func(s *Service, _ *Options) { s.RuntimeToken = "" }, wantErr: "ACTIONS_RUNTIME_TOKEN"},
		{name: "no files", edit: func(_ *Service, o *Options) { o.Dir = empty }, is: ErrNoFiles},
		{name: "missing folder", edit: func(_ *Service, o *Options) { o.Dir = filepath.Join(empty, "nope") }, is: os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
			f := newFake(t)
			svc := f.service()
			var rec recorder
			o := rec.options("logs", dir)
			tt.edit(&svc, &o)
			_, err := Upload(context.Background(), svc, o)
			if err == nil {
				t.Fatal("Upload succeeded")
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			f.noCalls(t, tt.name)
		})
	}
}

func TestUploadRetention(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name     string
		days     int
		maxDays  int
		want     string // expires_at, "" = absent
		wantWarn bool
	}{
		{name: "repository default", days: 0, maxDays: 90},
		{name: "within the limit", days: 10, maxDays: 90, want: "2026-12-07T07:00:00Z"},
		{name: "no known limit", days: 400, want: "2028-01-01T07:00:00Z"},
		{name: "clamped", days: 100, maxDays: 30, want: "2026-12-27T07:00:00Z", wantWarn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeTree(t, map[string][]byte{"a.log": []byte("a\n")})
			f := newFake(t)
			svc := f.service()
			svc.MaxRetentionDays = tt.maxDays
			var rec recorder
			o := rec.options("logs", dir)
			o.RetentionDays = tt.days
			o.Now = func() time.Time { return now }
			if _, err := Upload(context.Background(), svc, o); err != nil {
				t.Fatal(err)
			}
			f.check()
			f.mu.Lock()
			defer f.mu.Unlock()
			got, present := f.creates[0]["expires_at"]
			if tt.want == "" && present {
				t.Errorf("expires_at %v sent for the repository default", got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("expires_at %v, want %s", got, tt.want)
			}
			if warned := len(rec.warns) > 0; warned != tt.wantWarn {
				t.Errorf("warnings %q, want a warning: %v", rec.warns, tt.wantWarn)
			}
		})
	}
}

func TestUploadCanceled(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"a.log": logLines(7, 300_000)})
	f := newFake(t)
	f.twirpFail["CreateArtifact"] = []int{503, 503, 503}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var rec recorder
	o := rec.options("logs", dir)
	o.RetryWaitMin, o.RetryWaitMax = time.Hour, time.Hour
	var waits []time.Duration
	o.Sleep = func(ctx context.Context, d time.Duration) error {
		// The first attempt failed: Upload now waits an hour, and is
		// cancelled meanwhile.
		waits = append(waits, d)
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	_, err := Upload(ctx, f.service(), o)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	// What the service said is kept.
	if want := "CreateArtifact: HTTP 503 unavailable: try again (1 attempt; then context canceled)"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %v, want it to end with %q", err, want)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(waits) != 1 || waits[0] < 30*time.Minute || f.calls["CreateArtifact"] != 1 {
		t.Errorf("waits %v, %d CreateArtifact calls; want one wait of about an hour and no call after it", waits, f.calls["CreateArtifact"])
	}
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"ACTIONS_RESULTS_URL":   "https://results-receiver.actions.githubusercontent.com/",
		"ACTIONS_RUNTIME_TOKEN": "tok",
		"GITHUB_SERVER_URL":     "https://github.com",
		"GITHUB_REPOSITORY":     "octo/repo",
		"GITHUB_RUN_ID":         "42",
		"GITHUB_RETENTION_DAYS": "90",
	}
	svc, ok := FromEnv(func(k string) string { return env[k] })
	want := Service{ResultsURL: env["ACTIONS_RESULTS_URL"], RuntimeToken: "tok", ServerURL: "https://github.com",
		Repository: "octo/repo", RunID: "42", MaxRetentionDays: 90}
	if !ok || svc != want {
		t.Errorf("FromEnv = %+v, %v; want %+v, true", svc, ok, want)
	}
	if got := artifactURL(svc, 7); got != "https://github.com/octo/repo/actions/runs/42/artifacts/7" {
		t.Errorf("artifact URL %q", got)
	}
	for _, missing := range []string{"ACTIONS_RESULTS_URL", "ACTIONS_RUNTIME_TOKEN"} {
		_, ok := FromEnv(func(k string) string {
			if k == missing {
				return ""
			}
			return env[k]
		})
		if ok {
			t.Errorf("FromEnv without %s reports the service available", missing)
		}
	}
	env["GITHUB_RETENTION_DAYS"] = "soon"
	if svc, _ := FromEnv(func(k string) string { return env[k] }); svc.MaxRetentionDays != 0 {
		t.Errorf("MaxRetentionDays %d from an invalid value", svc.MaxRetentionDays)
	}
	svc.RunID = ""
	if got := artifactURL(svc, 7); got != "" {
		t.Errorf("artifact URL without a run id: %q", got)
	}
}

func TestCRC32Combine(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 100_000)
	for i := range data {
		data[i] = byte(r.UintN(256))
	}
	for _, cut := range []int{0, 1, 7, 4096, 65_537, 99_999, 100_000} {
		a, b := data[:cut], data[cut:]
		got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b)))
		if want := crc32.ChecksumIEEE(data); got != want {
			t.Errorf("cut at %d: %08x, want %08x", cut, got, want)
		}
	}
}

func mapsEqual(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

func mapsEqualAny(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestZipFailureCleansUp checks that a file that cannot be read fails the
// zip with its name, and that no temporary file is left, on failure or
// success. Not parallel: it sets TMPDIR.
func TestZipFailureCleansUp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := writeTree(t, map[string][]byte{"a.log": logLines(9, 300_000), "b.log": []byte("b\n")})
	files, err := collectFiles(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := zipConfig{workers: 2, segSize: testSegment, level: 1}
	if err := writeZip(context.Background(), io.Discard, files, cfg); err != nil {
		t.Fatal(err)
	}
	missing := append(slices.Clone(files), entry{path: filepath.Join(dir, "gone.log"), name: "gone.log", size: 10})
	err = writeZip(context.Background(), io.Discard, missing, cfg)
	if err == nil || !strings.Contains(err.Error(), "gone.log") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want one naming gone.log", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := writeZip(ctx, io.Discard, files, cfg); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled zip: %v", err)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestUploadUsesTempDir: the zip's pieces go to Options.TempDir (the
// runner's temp folder), not to /tmp, which a scratch image may lack.
func TestUploadUsesTempDir(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string][]byte{"stage1.log": logLines(1, 1000)})
	f := newFake(t)
	var rec recorder
	o := rec.options("codearts-build-logs-temp", dir)
	missing := filepath.Join(t.TempDir(), "no-such-runner-temp")
	o.TempDir = missing
	if _, err := Upload(context.Background(), f.service(), o); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("err = %v, want a failure naming %s", err, missing)
	}
	o.TempDir = t.TempDir()
	o.Name = "codearts-build-logs-temp2"
	if _, err := Upload(context.Background(), f.service(), o); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(o.TempDir); len(ents) != 0 {
		t.Errorf("temporary pieces left behind: %v", ents)
	}
}
