package summary

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

var fuzzBudgets = []int{DefaultBudget, 8 << 10, 4 << 10}

// fuzzRun builds a run of 1 to 6 stages from arbitrary remote text; shape
// picks the number of stages and, per stage, whether it failed, has a
// download error or a long name.
func fuzzRun(name, status, line, task string, shape uint8) *report.Run {
	n := int(shape%6) + 1
	run := &report.Run{RecordID: task, LogLevel: status, StagesErr: textErr(line)}
	for i := 0; i < n; i++ {
		st := report.Stage{
			Task: fmt.Sprintf("%s%d", task, i), Name: name, Status: status,
			Duration: time.Duration(i) * time.Second, Bytes: int64(len(line)) * 10,
		}
		st.File = st.Task + ".log"
		if (int(shape)>>i)&1 == 1 {
			st.Name = strings.Repeat(name, 50)
			st.Status = "FAILED"
		}
		lines := make([]failures.Line, 10)
		for j := range lines {
			lines[j] = failures.Line{Number: int64(j + 1), Text: line, Match: j == 3}
		}
		switch i % 3 {
		case 0: // failure lines
			st.Scan = failures.Result{Lines: 10, Matches: 1, Shown: 1, Hunks: []failures.Hunk{{Lines: lines[:5]}, {Lines: lines[7:]}}}
		case 1: // failed status, tail
			st.Scan = failures.Result{Lines: 10, Tail: lines}
		default: // download error
			st.File = ""
			st.Err = downloadErr(line+name, 500, status)
		}
		run.Stages = append(run.Stages, st)
	}
	return run
}

// FuzzMarkdown checks, for arbitrary display names, statuses, task names
// and log lines, that the summary stays within its budget and that the
// table keeps one row per stage and the same number of cells in every row:
// in Go on the Markdown, and through cmark-gfm when it is installed.
//
//	go test ./internal/summary -run '^$' -fuzz FuzzMarkdown -fuzztime 20s
func FuzzMarkdown(f *testing.F) {
	for i, n := range hostileNames {
		f.Add(n, "FAILED", hostileLines[i%len(hostileLines)], "stage", uint8(i*7))
	}
	f.Add("a@b.com www.x.org", "FAIL|ED", "`````", "st\\|age", uint8(255))
	f.Add("\\", "\\", "\\", "\\", uint8(3))
	f.Add("", "", "", "", uint8(0))
	f.Add("::error::x", "::warning::y", "::add-mask::z", "::set-output name=x::", uint8(1))
	bin, _ := exec.LookPath("cmark-gfm")
	f.Fuzz(func(t *testing.T, name, status, line, task string, shape uint8) {
		run := fuzzRun(name, status, line, task, shape)
		budget := fuzzBudgets[int(shape/6)%len(fuzzBudgets)]
		md := Markdown(run, Options{Budget: budget, FilePrefix: "logs/"})
		if len(md) > budget {
			t.Fatalf("summary is %d bytes, budget %d", len(md), budget)
		}
		checkTableStructure(t, md, len(run.Stages))
		if bin != "" {
			checkRendered(t, renderHTML(t, bin, md), run)
		}
		// The terminal text never starts a line with remote text, and
		// carries no control characters but tabs inside excerpts and the
		// line breaks Text writes itself.
		text := Text(run)
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, " \t"), "::") {
				t.Fatalf("a Text line starts with a workflow command: %q", l)
			}
		}
		for _, r := range text {
			if r != '\n' && r != '\t' && cleantext.IsUnsafe(r) {
				t.Fatalf("control character %U in Text", r)
			}
		}
	})
}
