package summary

import (
	"fmt"
	"strings"

	"github.com/codearts-tools/codearts-logs/internal/report"
)

// maxLogName bounds a display name in the job log, as the runner's group
// titles are bounded: a name is read at a glance.
const maxLogName = 200

// LogGroup is one failed stage's excerpt for the job log: the title of a
// collapsed group, and the excerpt, which holds log lines and so must be
// printed as quoted data (between stop-commands markers).
type LogGroup struct {
	Title string
	Text  string
}

// LogGroups renders the job log's excerpts: a group for each failed stage
// whose log was saved, titled "stage3: 13 failure line(s) (stage3.log)"
// (or, when no line matched, the status and how many last lines are
// shown), with the stage's name, the numbered lines (">" marks a failure
// line, "…" the gap between hunks) and how many failure lines are not
// shown. The title is printed outside stop-commands: plain renders the
// status in it, and must return only text that is inert there.
func LogGroups(run *report.Run, plain func(string) string) []LogGroup {
	var out []LogGroup
	for _, st := range newView(run).failed {
		if !st.saved {
			continue
		}
		ex := &st.excerpt
		what := fmt.Sprintf("%d failure line(s)", ex.matches)
		if ex.matches == 0 {
			what = fmt.Sprintf("status %s, last %d line(s)", plain(st.status), countLines(ex.lines))
		}
		out = append(out, LogGroup{
			Title: fmt.Sprintf("%s: %s (%s)", st.task, what, st.file),
			Text:  logText(st),
		})
	}
	return out
}

// logText is a stage's excerpt for the job log.
func logText(st *stageView) string {
	var b strings.Builder
	if st.name != "" {
		fmt.Fprintf(&b, "%s — %s\n", st.task, shorten(st.name, maxLogName))
	}
	for _, l := range st.excerpt.lines {
		if l.gap {
			b.WriteString("      …\n")
			continue
		}
		mark := " "
		if l.match {
			mark = ">"
		}
		fmt.Fprintf(&b, "%s%6d | %s\n", mark, l.num, l.text)
	}
	if more := st.excerpt.matches - st.excerpt.shown; more > 0 {
		fmt.Fprintf(&b, "… %d more failure line(s) in %s\n", more, st.file)
	}
	return b.String()
}
