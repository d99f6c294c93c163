//go:build unix

package main

import (
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// TestBinarySIGTERMStopsTheBuildItStarted runs the built binary in job mode
// with its real poll interval, sends SIGTERM (what the runner sends when a
// workflow is cancelled) while it follows the build it started, and checks
// that exactly one stop request was sent and the process exited 3 within
// the runner's grace period.
func TestBinarySIGTERMStopsTheBuildItStarted(t *testing.T) {
	t.Parallel()
	const job, token = "68491d9bc97b4774adb93e29b46d2dc6", "signal-test-token-9c2d7e"
	fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: "/api", Token: token})
	fake.AddJob(job, fakecodearts.JobSpec{Starts: []fakecodearts.BuildSpec{{
		Number:    7,
		Stages:    []fakecodearts.StageSpec{{Name: "Build", Statuses: []string{"RUNNING"}, Log: []byte("[INFO] building\n")}},
		LogPieces: []string{"[INFO] building\n"},
	}}})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	cmd := exec.Command(binPath, "--job-id", job, "--run-build", "--endpoint", srv.URL+"/api", "--path", filepath.Join(t.TempDir(), "logs"))
	cmd.Env = []string{"CODEARTS_TOKEN=" + token, "PATH=" + os.Getenv("PATH")}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for give := time.Now().Add(30 * time.Second); fake.LogRequests(job, 7) == 0; {
		if time.Now().After(give) {
			cmd.Process.Kill()
			t.Fatalf("the build was never followed:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	var err error
	select {
	case err = <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no exit 30 s after SIGTERM:\n%s", out.String())
	}
	took := time.Since(signalled)
	t.Logf("exited %s after SIGTERM", took.Round(time.Millisecond))
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("exit: %v, want code 3\n%s", err, out.String())
	}
	if took > 5*time.Second { // the runner's grace period before it kills the container
		t.Errorf("took %s to exit after SIGTERM", took)
	}
	if n := fake.Stops(job, 7); n != 1 {
		t.Errorf("%d stop requests, want exactly 1", n)
	}
	if !strings.Contains(out.String(), "stopped on cancel") {
		t.Errorf("the run does not say it stopped the build:\n%s", out.String())
	}
}
