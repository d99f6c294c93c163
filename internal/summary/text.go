package summary

import (
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/codearts-tools/codearts-logs/internal/report"
)

// Limits for the terminal rendering, in runes.
const (
	textCell = 60  // a table cell
	textMsg  = 500 // a message
)

// Text renders run for a terminal: the verdict, a line with the log level,
// stage count, size and time, the run-level notes, an aligned stage table
// (each row marked "x" failed, "." not run, "!" log missing, "~" still
// running or "-"), the download errors, the suspicious lines, and each
// failed stage's excerpt with line numbers (">" marks a failure line).
//
// Remote text is cleaned of control characters (so it cannot move the
// cursor or recolour the terminal) and of line breaks, and no line starts
// with it, so it cannot form a "::command::" line. The runner also matches
// the legacy "##[command]" form anywhere in a line: when the output may
// reach a runner's log, print it between ::stop-commands:: markers.
func Text(run *report.Run) string {
	v := newView(run)
	var b strings.Builder
	b.WriteString(textHeading(v) + "\n")
	b.WriteString(textFacts(v) + "\n")
	b.WriteString(textNotes(v))
	b.WriteString(textTable(v))
	b.WriteString(textDownloadErrors(v))
	b.WriteString(textSuspicious(v))
	for _, st := range v.failed {
		b.WriteString(textSection(st))
	}
	return b.String()
}

// textHeading is the first line: the build, the verdict and what failed.
func textHeading(v *view) string {
	s := "CodeArts build"
	if j := v.job; j != nil {
		if j.BuildNumber > 0 {
			s += " #" + strconv.Itoa(j.BuildNumber)
		}
		s += " of job " + shorten(j.ID, 64)
		if id := shorten(v.recordID, 64); id != "" {
			s += " (record " + id + ")"
		}
	} else if id := shorten(v.recordID, 64); id != "" {
		s += " " + id
	}
	s += " " + v.words
	if w := v.why; w != nil {
		s += " (" + w.before + shorten(w.status, textCell) + w.after + ")"
	}
	if v.verdict == report.VerdictFailed && len(v.failed) > 0 {
		s += ": " + listFailed(v.failed, textRef)
	}
	return s
}

// listFailed names the first failed stages for a heading: "a, b, c and 2
// more".
func listFailed(failed []*stageView, ref func(*stageView) string) string {
	var b strings.Builder
	for i, st := range failed {
		if i == maxFailedInHeading {
			b.WriteString(" and " + strconv.Itoa(len(failed)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ref(st))
	}
	return b.String()
}

func textFacts(v *view) string {
	var facts []string
	if l := shorten(v.logLevel, 16); l != "" {
		facts = append(facts, "log level "+l)
	}
	facts = append(facts, plural(int64(v.stageCount), "stage"))
	facts = append(facts, FormatSize(v.savedBytes)+" of logs")
	if v.elapsed > 0 {
		facts = append(facts, "took "+formatDuration(v.elapsed))
	}
	if d := shorten(v.dir, textMsg); d != "" {
		facts = append(facts, "saved in "+d)
	}
	return strings.Join(facts, ", ")
}

// textLabels words the run-level notes; a kind without one is not shown.
var textLabels = map[noteKind]string{
	noteStopped:         "Run stopped",
	noteRecordFailed:    "Record failed",
	noteUnfetchedFailed: "Record failed",
	noteNotFinished:     "Record not finished",
	noteNoStageList:     "Stage list unavailable (no display names or statuses)",
	noteUploadFailed:    "Artifact upload failed",
	noteNotUploaded:     "Artifact not uploaded",
}

func textNotes(v *view) string {
	var b strings.Builder
	for _, n := range v.notes {
		if n.kind == noteArtifact {
			a := v.artifact
			s := "Artifact: " + shorten(a.Name, textCell)
			if u, ok := linkURL(a.URL); ok {
				s += " " + u
			}
			if a.Size > 0 {
				s += " (" + FormatSize(a.Size) + " zip)"
			}
			b.WriteString(s + "\n")
		} else if label := textLabels[n.kind]; label != "" {
			b.WriteString("! " + label + ": " + shorten(n.text, textMsg) + "\n")
		}
	}
	return b.String()
}

// textMarks are the rows' marks, by mark.
var textMarks = [...]string{markOK: "-", markFailed: "x", markNotRun: ".", markMissing: "!", markRunning: "~"}

func textTable(v *view) string {
	if len(v.stages) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	tw.Write([]byte("  STAGE\tNAME\tSTATUS\tDURATION\tSIZE\tLINES\tFAILURES\tFILE\n"))
	for i := range v.stages {
		st := &v.stages[i]
		size, lines, file := dash, dash, dash
		if st.saved {
			size, lines, file = FormatSize(st.bytes), formatCount(st.lines), shorten(st.file, textCell)
		}
		status := orDash(shorten(st.status, textCell))
		if st.notRun {
			status = notRunStatus(st, func(s string) string { return shorten(s, textCell) })
		}
		cells := []string{textMarks[st.mark] + " " + orDash(shorten(st.task, textCell)),
			orDash(shorten(st.name, textCell)), status,
			formatDuration(st.duration), size, lines, failuresCell(st, formatCount), file}
		tw.Write([]byte(strings.Join(cells, "\t") + "\n"))
	}
	tw.Flush()
	return b.String()
}

// failuresCell is a row's failure lines, shown by count (the count of
// failure lines passes through emph when there are any), and the
// suspicious lines after them.
func failuresCell(st *stageView, emph func(int64) string) string {
	s := dash
	switch {
	case st.failureLines > 0:
		s = emph(st.failureLines)
	case st.saved:
		s = formatCount(0)
	}
	if st.suspicious > 0 {
		s += " (" + formatCount(st.suspicious) + " suspicious)"
	}
	return s
}

func textDownloadErrors(v *view) string {
	l := stageList{head: "\nDownload errors:\n", limit: -1,
		item: func(st *stageView) string {
			s := "  ! " + textRef(st) + ": "
			if d := httpDetail(st, func(s string) string { return shorten(s, 40) }); d != "" {
				s += d + ": "
			}
			return s + orNotSaved(shorten(st.err, textMsg))
		}}
	return l.render(v.missing)
}

// textSuspicious is the suspicious-lines notes for the terminal.
func textSuspicious(v *view) string {
	l := stageList{head: "\nSuspicious lines (not failures: the status says the stage did not fail):\n",
		limit: maxSuspiciousListed,
		more:  func(int) string { return "  … and more (see the logs output)\n" },
		item: func(st *stageView) string {
			s := "  i " + textRef(st) + ": " + plural(st.suspicious, "suspicious line")
			if first := st.firstSuspicious; first.Number > 0 {
				s += ", first at line " + formatCount(first.Number) + ": " + shorten(first.Text, textMsg)
			}
			return s
		}}
	return l.render(v.suspicious)
}

// textSection is a failed stage's excerpt, under a line that says what it
// shows.
func textSection(st *stageView) string {
	ex := &st.excerpt
	s := "\nx " + textRef(st)
	if status := shorten(st.status, textCell); status != "" {
		s += ", " + status
	}
	switch ex.kind {
	case kindHunks:
		s += ", " + plural(ex.matches, "failure line")
		if more := ex.matches - ex.shown; more > 0 {
			s += " (" + formatCount(more) + " not shown)"
		}
		s += ":\n"
	case kindTail:
		what := "last "
		if ex.tailCommand {
			what = "output of the last command, "
		}
		s += ", no failure line matched; " + what + plural(int64(countLines(ex.lines)), "line") + ":\n"
	case kindNone:
		switch {
		case !st.saved:
			s += ": the log could not be downloaded\n"
		case ex.matches > 0:
			s += ", " + plural(ex.matches, "failure line") + "; no excerpt was kept\n"
		default:
			s += ": no line matched a failure pattern\n"
		}
	}
	var b strings.Builder
	b.WriteString(s)
	for _, l := range gutterLines(ex.lines) {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// textRef renders "stage3 (Maven Build)" for the terminal.
func textRef(st *stageView) string {
	s := orDash(shorten(st.task, textCell))
	if n := shorten(st.name, textCell); n != "" {
		s += " (" + n + ")"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

// orNotSaved is a download error's text, or words for an error without one.
func orNotSaved(s string) string {
	if s == "" {
		return "the log was not saved"
	}
	return s
}
