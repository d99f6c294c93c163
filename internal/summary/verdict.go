package summary

import (
	"strings"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// verdictIcon is the heading's icon: a success only when the run says so.
func verdictIcon(v report.Verdict) string {
	switch v {
	case report.VerdictSucceeded, report.VerdictNoFailure:
		return "✅"
	case report.VerdictFailed:
		return "❌"
	case report.VerdictRunning:
		return "⏳"
	default:
		return "⚠️"
	}
}

// verdictWords is the heading's wording of the run's verdict.
func verdictWords(run *report.Run, v report.Verdict) string {
	switch v {
	case report.VerdictSucceeded:
		return "succeeded"
	case report.VerdictNoFailure:
		return "no failure found"
	case report.VerdictFailed:
		return "failed"
	case report.VerdictRunning:
		return "still running"
	case report.VerdictEmpty:
		return "has no stages"
	}
	if run.Fatal == nil && len(run.Missing()) == 0 && run.Incomplete != "" {
		// Every log is here, but the wait never saw the record's end.
		return "not known to have finished"
	}
	return "logs incomplete"
}

// recordHeading says, in the heading, why a record failed when no stage
// did: its status is server text, escaped.
func recordHeading(run *report.Run, lv level) string {
	if codearts.StatusFailed(run.Record.Initial) {
		s := "initial " + md(run.Record.Initial, lv.status)
		if strings.EqualFold(strings.TrimSpace(run.Record.Initial), "SCHEDULE_FAILURE") {
			s = "never ran: " + s
		}
		return s
	}
	return "record status " + md(run.Record.Final, lv.status) + ", no stage failed"
}

// notRunStatus is the status cell of a stage that never ran.
func notRunStatus(st *report.Stage, lv level) string {
	if strings.TrimSpace(st.Status) == "" {
		return "not run"
	}
	return md(st.Status, lv.status) + " (not run)"
}

// maxSuspiciousListed is how many stages the suspicious-lines notes name.
const maxSuspiciousListed = 10

// suspicious lists the stages that did not fail but whose log has lines
// the built-in patterns flag: notes that say where to look, never a
// failure. Each names the first such line.
func (m *mdRenderer) suspicious(lv level) string {
	var idx []int
	for i := range m.run.Stages {
		if m.run.Stages[i].Saved() && m.run.Stages[i].Suspicious() {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Notes: suspicious lines\n\n")
	b.WriteString("Lines that look like failures in stages whose status says they did not fail. CodeArts' status decides: they are not counted as failures. Add a `failure-patterns` line to make such a line fail the step.\n\n")
	for n, i := range idx {
		if n == maxSuspiciousListed {
			b.WriteString("- … and " + plural(int64(len(idx)-n), "more stage") + " (see the `logs` output)\n")
			break
		}
		st := &m.run.Stages[i]
		first := st.Scan.First
		line := "- " + m.stageRef(st, lv) + ": " + plural(st.Scan.Matches, "suspicious line") + " in " + m.file(st, lv.file)
		if first.Number > 0 {
			line += ", first at line " + formatCount(first.Number) + ": " + md(first.Text, lv.msg)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// recordHeadingText is recordHeading for the terminal.
func recordHeadingText(run *report.Run) string {
	if codearts.StatusFailed(run.Record.Initial) {
		s := "initial " + shorten(run.Record.Initial, textCell)
		if strings.EqualFold(strings.TrimSpace(run.Record.Initial), "SCHEDULE_FAILURE") {
			s = "never ran: " + s
		}
		return s
	}
	return "record status " + shorten(run.Record.Final, textCell) + ", no stage failed"
}

// suspiciousText is the suspicious-lines notes for the terminal.
func suspiciousText(run *report.Run) string {
	var b strings.Builder
	n := 0
	for i := range run.Stages {
		st := &run.Stages[i]
		if !st.Saved() || !st.Suspicious() {
			continue
		}
		if n == 0 {
			b.WriteString("\nSuspicious lines (not failures: the status says the stage did not fail):\n")
		}
		if n == maxSuspiciousListed {
			b.WriteString("  … and more (see the logs output)\n")
			break
		}
		n++
		s := "  i " + textRef(st) + ": " + plural(st.Scan.Matches, "suspicious line")
		if st.Scan.First.Number > 0 {
			s += ", first at line " + formatCount(st.Scan.First.Number) + ": " + shorten(st.Scan.First.Text, textMsg)
		}
		b.WriteString(s + "\n")
	}
	return b.String()
}
