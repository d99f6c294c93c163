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

// A rule is one built-in failure pattern: a literal keyword, optionally
// required to start a word, and a regular expression that the text right
// after the keyword must start with. Leading with a literal keeps matching a
// candidate line cheap (a bytes.Index per rule and a short anchored regexp)
// where one big unanchored regexp costs microseconds per line.
type rule struct {
	name string // what it catches, for tests and documentation
	lit  string // the keyword, matched case-sensitively
	// word requires that lit does not follow a word character, '.', '-' or
	// '/': "console.error:", "continue-on-error:", "TestError:" and
	// "errors/fatal:" are not failures.
	word bool
	rest string // regexp the text after lit must start with; "" accepts anything
	// key is the line key (scan.go) that every line the rule matches has:
	// only the rules whose key a line has are tried on it.
	key keyMask
}

// builtinRules are the failure lines CodeArts logs contain. They are matched
// on the line with ANSI escape sequences removed. The Detector's gates
// (scan.go) must let through every line that one of them matches: a new
// rule needs a gate.
var builtinRules = []rule{
	// CodeArts' own level and Maven's: "[2023/12/21 15:44:18.793 GMT+08:00] [ERROR] ...",
	// "[ERROR] Failed to execute goal ...", "[ERROR] /src/Foo.java:[11,40] package x does not exist".
	{"level", "[ERROR]", false, "", keyER},
	{"level", "[FATAL]", false, "", keyFA},
	// Compilers, git, Node, pip, docker buildx, rustc, tsc, MSVC: "main.c:3:5: error: ...",
	// "fatal: repository not found", "Error: Cannot find module", "ERROR: failed to solve",
	// "error[E0425]: ...", "error TS2304: ...", "fatal error C1083: ...".
	{"error-colon", "error", true, errorColonRest, keyErrorColon},
	{"error-colon", "Error", true, errorColonRest, keyErrorColon},
	{"error-colon", "ERROR", true, errorColonRest, keyErrorColon},
	{"error-colon", "fatal", true, errorColonRest, keyErrorColon},
	{"error-colon", "Fatal", true, errorColonRest, keyErrorColon},
	{"error-colon", "FATAL", true, errorColonRest, keyErrorColon},
	// webpack: "ERROR in ./src/index.js".
	{"webpack", "ERROR in ", true, "", keyER},
	// Node: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory".
	{"fatal-error", "FATAL ERROR", true, wordEnd, keyFA},
	// Maven "BUILD FAILURE", Gradle and Ant "BUILD FAILED".
	{"build-failure", "BUILD FAIL", true, `(?:URE|ED)` + wordEnd, keyFA},
	// Gradle: "FAILURE: Build failed with an exception."
	{"gradle", "FAILURE: ", true, "", keyFA},
	// Maven: "COMPILATION ERROR :", also when a tool prints it without the level.
	{"compilation-error", "COMPILATION ERROR", true, wordEnd, keyER},
	// npm up to v9 "npm ERR! code ELIFECYCLE", npm v10 "npm error code 1".
	{"npm", "npm ERR!", true, "", keyER},
	{"npm", "npm error", true, wordEnd, keyNpm},
	// pnpm: "ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL".
	{"pnpm", "ERR_PNPM_", true, `\w`, keyER},
	// Python.
	{"traceback", "Traceback (most recent call last)", false, colonEnd, keyTraceback},
	// Go: "panic: runtime error: index out of range".
	{"go-panic", "panic: ", true, "", keyPanic},
	// Shells, CI runners, docker, yarn: "exit code 1", "exit status 2", "exited with code 127",
	// "Exit code: 1", "EXIT CODE 1"; never exit code 0.
	{"exit-code", "exit", true, exitRest, keyXit},
	{"exit-code", "Exit", true, exitRest, keyEx},
	{"exit-code", "EXIT", true, ` (?:CODE|STATUS)` + nonZero, keyEX},
	// Python: "returned non-zero exit status 1"; docker build: "returned a non-zero code: 1".
	{"non-zero", "non-zero ", true, `exit (?:code|status)`, keyXit},
	{"non-zero", "Non-zero ", true, `exit (?:code|status)`, keyXit},
	{"non-zero", "non-zero ", true, `(?:code|status)` + colonEnd, keyNonZero},
	{"non-zero", "Non-zero ", true, `(?:code|status)` + colonEnd, keyNonZero},
	// GNU make: "make: *** [Makefile:12: build] Error 2", "make[1]: *** No rule to make target 'x'.  Stop."
	{"make", "make", true, `(?:\[\d+\])?: \*\*\* `, keyMake},
	// javac through Maven when printed without the [ERROR] level:
	// "/src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist".
	// "Foo.java:[11,40]" alone is not enough: Maven prints deprecation warnings the same way.
	{"javac", ".java:[", false, `\d+(?:,\d+)?\] (?:error: )?(?:package \S+ does not exist|cannot find symbol|incompatible types|cannot be applied|unreported exception|is not abstract|is already defined|cannot access|has private access|not a statement|illegal start of|class, interface, enum, or record expected|'[^']+' expected)`, keyJavac},
	// Java: "Exception in thread "main" java.lang.NullPointerException".
	{"java-exception", `Exception in thread "`, false, "", keyEx},
	// docker CLI: "Error response from daemon: pull access denied".
	{"docker", "Error response from daemon", false, colonEnd, keyDaemon},
	// CodeArts' Chinese markers: "该步骤执行失败" (step failed), "构建失败" (build failed), "编译失败" (compile failed).
	{"codearts", "执行失败", false, "", keyFail},
	{"codearts", "构建失败", false, "", keyFail},
	{"codearts", "编译失败", false, "", keyFail},
}

// Parts of builtinRules.
const (
	wordEnd        = `(?:\W|$)`
	errorColonRest = `(?:\[E\d+\]| [A-Z]{1,4}\d{2,6}| error)?` + colonEnd
	// colonEnd is the ':' after a keyword. A digit right after it makes a
	// count or a time ("error:0", "Error:12:30"), not a failure; it also
	// lets the Detector's scan skip the colons of every timestamp.
	colonEnd = `:(?:[^0-9]|$)`
	nonZero  = `[ \t]*[:=]?[ \t]*-?0*[1-9]`
	exitRest = `(?:ed)?(?: with)? (?:code|status|value)` + nonZero
)

// restWindow is how much of the text after a rule's keyword its rest
// regexp sees; the rests are short, and a small input keeps the regexp
// engine from clearing a large bitmap per call.
const restWindow = 256

// compiledRule is a rule ready to match.
type compiledRule struct {
	key  keyMask
	lit  []byte
	word bool
	rest *regexp.Regexp // anchored; nil accepts anything
}

// compiledRules are builtinRules, compiled once.
var compiledRules = compileRules(builtinRules)

func compileRules(rules []rule) []compiledRule {
	out := make([]compiledRule, len(rules))
	for i, r := range rules {
		out[i] = compiledRule{key: r.key, lit: []byte(r.lit), word: r.word}
		if r.rest != "" {
			out[i].rest = regexp.MustCompile(`^(?:` + r.rest + `)`)
		}
	}
	return out
}

// matchRules reports whether text matches a builtin rule. It tries only
// the rules whose key the text has.
func matchRules(text []byte) bool {
	keys := lineKeys(text)
	if keys == 0 {
		return false
	}
	for i := range compiledRules {
		if keys&compiledRules[i].key != 0 && compiledRules[i].match(text) {
			return true
		}
	}
	return false
}

// match reports whether the rule matches somewhere in text.
func (r *compiledRule) match(text []byte) bool {
	for from := 0; from < len(text); {
		j := bytes.Index(text[from:], r.lit)
		if j < 0 {
			return false
		}
		at := from + j
		from = at + 1
		if r.word && at > 0 && wordByte(text[at-1]) {
			continue
		}
		end := at + len(r.lit)
		if r.rest == nil || r.rest.Match(text[end:min(len(text), end+restWindow)]) {
			return true
		}
	}
	return false
}

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
// may contain ANSI escape sequences and a trailing '\r') is a failure line.
// Patterns are matched on the line with ANSI escape sequences and the
// trailing '\r' removed, and only on its first MatchWindow bytes.
func (m *Matcher) Match(line []byte) bool {
	var scratch []byte
	return m.matchLine(line, int64(len(line)), &scratch)
}

// matchText matches the text of a line (window cut, '\r' trimmed); ANSI
// escape sequences are removed first, into the caller-owned scratch.
func (m *Matcher) matchText(text []byte, scratch *[]byte) bool {
	if bytes.IndexByte(text, esc) >= 0 {
		*scratch = stripANSI((*scratch)[:0], text)
		text = *scratch
	}
	if m != nil && m.extra != nil && m.extra.Match(text) {
		return true
	}
	return matchRules(text)
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
