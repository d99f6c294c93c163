package app

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// TestInvalidEnvRegionDoesNotBlockAnExplicitEndpoint: the endpoint
// overrides the region, so a bad HUAWEI_CLOUD_REGION (left by another
// step) is a warning, not bad input.
func TestInvalidEnvRegionDoesNotBlockAnExplicitEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{})
	h.env["HUAWEI_CLOUD_REGION"] = "north"
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, h.stdout.String())
	}
	warned := false
	for _, c := range h.commands() {
		if c.Name == "warning" && strings.Contains(c.Data, "HUAWEI_CLOUD_REGION") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning about HUAWEI_CLOUD_REGION:\n%s", h.stdout.String())
	}
	// Without an endpoint the region is needed: still bad input.
	h2 := newHarness(t, fakecodearts.Options{})
	h2.inputs(map[string]string{"endpoint": ""})
	h2.env["HUAWEI_CLOUD_REGION"] = "north"
	if code := h2.run(); code != 2 {
		t.Errorf("bad region and no endpoint: exit %d, want 2", code)
	}
}

// TestOneStopCommandsTokenPerRun: quoting 100 failed stages' excerpts
// must not add 100 masks and 100 tokens to the job log.
func TestOneStopCommandsTokenPerRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	var st []fakecodearts.StageSpec
	for i := 1; i <= 100; i++ {
		st = append(st, fakecodearts.StageSpec{Task: fmt.Sprintf("stage%d", i), Name: "Build", Status: "FAILED", Log: []byte(failLog)})
	}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"concurrency": "16"})
	h.run()
	masks, tokens, blocks := 0, map[string]bool{}, 0
	for _, c := range h.commands() {
		switch c.Name {
		case "add-mask":
			masks++
		case "stop-commands":
			tokens[c.Data] = true
			blocks++
		}
	}
	if blocks < 100 {
		t.Fatalf("%d quoted blocks, want one excerpt per failed stage", blocks)
	}
	if len(tokens) != 1 || masks != 2 { // the token input and the stop token
		t.Errorf("%d quoted blocks used %d tokens and %d masks; want 1 token and 2 masks", blocks, len(tokens), masks)
	}
}

// TestBoolFlagWithASeparateValueIsExplained: `--fail-on-build-failure
// false` ends the flags at "false" (a boolean flag may stand alone); the
// message says to write --fail-on-build-failure=false.
func TestBoolFlagWithASeparateValueIsExplained(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.env = map[string]string{"CODEARTS_TOKEN": testToken}
	if code := h.run("--record-id", testRecord, "--endpoint", h.endpoint, "--fail-on-build-failure", "false"); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(h.stderr.String(), "--fail-on-build-failure=false") {
		t.Errorf("no hint at --fail-on-build-failure=false:\n%s", h.stderr.String())
	}
	if n := len(h.fake.Seen()); n != 0 {
		t.Errorf("%d requests for a bad flag", n)
	}
	h2 := newHarness(t, fakecodearts.Options{})
	h2.fake.AddRecord(testRecord, threeStages()...)
	h2.env = map[string]string{"CODEARTS_TOKEN": testToken}
	if code := h2.run("--record-id", testRecord, "--endpoint", h2.endpoint, "--path", filepath.Join(t.TempDir(), "logs"), "--fail-on-build-failure=false"); code != 0 {
		t.Errorf("--fail-on-build-failure=false: exit %d, want 0\n%s", code, h2.stderr.String())
	}
}

// TestFullStagesEntriesThatAreNotStagesAreReported: an entry whose key is
// not stageN (nor initial/final) gets no log; the progress output says so,
// as cleaned, quoted text, instead of dropping it silently.
func TestFullStagesEntriesThatAreNotStagesAreReported(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st = append(st, fakecodearts.StageSpec{Task: "post_build\x1b[2J##[error]x", Name: "Post", Status: "SUCCESS", Log: []byte(okLog)})
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	out := h.stdout.String()
	if !strings.Contains(out, "Ignored 1 full-stages entr(ies)") || !strings.Contains(out, "post_build##[error]x") {
		t.Errorf("the ignored entry is not reported, cleaned:\n%s", out)
	}
	if bad := unsafeRunes(out); len(bad) > 0 {
		t.Errorf("control characters in the job log: %q", bad)
	}
	for _, c := range h.commands() {
		if c.Name == "error" && (c.Data == "x" || strings.Contains(c.Data, "post_build")) {
			t.Errorf("the entry's name became a command: %+v", c)
		}
	}
}
