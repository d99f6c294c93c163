package summary

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
)

// Remote text (display names, statuses, error messages, task names, log
// lines) is data: it must show as the literal text it was and never close a
// block, add a table column, make a link or inject HTML. The helpers below
// are the only way remote text reaches the output.

// clean, cleanLine, cut and shorten are the shared cleaner's (every output
// path cleans remote text the same way); see package cleantext.
func clean(s string) string              { return cleantext.Line(s) }
func cleanLine(s string) string          { return cleantext.KeepTabs(s) }
func cut(s string, limit int) string     { return cleantext.Cut(s, limit) }
func shorten(s string, limit int) string { return cleantext.Shorten(s, limit) }

// ellipsis marks text that was cut.
const ellipsis = cleantext.Ellipsis

// cutBytes shortens s to at most limit bytes on a rune boundary, ending with
// an ellipsis when it was longer (and limit leaves room for one).
func cutBytes(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	mark := ellipsis
	if limit < len(mark) {
		mark = ""
	}
	end := max(limit-len(mark), 0)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + mark
}

// md renders remote text for Markdown inline content (headings, table
// cells, paragraphs, list items): cleaned, cut to limit runes, and every
// character that Markdown or GitHub would interpret is neutralised.
//
// Backslash escapes cover CommonMark punctuation, the GFM table pipe,
// strikethrough (~), GitHub math ($) and emoji shortcodes (:). Autolinks
// need more: the GFM autolink extension starts URL matches at ':' and at
// "www." (escaping ':' and the '.' after "www" stops them), and finds e-mail
// addresses in the merged text after parsing, where escapes no longer count,
// so an empty HTML comment is put after '@' to split the text node. GitHub
// removes comments when it renders, so the reader sees the plain text.
func md(s string, limit int) string {
	s = shorten(s, limit)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '#', '~', '$', ':':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@':
			b.WriteString("@<!-- -->")
		case '.':
			if i >= 3 && strings.EqualFold(s[i-3:i], "www") {
				b.WriteByte('\\')
			}
			b.WriteByte('.')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// htm renders remote text for raw HTML (the <summary> of a <details>
// block, where Markdown is not interpreted): cleaned, cut to limit runes and
// HTML-escaped. Being on one line, it cannot end the HTML block.
//
// GitHub's filters after rendering (mentions, URLs, emoji) work on text
// nodes, raw HTML included (cmark-gfm itself links nothing there), so an
// empty comment splits the text after every '@' and ':' and inside "www.",
// as md does for e-mail addresses; the reader sees the plain text.
func htm(s string, limit int) string {
	e := html.EscapeString(shorten(s, limit))
	if !strings.ContainsAny(e, "@:.") {
		return e
	}
	var b strings.Builder
	b.Grow(len(e) + 32)
	for i := 0; i < len(e); i++ {
		c := e[i]
		if c == '.' && i >= 3 && strings.EqualFold(e[i-3:i], "www") {
			b.WriteString("<!-- -->")
		}
		b.WriteByte(c)
		if c == '@' || c == ':' {
			b.WriteString("<!-- -->")
		}
	}
	return b.String()
}

// codeSafe reports whether s can be shown in a code span as is, also inside
// a table cell: only letters, digits and a few punctuation characters that
// have no meaning there.
func codeSafe(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("._/+=,-", r):
		default:
			return false
		}
	}
	return true
}

// code renders a name (file, task, error code) as a code span when it is
// made of harmless characters, and as escaped text otherwise.
func code(s string, limit int) string {
	s = shorten(s, limit)
	if codeSafe(s) {
		return "`" + s + "`"
	}
	return md(s, limit)
}

// fence returns a backtick fence longer than any run of backticks in lines
// (and at least three), so that no line can close the code block.
func fence(lines []string) string {
	longest := 0
	for _, l := range lines {
		run := 0
		for i := 0; i < len(l); i++ {
			if l[i] == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
