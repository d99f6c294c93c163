package summary

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// bigRun has n failed stages whose excerpts hold lines lines of width
// bytes each, and names of nameLen bytes.
func bigRun(n, lines, width, nameLen int) *report.Run {
	run := &report.Run{RecordID: recordID, LogLevel: "INFO"}
	text := strings.Repeat("x", width)
	name := strings.Repeat("N", nameLen)
	for i := 1; i <= n; i++ {
		task := fmt.Sprintf("stage%d", i)
		st := report.Stage{
			Task: task, Name: name, Status: "FAILED", Duration: time.Second,
			File: task + ".log", Bytes: 1 << 20, Scan: failures.Result{Lines: 10_000},
		}
		if lines > 0 {
			ls := make([]failures.Line, lines)
			for j := range ls {
				ls[j] = failures.Line{Number: int64(j + 1), Text: text, Match: j%5 == 0}
			}
			st.Scan.Hunks = []failures.Hunk{{Lines: ls}}
			st.Scan.Matches = int64(lines / 5)
			st.Scan.Shown = int64(lines / 5)
		}
		run.Stages = append(run.Stages, st)
	}
	return run
}

// tableLines returns the Markdown table's lines (header, delimiter, rows).
func tableLines(md string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(l, "| Stage | Name |"):
			in = true
		case in && l == "":
			return out
		}
		if in {
			out = append(out, l)
		}
	}
	return out
}

// unescapedPipes counts the '|' not preceded by a backslash escape: the
// cell separators of a GFM table row.
func unescapedPipes(line string) int {
	n, backslashes := 0, 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			backslashes++
			continue
		case '|':
			if backslashes%2 == 0 {
				n++
			}
		}
		backslashes = 0
	}
	return n
}

// checkTableStructure asserts, without a Markdown renderer, that the table
// has one row per stage and that every row has the header's 9 separators.
func checkTableStructure(t testing.TB, md string, stages int) {
	t.Helper()
	lines := tableLines(md)
	if len(lines) != stages+2 {
		t.Fatalf("table has %d lines, want %d (header, delimiter, one row per stage)", len(lines), stages+2)
	}
	for i, l := range lines {
		if got := unescapedPipes(l); got != 9 {
			t.Fatalf("table line %d has %d cell separators, want 9: %q", i, got, l)
		}
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		run    func() *report.Run
		budget int
		// rows is the number of table rows expected; -1 means fewer rows
		// than stages, with a row saying how many were left out.
		rows int
		want []string
	}{
		{
			name:   "several MiB of excerpts",
			run:    func() *report.Run { return bigRun(300, 40, 400, 20) }, // ~5 MiB of excerpt text
			budget: 0,
			rows:   300,
			want: []string{
				"⚠️ Excerpt trimmed to stay under GitHub's summary limit; see the log file `stage",
				"⚠️ Excerpts not shown for ",
				"failed stages (`stage",
			},
		},
		{
			name:   "thousands of stages with huge names",
			run:    func() *report.Run { return bigRun(5000, 2, 100, 5000) },
			budget: 0,
			rows:   5000,
			want:   []string{"| ❌ `stage5000` | NNNNNNNNNNNNNNNNNNN… | **FAILED** |", "⚠️ Excerpts not shown for "},
		},
		{
			name:   "more stages than any table fits",
			run:    func() *report.Run { return bigRun(20_000, 0, 0, 10) },
			budget: 256 << 10,
			rows:   -1,
			want:   []string{"more stages not shown: the summary size limit | | | | | | |\n"},
		},
		{
			name:   "small budget",
			run:    trimmedRun,
			budget: 4 << 10,
			rows:   6,
			want:   []string{"⚠️ Excerpts not shown for "},
		},
		{
			name:   "tiny budget keeps the heading only",
			run:    trimmedRun,
			budget: 120,
			rows:   0,
			want:   []string{"## ❌ CodeArts build"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := tc.run()
			md := Markdown(run, Options{Budget: tc.budget})
			budget := tc.budget
			if budget == 0 {
				budget = DefaultBudget
			}
			if len(md) > budget {
				t.Fatalf("summary is %d bytes, budget %d", len(md), budget)
			}
			for _, w := range tc.want {
				if !strings.Contains(md, w) {
					t.Errorf("missing %q", w)
				}
			}
			switch {
			case tc.rows > 0:
				checkTableStructure(t, md, tc.rows)
			case tc.rows < 0:
				lines := tableLines(md)
				if len(lines) < 100 || len(lines) >= len(run.Stages)+2 {
					t.Errorf("%d table lines for %d stages", len(lines), len(run.Stages))
				}
				for i, l := range lines {
					if got := unescapedPipes(l); got != 9 {
						t.Fatalf("table line %d has %d separators: %q", i, got, l)
					}
				}
			default:
				if tableLines(md) != nil {
					t.Errorf("a table in a %d-byte budget", budget)
				}
			}
			if tc.budget == 0 && len(md) < budget*9/10 {
				t.Errorf("summary is %d bytes: trimmed far below the %d budget", len(md), budget)
			}
		})
	}
}

// TestBudgetTrimsLastStagesFirst checks the order of trimming: the first
// failed stage keeps its whole excerpt, the next ones are shortened and
// then left out.
func TestBudgetTrimsLastStagesFirst(t *testing.T) {
	t.Parallel()
	run := bigRun(5, 40, 100, 10)
	full := Markdown(run, Options{})
	if strings.Contains(full, "trimmed") {
		t.Fatalf("the default budget trimmed a small summary:\n%s", full)
	}
	for _, budget := range []int{20_000, 12_000, 8_000, 5_000, 3_000} {
		md := Markdown(run, Options{Budget: budget})
		if len(md) > budget {
			t.Fatalf("budget %d: %d bytes", budget, len(md))
		}
		checkTableStructure(t, md, 5)
		// Sections in order; once one is shortened, the later ones are
		// shortened or left out too.
		trimmed := false
		for i := 1; i <= 5; i++ {
			task := fmt.Sprintf("stage%d", i)
			start := strings.Index(md, "<summary><b>❌ "+task+"</b>")
			if start < 0 {
				if !trimmed && i > 1 {
					t.Errorf("budget %d: %s left out while the one before is whole", budget, task)
				}
				trimmed = true
				continue
			}
			end := strings.Index(md[start:], "</details>")
			sec := md[start : start+end]
			shortened := strings.Contains(sec, "Excerpt trimmed")
			if trimmed && !shortened {
				t.Errorf("budget %d: %s is whole after a trimmed one", budget, task)
			}
			if !shortened && strings.Count(sec, " │ ") != 40 {
				t.Errorf("budget %d: %s shows %d lines, want 40", budget, task, strings.Count(sec, " │ "))
			}
			trimmed = trimmed || shortened
		}
		if !trimmed {
			t.Errorf("budget %d: nothing was trimmed", budget)
		}
	}
}

func TestBudgetAlwaysHolds(t *testing.T) {
	t.Parallel()
	runs := []*report.Run{hostileRun(), trimmedRun(), errorsRun(), bigRun(50, 40, 200, 300)}
	for _, run := range runs {
		for budget := 1; budget <= 64<<10; budget = budget*3/2 + 1 {
			if md := Markdown(run, Options{Budget: budget, FilePrefix: "codearts-build-logs/"}); len(md) > budget {
				t.Fatalf("budget %d: %d bytes", budget, len(md))
			}
		}
	}
}

// TestCmarkBudget renders a summary trimmed from several MiB through
// cmark-gfm: trimming must leave well-formed blocks and the whole table.
func TestCmarkBudget(t *testing.T) {
	t.Parallel()
	bin := cmarkPath(t)
	run := bigRun(300, 40, 400, 20)
	md := Markdown(run, Options{})
	out := renderHTML(t, bin, md)
	checkRendered(t, out, run)
	blocks := preBlocks(out)
	if len(blocks) < 2 || strings.Count(blocks[0], "\n") != 40 {
		t.Fatalf("%d code blocks; the first has %d lines, want all 40", len(blocks), strings.Count(blocks[0], "\n"))
	}
	if o, c := strings.Count(out, "<details"), strings.Count(md, "\n<details"); o != c || o < 2 {
		t.Errorf("%d <details> rendered, %d written", o, c)
	}
}

// BenchmarkMarkdownHuge renders a run whose excerpts hold about 5 MiB of
// text into the default budget.
//
//	go test ./internal/summary -run '^$' -bench MarkdownHuge -benchmem
func BenchmarkMarkdownHuge(b *testing.B) {
	run := bigRun(300, 40, 400, 20)
	b.ReportAllocs()
	for b.Loop() {
		if md := Markdown(run, Options{}); len(md) > DefaultBudget {
			b.Fatalf("%d bytes", len(md))
		}
	}
}

// BenchmarkMarkdownTypical renders a run with one failed stage.
func BenchmarkMarkdownTypical(b *testing.B) {
	run := oneFailedRun()
	b.ReportAllocs()
	for b.Loop() {
		Markdown(run, Options{FilePrefix: "codearts-build-logs/"})
	}
}
