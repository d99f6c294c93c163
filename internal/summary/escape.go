package summary

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Remote text (display names, statuses, error messages, task names, log
// lines) is data: it must show as the literal text it was and never close a
// block, add a table column, make a link or inject HTML. The helpers below
// are the only way remote text reaches the output.

// clean makes s a single line of printable text: invalid UTF-8 becomes
// U+FFFD, line breaks (CRLF counts as one) and tabs become spaces, ANSI
// escape sequences are removed with their parameters, and so are control
// and bidirectional formatting characters (they could recolour, reorder or
// hide what the reader sees). Leading and trailing spaces are trimmed.
func clean(s string) string {
	return strings.TrimSpace(cleanRunes(s, false))
}

// cleanLine is clean for one line of an excerpt: tabs are kept (they are
// part of the log's layout) and the surrounding spaces too.
func cleanLine(s string) string {
	return cleanRunes(s, true)
}

func cleanRunes(s string, keepTabs bool) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || isDropped(r) || isLineBreak(r) || (r == '\t' && !keepTabs) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := rune(0)
	for _, r := range strings.ToValidUTF8(stripANSI(s), "\uFFFD") {
		crlf := prev == '\r' && r == '\n'
		prev = r
		switch {
		case crlf:
		case r == '\t' && keepTabs:
			b.WriteRune(r)
		case r == '\t' || isLineBreak(r):
			b.WriteByte(' ')
		case isDropped(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripANSI removes ANSI escape sequences (CSI such as colours, and OSC
// such as terminal titles and hyperlinks) so that their parameters do not
// remain as noise once the ESC character is dropped.
func stripANSI(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '[': // CSI: parameters and intermediates, then a final byte
			j := i + 2
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x3f {
				j++
			}
			if j < len(s) && s[j] >= 0x40 && s[j] <= 0x7e {
				j++
			}
			i = j - 1
		case ']': // OSC: up to BEL or ESC \
			j := i + 2
			for j < len(s) && s[j] != 0x07 && s[j] != 0x1b && s[j] != '\n' {
				j++
			}
			if j < len(s) && s[j] == 0x07 {
				j++
			} else if j+1 < len(s) && s[j] == 0x1b && s[j+1] == '\\' {
				j += 2
			}
			i = j - 1
		default: // a two-byte escape
			i++
		}
	}
	return b.String()
}

func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// isDropped reports control characters (C0, DEL, C1) other than line
// breaks and tabs, and the Unicode bidirectional controls.
func isDropped(r rune) bool {
	if r == '\t' || isLineBreak(r) {
		return false
	}
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r == '\u200e', r == '\u200f', r == '\u061c':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	case r == '\ufeff':
		return true
	}
	return false
}

// ellipsis marks text that was cut.
const ellipsis = "…"

// cut shortens s to at most limit runes, ending with an ellipsis when it was
// longer. limit <= 0 gives an ellipsis (or the empty string for empty s).
func cut(s string, limit int) string {
	if limit <= 0 {
		if s == "" {
			return ""
		}
		return ellipsis
	}
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return s[:i] + ellipsis
		}
		n++
	}
	return s
}

// shorten is cut(clean(s), limit) without cleaning more of a long s than
// can be shown: remote names may be megabytes long.
func shorten(s string, limit int) string {
	bound := max(limit, 0)*8 + 64
	if len(s) <= bound {
		return cut(clean(s), limit)
	}
	for bound > 0 && !utf8.RuneStart(s[bound]) {
		bound--
	}
	c := clean(s[:bound])
	if utf8.RuneCountInString(c) >= limit {
		return cut(c, limit)
	}
	return c + ellipsis
}

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
