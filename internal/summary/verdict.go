package summary

import (
	"strings"

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

// notRunStatus is the status cell of a stage that never ran; esc renders
// the status.
func notRunStatus(st *stageView, esc func(string) string) string {
	if strings.TrimSpace(st.status) == "" {
		return "not run"
	}
	return esc(st.status) + " (not run)"
}

// maxSuspiciousListed is how many stages the suspicious-lines notes name.
const maxSuspiciousListed = 10

// suspicious lists the stages that did not fail but whose log has lines
// the built-in patterns flag: notes that say where to look, never a
// failure. Each names the first such line.
func (m *mdRenderer) suspicious(lv level) string {
	l := stageList{
		head: "### Notes: suspicious lines\n\n" +
			"Lines that look like failures in stages whose status says they did not fail. CodeArts' status decides: they are not counted as failures. Add a `failure-patterns` line to make such a line fail the step.\n\n",
		limit: maxSuspiciousListed, more: mdMoreStages, end: "\n",
		item: func(st *stageView) string {
			first := st.firstSuspicious
			line := "- " + m.stageRef(st, lv) + ": " + plural(st.suspicious, "suspicious line") + " in " + m.file(st, lv.file)
			if first.Number > 0 {
				line += ", first at line " + formatCount(first.Number) + ": " + md(first.Text, lv.msg)
			}
			return line
		}}
	return l.render(m.v.suspicious)
}
