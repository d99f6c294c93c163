package summary

import (
	"strconv"
	"strings"

	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// maxExcerptLineBytes bounds one excerpt line. The failure scan already cuts
// lines; this is a second guard so that one line can never take the budget.
const maxExcerptLineBytes = 2000

// exLine is one line of a rendered excerpt, or the gap between two hunks.
type exLine struct {
	num   int64
	text  string
	match bool
	gap   bool
}

// excerptKind says what a failed stage's excerpt is made of.
type excerptKind int

const (
	kindNone  excerptKind = iota // nothing to show
	kindHunks                    // failure lines with context
	kindTail                     // the last command's output (or last lines) of a failed-status stage
)

// excerptOf returns the lines to show for a failed stage: its hunks
// separated by gaps, else (for a failed status without a match) its tail.
func excerptOf(st *report.Stage) ([]exLine, excerptKind) {
	var out []exLine
	for _, h := range st.Scan.Hunks {
		if len(h.Lines) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, exLine{gap: true})
		}
		out = appendLines(out, h.Lines)
	}
	if len(out) > 0 {
		return out, kindHunks
	}
	if st.Scan.Matches == 0 && st.StatusFailed() && len(st.Scan.Tail) > 0 {
		return appendLines(nil, st.Scan.Tail), kindTail
	}
	return nil, kindNone
}

func appendLines(out []exLine, lines []failures.Line) []exLine {
	for _, l := range lines {
		out = append(out, exLine{
			num:   l.Number,
			text:  cutBytes(cleanLine(l.Text), maxExcerptLineBytes),
			match: l.Match,
		})
	}
	return out
}

// countLines counts the real lines (not gaps) of an excerpt.
func countLines(lines []exLine) int {
	n := 0
	for _, l := range lines {
		if !l.gap {
			n++
		}
	}
	return n
}

// keepLines returns the first k real lines of an excerpt with the gaps
// between them; a gap never ends the result.
func keepLines(lines []exLine, k int) []exLine {
	n := 0
	for i, l := range lines {
		if l.gap {
			continue
		}
		if n == k {
			return trimGap(lines[:i])
		}
		n++
	}
	return lines
}

func trimGap(lines []exLine) []exLine {
	for len(lines) > 0 && lines[len(lines)-1].gap {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// gutterLines renders excerpt lines with a gutter: ">" marks a failure
// line, the line number is right-aligned, and a gap shows as "…".
func gutterLines(lines []exLine) []string {
	width := 1
	for _, l := range lines {
		if !l.gap {
			width = max(width, len(strconv.FormatInt(l.num, 10)))
		}
	}
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l.gap {
			out = append(out, strings.Repeat(" ", width+3)+"…")
			continue
		}
		mark := "  "
		if l.match {
			mark = "> "
		}
		num := strconv.FormatInt(l.num, 10)
		out = append(out, mark+strings.Repeat(" ", width-len(num))+num+" │ "+l.text)
	}
	return out
}

// lineRange describes the line numbers an excerpt spans, e.g. "lines
// 118–140". The root cause comes first, so the lines are not always in
// order: the range is from the smallest to the largest.
func lineRange(lines []exLine) string {
	first, last := int64(-1), int64(-1)
	for _, l := range lines {
		if l.gap {
			continue
		}
		if first < 0 || l.num < first {
			first = l.num
		}
		last = max(last, l.num)
	}
	switch {
	case first < 0:
		return ""
	case first == last:
		return "line " + strconv.FormatInt(first, 10)
	default:
		return "lines " + strconv.FormatInt(first, 10) + "–" + strconv.FormatInt(last, 10)
	}
}
