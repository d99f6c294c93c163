package summary

import (
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// Limits for the terminal rendering, in runes.
const (
	textCell = 60  // a table cell
	textMsg  = 500 // a message
)

// Text renders run for a terminal: the verdict, a line with the log level,
// stage count, size and time, the run-level notes, an aligned stage table
// (each row marked "x" failed, "!" log missing, "~" still running or "-"),
// the download errors, and each failed stage's excerpt with line numbers
// (">" marks a failure line).
//
// Remote text is cleaned of control characters (so it cannot move the
// cursor or recolour the terminal) and of line breaks, and no line starts
// with it, so it cannot form a "::command::" line. The runner also matches
// the legacy "##[command]" form anywhere in a line: when the output may
// reach a runner's log, print it between ::stop-commands:: markers.
func Text(run *report.Run) string {
	if run == nil {
		run = &report.Run{}
	}
	var b strings.Builder
	v := run.Verdict()
	b.WriteString("CodeArts build")
	if j := run.Job; j != nil {
		if j.BuildNumber > 0 {
			b.WriteString(" #" + strconv.Itoa(j.BuildNumber))
		}
		b.WriteString(" of job " + shorten(j.ID, 64))
		if id := shorten(run.RecordID, 64); id != "" {
			b.WriteString(" (record " + id + ")")
		}
	} else if id := shorten(run.RecordID, 64); id != "" {
		b.WriteString(" " + id)
	}
	b.WriteString(" " + verdictWords(run, v))
	failed := failedIndexes(run)
	if v == report.VerdictFailed && len(failed) == 0 {
		b.WriteString(" (" + recordHeadingText(run) + ")")
	}
	if v == report.VerdictFailed && len(failed) > 0 {
		b.WriteString(": ")
		for i, idx := range failed {
			if i == maxFailedInHeading {
				b.WriteString(" and " + strconv.Itoa(len(failed)-i) + " more")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(textRef(&run.Stages[idx]))
		}
	}
	b.WriteString("\n")

	var facts []string
	if l := shorten(run.LogLevel, 16); l != "" {
		facts = append(facts, "log level "+l)
	}
	facts = append(facts, plural(int64(len(run.Stages)), "stage"))
	facts = append(facts, FormatSize(run.SavedBytes())+" of logs")
	if run.Elapsed > 0 {
		facts = append(facts, "took "+formatDuration(run.Elapsed))
	}
	if d := shorten(run.Dir, textMsg); d != "" && anySaved(run) {
		facts = append(facts, "saved in "+d)
	}
	b.WriteString(strings.Join(facts, ", ") + "\n")

	note := func(label, msg string) {
		if msg != "" {
			b.WriteString("! " + label + ": " + shorten(msg, textMsg) + "\n")
		}
	}
	note("Run stopped", errText(run.Fatal))
	if len(failed) == 0 {
		note("Record failed", run.RecordFailure())
	}
	note("Record not finished", run.Incomplete)
	note("Stage list unavailable (no display names or statuses)", errText(run.StagesErr))
	if a := run.Artifact; a != nil {
		s := "Artifact: " + shorten(a.Name, textCell)
		if u, ok := linkURL(a.URL); ok {
			s += " " + u
		}
		if a.Size > 0 {
			s += " (" + FormatSize(a.Size) + " zip)"
		}
		b.WriteString(s + "\n")
	}
	note("Artifact upload failed", errText(run.ArtifactErr))
	note("Artifact not uploaded", run.ArtifactSkipped)

	if len(run.Stages) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		tw.Write([]byte("  STAGE\tNAME\tSTATUS\tDURATION\tSIZE\tLINES\tFAILURES\tFILE\n"))
		for i := range run.Stages {
			st := &run.Stages[i]
			mark := "-"
			switch {
			case st.Failed():
				mark = "x"
			case st.NotRun:
				mark = "."
			case !st.Saved():
				mark = "!"
			case st.Status != "" && !codearts.StatusFinished(st.Status):
				mark = "~"
			}
			size, lines, fails, file := dash, dash, dash, dash
			if st.Saved() {
				size = FormatSize(st.Bytes)
				lines = formatCount(st.Scan.Lines)
				fails = formatCount(st.FailureLines())
				file = shorten(st.File, textCell)
			}
			if st.FailureLines() > 0 {
				fails = formatCount(st.FailureLines())
			}
			if st.Suspicious() {
				fails += " (" + formatCount(st.Scan.Matches) + " suspicious)"
			}
			status := orDash(shorten(st.Status, textCell))
			if st.NotRun {
				status = shorten(st.Status, textCell) + " (not run)"
				if strings.TrimSpace(st.Status) == "" {
					status = "not run"
				}
			}
			cells := []string{mark + " " + orDash(shorten(st.Task, textCell)),
				orDash(shorten(st.Name, textCell)), status,
				formatDuration(st.Duration), size, lines, fails, file}
			tw.Write([]byte(strings.Join(cells, "\t") + "\n"))
		}
		tw.Flush()
	}

	first := true
	for i := range run.Stages {
		st := &run.Stages[i]
		if st.Saved() || st.NotRun {
			continue
		}
		if first {
			b.WriteString("\nDownload errors:\n")
			first = false
		}
		s := "  ! " + textRef(st) + ": "
		if d := httpDetail(st, func(s string) string { return shorten(s, 40) }); d != "" {
			s += d + ": "
		}
		if st.Err != nil {
			s += shorten(st.Err.Error(), textMsg)
		} else {
			s += "the log was not saved"
		}
		b.WriteString(s + "\n")
	}

	b.WriteString(suspiciousText(run))

	for _, idx := range failed {
		st := &run.Stages[idx]
		lines, kind := excerptOf(st)
		b.WriteString("\nx " + textRef(st))
		if s := shorten(st.Status, textCell); s != "" {
			b.WriteString(", " + s)
		}
		switch kind {
		case kindHunks:
			b.WriteString(", " + plural(st.Scan.Matches, "failure line"))
			if more := st.Scan.Matches - st.Scan.Shown; more > 0 {
				b.WriteString(" (" + formatCount(more) + " not shown)")
			}
			b.WriteString(":\n")
		case kindTail:
			if st.Scan.TailCommand {
				b.WriteString(", no failure line matched; output of the last command, " + plural(int64(countLines(lines)), "line") + ":\n")
			} else {
				b.WriteString(", no failure line matched; last " + plural(int64(countLines(lines)), "line") + ":\n")
			}
		default:
			switch {
			case !st.Saved():
				b.WriteString(": the log could not be downloaded\n")
			case st.Scan.Matches > 0:
				b.WriteString(", " + plural(st.Scan.Matches, "failure line") + "; no excerpt was kept\n")
			default:
				b.WriteString(": no line matched a failure pattern\n")
			}
		}
		for _, l := range gutterLines(lines) {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

// textRef renders "stage3 (Maven Build)" for the terminal.
func textRef(st *report.Stage) string {
	s := orDash(shorten(st.Task, textCell))
	if n := shorten(st.Name, textCell); n != "" {
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

func anySaved(run *report.Run) bool {
	for i := range run.Stages {
		if run.Stages[i].Saved() {
			return true
		}
	}
	return false
}
