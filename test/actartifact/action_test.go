package actartifact

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/app"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// TestActionUploadsToAct runs the whole action, as the runner starts it,
// against the fake CodeArts service and act's real artifact server: the
// artifact act stores holds exactly the files the action saved, and the
// outputs and the job summary point at it.
func TestActionUploadsToAct(t *testing.T) {
	t.Parallel()
	const record, tok = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c", "action-test-token-8c1d"
	fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: "/cb", Token: tok})
	fake.AddRecord(record,
		fakecodearts.StageSpec{Task: "stage1", Name: "Checkout", Status: "SUCCESS", Log: []byte("[INFO] cloned\n")},
		fakecodearts.StageSpec{Task: "stage2", Name: "Maven", Status: "FAILED", Log: []byte("[INFO] x\n[ERROR] Foo.java:[1,1] boom\n[INFO] BUILD FAILURE\n")},
	)
	cb := httptest.NewServer(fake)
	defer cb.Close()
	act := newActServer(t)

	ws, files := t.TempDir(), t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS":        "true",
		"GITHUB_WORKSPACE":      ws,
		"GITHUB_OUTPUT":         filepath.Join(files, "output"),
		"GITHUB_STEP_SUMMARY":   filepath.Join(files, "summary"),
		"ACTIONS_RESULTS_URL":   act.srv.URL + "/",
		"ACTIONS_RUNTIME_TOKEN": token(),
		"ACTIONS_RUNTIME_URL":   act.srv.URL + "/",
		"GITHUB_SERVER_URL":     "https://github.com",
		"GITHUB_REPOSITORY":     "octo/repo",
		"GITHUB_RUN_ID":         "1",
		"INPUT_RECORD-ID":       record,
		"INPUT_ENDPOINT":        cb.URL + "/cb",
		"INPUT_TOKEN":           tok,
		"INPUT_ARTIFACT-NAME":   "codearts-build-logs-{record-id}",
		"INPUT_RETENTION-DAYS":  "3",
	}
	// A stray log from an earlier run and a link to the process's
	// environment (secrets) sit in the folder: neither may be uploaded.
	dir := filepath.Join(ws, "codearts-build-logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "stage9.log"), []byte("an older record's log\n"), 0o644)
	if err := os.Symlink("/proc/self/environ", filepath.Join(dir, "env.log")); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := app.Main(ctx, app.Env{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Stdout:    &stdout, Stderr: &stderr, Version: "test", RetryWait: time.Millisecond,
	})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stdout.String())
	}

	name := "codearts-build-logs-" + record
	got := unzip(t, act.stored(t, name))
	written := []string{"stage1.log", "stage2.log", "summary.md"}
	if len(got) != len(written) {
		var names []string
		for n := range got {
			names = append(names, n)
		}
		t.Errorf("act stored %v, want exactly this run's files %v", names, written)
	}
	for _, n := range written {
		want, _ := os.ReadFile(filepath.Join(dir, n))
		if !bytes.Equal(got[n], want) {
			t.Errorf("artifact entry %s differs from the saved file", n)
		}
	}

	out, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	id := strconv.FormatInt(actArtifactID(name), 10)
	wantURL := "https://github.com/octo/repo/actions/runs/1/artifacts/" + id
	if !strings.Contains(string(out), "\n"+id+"\n") || !strings.Contains(string(out), "\n"+wantURL+"\n") {
		t.Errorf("outputs lack artifact-id %s / artifact-url:\n%s", id, out)
	}
	sum, _ := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if !strings.Contains(string(sum), wantURL) {
		t.Errorf("the job summary does not link the artifact:\n%s", sum)
	}
	if strings.Contains(stdout.String(), "sig=") {
		t.Errorf("a signed URL was printed:\n%s", stdout.String())
	}
}
