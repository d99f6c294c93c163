package report

import (
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/failures"
)

func saved(task, status string, bytes, matches int64) Stage {
	return Stage{Task: task, Status: status, File: task + ".log", Bytes: bytes, Scan: failures.Result{Matches: matches}}
}

func TestExitCodeAndLists(t *testing.T) {
	t.Parallel()
	missing := Stage{Task: "stage9", Err: "HTTP 404 CB.00060214"}
	tests := []struct {
		name       string
		run        Run
		failOn     bool
		want       int
		failed     string
		savedBytes int64
	}{
		{"clean", Run{Stages: []Stage{saved("stage1", "SUCCESS", 10, 0)}}, true, ExitOK, "", 10},
		{"failed status allowed", Run{Stages: []Stage{saved("stage1", "FAILED", 5, 0), saved("stage2", "SUCCESS", 7, 0)}}, false, ExitOK, "stage1", 12},
		{"failed status refused", Run{Stages: []Stage{saved("stage1", "ABORTED", 5, 0)}}, true, ExitBuildFailed, "stage1", 5},
		{"failure lines refused", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 2)}}, true, ExitBuildFailed, "stage1", 5},
		{"missing log wins", Run{Stages: []Stage{saved("stage1", "FAILED", 5, 1), missing}}, true, ExitIncomplete, "stage1", 5},
		{"artifact failed", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, ArtifactErr: "HTTP 503"}, false, ExitIncomplete, "", 5},
		{"record unfinished", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, Incomplete: "still running"}, false, ExitIncomplete, "", 5},
		{"fatal", Run{Fatal: "authentication failed"}, false, ExitIncomplete, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.run.ExitCode(tc.failOn); got != tc.want {
				t.Errorf("exit %d, want %d", got, tc.want)
			}
			if got := strings.Join(tc.run.FailedTasks(), ","); got != tc.failed {
				t.Errorf("failed tasks %q, want %q", got, tc.failed)
			}
			if got := tc.run.SavedBytes(); got != tc.savedBytes {
				t.Errorf("saved bytes %d, want %d", got, tc.savedBytes)
			}
		})
	}
}
