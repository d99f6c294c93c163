// Package report holds the outcome of one run: what each stage's download
// and scan produced. The pipeline fills it; the summary, the outputs and
// the exit code are derived from it. It does no I/O.
package report

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/failures"
)

// Exit codes, the same for the action and the CLI.
const (
	ExitOK          = 0 // every log obtained (and no failure, or failures allowed)
	ExitBuildFailed = 1 // fail-on-build-failure and the build failed (a stage or the record)
	ExitBadInput    = 2 // an input was invalid; nothing was requested
	ExitIncomplete  = 3 // a log or the artifact could not be obtained
)

// Stage is one build action ("stageN") of the record.
type Stage struct {
	Task     string        // stageN, the API's task_name
	Name     string        // display name from full-stages, may be empty
	Status   string        // status from full-stages, may be empty
	Duration time.Duration // build duration from full-stages, 0 when unknown
	// FromRecord is set when the record's stage list names the stage, so
	// that Status (even empty) is what CodeArts says.
	FromRecord bool

	File     string        // file name under Run.Dir when saved, empty otherwise
	Bytes    int64         // size of the saved log
	Elapsed  time.Duration // time the download took
	Attempts int           // HTTP attempts made for the log

	Scan failures.Result // what the failure scan found

	// Err is the download error, its text already free of secrets; nil
	// when saved. It keeps its chain: ErrKind, HTTPStatus and ErrCode read
	// it, and only the renderers turn it into text.
	Err error
	// NotRun is set when the stage never ran: the record lists it with no
	// status or INIT (the stages after a failure), and task-log answered
	// 404. Its log is not missing: there is none.
	NotRun bool
}

// NeverRan reports whether the record lists the stage as not started: no
// status, or INIT. After a failure the later stages keep that for ever.
func (s *Stage) NeverRan() bool {
	st := strings.TrimSpace(s.Status)
	return s.FromRecord && (st == "" || strings.EqualFold(st, "INIT"))
}

// Saved reports whether the stage's log was obtained.
func (s *Stage) Saved() bool { return s.Err == nil && s.File != "" }

// ErrKind is the kind of the download error (codearts.KindUnknown when
// there is none).
func (s *Stage) ErrKind() codearts.Kind { return codearts.KindOf(s.Err) }

// HTTPStatus is the HTTP status of the download error when the server
// answered one, else 0.
func (s *Stage) HTTPStatus() int {
	var e *codearts.APIError
	if errors.As(s.Err, &e) {
		return e.Status
	}
	return 0
}

// ErrCode is the Huawei error_code of the download error when the server
// answered one, else "".
func (s *Stage) ErrCode() string {
	var e *codearts.APIError
	if errors.As(s.Err, &e) {
		return e.Code
	}
	return ""
}

// StatusFailed reports whether CodeArts says the stage failed.
func (s *Stage) StatusFailed() bool { return codearts.StatusFailed(s.Status) }

// StatusKnown reports whether CodeArts gave the stage a status.
func (s *Stage) StatusKnown() bool { return strings.TrimSpace(s.Status) != "" }

// Failed reports whether the stage counts as failed. When CodeArts gives
// a status, the status decides: lines that only the built-in patterns flag
// in a stage that did not fail are guesses (see Suspicious). A line matched
// by the user's own failure-patterns is a failure whatever the status: the
// user said so. Without a status, any failure line decides.
func (s *Stage) Failed() bool {
	switch {
	case s.StatusFailed(), s.Scan.UserMatches > 0:
		return true
	case s.StatusKnown():
		return false
	}
	return s.Scan.Matches > 0
}

// Suspicious reports whether the stage did not fail but its log has lines
// the built-in patterns flag: they are shown as notes, never as failures.
func (s *Stage) Suspicious() bool { return !s.Failed() && s.Scan.Matches > 0 }

// FailureLines is how many lines of the stage's log count as failure
// lines: every match in a failed stage, else the user's matches (none,
// since they fail the stage) and no built-in guess.
func (s *Stage) FailureLines() int64 {
	if s.Failed() {
		return s.Scan.Matches
	}
	return 0
}

// Artifact describes an uploaded artifact.
type Artifact struct {
	Name string
	ID   int64
	URL  string // link to the artifact on GitHub, may be empty
	Size int64  // zip size in bytes
}

// Run is the outcome of the whole run.
type Run struct {
	RecordID string
	LogLevel string
	Dir      string // absolute output folder
	Stages   []Stage

	// StagesErr is set when the full-stages call failed and the run went
	// on with the listed task names (no display names or statuses).
	StagesErr error
	// Incomplete is set when the record had not finished (wait-timeout
	// elapsed): the reason, shown in the summary.
	Incomplete string
	// Fatal is set when the run stopped for a reason that concerns every
	// stage (for example an authentication failure). Its text is the whole
	// message, free of secrets; its chain keeps the cause.
	Fatal error
	// Record is what the stage list said about the record as a whole.
	Record RecordState

	Artifact        *Artifact // set when uploaded
	ArtifactErr     error     // set when the upload failed, its text free of secrets
	ArtifactSkipped string    // set when no upload was attempted, with the reason

	Elapsed time.Duration

	// Job is set in job mode: the build of a job the record belongs to.
	Job *Job
}

// Job is the build that job mode followed.
type Job struct {
	ID          string // the job ID
	BuildNumber int    // #N; 0 when not known (the start failed)
	Started     bool   // this run started the build (run-build)
	// Status is the build's last known status (SUCCESS, FAILED, ABORTED
	// once a stop on cancel was confirmed, RUNNING, ...), "" when unknown.
	Status string
	// Cancelled says what happened when the workflow was cancelled while
	// following the build ("stopped on cancel: ..."); empty otherwise.
	Cancelled string
}

// RecordState is what the last full-stages answer said about the record as
// a whole; the zero value means it was never read.
type RecordState struct {
	Known    bool   // full-stages answered at least once
	Finished bool   // the last answer said the build is over (codearts.Record.Finished)
	Initial  string // status of the record's "initial" entry, "" when absent
	Final    string // status of the record's "final" entry, "" when absent
	// FailedStages are the record's stageN entries whose status failed,
	// fetched or not (task-names may list only some of the stages).
	FailedStages []string
}

// RecordStateOf summarises a full-stages answer.
func RecordStateOf(rec codearts.Record) RecordState {
	st := RecordState{Known: true, Finished: rec.Finished()}
	for _, s := range rec.All {
		switch s.Task {
		case "initial":
			st.Initial = s.Status
		case "final":
			st.Final = s.Status
		default:
			if codearts.StatusFailed(s.Status) {
				st.FailedStages = append(st.FailedStages, s.Task)
			}
		}
	}
	return st
}

// RecordFailed reports whether the record's own "initial" or "final"
// entry failed (SCHEDULE_FAILURE on initial: the build never ran), which
// fails the record even when no stage did.
func (r *Run) RecordFailed() bool {
	return codearts.StatusFailed(r.Record.Initial) || codearts.StatusFailed(r.Record.Final)
}

// RecordFailure says why the record itself failed, for a note when no
// stage did; "" when it did not. It quotes the statuses, server text.
func (r *Run) RecordFailure() string {
	switch {
	case strings.EqualFold(strings.TrimSpace(r.Record.Initial), "SCHEDULE_FAILURE"):
		return "the record's initial entry says " + r.Record.Initial + ": the build was never scheduled, so no stage ran"
	case codearts.StatusFailed(r.Record.Initial):
		return "the record's initial entry says " + r.Record.Initial + ", before any stage ran"
	case codearts.StatusFailed(r.Record.Final):
		return "the record's final entry says " + r.Record.Final
	}
	return ""
}

// stageTaskRe is a stage name that can be shown as it is: the server's
// task names are remote text, and only this form goes into fixed wording.
var stageTaskRe = regexp.MustCompile(`^stage[0-9]{1,6}$`)

// UnfetchedFailures are the stages that the record says failed but that
// were not fetched (task-names listed others): the reason a record failed
// "with no failed stage" among those shown.
func (r *Run) UnfetchedFailures() []string {
	fetched := map[string]bool{}
	for i := range r.Stages {
		fetched[r.Stages[i].Task] = true
	}
	var out []string
	for _, t := range r.Record.FailedStages {
		if !fetched[t] && stageTaskRe.MatchString(t) {
			out = append(out, t)
		}
	}
	return out
}

// Failed reports whether the build failed: a stage failed, or the record
// itself did.
func (r *Run) Failed() bool { return r.RecordFailed() || len(r.FailedTasks()) > 0 }

// BuildStatus is the record's status as CodeArts gives it: the "final"
// entry's status once it finished, "RUNNING" while it had not finished,
// and "" when unknown (the stage list could not be had). In job mode, the
// build's last known status when it was stopped on cancel.
func (r *Run) BuildStatus() string {
	switch {
	case r.Job != nil && r.Job.Status != "" && (r.Job.Cancelled != "" || !r.Record.Known):
		// Job mode knows better: the build was stopped, or its record's
		// stages were never read.
		return r.Job.Status
	case !r.Record.Known:
		return ""
	case !r.Record.Finished:
		return "RUNNING"
	case strings.TrimSpace(r.Record.Final) != "":
		return strings.TrimSpace(r.Record.Final)
	case codearts.StatusFailed(r.Record.Initial):
		return strings.TrimSpace(r.Record.Initial)
	}
	return ""
}

// Running reports whether the record was seen and had not finished.
func (r *Run) Running() bool { return r.Record.Known && !r.Record.Finished }

// Verdict is the overall result of a run.
type Verdict int

// Verdicts, from the summary's heading.
const (
	// VerdictSucceeded: the record finished and CodeArts says it succeeded
	// (or, when the record's own entries are unknown, every stage has a
	// finished status), no stage failed and every log was obtained.
	VerdictSucceeded Verdict = iota
	// VerdictNoFailure: no failure found and every log obtained, but the
	// statuses that would confirm success are unknown.
	VerdictNoFailure
	// VerdictFailed: a stage or the record itself failed.
	VerdictFailed
	// VerdictRunning: no failure known, and the record had not finished
	// when its logs were fetched. Never a success.
	VerdictRunning
	// VerdictIncomplete: no failure known, but a log, the stage list or the
	// record's end could not be obtained.
	VerdictIncomplete
	// VerdictEmpty: the run has no stage at all.
	VerdictEmpty
)

// Verdict derives the run's overall result.
func (r *Run) Verdict() Verdict {
	switch {
	case r.Failed():
		return VerdictFailed
	case r.Running():
		return VerdictRunning
	case r.Fatal != nil || r.Incomplete != "" || len(r.Missing()) > 0:
		return VerdictIncomplete
	case len(r.Stages) == 0:
		return VerdictEmpty
	}
	if r.Record.Known && strings.TrimSpace(r.Record.Final) != "" {
		if strings.EqualFold(strings.TrimSpace(r.Record.Final), "SUCCESS") {
			return VerdictSucceeded
		}
		return VerdictNoFailure
	}
	for i := range r.Stages {
		if st := strings.TrimSpace(r.Stages[i].Status); st == "" || !codearts.StatusFinished(st) {
			return VerdictNoFailure
		}
	}
	return VerdictSucceeded
}

// FailedTasks lists the stages that failed (Stage.Failed), in stage order.
func (r *Run) FailedTasks() []string {
	var out []string
	for i := range r.Stages {
		if r.Stages[i].Failed() {
			out = append(out, r.Stages[i].Task)
		}
	}
	return out
}

// Missing lists the stages whose log could not be obtained (stages that
// never ran have none to obtain).
func (r *Run) Missing() []string {
	var out []string
	for i := range r.Stages {
		if !r.Stages[i].Saved() && !r.Stages[i].NotRun {
			out = append(out, r.Stages[i].Task)
		}
	}
	return out
}

// SavedBytes is the total size of the logs obtained.
func (r *Run) SavedBytes() int64 {
	var n int64
	for i := range r.Stages {
		if r.Stages[i].Saved() {
			n += r.Stages[i].Bytes
		}
	}
	return n
}

// ExitCode derives the process exit code: 3 when anything could not be
// obtained (a log, the artifact, a finished record), else 1 when
// failOnBuildFailure is set and the build failed (Failed), else 0.
func (r *Run) ExitCode(failOnBuildFailure bool) int {
	if r.Fatal != nil || r.Incomplete != "" || r.ArtifactErr != nil || len(r.Missing()) > 0 {
		return ExitIncomplete
	}
	if failOnBuildFailure && r.Failed() {
		return ExitBuildFailed
	}
	return ExitOK
}
