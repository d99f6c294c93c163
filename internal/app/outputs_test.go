package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// TestLogsOutputIsBounded: 1000 stages with long display names make a
// `logs` output far over GitHub's budget; it is cut to 256 KiB of valid
// JSON by dropping whole entries from the end, and a notice says so.
func TestLogsOutputIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	var st []fakecodearts.StageSpec
	for i := 1; i <= 1000; i++ {
		st = append(st, fakecodearts.StageSpec{Task: fmt.Sprintf("stage%d", i), Name: fmt.Sprintf("Step %d ", i) + strings.Repeat("n", 500), Status: "SUCCESS", Log: []byte(okLog)})
	}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"concurrency": "32"})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	logs := h.outputs()["logs"]
	if len(logs) > 256<<10 {
		t.Errorf("logs output of %d bytes, want at most 256 KiB", len(logs))
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(logs), &entries); err != nil {
		t.Fatalf("logs output is not valid JSON: %v\n%.200s…", err, logs)
	}
	if len(entries) < 100 || len(entries) >= 1000 || entries[0]["task"] != "stage1" {
		t.Fatalf("%d entries kept, first %v", len(entries), entries[0]["task"])
	}
	left := 1000 - len(entries)
	notice := false
	for _, c := range h.commands() {
		if c.Name == "notice" && strings.Contains(c.Data, fmt.Sprintf("%d left out", left)) {
			notice = true
		}
	}
	if !notice {
		t.Errorf("no notice says that %d stages were left out of logs", left)
	}
}

// TestUnwritableFileCommandsExit3: when GITHUB_OUTPUT or
// GITHUB_STEP_SUMMARY cannot be written, the step does not exit 0 as if it
// had set its outputs: it exits 3 and says which file.
func TestUnwritableFileCommandsExit3(t *testing.T) {
	t.Parallel()
	for _, variable := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		t.Run(variable, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddRecord(testRecord, threeStages()...)
			h.inputs(map[string]string{})
			// A folder cannot be opened for writing, even by root.
			bad := filepath.Join(t.TempDir(), "not-a-file")
			if err := os.Mkdir(bad, 0o755); err != nil {
				t.Fatal(err)
			}
			h.env[variable] = bad
			if code := h.run(); code != 3 {
				t.Errorf("exit %d, want 3", code)
			}
			found := false
			for _, c := range h.commands() {
				if c.Name == "error" && strings.Contains(c.Data, "cannot write "+variable) && strings.Contains(c.Data, bad) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error names %s and its file:\n%s", variable, h.stdout.String())
			}
		})
	}
}
