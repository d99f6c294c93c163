package actartifact

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/julienschmidt/httprouter"
	"github.com/nektos/act/pkg/artifacts"

	"github.com/codearts-tools/codearts-logs/internal/artifact"
)

// actServer is act's v4 artifact service on a local httptest server.
type actServer struct {
	srv     *httptest.Server
	baseDir string

	mu     sync.Mutex
	blocks int // block PUTs seen
}

func newActServer(t *testing.T) *actServer {
	t.Helper()
	a := &actServer{baseDir: t.TempDir()}
	router := httprouter.New()
	artifacts.RoutesV4(router, a.baseDir, DiskFS{}, DiskFS{})
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("comp") == "block" {
			a.mu.Lock()
			a.blocks++
			a.mu.Unlock()
		}
		router.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// token is a runtime token as act's tests make it: run and job backend ids
// must be numeric for act.
func token() string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"scp":"Actions.GenericRead:1 Actions.Results:1:1","ac":"[]"}`)) + "." +
		enc.EncodeToString([]byte("signature"))
}

func (a *actServer) service() artifact.Service {
	return artifact.Service{
		ResultsURL:   a.srv.URL + "/",
		RuntimeToken: token(),
		ServerURL:    "https://github.com",
		Repository:   "octo/repo",
		RunID:        "1",
	}
}

// stored returns the zip act saved for name in run 1.
func (a *actServer) stored(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(a.baseDir, "1", name, name+".zip"))
	if err != nil {
		t.Fatalf("act stored nothing: %v", err)
	}
	return b
}

func options(name, dir string) (artifact.Options, *[]string) {
	var masks []string
	var mu sync.Mutex
	return artifact.Options{
		Name:         name,
		Dir:          dir,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 10 * time.Millisecond,
		AddMask: func(s string) {
			mu.Lock()
			defer mu.Unlock()
			masks = append(masks, s)
		},
	}, &masks
}

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

// unzip returns the entries of a zip, checking each CRC while reading.
func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the stored artifact is not a zip: %v", err)
	}
	got := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		got[f.Name] = b
	}
	return got
}

func actArtifactID(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int64(h.Sum32())
}

func TestUploadToAct(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"summary.md":               []byte("# CodeArts build 42\n\n| stage | status |\n|---|---|\n| build | failed |\n"),
		"stage1-build.log":         []byte("[INFO] Building\n[ERROR] Failed to execute goal\nBUILD FAILURE\n"),
		"stage2-test.log":          {},
		"more/nested/stage3.log":   bytes.Repeat([]byte("npm warn deprecated package@1.0.0\n"), 1000),
		"more/编译 ü.log":            []byte("non-ASCII name\n"),
		"more/nested/deep/x/y.txt": []byte("y"),
	}
	dir := writeTree(t, files)
	a := newActServer(t)
	o, masks := options("codearts-build-logs-42", dir)
	res, err := artifact.Upload(context.Background(), a.service(), o)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	stored := a.stored(t, o.Name)
	got := unzip(t, stored)
	if len(got) != len(files) {
		t.Errorf("act stored %d entries, want %d", len(got), len(files))
	}
	for name, want := range files {
		if g, ok := got[name]; !ok || !bytes.Equal(g, want) {
			t.Errorf("entry %s: present %v, %d bytes, want %d bytes", name, ok, len(g), len(want))
		}
	}
	sum := sha256.Sum256(stored)
	if res.SHA256 != hex.EncodeToString(sum[:]) || res.Size != int64(len(stored)) || res.Files != len(files) {
		t.Errorf("result %+v; act stored %d bytes with sha256 %x", res, len(stored), sum)
	}
	// act derives the id from the name (FNV-1a): proof that act answered.
	wantID := actArtifactID(o.Name)
	if res.ID != wantID {
		t.Errorf("artifact id %d, want act's %d", res.ID, wantID)
	}
	if want := "https://github.com/octo/repo/actions/runs/1/artifacts/" + strconv.FormatInt(wantID, 10); res.URL != want {
		t.Errorf("URL %q, want %q", res.URL, want)
	}
	if len(*masks) == 0 {
		t.Error("the sig of act's signed URL was not masked")
	}
}

func TestLargeMultiBlockUploadToAct(t *testing.T) {
	t.Parallel()
	const total = 52 << 20 // more than 50 MB of logs before compression
	dir := t.TempDir()
	want := map[string][32]byte{}
	var size int
	for i, n := range []int{30 << 20, 16 << 20, total - 46<<20} {
		name := fmt.Sprintf("stage%d.log", i+1)
		data := Logs(uint64(i+1), n)
		size += len(data)
		want[name] = sha256.Sum256(data)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if size <= 50<<20 {
		t.Fatalf("only %d bytes of logs", size)
	}
	a := newActServer(t)
	o, _ := options("large logs", dir)
	o.BlockSize = 1 << 20
	res, err := artifact.Upload(context.Background(), a.service(), o)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	stored := a.stored(t, o.Name)
	if sum := sha256.Sum256(stored); res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("act stored a zip with sha256 %x, the upload hashed %s", sum, res.SHA256)
	}
	a.mu.Lock()
	blocks := a.blocks
	a.mu.Unlock()
	if wantBlocks := (len(stored) + o.BlockSize - 1) / o.BlockSize; blocks != wantBlocks || blocks < 3 {
		t.Errorf("%d blocks for a %d-byte zip, want %d (several)", blocks, len(stored), wantBlocks)
	}
	got := unzip(t, stored)
	if len(got) != len(want) {
		t.Errorf("%d entries, want %d", len(got), len(want))
	}
	for name, sum := range want {
		if sha256.Sum256(got[name]) != sum {
			t.Errorf("%s does not round-trip", name)
		}
	}
	t.Logf("%d bytes of logs -> %d-byte zip (%.1f%%) in %d blocks", size, len(stored), 100*float64(len(stored))/float64(size), blocks)
}

// TestActQuirks checks that the peer really enforces what the uploader is
// careful about, so that the uploads above prove something.
func TestActQuirks(t *testing.T) {
	t.Parallel()
	a := newActServer(t)
	post := func(method, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, a.srv.URL+artifacts.ArtifactV4RouteBase+"/"+method, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	put := func(u string, body string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPut, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if status, _ := post("CreateArtifact", `{"workflow_run_backend_id":"1","workflow_job_run_backend_id":"1","name":"x","version":4,"mime_type":"application/zip"}`); status != http.StatusInternalServerError {
		t.Errorf("an unknown field got HTTP %d from act, want 500", status)
	}
	if status, _ := post("CreateArtifact", `{"workflow_run_backend_id":"run-uuid","workflow_job_run_backend_id":"1","name":"x","version":4}`); status != http.StatusBadRequest {
		t.Errorf("a non-numeric run id got HTTP %d from act, want 400", status)
	}
	status, body := post("CreateArtifact", `{"workflow_run_backend_id":"1","workflow_job_run_backend_id":"1","name":"quirks","version":4}`)
	if status != http.StatusOK {
		t.Fatalf("CreateArtifact: HTTP %d", status)
	}
	var created struct {
		SignedUploadURL string `json:"signedUploadUrl"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.SignedUploadURL == "" {
		t.Fatalf("CreateArtifact answer %s: %v", body, err)
	}
	u := created.SignedUploadURL
	// The expiry holds a '+' that a re-encoding client would turn into
	// "%2B" or a space; act then refuses the signature.
	if !strings.Contains(u, "+") {
		t.Errorf("act's signed URL %s has no '+' to keep", u)
	}
	tampered := strings.Replace(u, "artifactName=quirks", "artifactName=quirkz", 1)
	if status := put(tampered+"&comp=block&blockid=AAAA", "x"); status != http.StatusUnauthorized {
		t.Errorf("a tampered URL got HTTP %d from act, want 401", status)
	}
	// A PUT without comp answers 201 and stores nothing.
	if status := put(u, "ignored"); status/100 != 2 {
		t.Errorf("a PUT without comp got HTTP %d", status)
	}
	if b, err := os.ReadFile(filepath.Join(a.baseDir, "1", "quirks", "quirks.zip")); err != nil || len(b) != 0 {
		t.Errorf("after a PUT without comp act holds %q, %v; want an empty file", b, err)
	}
	// Blocks are appended in arrival order; the block list is ignored.
	put(u+"&comp=block&blockid=Qg%3D%3D", "second ")
	put(u+"&comp=block&blockid=QQ%3D%3D", "first")
	put(u+"&comp=blocklist", `<?xml version="1.0" encoding="utf-8"?><BlockList><Latest>QQ==</Latest><Latest>Qg==</Latest></BlockList>`)
	if b, _ := os.ReadFile(filepath.Join(a.baseDir, "1", "quirks", "quirks.zip")); string(b) != "second first" {
		t.Errorf("act assembled %q: the uploader's in-order upload is what keeps the zip intact", b)
	}
}
