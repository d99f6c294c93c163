package summary

import (
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// view is a run as every renderer shows it, decided once: what the heading
// says, the notes, one row a stage, the download errors, the suspicious
// lines and the failed stages' excerpts. The renderers (Markdown, Text and
// LogGroups) only choose words, escaping and limits. Remote text stays as
// the server sent it, so that each renderer escapes it for its medium; the
// excerpt lines alone are cleaned here, once.
type view struct {
	recordID string
	job      *report.Job
	verdict  report.Verdict
	words    string     // the verdict in words: "failed", "still running", ...
	why      *recordWhy // set when the record failed with no failed stage

	logLevel   string
	stageCount int
	savedBytes int64
	elapsed    time.Duration
	dir        string // the output folder; "" when no log was saved in it

	notes    []note
	artifact *report.Artifact

	stages     []stageView  // one row a stage, in stage order
	failed     []*stageView // the failed stages, in stage order
	missing    []*stageView // the stages whose log could not be obtained
	suspicious []*stageView // the stages that did not fail but have lines the built-in patterns flag
}

// recordWhy says why a record failed when no stage did, as words around
// the record's own status (server text): "never ran: initial
// SCHEDULE_FAILURE", "record status FAILED, no stage failed".
type recordWhy struct {
	before, status, after string
}

// noteKind says what a run-level note is about; each renderer has its
// own wording for each kind.
type noteKind int

const (
	noteStopped         noteKind = iota // the run stopped: text is why
	noteRecordFailed                    // the record failed and no stage did: text is why
	noteUnfetchedFailed                 // the record failed in stages that were not fetched: text is why
	noteNotFinished                     // the record had not finished: text is why
	noteNoStageList                     // the stage list could not be read: text is why
	noteMissingLogs                     // count logs could not be downloaded
	noteArtifact                        // the artifact was uploaded (view.artifact)
	noteUploadFailed                    // the upload failed: text is why
	noteNotUploaded                     // no upload was attempted: text is why
)

// note is one run-level note, in the order the renderers show them.
type note struct {
	kind  noteKind
	text  string // remote or error text, raw
	count int
}

// mark is what a stage's row says at a glance.
type mark int

const (
	markOK      mark = iota // the log is saved and the stage did not fail
	markFailed              // the stage failed
	markNotRun              // the stage never ran: there is no log
	markMissing             // the log could not be obtained
	markRunning             // the stage had not finished
)

// stageView is one stage as the renderers show it.
type stageView struct {
	task, name, status string // as CodeArts gives them
	mark               mark
	statusFailed       bool // CodeArts says it failed (the status is shown as such)
	notRun             bool
	saved              bool
	duration           time.Duration
	file               string // saved stages only
	bytes              int64
	lines              int64 // lines of the log
	failureLines       int64 // lines that count as failures
	suspicious         int64 // lines the built-in patterns flag in a stage that did not fail
	firstSuspicious    failures.Line

	// The download error (missing stages only): its text, the HTTP status
	// and the Huawei error code when the server answered them.
	err        string
	httpStatus int
	errCode    string

	excerpt excerpt // failed stages only
}

// excerpt is a failed stage's excerpt: its lines, cleaned once, and what
// the scan says about them.
type excerpt struct {
	kind        excerptKind
	lines       []exLine
	matches     int64 // failure lines found in the log
	shown       int64 // of which the hunks show
	tailCommand bool  // a tail is the output of the last command, not just the last lines
}

// newView decides what run shows; a nil run is an empty one.
func newView(run *report.Run) *view {
	if run == nil {
		run = &report.Run{}
	}
	v := &view{
		recordID: run.RecordID, job: run.Job, verdict: run.Verdict(),
		logLevel: run.LogLevel, stageCount: len(run.Stages), savedBytes: run.SavedBytes(),
		elapsed: run.Elapsed, artifact: run.Artifact,
	}
	v.words = verdictWords(run, v.verdict)
	v.stages = make([]stageView, len(run.Stages))
	for i := range run.Stages {
		st := &run.Stages[i]
		sv := &v.stages[i]
		*sv = newStageView(st)
		switch {
		case st.Failed():
			v.failed = append(v.failed, sv)
		case sv.suspicious > 0 && sv.saved:
			v.suspicious = append(v.suspicious, sv)
		}
		if !sv.saved && !sv.notRun {
			v.missing = append(v.missing, sv)
		}
		if sv.saved {
			v.dir = run.Dir
		}
	}
	if v.verdict == report.VerdictFailed && len(v.failed) == 0 {
		v.why = whyRecordFailed(run)
	}
	v.notes = runNotes(run, len(v.failed) > 0, len(v.missing))
	return v
}

func newStageView(st *report.Stage) stageView {
	sv := stageView{
		task: st.Task, name: st.Name, status: st.Status,
		mark: markOf(st), statusFailed: st.StatusFailed(), notRun: st.NotRun, saved: st.Saved(),
		duration: st.Duration, lines: st.Scan.Lines, failureLines: st.FailureLines(),
	}
	if sv.saved {
		sv.file, sv.bytes = st.File, st.Bytes
	}
	if st.Suspicious() {
		sv.suspicious, sv.firstSuspicious = st.Scan.Matches, st.Scan.First
	}
	if !sv.saved && !sv.notRun {
		sv.err, sv.httpStatus, sv.errCode = errText(st.Err), st.HTTPStatus(), st.ErrCode()
	}
	if st.Failed() {
		lines, kind := excerptOf(st)
		sv.excerpt = excerpt{kind: kind, lines: lines, matches: st.Scan.Matches,
			shown: st.Scan.Shown, tailCommand: st.Scan.TailCommand}
	}
	return sv
}

func markOf(st *report.Stage) mark {
	switch {
	case st.Failed():
		return markFailed
	case st.NotRun:
		return markNotRun
	case !st.Saved():
		return markMissing
	case st.Status != "" && !codearts.StatusFinished(st.Status):
		return markRunning
	}
	return markOK
}

// whyRecordFailed words what the record's own entries say.
func whyRecordFailed(run *report.Run) *recordWhy {
	rec := run.Record
	if codearts.StatusFailed(rec.Initial) {
		if strings.EqualFold(strings.TrimSpace(rec.Initial), "SCHEDULE_FAILURE") {
			return &recordWhy{before: "never ran: initial ", status: rec.Initial}
		}
		return &recordWhy{before: "initial ", status: rec.Initial}
	}
	if u := run.UnfetchedFailures(); len(u) > 0 {
		return &recordWhy{before: "record status ", status: rec.Final, after: ", " + strings.Join(u, ", ") + " failed, not fetched"}
	}
	return &recordWhy{before: "record status ", status: rec.Final, after: ", no stage failed"}
}

// runNotes lists the run-level notes, in the order they are shown.
func runNotes(run *report.Run, anyFailed bool, missing int) []note {
	var out []note
	add := func(k noteKind, text string) {
		if text != "" {
			out = append(out, note{kind: k, text: text})
		}
	}
	add(noteStopped, errText(run.Fatal))
	if !anyFailed {
		if u := run.UnfetchedFailures(); len(u) > 0 && run.RecordFailure() != "" {
			add(noteUnfetchedFailed, run.RecordFailure()+"; "+strings.Join(u, ", ")+" failed, not fetched (not in task-names)")
		} else {
			add(noteRecordFailed, run.RecordFailure())
		}
	}
	add(noteNotFinished, run.Incomplete)
	add(noteNoStageList, errText(run.StagesErr))
	if missing > 0 {
		out = append(out, note{kind: noteMissingLogs, count: missing})
	}
	if run.Artifact != nil {
		out = append(out, note{kind: noteArtifact})
	}
	add(noteUploadFailed, errText(run.ArtifactErr))
	add(noteNotUploaded, run.ArtifactSkipped)
	return out
}
