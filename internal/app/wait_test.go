package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// internalError is full-stages' 500 CB.00060101 on the first attempt and
// every retry of one poll (the client makes six attempts by default).
func internalError() []fakecodearts.Fault {
	f := fakecodearts.Fault{Status: 500, Code: "CB.00060101", Msg: "internal error"}
	return []fakecodearts.Fault{f, f, f, f, f, f}
}

// runningThenFailed is a record whose stage3 fails after two polls while
// its log holds no failure line: only its status says it failed.
func runningThenFailed() []fakecodearts.StageSpec {
	return []fakecodearts.StageSpec{
		{Task: "stage1", Name: "Code CheckOut", Status: "SUCCESS", Log: []byte(okLog)},
		{Task: "stage2", Name: "Npm Test", Statuses: []string{"RUNNING", "SUCCESS"}, Log: []byte(okLog)},
		{Task: "stage3", Name: "Maven Build", Statuses: []string{"RUNNING", "RUNNING", "FAILED"}, Log: []byte(okLog)},
	}
}

func logStatuses(t *testing.T, h *harness) map[string]string {
	t.Helper()
	var logs []logEntry
	if err := json.Unmarshal([]byte(h.outputs()["logs"]), &logs); err != nil {
		t.Fatalf("logs output: %v", err)
	}
	out := map[string]string{}
	for _, l := range logs {
		out[l.Task] = l.Status
	}
	return out
}

// TestWaitSurvivesAFailedPoll: a poll that fails on every retry (500
// CB.00060101) in the middle of the wait does not end it; the record's end
// decides the verdict.
func TestWaitSurvivesAFailedPoll(t *testing.T) {
	t.Parallel()
	for _, tasks := range []string{"stage1, stage2, stage3", ""} {
		t.Run("task-names="+tasks, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddRecord(testRecord, runningThenFailed()...)
			h.fakeClock(func(n int) {
				if n == 1 {
					h.fake.FailStages(testRecord, internalError()...)
				}
			})
			h.inputs(map[string]string{"task-names": tasks, "wait-timeout": "30m", "fail-on-build-failure": "true"})
			if code := h.run(); code != 1 {
				t.Fatalf("exit %d, want 1 (stage3 FAILED)\n%s", code, h.stdout.String())
			}
			if got := h.outputs()["failed-tasks"]; got != "stage3" {
				t.Errorf("failed-tasks = %q, want stage3", got)
			}
			if st := logStatuses(t, h); st["stage3"] != "FAILED" || st["stage2"] != "SUCCESS" {
				t.Errorf("statuses %v: want the finished record's", st)
			}
			if sum := h.summary(); strings.Contains(sum, "Stage list unavailable") || !strings.Contains(sum, "failed") {
				t.Errorf("summary:\n%s", sum)
			}
			if !strings.Contains(h.stdout.String(), "polling again") {
				t.Errorf("the failed poll was not reported:\n%s", h.stdout.String())
			}
			if n := h.fake.StagesRequests(); n != 3+6 {
				t.Errorf("%d full-stages requests, want 9 (3 answered polls and one poll of 6 failed attempts)", n)
			}
		})
	}
}

// TestWaitSurvivesAFailedFirstPoll: when the very first full-stages call
// fails, the wait still happens.
func TestWaitSurvivesAFailedFirstPoll(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, runningThenFailed()...)
	h.fake.FailStages(testRecord, internalError()...)
	clock := h.fakeClock(nil)
	h.inputs(map[string]string{"task-names": "stage1,stage2,stage3", "wait-timeout": "30m", "fail-on-build-failure": "true"})
	if code := h.run(); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, h.stdout.String())
	}
	if st := logStatuses(t, h); st["stage3"] != "FAILED" {
		t.Errorf("statuses %v", st)
	}
	if clock.slept == 0 {
		t.Error("no wait happened")
	}
}

// TestWaitKeepsTheLastStageList: in discovery mode, polls that keep failing
// until the budget ends leave the stage list seen before: every log is
// downloaded, the record is reported still running, exit 3.
func TestWaitKeepsTheLastStageList(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, runningThenFailed()...)
	clock := h.fakeClock(func(int) { h.fake.FailStages(testRecord, internalError()...) })
	h.inputs(map[string]string{"wait-timeout": "2m", "fail-on-build-failure": "true"})
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, h.stdout.String())
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,stage2.log,stage3.log,summary.md" {
		t.Errorf("saved %s: the stage list seen first must be kept", got)
	}
	// The retry waits are on the same clock: the last poll's (at most
	// 5 ms·(1+2+4+8+16) here) come after the whole wait-timeout.
	if clock.slept < 2*time.Minute || clock.slept > 2*time.Minute+time.Second {
		t.Errorf("waited %s, want the whole wait-timeout (2m) and the last poll's retries", clock.slept)
	}
	sum := h.summary()
	if !strings.Contains(firstLine(sum), "still running") || strings.Contains(sum, "succeeded") || strings.Contains(sum, "no failure found") {
		t.Errorf("summary:\n%s", sum)
	}
	if !strings.Contains(sum, "CB.00060101") {
		t.Errorf("the summary does not say why the later polls failed:\n%s", sum)
	}
}

// TestStillRunningIsNeverASuccess: a record that has not finished at the
// end of wait-timeout exits 3 and is headed "still running"; with no wait
// asked, the logs so far and exit 0, still not a success.
func TestStillRunningIsNeverASuccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, wait string
		want       int
	}{
		{"wait asked", "10m", 3},
		{"no wait", "0", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddRecord(testRecord,
				fakecodearts.StageSpec{Task: "stage1", Status: "SUCCESS", Log: []byte(okLog)},
				fakecodearts.StageSpec{Task: "stage2", Status: "RUNNING", Log: []byte(okLog)})
			h.fakeClock(nil)
			h.inputs(map[string]string{"wait-timeout": tc.wait, "fail-on-build-failure": "true"})
			if code := h.run(); code != tc.want {
				t.Fatalf("exit %d, want %d\n%s", code, tc.want, h.stdout.String())
			}
			sum := h.summary()
			if head := firstLine(sum); !strings.Contains(head, "still running") || strings.Contains(head, "✅") {
				t.Errorf("heading %q, want still running", head)
			}
			if strings.Contains(sum, "succeeded") || strings.Contains(sum, "no failure found") {
				t.Errorf("a running record reported as a success:\n%s", sum)
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
