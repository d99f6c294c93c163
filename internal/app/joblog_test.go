package app

import (
	"bytes"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// TestJobLogExcerpts pins the job log's excerpt groups: one per failed
// stage whose log was saved, titled in the tool's words, with the stage's
// name, numbered lines (">" marks a failure line), "…" between hunks, and
// how many failure lines were left out.
func TestJobLogExcerpts(t *testing.T) {
	t.Parallel()
	line := func(n int64, text string, match bool) failures.Line {
		return failures.Line{Number: n, Text: text, Match: match}
	}
	run := &report.Run{Stages: []report.Stage{
		{Task: "stage1", Name: "Checkout", Status: "SUCCESS", File: "stage1.log", Scan: failures.Result{Lines: 3}},
		{Task: "stage2", Name: "Maven Build", Status: "FAILED", File: "stage2.log", Scan: failures.Result{
			Lines: 2000, Matches: 5, Shown: 3,
			Hunks: []failures.Hunk{
				{Lines: []failures.Line{line(9, "[INFO] compiling", false), line(10, "[ERROR] App.java:[17,9] cannot find symbol", true)}},
				{Lines: []failures.Line{line(1200, "[ERROR] BUILD FAILURE", true), line(1201, "[ERROR]\tdone", true)}},
			},
		}},
		{Task: "stage3", Status: "FAILED", File: "stage3.log", Scan: failures.Result{
			Lines: 7, Tail: []failures.Line{line(6, "+ ./deploy.sh", false), line(7, "exit 1", false)},
		}},
		{Task: "stage4", Name: "Package", Status: "FAILED", Err: &codearts.APIError{Status: 404}},
	}}
	var out bytes.Buffer
	printExcerpts(ghaction.New(&out, func(string) string { return "" }), run)
	want := "== stage2: 5 failure line(s) (stage2.log)\n" +
		"stage2 — Maven Build\n" +
		"      9 | [INFO] compiling\n" +
		">    10 | [ERROR] App.java:[17,9] cannot find symbol\n" +
		"      …\n" +
		">  1200 | [ERROR] BUILD FAILURE\n" +
		">  1201 | [ERROR]\tdone\n" +
		"… 2 more failure line(s) in stage2.log\n" +
		"== stage3: status FAILED, last 2 line(s) (stage3.log)\n" +
		"      6 | + ./deploy.sh\n" +
		"      7 | exit 1\n"
	if got := out.String(); got != want {
		t.Errorf("job log excerpts:\n%s\nwant:\n%s", got, want)
	}
}
