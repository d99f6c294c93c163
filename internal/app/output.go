package app

// What the run shows: progress lines, annotations, excerpts and outputs.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/srcloc"
	"github.com/codearts-tools/codearts-logs/internal/summary"
)

var safeNameRe = regexp.MustCompile(`^[A-Za-z0-9_.:/ -]{1,64}$`)

// safeName returns s when it is plain enough to print outside
// stop-commands (a stage name, a status, an error code), else "?".
func safeName(s string) string {
	if safeNameRe.MatchString(s) && !strings.Contains(s, "::") {
		return s
	}
	return "?"
}

// errorClass describes an error for a progress line without any server
// text: the HTTP status and Huawei code, or the kind of transport failure.
func errorClass(err error) string {
	var apiErr *codearts.APIError
	if errors.As(err, &apiErr) {
		s := "HTTP " + strconv.Itoa(apiErr.Status)
		if apiErr.Code != "" {
			s += " " + safeName(apiErr.Code)
		}
		return s
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case codearts.IsEncodingError(err):
		return "body in a Content-Encoding not asked for"
	case err == nil:
		return "unknown error"
	}
	return "connection or transfer error"
}

// errText is an error's text for the job log and the outputs, "" for
// none. Errors stay errors up to here; their text is already free of
// secrets.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// progress prints one line per finished stage: the tool's own words, the
// size, the time and the result; server text only inside stop-commands.
func progress(r *ghaction.Commands, s report.Stage) {
	if s.Saved() {
		result := "ok"
		switch {
		case s.Suspicious():
			result = fmt.Sprintf("stage %s; %d suspicious line(s), not failures", safeName(s.Status), s.Scan.Matches)
		case s.Scan.Matches > 0:
			result = fmt.Sprintf("%d failure line(s)", s.Scan.Matches)
		case s.StatusFailed():
			result = "stage " + safeName(s.Status)
		}
		retries := ""
		if s.Attempts > 1 {
			retries = fmt.Sprintf(", %d attempts", s.Attempts)
		}
		r.Printf("  %-10s %10s  %8d lines  %7s  %s%s", s.Task, summary.FormatSize(s.Bytes), s.Scan.Lines, s.Elapsed.Round(time.Millisecond), result, retries)
		return
	}
	if notRun(&s) {
		st := "no status"
		if strings.TrimSpace(s.Status) != "" {
			st = "status " + safeName(s.Status)
		}
		r.Printf("  %-10s not run (%s, no log)", s.Task, st)
		return
	}
	code := ""
	if status := s.HTTPStatus(); status != 0 {
		code = fmt.Sprintf(" (HTTP %d", status)
		if c := s.ErrCode(); c != "" {
			code += " " + safeName(c)
		}
		code += ")"
	}
	r.Printf("  %-10s NOT SAVED after %d attempt(s)%s in %s:", s.Task, s.Attempts, code, s.Elapsed.Round(time.Millisecond))
	r.Quote("    " + errText(s.Err))
}

// annotate shows at most ghaction.MaxAnnotations errors: the run-level
// problem first, then one per failed stage with its root-cause line. tree
// is the repository's working tree (nil outside Actions): a root-cause
// line naming one of its files puts the annotation on that line of code.
func annotate(r *ghaction.Commands, rep *report.Run, tree *srcloc.Tree) {
	var notes []ghaction.Annotation
	if rep.Fatal != nil {
		notes = append(notes, ghaction.Annotation{Title: "CodeArts logs not obtained", Message: rep.Fatal.Error()})
	}
	if rep.Incomplete != "" {
		notes = append(notes, ghaction.Annotation{Title: "CodeArts record not finished", Message: rep.Incomplete})
	}
	if rep.ArtifactErr != nil {
		// Run-level problems come first: the runner drops annotations past ten.
		notes = append(notes, ghaction.Annotation{Title: "artifact not uploaded", Message: rep.ArtifactErr.Error()})
	}
	if rep.RecordFailed() && len(rep.FailedTasks()) == 0 {
		msg := rep.RecordFailure()
		if u := rep.UnfetchedFailures(); len(u) > 0 {
			msg += "; " + strings.Join(u, ", ") + " failed, not fetched (not in task-names)"
		}
		notes = append(notes, ghaction.Annotation{Title: "CodeArts build failed", Message: msg})
	}
	for i := range rep.Stages {
		s := &rep.Stages[i]
		switch {
		case s.NotRun:
		case !s.Saved() && rep.Fatal == nil:
			notes = append(notes, ghaction.Annotation{Title: stageTitle(s) + ": log not downloaded", Message: errText(s.Err)})
		case s.Saved() && s.Failed():
			notes = append(notes, failureAnnotation(rootCauseView(s), tree))
		}
	}
	for i, n := range notes {
		if i == ghaction.MaxAnnotations {
			break
		}
		r.Error(n)
	}
}

// rootCauseView is the stage as its annotation should see it: when only a
// user pattern failed it (its status did not), the root cause is the first
// line that pattern matched, not a built-in guess before it.
func rootCauseView(s *report.Stage) *report.Stage {
	if s.StatusFailed() || s.Scan.UserMatches == 0 || s.Scan.First.User {
		return s
	}
	v := *s
	v.Scan.First = s.Scan.FirstUser
	return &v
}

// stageTitle names a stage for an annotation's title: "stage3 (Maven Build)".
func stageTitle(s *report.Stage) string {
	if s.Name != "" {
		return s.Task + " (" + s.Name + ")"
	}
	return s.Task
}

// maxTitleMessage bounds the part of a title taken from the log: the
// title says what failed at a glance, the message holds the whole line.
const maxTitleMessage = 100

// locateLines is how many lines, from the root-cause line on, may give the
// position of the failure: rustc prints it on the line below, a JUnit
// failure in the first frame of the project's own code, below the frames of
// the assertion library.
const locateLines = 12

// failureAnnotation describes a failed stage: the title says what failed
// ("stage3 (Maven Build): OrderService.java:11: package … does not exist"),
// the message carries the whole root-cause line, and File/Line/Col point at
// the code when the line names a file of tree.
func failureAnnotation(s *report.Stage, tree *srcloc.Tree) ghaction.Annotation {
	title := stageTitle(s)
	if s.Scan.Matches == 0 {
		msg := fmt.Sprintf("status %s", s.Status)
		if n := len(s.Scan.Tail); n > 0 {
			msg += "; last line: " + withoutTimestamp(s.Scan.Tail[n-1].Text)
		}
		return ghaction.Annotation{Title: title + ": status " + s.Status, Message: msg}
	}
	root := s.Scan.First
	// "stage3.log line 2": the log's line, not the source file's the
	// annotation may point at.
	msg := fmt.Sprintf("%s line %d: %s", s.File, root.Number, withoutTimestamp(root.Text))
	if s.Scan.Matches > 1 {
		msg += fmt.Sprintf(" (and %d more failure lines)", s.Scan.Matches-1)
	}
	a := ghaction.Annotation{Message: msg}

	what := logMessage(root.Text)
	pos, posLine, found := locate(s.Scan, tree)
	if found {
		a.File, a.Line, a.Col, a.EndLine = pos.file, int64(pos.Line), int64(pos.Col), int64(pos.EndLine)
	} else if locs := srcloc.Find(root.Text); len(locs) > 0 {
		// Not a file of the repository, but still worth naming in the title.
		pos, posLine, found = position{Location: locs[0], match: true}, root.Text, true
	}
	if found {
		// The words after the position say what is wrong when they are a
		// message: on a failure line, or on a line that starts with the
		// position (go test's "    a_test.go:12: got 1, want 2"). After a
		// stack frame ("at f (a.js:1:2)", "in <module>", "(test)"), rustc's
		// "--> src/lib.rs:4:5" or CMake's "(message):" they say nothing,
		// and the root-cause line does.
		rest := strings.TrimLeft(posLine[pos.End:], " \t:,)-")
		startsLine := strings.TrimSpace(logPrefix.ReplaceAllString(posLine[:pos.Start], "")) == ""
		if (pos.match || startsLine) && words(rest) >= 2 && !strings.HasPrefix(rest, "in ") {
			what = rest
		}
		what = fmt.Sprintf("%s:%d: %s", baseName(pos.Path), pos.Line, what)
	}
	a.Title = title + ": " + cleantext.Cut(what, maxTitleMessage)
	return a
}

// position is a source position found in a log, with its file in the tree
// (empty when it is not one of the tree's files).
type position struct {
	srcloc.Location
	file  string
	match bool // found on a failure line, not on a line of its context
}

// locate looks for the first position that names a file of tree, on the
// root-cause line and the lines that follow it in its hunk; it returns the
// line it was found on.
func locate(res failures.Result, tree *srcloc.Tree) (position, string, bool) {
	if tree == nil {
		return position{}, "", false
	}
	var lines []failures.Line
	for _, h := range res.Hunks {
		for i, l := range h.Lines {
			if l.Number == res.First.Number {
				lines = h.Lines[i:min(len(h.Lines), i+locateLines)]
			}
		}
	}
	if len(lines) == 0 {
		lines = []failures.Line{res.First}
	}
	for _, l := range lines {
		for _, loc := range srcloc.Find(l.Text) {
			if file, ok := tree.Resolve(loc); ok {
				return position{Location: loc, file: file, match: l.Match || l.Number == res.First.Number}, l.Text, true
			}
		}
	}
	return position{}, "", false
}

// logPrefix is what CodeArts and the build tool put before the message:
// "[2023/12/21 15:44:18.200 GMT+08:00] [ERROR] ".
var logPrefix = regexp.MustCompile(`^\s*(?:\[\d{4}/\d\d/\d\d [^\]]{0,40}\]\s*)?(?:\[(?i:info|warn|warning|error|fatal|debug)\]\s*){0,2}`)

// codeartsTimestamp is the part of logPrefix that CodeArts itself adds
// to every line: "[2023/12/21 15:44:18.200 GMT+08:00] ".
var codeartsTimestamp = regexp.MustCompile(`^\[\d{4}/\d\d/\d\d [^\]]{0,40}\] ?`)

// withoutTimestamp is a log line as the build tool wrote it, for an
// annotation's message: CodeArts' timestamp says nothing there and pushes
// the message out of view. The level stays: it may be the tool's own
// (Maven's "[ERROR]"). The summary's excerpt keeps the line as it is.
func withoutTimestamp(text string) string {
	if t := codeartsTimestamp.ReplaceAllString(text, ""); strings.TrimSpace(t) != "" {
		return t
	}
	return text
}

// logMessage is a log line without its timestamp and level, nor the colon
// of a heading ("COMPILATION ERROR :").
func logMessage(text string) string {
	if m := strings.TrimRight(logPrefix.ReplaceAllString(text, ""), " \t:"); m != "" {
		return strings.TrimSpace(m)
	}
	return strings.TrimSpace(text)
}

// words counts the blank-separated words of s that hold a letter.
func words(s string) int {
	n := 0
	for _, f := range strings.Fields(s) {
		if strings.IndexFunc(f, unicode.IsLetter) >= 0 {
			n++
		}
	}
	return n
}

// baseName is the last element of a build machine's path, whatever its
// separators.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// printExcerpts prints each failed stage's excerpt in a collapsed group,
// as quoted data.
func printExcerpts(r *ghaction.Commands, rep *report.Run) {
	for _, g := range summary.LogGroups(rep, safeName) {
		r.Group(g.Title, func() { r.Quote(g.Text) })
	}
}

// logEntry is one element of the `logs` output.
type logEntry struct {
	Task     string `json:"task"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	File     string `json:"file"`
	Bytes    int64  `json:"bytes"`
	Lines    int64  `json:"lines"`
	Failures int64  `json:"failures"`
	// Suspicious counts lines the built-in patterns flag in a stage whose
	// status says it did not fail: notes, not failures.
	Suspicious int64  `json:"suspicious"`
	Error      string `json:"error"`
}

// MaxLogsOutput bounds the `logs` output: GitHub keeps at most 1 MB of
// outputs for a whole job, and 1000 stages made 2 MB.
const MaxLogsOutput = 256 << 10

// outputs returns the step outputs, and how many stages were left out of
// `logs` to keep it under MaxLogsOutput.
func outputs(rep *report.Run, dir string) (out [][2]string, dropped int) {
	logs, dropped := logsJSON(rep, dir, MaxLogsOutput)
	out = [][2]string{
		{"path", dir},
		{"logs", logs},
		{"failed-tasks", strings.Join(rep.FailedTasks(), ",")},
		{"record-id", rep.RecordID},
		{"build-status", rep.BuildStatus()},
	}
	if a := rep.Artifact; a != nil {
		out = append(out, [2]string{"artifact-id", strconv.FormatInt(a.ID, 10)}, [2]string{"artifact-url", a.URL})
	}
	if rep.Job != nil {
		out = append(out, [2]string{"build-number", buildNumberOutput(rep.Job)})
	}
	return out, dropped
}

// logsJSON is the `logs` output: a JSON array of at most limit bytes. When
// the stages do not fit, whole entries are dropped from the end (the array
// stays valid JSON) and their number is returned.
func logsJSON(rep *report.Run, dir string, limit int) (string, int) {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range rep.Stages {
		// Later steps print these (echo "$LOGS"): no escape sequence or BiDi
		// control from the server may ride along (JSON escapes C0 only).
		e := logEntry{Task: s.Task, Name: cleantext.Line(s.Name), Status: cleantext.Line(s.Status), Error: cleantext.Line(errText(s.Err))}
		if s.Saved() {
			e.File = filepath.Join(dir, s.File)
			e.Bytes, e.Lines, e.Failures = s.Bytes, s.Scan.Lines, s.FailureLines()
			if s.Suspicious() {
				e.Suspicious = s.Scan.Matches
			}
		}
		var one strings.Builder
		enc := json.NewEncoder(&one)
		enc.SetEscapeHTML(false) // "Npm Lint & Test", not "Npm Lint \u0026 Test"
		enc.Encode(e)
		item := strings.TrimSuffix(one.String(), "\n")
		if b.Len()+len(item)+2 > limit { // a comma and the closing bracket
			return b.String() + "]", len(rep.Stages) - i
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	return b.String() + "]", 0
}

func finalLine(rep *report.Run, cfg *config.Config, code int) string {
	saved, notRun := 0, 0
	for i := range rep.Stages {
		switch {
		case rep.Stages[i].Saved():
			saved++
		case rep.Stages[i].NotRun:
			notRun++
		}
	}
	line := fmt.Sprintf("codearts-logs: %d of %d stage log(s) saved (%s) in %s to %s", saved, len(rep.Stages), summary.FormatSize(rep.SavedBytes()), rep.Elapsed.Round(time.Millisecond), cfg.Dir)
	if notRun > 0 {
		line += fmt.Sprintf("; %d not run", notRun)
	}
	if failed := rep.FailedTasks(); len(failed) > 0 {
		line += "; failed: " + strings.Join(failed, ", ")
	} else if u := rep.UnfetchedFailures(); len(u) > 0 && rep.RecordFailed() {
		line += "; the record failed (" + safeName(rep.BuildStatus()) + "): " + strings.Join(u, ", ") + " failed, not fetched"
	} else if rep.RecordFailed() {
		line += "; the record failed (" + safeName(rep.BuildStatus()) + ") with no failed stage"
	}
	if rep.Artifact != nil {
		line += "; artifact " + rep.Artifact.Name
	}
	return line + fmt.Sprintf("; exit %d", code)
}

// reportIgnored says which full-stages entries are neither a stageN build
// action nor the record's initial/final entry: no log is fetched for them,
// and dropping them silently would hide a change in the API's answers. The
// keys are server text: quoted, cleaned, cut and redacted.
func reportIgnored(r *ghaction.Commands, rec codearts.Record, redact func(string) string) {
	isStage := make(map[string]bool, len(rec.Stages))
	for _, s := range rec.Stages {
		isStage[s.Task] = true
	}
	var names []string
	for _, s := range rec.All {
		if !isStage[s.Task] && s.Task != "initial" && s.Task != "final" {
			names = append(names, s.Task)
		}
	}
	if len(names) == 0 {
		return
	}
	r.Printf("Ignored %d full-stages entr(ies) that are not stageN build actions (no log is fetched for them):", len(names))
	const most = 20
	var b strings.Builder
	for i, n := range names {
		if i == most {
			fmt.Fprintf(&b, "    … and %d more\n", len(names)-most)
			break
		}
		fmt.Fprintf(&b, "    %q\n", cleantext.Shorten(redact(n), 100))
	}
	r.Quote(b.String())
}
