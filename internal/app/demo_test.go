package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `codearts-logs demo` as a newcomer would (with --path so
// the test does not write into the source tree), with real Huawei
// credentials in the environment that the demo must ignore.
func TestDemo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	env := map[string]string{"HUAWEI_CLOUD_SECRET_ACCESS_KEY": "real-secret-must-not-be-used-0123456789"}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The demo's throttled stage asks for a 1 s wait: on this clock it
	// takes none.
	clock := &fakeClock{now: time.Now()}
	code := Main(ctx, Env{
		Args:      []string{"demo", "--path", dir},
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Stdout:    &stdout, Stderr: &stderr, Version: "test",
		Now: clock.Now, Sleep: clock.Sleep,
	})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	for _, f := range []string{"stage1.log", "stage2.log", "stage3.log", "summary.md"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	out := stdout.String()
	for _, want := range []string{"failed: stage3 (Maven Build)", "OrderService.java:[11,40] package com.example.billing does not exist", "Code CheckOut"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// The retry line as the README shows it.
	if !strings.Contains(stderr.String(), "  task-log stage2: attempt 1 failed (HTTP 429 APIGW.0308); retrying in 1s\n") || !strings.Contains(stderr.String(), "3 of 3 stage log(s) saved") {
		t.Errorf("progress lacks the retry or the final line:\n%s", stderr.String())
	}
	if clock.slept != time.Second {
		t.Errorf("waited %s on the clock, want the 1 s of Retry-After", clock.slept)
	}
}

// TestDemoRun runs `codearts-logs demo --run`: a build of the sample job is
// started and followed live, then summarised as usual.
func TestDemoRun(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := Main(ctx, Env{
		Args:      []string{"demo", "--run", "--path", dir},
		LookupEnv: func(string) (string, bool) { return "", false },
		Stdout:    &stdout, Stderr: &stderr, Version: "test",
		PollInterval: 10 * time.Millisecond,
	})
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	progress := stderr.String()
	for _, want := range []string{
		"Started build #42 of job",
		"▶ stage2 (Npm Lint & Test) RUNNING",
		"■ stage3 (Maven Build) FAILED in 1m37s",
		"OrderService.java:[11,40] package com.example.billing does not exist", // the live log
		"Build #42 has ended: FAILED",
	} {
		if !strings.Contains(progress, want) {
			t.Errorf("the live part lacks %q:\n%s", want, progress)
		}
	}
	if !strings.Contains(stdout.String(), "CodeArts build #42 of job") || !strings.Contains(stdout.String(), "failed: stage3 (Maven Build)") {
		t.Errorf("summary:\n%s", stdout.String())
	}
}
