package failures

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// MatchWindow is how much of one line a Matcher looks at: a line longer
// than this (a minified bundle, a classpath) is matched on its first
// MatchWindow bytes only, so that a giant line is never buffered whole.
const MatchWindow = 64 << 10

// wordByte reports whether c continues a word for rule.word.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' || c == '/'
}

// esc starts an ANSI escape sequence.
const esc = 0x1b

// joinPatterns makes one alternation of valid regular expressions; each is
// wrapped in a group so that its flags and alternations stay its own.
func joinPatterns(exprs []string) string {
	var b strings.Builder
	for i, e := range exprs {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString("(?:")
		b.WriteString(e)
		b.WriteString(")")
	}
	return b.String()
}

// PatternError reports a failure-patterns element that is not a valid Go
// regular expression (RE2 syntax).
type PatternError struct {
	Pattern string // the pattern as given
	Err     error  // the regexp package's error
}

// Error names the pattern and says what is wrong with it.
func (e *PatternError) Error() string {
	return fmt.Sprintf("invalid failure pattern %q: %v", e.Pattern, e.Err)
}

// Unwrap returns the regexp package's error.
func (e *PatternError) Unwrap() error { return e.Err }

// Matcher decides whether a log line is a failure line. It is safe for
// concurrent use by several Detectors. A nil *Matcher matches with the
// built-in patterns only.
type Matcher struct {
	extra    *regexp.Regexp // user patterns as one alternation; nil when none
	patterns []string       // user patterns as given, blank ones dropped
}

// NewMatcher compiles the built-in patterns plus extra user regular
// expressions (Go RE2 syntax, one per element; blank elements are ignored).
// An invalid element gives a *PatternError naming the first bad pattern.
func NewMatcher(extra []string) (*Matcher, error) {
	m := &Matcher{}
	for _, p := range extra {
		if strings.TrimSpace(p) == "" {
			continue
		}
		if _, err := regexp.Compile(p); err != nil {
			return nil, &PatternError{Pattern: p, Err: err}
		}
		m.patterns = append(m.patterns, p)
	}
	if len(m.patterns) > 0 {
		re, err := regexp.Compile(joinPatterns(m.patterns))
		if err != nil {
			// Each pattern compiled alone, so the alternation can only
			// fail on a limit such as the program size.
			return nil, &PatternError{Pattern: strings.Join(m.patterns, "\n"), Err: err}
		}
		m.extra = re
	}
	return m, nil
}

// Patterns returns the user patterns in use (blank ones dropped).
func (m *Matcher) Patterns() []string {
	if m == nil {
		return nil
	}
	return append([]string(nil), m.patterns...)
}

// Match reports whether line (without its newline, as it is in the log: it
// may contain ANSI escape sequences, bare '\r's and a trailing '\r') is a
// failure line. Patterns are matched on what a terminal shows of the line
// (the text after its last bare '\r') with ANSI escape sequences removed,
// and only on its first MatchWindow bytes.
func (m *Matcher) Match(line []byte) bool {
	var scratch []byte
	v := visible(line)
	c, _ := m.classifyLine(v, int64(len(v)), &scratch, false)
	return c.tier > tierNone && !c.quiet
}

// matchUserText reports whether the text of a line (as for matchText)
// matches a user pattern.
func (m *Matcher) matchUserText(text []byte, scratch *[]byte) bool {
	if m == nil || m.extra == nil {
		return false
	}
	if bytes.IndexByte(text, esc) >= 0 {
		*scratch = stripANSI((*scratch)[:0], text)
		text = *scratch
	}
	return m.extra.Match(text)
}

// matchUserLine is matchUserText on a line of which raw holds the first
// bytes and full is the length, cut and trimmed as for classifyLine.
func (m *Matcher) matchUserLine(raw []byte, full int64, scratch *[]byte) bool {
	if full > int64(len(raw)) || len(raw) > MatchWindow {
		return m.matchUserText(raw[:min(len(raw), MatchWindow)], scratch)
	}
	return m.matchUserText(bytes.TrimRight(raw, "\r"), scratch)
}

// MatchUser reports whether line (as for Match) matches one of the user's
// patterns, not counting the built-in ones.
func (m *Matcher) MatchUser(line []byte) bool {
	var scratch []byte
	return m.matchUserLine(line, int64(len(line)), &scratch)
}

// ParsePatterns splits the failure-patterns input: one regular expression
// per line, a trailing '\r' removed, blank lines dropped. Other spaces are
// kept: they may be part of a pattern.
func ParsePatterns(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, l)
	}
	return out
}

// stripANSI appends src without its ANSI escape sequences to dst.
func stripANSI(dst, src []byte) []byte {
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], esc)
		if j < 0 {
			return append(dst, src[i:]...)
		}
		dst = append(dst, src[i:i+j]...)
		i = skipEscape(src, i+j)
	}
	return dst
}

// skipEscape returns the index just after the escape sequence that starts
// with the ESC at s[i] (ECMA-48: CSI, OSC and other string controls, two-
// and three-byte escapes). A sequence cut by the end of s ends there; an
// unterminated string control drops only its introducer, so that text after
// it is not hidden.
func skipEscape(s []byte, i int) int {
	if i+1 >= len(s) {
		return len(s)
	}
	switch c := s[i+1]; {
	case c == '[': // CSI: parameters, intermediates, one final byte
		j := i + 2
		for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f {
			j++
		}
		for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
			j++
		}
		if j < len(s) && s[j] >= 0x40 && s[j] <= 0x7e {
			j++
		}
		return j
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_': // OSC, DCS, SOS, PM, APC: up to BEL or ST
		for j := i + 2; j < len(s); j++ {
			switch s[j] {
			case 0x07:
				return j + 1
			case esc:
				if j+1 < len(s) && s[j+1] == '\\' {
					return j + 2
				}
				return i + 2
			}
		}
		return i + 2
	case c >= 0x20 && c <= 0x2f: // ESC ( B and other designations: intermediates then a final byte
		j := i + 2
		for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
			j++
		}
		if j < len(s) && s[j] >= 0x30 && s[j] <= 0x7e {
			j++
		}
		return j
	case c >= 0x30 && c <= 0x7e: // ESC 7, ESC =, ESC c ...
		return i + 2
	}
	return i + 1 // a lone ESC
}
