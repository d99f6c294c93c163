package summary

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/report"
)

// The Markdown is checked the way GitHub sees it: rendered by cmark-gfm,
// GitHub's own renderer, with the GFM extensions GitHub enables. --unsafe
// lets raw HTML through, so an injection would show in the output; GitHub
// sanitises, but the summary must not rely on it.

// cmarkPath returns the cmark-gfm binary. Without it the test fails with a
// message saying to install it, unless CODEARTS_SKIP_CMARK=1 skips it.
func cmarkPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("cmark-gfm")
	if err != nil {
		if os.Getenv("CODEARTS_SKIP_CMARK") == "1" {
			t.Skip("cmark-gfm not installed and CODEARTS_SKIP_CMARK=1")
		}
		t.Fatalf("cmark-gfm not found (%v): install it (apt-get install -y cmark-gfm), or set CODEARTS_SKIP_CMARK=1 to skip the rendering checks", err)
	}
	return p
}

// renderHTML renders md as GitHub would.
func renderHTML(t testing.TB, bin, md string) string {
	t.Helper()
	cmd := exec.Command(bin, "--extension", "table", "--extension", "strikethrough", "--extension", "autolink", "--unsafe")
	cmd.Stdin = strings.NewReader(md)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cmark-gfm: %v: %s", err, stderr.String())
	}
	return string(out)
}

var (
	tagRE = regexp.MustCompile(`^<(/?)([a-z][a-z0-9]*)((?: [a-z]+(?:="[^"<>]*")?)*)>`)
	// attrRE lists the only attributes the summary may produce.
	attrRE  = regexp.MustCompile(`^(?: align="(?:left|right|center)"| open| class="language-text"| href="[^"]*")*$`)
	hrefRE  = regexp.MustCompile(` href="([^"]*)"`)
	allowed = map[string]bool{
		"h2": true, "h3": true, "p": true, "ul": true, "li": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
		"strong": true, "code": true, "pre": true, "a": true,
		"details": true, "summary": true, "b": true,
	}
	preRE   = regexp.MustCompile(`(?s)<pre><code class="language-text">(.*?)</code></pre>`)
	tableRE = regexp.MustCompile(`(?s)<table>(.*?)</table>`)
	rowRE   = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`(?s)<t[hd](?: align="[a-z]+")?>(.*?)</t[hd]>`)
	h2RE    = regexp.MustCompile(`(?s)<h2>(.*?)</h2>`)
	sumRE   = regexp.MustCompile(`(?s)<summary>(.*?)</summary>`)
)

// checkTags asserts that every tag in out is one the summary itself writes,
// with only the expected attributes, and that the only links go to
// wantLinks. cmark-gfm escapes every '<' of text, so any other tag would be
// remote text that became HTML.
func checkTags(t testing.TB, out string, wantLinks []string) {
	t.Helper()
	// The summary puts empty comments after '@' to stop e-mail autolinks.
	out = strings.ReplaceAll(out, "<!-- -->", "")
	var links []string
	for i := strings.IndexByte(out, '<'); i >= 0; {
		m := tagRE.FindStringSubmatch(out[i:])
		if m == nil {
			t.Fatalf("unexpected markup at %q", snippet(out, i))
		}
		if !allowed[m[2]] {
			t.Fatalf("unexpected tag <%s%s> at %q", m[1], m[2], snippet(out, i))
		}
		if !attrRE.MatchString(m[3]) {
			t.Fatalf("unexpected attributes %q at %q", m[3], snippet(out, i))
		}
		if h := hrefRE.FindStringSubmatch(m[3]); h != nil {
			links = append(links, html.UnescapeString(h[1]))
		}
		next := strings.IndexByte(out[i+1:], '<')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	if strings.Join(links, "\n") != strings.Join(wantLinks, "\n") {
		t.Fatalf("links = %q, want %q", links, wantLinks)
	}
	if o, c := strings.Count(out, "<details"), strings.Count(out, "</details>"); o != c {
		t.Fatalf("%d <details> but %d </details>", o, c)
	}
}

func snippet(s string, i int) string {
	return s[i:min(len(s), i+80)]
}

// tableCells returns the text of each cell of the (only) table, row by row:
// inline markup the summary adds (code, strong, comments) is removed and
// entities decoded, so a cell reads as the user sees it.
func tableCells(t testing.TB, out string) [][]string {
	t.Helper()
	tables := tableRE.FindAllStringSubmatch(out, -1)
	if len(tables) != 1 {
		t.Fatalf("%d tables, want 1", len(tables))
	}
	var rows [][]string
	for _, r := range rowRE.FindAllStringSubmatch(tables[0][1], -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, plainText(t, c[1]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// plainText strips the markup the summary itself adds around text and
// decodes entities; any other markup fails the test.
func plainText(t testing.TB, s string) string {
	t.Helper()
	for _, tag := range []string{"<!-- -->", "<strong>", "</strong>", "<code>", "</code>", "<b>", "</b>"} {
		s = strings.ReplaceAll(s, tag, "")
	}
	if strings.ContainsAny(s, "<>") {
		t.Fatalf("markup left in text %q", s)
	}
	return html.UnescapeString(s)
}

// preBlocks returns the decoded content of each excerpt code block.
func preBlocks(out string) []string {
	var blocks []string
	for _, m := range preRE.FindAllStringSubmatch(out, -1) {
		blocks = append(blocks, html.UnescapeString(m[1]))
	}
	return blocks
}

// checkRendered runs the checks every summary must pass once rendered.
func checkRendered(t testing.TB, out string, run *report.Run) [][]string {
	t.Helper()
	var links []string
	if run.Artifact != nil {
		if u, ok := linkURL(run.Artifact.URL); ok {
			links = append(links, u)
		}
	}
	checkTags(t, out, links)
	if len(run.Stages) == 0 {
		if strings.Contains(out, "<table>") {
			t.Fatal("a table without stages")
		}
		return nil
	}
	rows := tableCells(t, out)
	if len(rows) != len(run.Stages)+1 {
		t.Fatalf("%d table rows, want %d (header + one per stage)", len(rows), len(run.Stages)+1)
	}
	for i, r := range rows {
		if len(r) != 8 {
			t.Fatalf("row %d has %d cells, want 8: %q", i, len(r), r)
		}
	}
	return rows
}

func TestCmarkGolden(t *testing.T) {
	t.Parallel()
	bin := cmarkPath(t)
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := tc.run()
			md := Markdown(run, tc.opts)
			out := renderHTML(t, bin, md)
			rows := checkRendered(t, out, run)
			if len(run.Stages) == 0 {
				return
			}
			if got, want := rows[0], []string{"Stage", "Name", "Status", "Duration", "Size", "Lines", "Failure lines", "File"}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("header = %q", got)
			}
			for i := range run.Stages {
				st := &run.Stages[i]
				if got := rows[i+1][0]; !strings.HasSuffix(got, " "+st.Task) {
					t.Errorf("row %d stage cell = %q, want the task %q", i+1, got, st.Task)
				}
			}
			// Each excerpt line shows verbatim, with its number and mark.
			blocks := strings.Join(preBlocks(out), "")
			for _, st := range newView(run).failed {
				if tc.opts.Budget != 0 {
					continue // trimmed: checked in TestBudget
				}
				for _, l := range st.excerpt.lines {
					if l.gap {
						continue
					}
					if !strings.Contains(blocks, fmt.Sprintf("%d │ %s\n", l.num, l.text)) {
						t.Errorf("line %d of %s missing from the code blocks", l.num, st.task)
					}
				}
			}
		})
	}
}

// hostileWant is what each of hostileNames must read as once rendered:
// the literal text, on one line, without control characters.
var hostileWant = []string{
	"a|b|c",
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"</details></summary></td></tr></table>",
	"multi line name end",
	"`tick` ``two`` ```three```",
	"[link](javascript:alert(1)) ![img](x.png)",
	"**bold** _it_ ~~gone~~ $x^2$ :smile: #1 www.evil.com http://evil.com a@b.com",
	"red gnp.exe bell nul del",
	"&amp; &lt;b&gt; &#60; \\| \\`",
	"# not a heading",
	"- not a list",
}

// hostileLinesWant is how hostileLines must read in the code block.
var hostileLinesWant = []string{
	"```",
	"````",
	"~~~",
	"</code></pre><script>alert(1)</script>",
	"<details><summary>x</summary>",
	"::set-output name=x::y",
	"##[error]legacy command",
	"[link](javascript:x)",
	"| a | b |",
	"&lt;not decoded&gt;",
	"tab\there",
	"carriage return",
	"error: coloured",
}

func TestCmarkHostile(t *testing.T) {
	t.Parallel()
	bin := cmarkPath(t)
	run := hostileRun()
	out := renderHTML(t, bin, Markdown(run, Options{FilePrefix: "logs/"}))
	rows := checkRendered(t, out, run)

	for i, want := range hostileWant {
		row := rows[i+1]
		if row[1] != want {
			t.Errorf("name cell %d = %q, want %q", i+1, row[1], want)
		}
		if row[2] != "FAILED|x</td>" {
			t.Errorf("status cell %d = %q", i+1, row[2])
		}
	}
	last := rows[len(rows)-1]
	if last[0] != "✅ stage<13>|" || last[7] != "logs/stage<13>|.log" {
		t.Errorf("hostile task row = %q", last)
	}

	h2 := h2RE.FindStringSubmatch(out)
	if h2 == nil || !strings.Contains(plainText(t, h2[1]), "CodeArts build rec|<script>alert(1)</script>`x` failed: stage1 (a|b|c), stage2 (<script>alert(1)</script>)") {
		t.Errorf("heading = %q", h2)
	}

	// The <summary> of every excerpt shows the name as text.
	sums := sumRE.FindAllStringSubmatch(out, -1)
	if len(sums) != len(hostileWant) {
		t.Fatalf("%d <summary>, want %d", len(sums), len(hostileWant))
	}
	for i, s := range sums {
		if got := plainText(t, s[1]); !strings.Contains(got, " · "+hostileWant[i]+" · FAILED|x</td>") {
			t.Errorf("summary %d = %q, want the name %q", i, got, hostileWant[i])
		}
	}

	// Every saved stage's code block holds the log lines verbatim.
	var want strings.Builder
	for i, l := range hostileLinesWant {
		mark := "  "
		if i == 3 {
			mark = "> "
		}
		fmt.Fprintf(&want, "%s%2d │ %s\n", mark, i+1, l)
	}
	blocks := preBlocks(out)
	if len(blocks) != 9 {
		t.Fatalf("%d code blocks, want 9 (one per saved failed stage)", len(blocks))
	}
	for i, b := range blocks {
		if b != want.String() {
			t.Errorf("code block %d =\n%s\nwant\n%s", i, b, want.String())
		}
	}

	// Messages outside the table: escaped, not interpreted.
	for _, w := range []string{
		"Run stopped:</strong> token &lt;script&gt;alert(1)&lt;/script&gt; | expired  # injected heading",
		"Artifact:</strong> art|&lt;img src=x onerror=alert(1)&gt;",
		"HTTP 400, CB.&lt;x&gt;|: download stage4: &lt;b&gt;bad&lt;/b&gt; | `request` ::error::injected",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("missing %q in\n%s", w, out)
		}
	}
}
