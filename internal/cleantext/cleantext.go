// Package cleantext makes remote text (display names, statuses, error
// bodies, log lines) safe to show: on a terminal, in the job log, in an
// annotation or in the summary. It removes what could recolour, retitle,
// clear, reorder or hide what the reader sees: C0 and C1 control
// characters, DEL, ANSI escape sequences (CSI and OSC, with their
// parameters) and the Unicode bidirectional controls. It is the one cleaner
// every output path uses.
package cleantext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line makes s a single line of printable text: invalid UTF-8 becomes
// U+FFFD, line breaks (CRLF counts as one) and tabs become spaces, ANSI
// escape sequences are removed with their parameters, and so are control
// and bidirectional formatting characters (they could recolour, reorder or
// hide what the reader sees). Leading and trailing spaces are trimmed.
func Line(s string) string {
	return strings.TrimSpace(cleanRunes(s, false))
}

// KeepTabs is Line for one line of a log excerpt: tabs are kept (they are
// part of the log's layout) and the surrounding spaces too.
func KeepTabs(s string) string {
	return cleanRunes(s, true)
}

// needsCleaning reports whether cleanRunes would change s (but for the
// trimming of Line).
func needsCleaning(s string, keepTabs bool) bool {
	for _, r := range s {
		if r == utf8.RuneError || isDropped(r) || isLineBreak(r) || (r == '\t' && !keepTabs) {
			return true
		}
	}
	return false
}

func cleanRunes(s string, keepTabs bool) string {
	if !needsCleaning(s, keepTabs) {
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

// Ellipsis marks text that was cut.
const Ellipsis = "…"

// Cut shortens s to at most limit runes, ending with an Ellipsis when it was
// longer. limit <= 0 gives an Ellipsis (or the empty string for empty s).
func Cut(s string, limit int) string {
	if limit <= 0 {
		if s == "" {
			return ""
		}
		return Ellipsis
	}
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return s[:i] + Ellipsis
		}
		n++
	}
	return s
}

// Shorten is Cut(Line(s), limit) without cleaning more of a long s than
// can be shown: remote names may be megabytes long.
func Shorten(s string, limit int) string {
	bound := max(limit, 0)*8 + 64
	if len(s) <= bound {
		return Cut(Line(s), limit)
	}
	for bound > 0 && !utf8.RuneStart(s[bound]) {
		bound--
	}
	c := Line(s[:bound])
	if utf8.RuneCountInString(c) >= limit {
		return Cut(c, limit)
	}
	return c + Ellipsis
}

// Lines is KeepTabs for each line of a multi-line text: line breaks are
// kept, as "\n" (CRLF and a lone CR count as one; so do the Unicode line
// separators), and each line is cleaned.
func Lines(s string) string {
	if !needsCleaning(s, true) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start := 0
	prev := rune(0)
	for i, r := range s {
		if isLineBreak(r) {
			if !(prev == '\r' && r == '\n') {
				b.WriteString(KeepTabs(s[start:i]))
				b.WriteByte('\n')
			}
			start = i + utf8.RuneLen(r)
		}
		prev = r
	}
	b.WriteString(KeepTabs(s[start:]))
	return b.String()
}

// IsUnsafe reports whether Line removes or replaces r: a control character
// (line breaks and tabs included), DEL, a C1 control, a bidirectional
// control or a byte-order mark. Tests use it to check an output.
func IsUnsafe(r rune) bool { return r == '\t' || isLineBreak(r) || isDropped(r) }
