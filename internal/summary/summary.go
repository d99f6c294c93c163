// Package summary renders a run report as the GitHub job summary (Markdown),
// as plain text for a terminal and as the job log's excerpt groups, all
// three from one view of the run (view.go). It is pure: no I/O, no clock,
// no map iteration, so the same report always gives the same bytes.
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
	m := &mdRenderer{v: newView(run), prefix: o.FilePrefix}
	rows := len(m.v.stages)
	var fixed string
	var lv level
	for _, lv = range levels {
		fixed = m.top(lv) + m.table(lv, rows) + m.downloadErrors(lv) + m.suspicious(lv)
		if len(fixed) <= budget {
			return fixed + m.sections(lv, budget-len(fixed))
		}
	}
	// Even the tightest cells do not fit: keep as many rows as fit.
	top, errs := m.top(lv), m.downloadErrors(lv)
	room := budget - len(top) - len(errs)
	lo, hi := 0, rows // rows kept: largest that fits
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

// mdRenderer renders a view as Markdown.
type mdRenderer struct {
	v      *view
	prefix string
}

// file renders a saved stage's file name with the prefix, as code; when
// that is too long the prefix goes first, as the name is what matters.
func (m *mdRenderer) file(st *stageView, limit int) string {
	if utf8.RuneCountInString(m.prefix)+utf8.RuneCountInString(st.file) > limit {
		return code(st.file, limit)
	}
	return code(m.prefix+st.file, limit)
}

// stageRef renders "`stage3` (Maven Build)" for headings and lists.
func (m *mdRenderer) stageRef(st *stageView, lv level) string {
	s := code(st.task, lv.task)
	if strings.TrimSpace(st.name) != "" && lv.name > 1 {
		s += " (" + md(st.name, lv.name) + ")"
	}
	return s
}

func (m *mdRenderer) heading(lv level) string {
	v := m.v
	s := "## " + verdictIcon(v.verdict) + " CodeArts build"
	if j := v.job; j != nil {
		// Job mode: people know a build by its job and number.
		if j.BuildNumber > 0 {
			s += " #" + strconv.Itoa(j.BuildNumber)
		}
		s += " of job " + code(j.ID, 64)
		if id := strings.TrimSpace(v.recordID); id != "" {
			s += " (record " + code(id, 64) + ")"
		}
	} else if id := strings.TrimSpace(v.recordID); id != "" {
		s += " " + code(id, 64)
	}
	s += " " + v.words
	if w := v.why; w != nil {
		s += " (" + w.before + md(w.status, lv.status) + w.after + ")"
	}
	if v.verdict == report.VerdictFailed && len(v.failed) > 0 {
		s += ": " + listFailed(v.failed, func(st *stageView) string { return m.stageRef(st, lv) })
	}
	return s
}

// mdNotes words the run-level notes: the text (escaped) goes between a
// note's prefix and suffix.
var mdNotes = map[noteKind][2]string{
	noteStopped:         {"⚠️ **Run stopped:** ", ""},
	noteRecordFailed:    {"❌ **Record failed:** ", "; no stage failed."},
	noteUnfetchedFailed: {"❌ **Record failed:** ", "."},
	noteNotFinished:     {"⚠️ **Record not finished:** ", ""},
	noteNoStageList:     {"⚠️ **Stage list unavailable** (display names and statuses are not shown): ", ""},
	noteUploadFailed:    {"⚠️ **Artifact upload failed:** ", ""},
	noteNotUploaded:     {"ℹ️ **Artifact not uploaded:** ", ""},
}

// top renders the heading, the facts line and the run-level notes.
func (m *mdRenderer) top(lv level) string {
	v := m.v
	var b strings.Builder
	b.WriteString(m.heading(lv) + "\n\n")

	var facts []string
	if strings.TrimSpace(v.logLevel) != "" {
		facts = append(facts, "Log level "+code(v.logLevel, 16))
	}
	facts = append(facts, plural(int64(v.stageCount), "stage"))
	facts = append(facts, FormatSize(v.savedBytes)+" of logs")
	if v.elapsed > 0 {
		facts = append(facts, "took "+formatDuration(v.elapsed))
	}
	b.WriteString(strings.Join(facts, " · ") + "\n\n")

	for _, n := range v.notes {
		b.WriteString("- " + m.note(n, lv) + "\n")
	}
	if len(v.notes) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

func (m *mdRenderer) note(n note, lv level) string {
	switch n.kind {
	case noteMissingLogs:
		return "⚠️ **" + strconv.Itoa(n.count) + " of " + plural(int64(m.v.stageCount), "log") + " could not be downloaded**; see Download errors below."
	case noteArtifact:
		a := m.v.artifact
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
		return s
	}
	w := mdNotes[n.kind]
	return w[0] + md(n.text, lv.msg) + w[1]
}

// mdIcons are the rows' icons, by mark.
var mdIcons = [...]string{markOK: "✅", markFailed: "❌", markNotRun: "⏭️", markMissing: "⚠️", markRunning: "⏳"}

// table renders the stage table with the first rows stages; when rows is
// less than the number of stages, a last row says how many were left out.
func (m *mdRenderer) table(lv level, rows int) string {
	stages := m.v.stages
	if len(stages) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| Stage | Name | Status | Duration | Size | Lines | Failure lines | File |\n")
	b.WriteString("|:--|:--|:--|--:|--:|--:|--:|:--|\n")
	for i := 0; i < rows && i < len(stages); i++ {
		st := &stages[i]
		name, status := dash, m.status(st, lv)
		if strings.TrimSpace(st.name) != "" {
			name = md(st.name, lv.name)
		}
		size, lines, file := dash, dash, dash
		if st.saved {
			size, lines, file = FormatSize(st.bytes), formatCount(st.lines), m.file(st, lv.file)
		}
		fails := failuresCell(st, func(n int64) string { return "**" + formatCount(n) + "**" })
		cells := []string{mdIcons[st.mark] + " " + code(st.task, lv.task), name, status,
			formatDuration(st.duration), size, lines, fails, file}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	if left := len(stages) - rows; left > 0 {
		b.WriteString("| … | " + plural(int64(left), "more stage") + " not shown: the summary size limit | | | | | | |\n")
	}
	b.WriteString("\n")
	return b.String()
}

// status renders a row's status cell: bold when CodeArts says it failed.
func (m *mdRenderer) status(st *stageView, lv level) string {
	switch {
	case st.notRun:
		return notRunStatus(st, func(s string) string { return md(s, lv.status) })
	case strings.TrimSpace(st.status) == "":
		return dash
	case st.statusFailed:
		return "**" + md(st.status, lv.status) + "**"
	}
	return md(st.status, lv.status)
}

// downloadErrors lists the stages whose log could not be obtained, at most
// lv.errors of them one by one.
func (m *mdRenderer) downloadErrors(lv level) string {
	l := stageList{head: "### Download errors\n\n", limit: lv.errors, more: mdMoreStages, end: "\n",
		item: func(st *stageView) string {
			line := "- " + m.stageRef(st, lv) + ": "
			if d := httpDetail(st, func(s string) string { return code(s, 40) }); d != "" {
				line += d + ": "
			}
			return line + orNotSaved(md(st.err, lv.msg))
		}}
	return l.render(m.v.missing)
}

// mdMoreStages is the item that stands for the left stages a Markdown list
// does not name.
func mdMoreStages(left int) string {
	return "- … and " + plural(int64(left), "more stage") + " (see the `logs` output)\n"
}

// stageList is a titled list of stages, as the renderers' download errors
// and suspicious-lines notes are.
type stageList struct {
	head  string                  // the title, before the first item
	limit int                     // how many stages are listed one by one; negative: all
	item  func(*stageView) string // a stage's item, without its line break
	more  func(left int) string   // the item that stands for the stages after limit
	end   string                  // after the last item
}

// render is the list of stages: nothing when there is none.
func (l stageList) render(stages []*stageView) string {
	if len(stages) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(l.head)
	for n, st := range stages {
		if n == l.limit {
			b.WriteString(l.more(len(stages) - n))
			break
		}
		b.WriteString(l.item(st) + "\n")
	}
	b.WriteString(l.end)
	return b.String()
}

// sections renders the failed stages' sections within room bytes. The
// sections are placed in stage order; the first that does not fit is
// shortened, and those after it get what is left, down to nothing, with a
// note naming the stages whose excerpt was left out.
func (m *mdRenderer) sections(lv level, room int) string {
	if len(m.v.failed) == 0 {
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
func (m *mdRenderer) placeSections(lv level, avail int) (string, []*stageView) {
	var b strings.Builder
	var dropped []*stageView
	for n, st := range m.v.failed {
		s := m.fitSection(st, lv, n < maxOpenSections, avail)
		if s == "" {
			dropped = append(dropped, st)
			continue
		}
		b.WriteString(s)
		avail -= len(s)
	}
	return b.String(), dropped
}

// fitSection renders st's section with as many of its excerpt lines as fit
// in avail bytes; "" when not even its header and trim note fit.
func (m *mdRenderer) fitSection(st *stageView, lv level, open bool, avail int) string {
	total := countLines(st.excerpt.lines)
	// keep = 0 keeps the header and the trim note only: when even that
	// does not fit, the section is left out.
	if total > 0 && len(m.section(st, lv, open, 0)) > avail {
		return ""
	}
	if s := m.section(st, lv, open, total); len(s) <= avail {
		return s
	}
	// The largest keep whose section fits.
	lo, hi := -1, total-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if len(m.section(st, lv, open, mid)) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo < 0 {
		return ""
	}
	return m.section(st, lv, open, lo)
}

// section renders one failed stage in a <details> block, keeping the first
// keep lines of its excerpt.
func (m *mdRenderer) section(st *stageView, lv level, open bool, keep int) string {
	var b strings.Builder
	if open {
		b.WriteString("<details open>\n")
	} else {
		b.WriteString("<details>\n")
	}
	b.WriteString(m.sectionSummary(st, lv))
	where := "the log"
	if st.saved {
		where = m.file(st, lv.file)
	}
	total := countLines(st.excerpt.lines)
	kept := keepLines(st.excerpt.lines, keep)
	b.WriteString(m.sectionIntro(st, lv, where, kept) + "\n\n")
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

// sectionSummary is the line a collapsed section shows.
func (m *mdRenderer) sectionSummary(st *stageView, lv level) string {
	// The summary is inside an HTML block, where Markdown is not
	// interpreted: remote text is HTML-escaped here, not Markdown-escaped.
	s := "<summary><b>❌ " + htm(st.task, lv.task) + "</b>"
	if strings.TrimSpace(st.name) != "" {
		s += " · " + htm(st.name, lv.name)
	}
	if strings.TrimSpace(st.status) != "" {
		s += " · " + htm(st.status, lv.status)
	}
	if st.excerpt.matches > 0 {
		s += " · " + plural(st.excerpt.matches, "failure line")
	}
	// A blank line after </summary> lets GitHub render the Markdown inside.
	return s + "</summary>\n\n"
}

// sectionIntro says what a section's excerpt shows (kept, of where).
func (m *mdRenderer) sectionIntro(st *stageView, lv level, where string, kept []exLine) string {
	ex := &st.excerpt
	total := int64(countLines(ex.lines))
	status := md(st.status, lv.status)
	switch {
	case ex.kind == kindHunks:
		s := plural(ex.matches, "failure line") + " in " + where + " (marked `>`)"
		if r := lineRange(kept); r != "" {
			s += ", " + r + " shown"
		}
		if more := ex.matches - ex.shown; more > 0 {
			s += "; " + plural(more, "more failure line") + " not shown"
		}
		return s + "."
	case ex.kind == kindTail && ex.tailCommand:
		return "The status is " + status + " but no line matched a failure pattern: the output of the last command in " + where + " (" + plural(total, "line") + ")."
	case ex.kind == kindTail:
		return "The status is " + status + " but no line matched a failure pattern: the last " + plural(total, "line") + " of " + where + "."
	case !st.saved:
		return "The log could not be downloaded; see Download errors."
	case ex.matches > 0:
		return plural(ex.matches, "failure line") + " in " + where + "; no excerpt was kept."
	case st.lines == 0:
		return "The status is " + status + " and " + where + " is empty."
	}
	return "The status is " + status + " and no line of " + where + " matched a failure pattern."
}

// droppedNote names the failed stages whose section was left out.
func (m *mdRenderer) droppedNote(lv level, dropped []*stageView) string {
	if len(dropped) == 0 {
		return ""
	}
	var names []string
	for n, st := range dropped {
		if n == maxDroppedListed {
			names = append(names, "and "+strconv.Itoa(len(dropped)-n)+" more")
			break
		}
		names = append(names, code(st.task, lv.task))
	}
	return "⚠️ Excerpts not shown for " + plural(int64(len(dropped)), "failed stage") + " (" +
		strings.Join(names, ", ") + "): " + trimNote + "s.\n\n"
}
