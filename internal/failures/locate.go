package failures

import (
	"bytes"
	"hash/fnv"
	"regexp"
	"slices"
)

// Bounds of the locator's memory: candidate reports of at most MaxLines
// lines each, summaries, and the openers already seen (to show a report
// that a tool prints twice only once).
const (
	maxReports   = 8 // of each tier
	maxSummaries = 3
	maxSeen      = 64
)

// report is a candidate block: a failure line with the lines that go with
// it (the rest of a test's failure report, a compiler's source line and
// caret, a stack trace), and context before it.
type report struct {
	tier  tier
	head  int64 // the number of the line that opened it
	cmd   int64 // for a summary: the line where its command started, 0 when not seen
	lines []Line
}

// openReport is the report being read.
type openReport struct {
	r       *report
	mode    mode
	indent  int
	blanks  int   // blank lines at the end of r.lines, kept in case the report goes on
	pending *Line // a line back at the opener's indentation: a caret below it makes it the report's
}

// locator turns classified lines into reports, and the reports into an
// excerpt. It keeps at most maxReports reports (tier error and root) and
// maxSummaries summaries, the first of each tier; later ones are counted
// only.
type locator struct {
	o         Options
	reports   []report
	summaries []report
	cur       *openReport
	seen      []uint64
	lastLine  int64 // the last line kept in a report
	after     int   // context lines still to add after a one-line report
	marked    int64 // lines that the structure of a report marks as failure lines (a test's name in a section)
	userLine  int64 // the line extend is adding, when a user pattern matched it
}

// wantBefore returns how many lines before line num to keep with a report
// it opens: the command's output for a summary, else Context lines.
func (l *locator) wantBefore(num int64, c class) int {
	if !l.hasRoom(c) {
		return 0
	}
	want := l.o.Context
	if c.quiet {
		want = 0 // a section's title: what is above it is another matter
	}
	if c.tier == tierSummary {
		// The detector keeps those since the command's start, at most
		// MaxLines-1 that are not blank.
		want = 2*l.o.MaxLines - 1
	}
	want = min(want, 2*l.o.MaxLines-1)
	return int(max(0, min(int64(want), num-1-l.lastLine)))
}

// hasRoom reports whether a report of c's tier may still be kept. Each
// tier has its own room: a log full of error lines (a test suite that
// prints "Permission denied" in its test names) must not crowd out the
// test framework's failure report further down.
func (l *locator) hasRoom(c class) bool {
	if c.tier == tierSummary {
		return len(l.summaries) < maxSummaries
	}
	n := 0
	for i := range l.reports {
		if l.reports[i].tier == c.tier {
			n++
		}
	}
	return n < maxReports
}

// open starts a report at line num, unless the same text opened one before
// or there is no room left. It reports whether it did.
func (l *locator) open(num int64, text string, body []byte, c class, f facts, before []Line, cmd int64) bool {
	if !l.hasRoom(c) {
		return false
	}
	if c.tier >= tierError && !c.quiet && l.repeat(body) {
		// A repeat: Maven prints each compiler error again after BUILD
		// FAILURE. Its continuation lines are repeats too.
		l.cur = &openReport{mode: c.mode, indent: f.indent}
		return false
	}
	lines := make([]Line, 0, min(l.o.MaxLines, len(before)+8))
	for _, b := range before {
		if b.Number > l.lastLine {
			lines = append(lines, b)
		}
	}
	lines = append(lines, Line{Number: num, Text: text, Match: !c.quiet, User: c.user && !c.quiet})
	var r *report
	if c.tier == tierSummary {
		l.summaries = append(l.summaries, report{tier: c.tier, head: num, cmd: cmd, lines: lines})
		r = &l.summaries[len(l.summaries)-1]
	} else {
		l.reports = append(l.reports, report{tier: c.tier, head: num, lines: lines})
		r = &l.reports[len(l.reports)-1]
	}
	l.lastLine = num
	l.cur = &openReport{r: r, mode: c.mode, indent: f.indent}
	if c.tier == tierSummary && c.mode != modeSection {
		l.close() // a summary is one line; its cause is above it
	}
	return true
}

// repeat reports whether a failure line with this body was seen before,
// and remembers it (the first maxSeen).
func (l *locator) repeat(body []byte) bool {
	h := fnv.New64a()
	h.Write(bytes.TrimSpace(body))
	k := h.Sum64()
	if slices.Contains(l.seen, k) {
		return true
	}
	if len(l.seen) < maxSeen {
		l.seen = append(l.seen, k)
	}
	return false
}

// extend adds line num to the open report when it belongs to it, and
// reports whether it did; otherwise it closes the report.
func (l *locator) extend(num int64, text lineText, c class, f facts) bool {
	st := l.cur
	if st.r != nil && len(st.r.lines) >= l.o.MaxLines {
		l.close()
		return false
	}
	failure := c.tier > tierNone && !c.quiet
	l.userLine = 0
	if failure && c.user {
		l.userLine = num // add flags it
	}
	if failure && st.r != nil && (st.mode == modeSection || f.indent > st.indent) && c.tier >= tierError {
		l.repeat(f.body) // remembered, so that a repeat of it is not shown again
	}
	switch {
	case f.blank:
		switch st.mode {
		case modePara:
			l.close()
			return false
		case modeSection:
		default:
			if st.pending != nil || st.blanks >= 2 {
				l.close()
				return false
			}
		}
		st.blanks++
		l.add(num, "", false)
		return true
	case f.marker || f.noise || f.boiler || c.quiet:
		l.close()
		return false
	case failure && st.mode != modeSection && f.indent <= st.indent:
		l.close()
		return false
	}
	switch st.mode {
	case modeSection, modePara:
		if f.end {
			l.close()
			return false
		}
		l.add(num, text.String(), failure || f.item && st.mode == modeSection)
		if !failure && f.item && st.mode == modeSection && st.r != nil {
			l.marked++
		}
		return true
	}
	if f.indent > st.indent || f.cont || f.item || failure {
		if st.pending != nil {
			if !f.cont {
				l.close()
				return false
			}
			l.add(st.pending.Number, st.pending.Text, false)
			st.pending = nil
		}
		l.add(num, text.String(), failure)
		return true
	}
	if st.pending != nil {
		l.close()
		return false
	}
	if st.mode == modeTrace {
		l.add(num, text.String(), true) // the exception that ends a traceback
		if !failure && st.r != nil {
			l.marked++
		}
		l.close()
		return true
	}
	// A line back at the opener's indentation: a compiler's source line
	// when a caret follows it.
	st.pending = &Line{Number: num, Text: text.String()}
	return true
}

// add appends a line to the open report (nothing for a repeat's).
func (l *locator) add(num int64, text string, match bool) {
	st := l.cur
	if text != "" {
		st.blanks = 0
	}
	if st.r == nil {
		return
	}
	st.r.lines = append(st.r.lines, Line{Number: num, Text: text, Match: match, User: match && num == l.userLine})
	l.lastLine = num
}

// close ends the open report: trailing blank lines are dropped, and a
// report of one line gets Context lines after it.
func (l *locator) close() {
	st := l.cur
	if st == nil {
		return
	}
	l.cur = nil
	r := st.r
	if r == nil {
		return
	}
	if !slices.ContainsFunc(r.lines, func(ln Line) bool { return ln.Match }) {
		// A section's title with no failure line in it ("COMPILATION
		// ERROR :" alone): the title is all there is to show.
		for i := range r.lines {
			if r.lines[i].Number == r.head {
				r.lines[i].Match = true
				l.marked++
			}
		}
	}
	for len(r.lines) > 1 && r.lines[len(r.lines)-1].Text == "" && !r.lines[len(r.lines)-1].Match {
		r.lines = r.lines[:len(r.lines)-1]
	}
	l.lastLine = r.lines[len(r.lines)-1].Number
	l.after = 0
	if r.tier != tierSummary && len(r.lines) > 0 && r.lines[len(r.lines)-1].Number == r.head {
		l.after = l.o.Context
		if p := st.pending; p != nil && l.after > 0 {
			l.after--
			l.addAfter(p.Number, p.Text)
		}
	}
}

// addAfter adds a context line after the last report.
func (l *locator) addAfter(num int64, text string) {
	var r *report
	if n := len(l.reports); n > 0 {
		r = &l.reports[n-1]
	}
	if r == nil || len(r.lines) >= l.o.MaxLines || r.lines[len(r.lines)-1].Number != num-1 {
		l.after = 0
		return
	}
	r.lines = append(r.lines, Line{Number: num, Text: text})
	l.lastLine = num
}

// excerpt fills r's Hunks, Shown and First: the root cause first (the first
// report of the highest tier), then the other reports in log order, then
// the first summary after the root cause; at most MaxLines lines. When only
// summaries matched, the first one with the output of the command it ends.
func (l *locator) excerpt(r *Result) {
	r.Matches += l.marked
	order := l.ranked()
	if order == nil && len(l.summaries) > 0 {
		order = []*report{commandOutput(l.summaries[0], r)}
	}
	fillHunks(r, order, l.o.MaxLines)
}

// ranked returns the reports in the order they are shown, nil when there
// are none. The cause of a failure is in the output of the command that
// failed: between the start of the command that the first summary ends
// ("exit code 1", 'The command "make" exited with 2.') and that summary.
// Errors before it were survived (a retried download), errors after it are
// the failure's consequences (an upload of what was not built).
func (l *locator) ranked() []*report {
	var first *report
	if len(l.summaries) > 0 {
		first = &l.summaries[0]
	}
	inCommand := func(rep *report) bool { return first == nil || rep.head < first.head && rep.head >= first.cmd }
	best := -1
	for i := range l.reports {
		if inCommand(&l.reports[i]) && (best < 0 || l.reports[i].tier > l.reports[best].tier) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	order := []*report{&l.reports[best]}
	for i := range l.reports {
		if i != best && inCommand(&l.reports[i]) {
			order = append(order, &l.reports[i])
		}
	}
	head := l.reports[best].head
	for i := range l.summaries {
		if s := &l.summaries[i]; s.head > head {
			// Only its own line: what is above it is shown already.
			order = append(order, &report{tier: tierSummary, head: s.head, lines: s.lines[len(s.lines)-1:]})
			break
		}
	}
	for i := range l.reports {
		if !inCommand(&l.reports[i]) {
			order = append(order, &l.reports[i])
		}
	}
	return order
}

// commandOutput returns summary s with the output of the command it ends,
// its likely cause marked as a failure line (and counted in r).
func commandOutput(s report, r *Result) *report {
	// The runner's bookkeeping ("travis_time:end:...") is not output.
	lines := slices.DeleteFunc(slices.Clone(s.lines), func(ln Line) bool {
		body, _ := splitPrefix([]byte(ln.Text))
		return !ln.Match && isNoise(bytes.TrimLeft(body, " \t"))
	})
	// The failed command's likely cause: its first line that says
	// something failed, else its last words.
	cause := -1
	for i := len(lines) - 2; i >= 0; i-- {
		body, _ := splitPrefix([]byte(lines[i].Text))
		if isBlank(body) || lines[i].Match {
			continue
		}
		if cause < 0 || causeRE.Match(body) {
			cause = i
		}
	}
	if cause >= 0 {
		lines[cause].Match = true
		r.Matches++ // shown as a failure line, so counted as one
	}
	return &report{tier: s.tier, head: s.head, lines: lines}
}

// fillHunks adds the lines of the reports in order to r's Hunks. Blank
// lines do not count against maxLines (a log that doubles every line
// ending would show half as much), but all lines together stay within
// 2*maxLines.
func fillHunks(r *Result, order []*report, maxLines int) {
	room, total := maxLines, 2*maxLines
	var prev int64 = -1
	for _, rep := range order {
		for _, ln := range trimContext(rep.lines, room, total) {
			blank := isBlankText(ln.Text)
			if total == 0 || room == 0 && !blank {
				break
			}
			if n := len(r.Hunks); n > 0 && ln.Number == prev+1 {
				r.Hunks[n-1].Lines = append(r.Hunks[n-1].Lines, ln)
			} else {
				r.Hunks = append(r.Hunks, Hunk{Lines: []Line{ln}})
			}
			prev = ln.Number
			total--
			if !blank {
				room--
			}
			if ln.Match {
				r.Shown++
				if r.First.Number == 0 {
					r.First = ln
				}
			}
		}
	}
}

// trimContext drops lines from the start of a report that does not fit in
// room lines that are not blank and total lines, as far as its first
// failure line: context goes first, the failure line must be shown.
func trimContext(lines []Line, room, total int) []Line {
	if n := nonBlank(lines); n <= room && len(lines) <= total {
		return lines
	}
	first := slices.IndexFunc(lines, func(l Line) bool { return l.Match })
	skip := 0
	for skip < first && (nonBlank(lines[skip:]) > room || len(lines)-skip > total) {
		skip++
	}
	return lines[skip:]
}

// causeRE: words of a command's output that say what failed, to pick the
// likely cause among its lines when only a summary matched.
var causeRE = regexp.MustCompile(`(?i)(?:^not ok \d|\bpanicked at\b|\bfail(?:ed|ure|ing)?\b|\berrors?\b|\bfatal\b|\bcannot\b|\bcan't\b|\bcould not\b|\bunable to\b|\bnot found\b|\bno such\b|\bdenied\b|\brefused\b|\btimed? ?out\b|\bsegmentation fault\b|\bkilled\b|\babort(?:ed)?\b|\bmissing\b|\binvalid\b|\bunexpected\b|\brequired\b|\bplease\b)`)

// isBlankText reports whether an excerpt line shows nothing but its CI
// prefix.
func isBlankText(text string) bool {
	body, _ := splitPrefix([]byte(text))
	return isBlank(body)
}

// nonBlank counts the lines that are not blank.
func nonBlank(lines []Line) int {
	n := 0
	for _, l := range lines {
		if !isBlankText(l.Text) {
			n++
		}
	}
	return n
}
