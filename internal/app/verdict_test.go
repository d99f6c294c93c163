package app

import (
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/ghaction/runnertest"
)

// greenWheelLog is what a green cibuildwheel-and-pytest build prints:
// compiler feature probes that fail on purpose, counters, tests named
// after errors. The built-in patterns flag some of these lines; CodeArts
// says SUCCESS.
const greenWheelLog = "[2024/05/02 10:01:02.100 GMT+08:00] [INFO] [构建:external_post_shell] : 该步骤开始执行。\n" +
	"[2024/05/02 10:01:02.200 GMT+08:00] Building wheel for numcodecs (pyproject.toml)\n" +
	"[2024/05/02 10:01:03.300 GMT+08:00] checking for blosc.h ...\n" +
	"[2024/05/02 10:01:03.301 GMT+08:00] /tmp/tmpx8f2/conftest.c:1:10: fatal error: blosc.h: No such file or directory\n" +
	"[2024/05/02 10:01:03.302 GMT+08:00]     1 | #include <blosc.h>\n" +
	"[2024/05/02 10:01:03.303 GMT+08:00] compilation terminated.\n" +
	"[2024/05/02 10:01:03.400 GMT+08:00] blosc.h not found: using the bundled c-blosc\n" +
	"[2024/05/02 10:01:09.000 GMT+08:00] lint summary: error: 0, warning: 2\n" +
	"[2024/05/02 10:01:20.000 GMT+08:00] tests/test_errors.py::test_ERROR_is_raised PASSED\n" +
	"[2024/05/02 10:01:20.100 GMT+08:00] tests/test_errors.py::test_ERROR_message PASSED\n" +
	"[2024/05/02 10:01:21.000 GMT+08:00] ======================== 212 passed in 14.02s ========================\n" +
	"[2024/05/02 10:01:21.100 GMT+08:00] Successfully built numcodecs-0.12.1-cp311-cp311-manylinux_2_17_x86_64.whl\n" +
	"[2024/05/02 10:01:21.200 GMT+08:00] [INFO] [构建:external_post_shell] : 该步骤执行完成。\n"

func errorAnnotations(h *harness) []runnertest.Command {
	var out []runnertest.Command
	for _, c := range h.commands() {
		if c.Name == "error" {
			out = append(out, c)
		}
	}
	return out
}

// TestBenignLinesInASuccessfulRecordAreNotes: CodeArts' SUCCESS decides;
// what the built-in patterns flag there are notes, not a failure.
func TestBenignLinesInASuccessfulRecordAreNotes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord,
		fakecodearts.StageSpec{Name: "Code CheckOut", Status: "SUCCESS", Log: []byte(okLog)},
		fakecodearts.StageSpec{Name: "Build wheels", Status: "SUCCESS", Log: []byte(greenWheelLog)},
		fakecodearts.StageSpec{Name: "Test", Status: "SUCCESS", Log: []byte(greenWheelLog)},
	)
	h.inputs(map[string]string{"fail-on-build-failure": "true"})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d, want 0 (CodeArts says SUCCESS)\n%s", code, h.stdout.String())
	}
	sum := h.summary()
	if head := firstLine(sum); !strings.Contains(head, "✅") || !strings.Contains(head, "succeeded") {
		t.Errorf("heading %q, want succeeded", head)
	}
	if strings.Contains(sum, "Failed stages") || strings.Contains(sum, "❌") {
		t.Errorf("a successful record shows a failure:\n%s", sum)
	}
	if !strings.Contains(sum, "suspicious lines") || !strings.Contains(sum, "blosc.h") {
		t.Errorf("the suspicious lines are not shown as notes:\n%s", sum)
	}
	out := h.outputs()
	if out["failed-tasks"] != "" || out["build-status"] != "SUCCESS" || out["record-id"] != testRecord {
		t.Errorf("outputs failed-tasks=%q build-status=%q record-id=%q", out["failed-tasks"], out["build-status"], out["record-id"])
	}
	if !strings.Contains(out["logs"], `"failures":0,"suspicious":`) {
		t.Errorf("logs output: %s", out["logs"])
	}
	if errs := errorAnnotations(h); len(errs) > 0 {
		t.Errorf("error annotations on a successful record: %+v", errs)
	}
}

// TestRecordLevelFailure: a record whose own initial/final entry failed
// failed, even when no stage says so.
func TestRecordLevelFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, initial, final string
		noStatus             bool
		want                 string
	}{
		{"final FAILED", "", "FAILED", false, "FAILED"},
		{"final ABORTED", "", "ABORTED", false, "ABORTED"},
		{"initial SCHEDULE_FAILURE", "SCHEDULE_FAILURE", "FAILED", true, "FAILED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			st := fakecodearts.StageSpec{Name: "Build", Status: "SUCCESS", Log: []byte(okLog)}
			if tc.noStatus {
				st = fakecodearts.StageSpec{Name: "Build", NoStatus: true, NoLog: true}
			}
			h.fake.AddRecord(testRecord, st)
			if tc.initial != "" {
				h.fake.ScriptInitial(testRecord, tc.initial)
			}
			h.fake.ScriptFinal(testRecord, tc.final)
			h.inputs(map[string]string{"fail-on-build-failure": "true"})
			if code := h.run(); code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, h.stdout.String())
			}
			sum := h.summary()
			if head := firstLine(sum); !strings.Contains(head, "❌") || !strings.Contains(head, "failed") {
				t.Errorf("heading %q, want failed", head)
			}
			if strings.Contains(sum, "succeeded") || !strings.Contains(sum, "Record failed") {
				t.Errorf("summary:\n%s", sum)
			}
			if tc.noStatus && !strings.Contains(firstLine(sum), "never ran") {
				t.Errorf("heading %q does not say the build never ran", firstLine(sum))
			}
			out := h.outputs()
			if out["build-status"] != tc.want || out["failed-tasks"] != "" {
				t.Errorf("build-status %q failed-tasks %q", out["build-status"], out["failed-tasks"])
			}
			errs := errorAnnotations(h)
			if len(errs) != 1 || !strings.Contains(errs[0].Props, "CodeArts build failed") {
				t.Errorf("annotations %+v, want one record-level error", errs)
			}
		})
	}
}

// TestUserPatternFailsASuccessStage: the user's own failure-patterns count
// whatever the status.
func TestUserPatternFailsASuccessStage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	log := greenWheelLog + "[2024/05/02 10:01:22.000 GMT+08:00] DEPLOY REFUSED: staging is frozen\n"
	h.fake.AddRecord(testRecord,
		fakecodearts.StageSpec{Name: "Checkout", Status: "SUCCESS", Log: []byte(okLog)},
		fakecodearts.StageSpec{Name: "Deploy", Status: "SUCCESS", Log: []byte(log)},
	)
	h.inputs(map[string]string{"fail-on-build-failure": "true", "failure-patterns": "DEPLOY REFUSED"})
	if code := h.run(); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, h.stdout.String())
	}
	if got := h.outputs()["failed-tasks"]; got != "stage2" {
		t.Errorf("failed-tasks = %q, want stage2", got)
	}
	errs := errorAnnotations(h)
	if len(errs) != 1 || !strings.Contains(errs[0].Data, "DEPLOY REFUSED") {
		t.Errorf("annotations %+v: want one naming the user's line", errs)
	}
}

// TestStagesThatNeverRanAreNotRun: after a failure the later stages keep no
// status (or INIT) and have no log (404): "not run", not a download error,
// and the failed build exits 1, not 3.
func TestStagesThatNeverRanAreNotRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord,
		fakecodearts.StageSpec{Name: "Checkout", Status: "SUCCESS", Log: []byte(okLog)},
		fakecodearts.StageSpec{Name: "Maven Build", Status: "FAILED", Log: []byte(failLog)},
		fakecodearts.StageSpec{Name: "Package", NoStatus: true, NoLog: true},
		fakecodearts.StageSpec{Name: "Deploy", Status: "INIT", NoLog: true},
	)
	h.inputs(map[string]string{"fail-on-build-failure": "true"})
	if code := h.run(); code != 1 {
		t.Fatalf("exit %d, want 1 (the build failed; nothing is missing)\n%s", code, h.stdout.String())
	}
	sum := h.summary()
	if strings.Contains(sum, "Download errors") || strings.Contains(sum, "could not be downloaded") {
		t.Errorf("stages that never ran are reported as download errors:\n%s", sum)
	}
	if strings.Count(sum, "not run") < 2 {
		t.Errorf("the summary does not show the stages as not run:\n%s", sum)
	}
	if got := h.outputs()["failed-tasks"]; got != "stage2" {
		t.Errorf("failed-tasks = %q", got)
	}
	for _, c := range errorAnnotations(h) {
		if strings.Contains(c.Props, "not downloaded") {
			t.Errorf("annotation for a stage that never ran: %+v", c)
		}
	}
}

// TestUnlistedFailedStageIsNamed: task-names lists stage1 only, and the
// record failed in stage3: the summary names stage3 as failed and not
// fetched, instead of saying that no stage failed.
func TestUnlistedFailedStageIsNamed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{"task-names": "stage1", "fail-on-build-failure": "true"})
	if code := h.run(); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, h.stdout.String())
	}
	sum := h.summary()
	if strings.Contains(sum, "no stage failed") || !strings.Contains(sum, "stage3 failed, not fetched") {
		t.Errorf("summary does not name the failed stage that was not fetched:\n%s", sum)
	}
	if errs := errorAnnotations(h); len(errs) != 1 || !strings.Contains(errs[0].Data, "stage3 failed, not fetched") {
		t.Errorf("annotations %+v, want one naming stage3", errs)
	}
	if !strings.Contains(h.stdout.String(), "stage3 failed, not fetched; exit 1") {
		t.Errorf("final line:\n%s", h.stdout.String())
	}
}
