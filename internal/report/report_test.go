package report

import (
	"errors"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/failures"
)

func saved(task, status string, bytes, matches int64) Stage {
	return Stage{Task: task, Status: status, File: task + ".log", Bytes: bytes, Scan: failures.Result{Matches: matches}}
}

func userMatched(s Stage, n int64) Stage {
	s.Scan.UserMatches = n
	return s
}

func TestExitCodeAndLists(t *testing.T) {
	t.Parallel()
	missing := Stage{Task: "stage9", Err: &codearts.APIError{Status: 404, Code: "CB.00060214"}}
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
		{"failure lines without a status refused", Run{Stages: []Stage{saved("stage1", "", 5, 2)}}, true, ExitBuildFailed, "stage1", 5},
		{"built-in lines in a SUCCESS stage are notes", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 2)}}, true, ExitOK, "", 5},
		{"user lines in a SUCCESS stage fail it", Run{Stages: []Stage{userMatched(saved("stage1", "SUCCESS", 5, 2), 1)}}, true, ExitBuildFailed, "stage1", 5},
		{"final FAILED with no failed stage", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, Record: RecordState{Known: true, Finished: true, Initial: "SUCCESS", Final: "FAILED"}}, true, ExitBuildFailed, "", 5},
		{"final ABORTED allowed", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, Record: RecordState{Known: true, Finished: true, Final: "ABORTED"}}, false, ExitOK, "", 5},
		{"initial SCHEDULE_FAILURE", Run{Stages: []Stage{{Task: "stage1", NotRun: true}}, Record: RecordState{Known: true, Finished: true, Initial: "SCHEDULE_FAILURE", Final: "FAILED"}}, true, ExitBuildFailed, "", 0},
		{"stages that never ran are not missing", Run{Stages: []Stage{saved("stage1", "FAILED", 5, 1), {Task: "stage2", NotRun: true, Err: &codearts.APIError{Status: 404}}}}, true, ExitBuildFailed, "stage1", 5},
		{"missing log wins", Run{Stages: []Stage{saved("stage1", "FAILED", 5, 1), missing}}, true, ExitIncomplete, "stage1", 5},
		{"artifact failed", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, ArtifactErr: errors.New("HTTP 503")}, false, ExitIncomplete, "", 5},
		{"record unfinished", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, Incomplete: "still running"}, false, ExitIncomplete, "", 5},
		{"fatal", Run{Fatal: errors.New("authentication failed")}, false, ExitIncomplete, "", 0},
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

func TestVerdictAndBuildStatus(t *testing.T) {
	t.Parallel()
	done := func(final string) RecordState {
		return RecordState{Known: true, Finished: true, Initial: "SUCCESS", Final: final}
	}
	tests := []struct {
		name   string
		run    Run
		want   Verdict
		status string
	}{
		{"succeeded", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, Record: done("SUCCESS")}, VerdictSucceeded, "SUCCESS"},
		{"suspicious lines do not fail it", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 4)}, Record: done("SUCCESS")}, VerdictSucceeded, "SUCCESS"},
		{"record failed", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, Record: done("FAILED")}, VerdictFailed, "FAILED"},
		{"never ran", Run{Stages: []Stage{{Task: "stage1", NotRun: true}}, Record: RecordState{Known: true, Finished: true, Initial: "SCHEDULE_FAILURE"}}, VerdictFailed, "SCHEDULE_FAILURE"},
		{"running", Run{Stages: []Stage{saved("stage1", "RUNNING", 5, 2)}, Record: RecordState{Known: true, Initial: "SUCCESS"}}, VerdictRunning, "RUNNING"},
		{"running with a failed stage", Run{Stages: []Stage{saved("stage1", "FAILED", 5, 0), saved("stage2", "RUNNING", 5, 0)}, Record: RecordState{Known: true}}, VerdictFailed, "RUNNING"},
		{"stage list unknown", Run{Stages: []Stage{saved("stage1", "", 5, 0)}}, VerdictNoFailure, ""},
		{"stage list unknown, failure lines", Run{Stages: []Stage{saved("stage1", "", 5, 1)}}, VerdictFailed, ""},
		{"job stopped on cancel", Run{Stages: []Stage{saved("stage1", "RUNNING", 5, 0)}, Record: RecordState{Known: true}, Job: &Job{Status: "ABORTED", Cancelled: "stopped on cancel"}}, VerdictRunning, "ABORTED"},
		{"final not SUCCESS", Run{Stages: []Stage{saved("stage1", "SUCCESS", 5, 0)}, Record: done("UNKNOWN")}, VerdictNoFailure, "UNKNOWN"},
	}
	for _, tc := range tests {
		if got := tc.run.Verdict(); got != tc.want {
			t.Errorf("%s: verdict %d, want %d", tc.name, got, tc.want)
		}
		if got := tc.run.BuildStatus(); got != tc.status {
			t.Errorf("%s: build status %q, want %q", tc.name, got, tc.status)
		}
	}
}
