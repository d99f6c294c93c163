package summary

import "github.com/codearts-tools/codearts-logs/internal/report"

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
	if run.Fatal == "" && len(run.Missing()) == 0 && run.Incomplete != "" {
		// Every log is here, but the wait never saw the record's end.
		return "not known to have finished"
	}
	return "logs incomplete"
}
