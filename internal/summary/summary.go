// Package summary renders a run report as the GitHub job summary (Markdown)
// and as plain text for a terminal. It is pure: no I/O, no clock, no map
// iteration, so the same report always gives the same bytes.
//
// Everything that comes from the server is data: it is fenced (log lines)
// or escaped (names, statuses, messages) so that it shows as the literal
// text it was and cannot break out of its block, add a table column, make a
// link or inject HTML. The Markdown stays under a byte budget, because the
// runner drops a step summary over 1 MiB entirely: excerpts are trimmed
// first, the table is kept with one row per stage.
package summary

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// DefaultBudget is the summary size used when Options.Budget is zero: half
// of GitHub's 1 MiB step summary limit, leaving room for other steps'
// Markdown and for the runner's secret masking, which can lengthen lines.
const DefaultBudget = 512 << 10

// Options tune the Markdown summary.
type Options struct {
	// Budget is the maximum size of the whole Markdown in bytes; zero or
	// less means DefaultBudget.
	Budget int
	// FilePrefix is put before file names when they are shown, for example
	// "codearts-build-logs/" so that readers find the file in the artifact.
	FilePrefix string
}

// level is how much detail the fixed part of the summary (heading, notes,
// table, download errors) keeps. Levels go from generous to tight; the
// first that fits the budget is used.
type level struct {
	task, name, status, file int // runes kept in table cells
	msg                      int // runes kept of a message
	errors                   int // download errors listed one by one
}

var levels = []level{
	{task: 64, name: 80, status: 32, file: 160, msg: 500, errors: 50},
	{task: 40, name: 40, status: 20, file: 80, msg: 200, errors: 20},
	{task: 24, name: 20, status: 12, file: 48, msg: 100, errors: 10},
	{task: 16, name: 8, status: 8, file: 24, msg: 40, errors: 3},
	{task: 12, name: 1, status: 4, file: 12, msg: 20, errors: 0},
}

const (
	// maxFailedInHeading is how many failed stages the heading names.
	maxFailedInHeading = 3
	// maxOpenSections is how many failed stages' excerpts are expanded.
	maxOpenSections = 5
	// maxDroppedListed is how many stages the trim note names.
	maxDroppedListed = 5
	// trimNote is said wherever an excerpt was shortened or left out.
	trimNote = "excerpt trimmed to stay under GitHub's summary limit; see the log file"
)

// Markdown renders run as a GitHub job summary of at most o.Budget bytes
// (DefaultBudget when unset): a heading with the record id and the verdict,
// a line with the log level, stage count, size and time, run-level notes and
// the artifact, a table with one row per stage, the download errors, and an
// excerpt for each failed stage.
//
// To stay within the budget, the last failed stages' excerpts are shortened
// and then left out (with a note); the table is never dropped, only its
// cells' text is cut. Rows are left out only when even cut cells cannot fit
// (tens of thousands of stages), with a row that says how many.
func Markdown(run *report.Run, o Options) string {
	budget := o.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	if run == nil {
		run = &report.Run{}
	}
	m := &mdRenderer{run: run, prefix: o.FilePrefix, failed: failedIndexes(run)}
	for _, idx := range m.failed {
		lines, kind := excerptOf(&run.Stages[idx])
		m.excerpts = append(m.excerpts, excerpt{lines, kind})
	}

	var fixed string
	var lv level
	for _, lv = range levels {
		fixed = m.top(lv) + m.table(lv, len(run.Stages)) + m.downloadErrors(lv) + m.suspicious(lv)
		if len(fixed) <= budget {
			return fixed + m.sections(lv, budget-len(fixed))
		}
	}
	// Even the tightest cells do not fit: keep as many rows as fit.
	top, errs := m.top(lv), m.downloadErrors(lv)
	room := budget - len(top) - len(errs)
	lo, hi := 0, len(run.Stages) // rows kept: largest that fits
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(m.table(lv, mid)) <= room {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if table := m.table(lv, lo); len(table) <= room {
		return top + table + errs
	}
	return cutBytes(m.heading(lv)+"\n", budget)
}

// mdRenderer holds what every part of the Markdown needs.
type mdRenderer struct {
	run      *report.Run
	prefix   string
	failed   []int     // indexes of the failed stages
	excerpts []excerpt // their excerpts, in the same order
}

// excerpt is a failed stage's excerpt lines, cleaned once.
type excerpt struct {
	lines []exLine
	kind  excerptKind
}

// file renders a saved stage's file name with the prefix, as code; when
// that is too long the prefix goes first, as the name is what matters.
func (m *mdRenderer) file(st *report.Stage, limit int) string {
	if utf8.RuneCountInString(m.prefix)+utf8.RuneCountInString(st.File) > limit {
		return code(st.File, limit)
	}
	return code(m.prefix+st.File, limit)
}

// stageRef renders "`stage3` (Maven Build)" for headings and lists.
func (m *mdRenderer) stageRef(st *report.Stage, lv level) string {
	s := code(st.Task, lv.task)
	if strings.TrimSpace(st.Name) != "" && lv.name > 1 {
		s += " (" + md(st.Name, lv.name) + ")"
	}
	return s
}

func (m *mdRenderer) heading(lv level) string {
	v := m.run.Verdict()
	var b strings.Builder
	b.WriteString("## " + verdictIcon(v) + " CodeArts build")
	if j := m.run.Job; j != nil {
		// Job mode: people know a build by its job and number.
		if j.BuildNumber > 0 {
			b.WriteString(" #" + strconv.Itoa(j.BuildNumber))
		}
		b.WriteString(" of job " + code(j.ID, 64))
		if id := strings.TrimSpace(m.run.RecordID); id != "" {
			b.WriteString(" (record " + code(id, 64) + ")")
		}
	} else if id := strings.TrimSpace(m.run.RecordID); id != "" {
		b.WriteString(" " + code(id, 64))
	}
	b.WriteString(" " + verdictWords(m.run, v))
	if v == report.VerdictFailed && len(m.failed) == 0 {
		b.WriteString(" (" + recordHeading(m.run, lv) + ")")
	}
	if v == report.VerdictFailed && len(m.failed) > 0 {
		b.WriteString(": ")
		for i, idx := range m.failed {
			if i == maxFailedInHeading {
				b.WriteString(" and " + strconv.Itoa(len(m.failed)-i) + " more")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.stageRef(&m.run.Stages[idx], lv))
		}
	}
	return b.String()
}

// top renders the heading, the facts line and the run-level notes.
func (m *mdRenderer) top(lv level) string {
	run := m.run
	var b strings.Builder
	b.WriteString(m.heading(lv) + "\n\n")

	var facts []string
	if strings.TrimSpace(run.LogLevel) != "" {
		facts = append(facts, "Log level "+code(run.LogLevel, 16))
	}
	facts = append(facts, plural(int64(len(run.Stages)), "stage"))
	facts = append(facts, FormatSize(run.SavedBytes())+" of logs")
	if run.Elapsed > 0 {
		facts = append(facts, "took "+formatDuration(run.Elapsed))
	}
	b.WriteString(strings.Join(facts, " · ") + "\n\n")

	var notes []string
	if run.Fatal != nil {
		notes = append(notes, "⚠️ **Run stopped:** "+md(run.Fatal.Error(), lv.msg))
	}
	if why := run.RecordFailure(); why != "" && len(m.failed) == 0 {
		notes = append(notes, "❌ **Record failed:** "+md(why, lv.msg)+"; no stage failed.")
	}
	if run.Incomplete != "" {
		notes = append(notes, "⚠️ **Record not finished:** "+md(run.Incomplete, lv.msg))
	}
	if run.StagesErr != nil {
		notes = append(notes, "⚠️ **Stage list unavailable** (display names and statuses are not shown): "+md(run.StagesErr.Error(), lv.msg))
	}
	if missing := len(run.Missing()); missing > 0 {
		notes = append(notes, "⚠️ **"+strconv.Itoa(missing)+" of "+plural(int64(len(run.Stages)), "log")+" could not be downloaded**; see Download errors below.")
	}
	if a := run.Artifact; a != nil {
		name := md(a.Name, lv.msg)
		if name == "" {
			name = "artifact"
		}
		if u, ok := linkURL(a.URL); ok {
			name = "[" + name + "](" + u + ")"
		}
		s := "📦 **Artifact:** " + name
		if a.Size > 0 {
			s += " (" + FormatSize(a.Size) + " zip)"
		}
		notes = append(notes, s)
	}
	if run.ArtifactErr != nil {
		notes = append(notes, "⚠️ **Artifact upload failed:** "+md(run.ArtifactErr.Error(), lv.msg))
	}
	if run.ArtifactSkipped != "" {
		notes = append(notes, "ℹ️ **Artifact not uploaded:** "+md(run.ArtifactSkipped, lv.msg))
	}
	for _, n := range notes {
		b.WriteString("- " + n + "\n")
	}
	if len(notes) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// table renders the stage table with the first rows stages; when rows is
// less than the number of stages, a last row says how many were left out.
func (m *mdRenderer) table(lv level, rows int) string {
	stages := m.run.Stages
	if len(stages) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| Stage | Name | Status | Duration | Size | Lines | Failure lines | File |\n")
	b.WriteString("|:--|:--|:--|--:|--:|--:|--:|:--|\n")
	for i := 0; i < rows && i < len(stages); i++ {
		st := &stages[i]
		icon := "✅"
		switch {
		case st.Failed():
			icon = "❌"
		case st.NotRun:
			icon = "⏭️"
		case !st.Saved():
			icon = "⚠️"
		case st.Status != "" && !codearts.StatusFinished(st.Status):
			icon = "⏳"
		}
		name, status := dash, dash
		if strings.TrimSpace(st.Name) != "" {
			name = md(st.Name, lv.name)
		}
		if strings.TrimSpace(st.Status) != "" {
			status = md(st.Status, lv.status)
			if st.StatusFailed() {
				status = "**" + status + "**"
			}
		}
		if st.NotRun {
			status = notRunStatus(st, lv)
		}
		size, lines, fails, file := dash, dash, dash, dash
		if st.Saved() {
			size = FormatSize(st.Bytes)
			lines = formatCount(st.Scan.Lines)
			fails = formatCount(st.FailureLines())
			file = m.file(st, lv.file)
		}
		if st.FailureLines() > 0 {
			fails = "**" + formatCount(st.FailureLines()) + "**"
		}
		if st.Suspicious() {
			fails += " (" + formatCount(st.Scan.Matches) + " suspicious)"
		}
		cells := []string{icon + " " + code(st.Task, lv.task), name, status,
			formatDuration(st.Duration), size, lines, fails, file}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if left := len(stages) - rows; left > 0 {
		b.WriteString("| … | " + plural(int64(left), "more stage") + " not shown: the summary size limit | | | | | | |\n")
	}
	b.WriteString("\n")
	return b.String()
}

// downloadErrors lists the stages whose log could not be obtained, at most
// lv.errors of them one by one.
func (m *mdRenderer) downloadErrors(lv level) string {
	var missing []int
	for i := range m.run.Stages {
		if !m.run.Stages[i].Saved() && !m.run.Stages[i].NotRun {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Download errors\n\n")
	for n, idx := range missing {
		if n == lv.errors {
			b.WriteString("- … and " + plural(int64(len(missing)-n), "more stage") + " (see the `logs` output)\n")
			break
		}
		st := &m.run.Stages[idx]
		line := "- " + m.stageRef(st, lv) + ": "
		if d := httpDetail(st, func(s string) string { return code(s, 40) }); d != "" {
			line += d + ": "
		}
		if st.Err != nil {
			line += md(st.Err.Error(), lv.msg)
		} else {
			line += "the log was not saved"
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// sections renders the failed stages' sections within room bytes. The
// sections are placed in stage order; the first that does not fit is
// shortened, and those after it get what is left, down to nothing, with a
// note naming the stages whose excerpt was left out.
func (m *mdRenderer) sections(lv level, room int) string {
	if len(m.failed) == 0 {
		return ""
	}
	const head = "### Failed stages\n\n"
	reserve := 0
	for range 8 {
		avail := room - len(head) - reserve
		body, dropped := m.placeSections(lv, avail)
		note := m.droppedNote(lv, dropped)
		if len(head)+len(body)+len(note) <= room {
			if body == "" && note == "" {
				return ""
			}
			return head + body + note
		}
		reserve = len(note) + (len(head) + len(body) + len(note) - room)
	}
	return ""
}

// placeSections renders each failed stage's section, as much of it as fits
// in avail bytes, and returns the stages left out entirely.
func (m *mdRenderer) placeSections(lv level, avail int) (string, []int) {
	var b strings.Builder
	var dropped []int
	for n, idx := range m.failed {
		st := &m.run.Stages[idx]
		open := n < maxOpenSections
		ex := &m.excerpts[n]
		total := countLines(ex.lines)
		// k = 0 keeps the header and the trim note only: when even that
		// does not fit, the section is left out.
		if total > 0 && len(m.section(st, lv, open, ex.lines, ex.kind, 0)) > avail {
			dropped = append(dropped, idx)
			continue
		}
		s := m.section(st, lv, open, ex.lines, ex.kind, total)
		if len(s) > avail {
			// The largest k whose section fits.
			s = ""
			lo, hi := -1, total-1
			for lo < hi {
				mid := (lo + hi + 1) / 2
				if len(m.section(st, lv, open, ex.lines, ex.kind, mid)) <= avail {
					lo = mid
				} else {
					hi = mid - 1
				}
			}
			if lo >= 0 {
				s = m.section(st, lv, open, ex.lines, ex.kind, lo)
			}
		}
		if s == "" {
			dropped = append(dropped, idx)
			continue
		}
		b.WriteString(s)
		avail -= len(s)
	}
	return b.String(), dropped
}

// section renders one failed stage in a <details> block, keeping the first
// keep lines of its excerpt.
func (m *mdRenderer) section(st *report.Stage, lv level, open bool, lines []exLine, kind excerptKind, keep int) string {
	var b strings.Builder
	if open {
		b.WriteString("<details open>\n")
	} else {
		b.WriteString("<details>\n")
	}
	// The summary is inside an HTML block, where Markdown is not
	// interpreted: remote text is HTML-escaped here, not Markdown-escaped.
	b.WriteString("<summary><b>❌ " + htm(st.Task, lv.task) + "</b>")
	if strings.TrimSpace(st.Name) != "" {
		b.WriteString(" · " + htm(st.Name, lv.name))
	}
	if strings.TrimSpace(st.Status) != "" {
		b.WriteString(" · " + htm(st.Status, lv.status))
	}
	if st.Scan.Matches > 0 {
		b.WriteString(" · " + plural(st.Scan.Matches, "failure line"))
	}
	// A blank line after </summary> lets GitHub render the Markdown inside.
	b.WriteString("</summary>\n\n")

	where := "the log"
	if st.Saved() {
		where = m.file(st, lv.file)
	}
	total := countLines(lines)
	kept := keepLines(lines, keep)
	switch kind {
	case kindHunks:
		s := plural(st.Scan.Matches, "failure line") + " in " + where + " (marked `>`)"
		if r := lineRange(kept); r != "" {
			s += ", " + r + " shown"
		}
		if more := st.Scan.Matches - st.Scan.Shown; more > 0 {
			s += "; " + plural(more, "more failure line") + " not shown"
		}
		b.WriteString(s + ".\n\n")
	case kindTail:
		what := "the last " + plural(int64(total), "line") + " of " + where
		if st.Scan.TailCommand {
			what = "the output of the last command in " + where + " (" + plural(int64(total), "line") + ")"
		}
		b.WriteString("The status is " + md(st.Status, lv.status) + " but no line matched a failure pattern: " + what + ".\n\n")
	default:
		switch {
		case !st.Saved():
			b.WriteString("The log could not be downloaded; see Download errors.\n\n")
		case st.Scan.Matches > 0:
			b.WriteString(plural(st.Scan.Matches, "failure line") + " in " + where + "; no excerpt was kept.\n\n")
		case st.Scan.Lines == 0:
			b.WriteString("The status is " + md(st.Status, lv.status) + " and " + where + " is empty.\n\n")
		default:
			b.WriteString("The status is " + md(st.Status, lv.status) + " and no line of " + where + " matched a failure pattern.\n\n")
		}
	}
	if len(kept) > 0 {
		text := gutterLines(kept)
		f := fence(text)
		b.WriteString(f + "text\n")
		for _, l := range text {
			b.WriteString(l + "\n")
		}
		b.WriteString(f + "\n\n")
	}
	if keep < total {
		b.WriteString("⚠️ " + strings.ToUpper(trimNote[:1]) + trimNote[1:] + " " + where + ".\n\n")
	}
	b.WriteString("</details>\n\n")
	return b.String()
}

// droppedNote names the failed stages whose section was left out.
func (m *mdRenderer) droppedNote(lv level, dropped []int) string {
	if len(dropped) == 0 {
		return ""
	}
	var names []string
	for n, idx := range dropped {
		if n == maxDroppedListed {
			names = append(names, "and "+strconv.Itoa(len(dropped)-n)+" more")
			break
		}
		names = append(names, code(m.run.Stages[idx].Task, lv.task))
	}
	return "⚠️ Excerpts not shown for " + plural(int64(len(dropped)), "failed stage") + " (" +
		strings.Join(names, ", ") + "): " + trimNote + "s.\n\n"
}
