package failures

import (
	"bytes"
	"regexp"
)

// tier ranks what a failure line says about the cause of a failure.
type tier uint8

const (
	tierNone tier = iota
	// tierSummary: a line that reports that something failed without
	// saying why: an exit code, make's "*** [x] Error 1", "BUILD FAILURE",
	// "npm ERR! code ELIFECYCLE", "test result: FAILED". It is the end of
	// a cascade; its cause is above it.
	tierSummary
	// tierError: an error line of a known form ("error:", "[ERROR]",
	// "fatal:", "ERROR:") that does not say where.
	tierError
	// tierRoot: a tool's report of a cause: a test framework's failure
	// report, a compiler diagnostic with its location, a crash.
	tierRoot
)

// mode says how a block goes on after its first line.
type mode uint8

const (
	// modeIndent: lines indented deeper than the first one, stack frames,
	// caret lines and the source lines they point into.
	modeIndent mode = iota
	// modePara: every line up to a blank line.
	modePara
	// modeSection: every line, blank ones too, up to the end of the
	// section (a summary line, a rule of '=' or a runner's marker).
	modeSection
	// modeTrace: like modeIndent, and the first line back at the first
	// line's indentation too (a Python traceback ends with its exception).
	modeTrace
)

// class is what a line is, for the excerpt.
type class struct {
	tier  tier
	mode  mode
	quiet bool // the line opens a block but is not itself a failure line ("=== FAILURES ===")
	above bool // the failure line is the line above (see rule.above)
	user  bool // matched by a user pattern
}

// facts are what the block logic needs to know of any line.
type facts struct {
	body   []byte // the line without its CI prefix
	indent int
	blank  bool
	marker bool // a command starts here: "$ cmd", CodeArts' "该步骤开始执行"
	noise  bool // a runner's bookkeeping line: travis_time:, travis_fold:, ##[group]
	cont   bool // looks like the continuation of a report: a stack frame, a caret, "Caused by:"
	item   bool // an item of a failure section: "1) name", "____ test ____", "E   assert"
	end    bool // ends a section: "=====", "FAILURES!", "Tests: 3, Failures: 1", "N errors"
	boiler bool // said around failures, about nothing: "[Help 1]", "See full trace"
}

// analyse returns the class and the facts of a line's text (visible, ANSI
// free).
//
// When inReport is false (no report is open), the facts that only a report
// needs are not computed: most lines the scan looks at are not failures,
// and three regexps per line would cost more than the rest of the scan.
func (m *Matcher) analyse(text []byte, inReport bool) (class, facts) {
	body, level := splitPrefix(text)
	user := m != nil && m.extra != nil && m.extra.Match(text)
	var keys keyMask
	if !user && !inReport {
		// The fast way out for the lines that a gate let through but no
		// rule can match.
		if keys = lineKeys(body); keys == 0 && level != levelError {
			return class{}, facts{body: body}
		}
	}
	f := facts{body: body, indent: indentOf(body), blank: isBlank(body)}
	if f.blank {
		return class{}, f
	}
	t := body[min(len(body), leadingBlanks(body)):]
	if inReport {
		f.marker = isMarker(t, body)
		f.noise = isNoise(t)
		f.cont = contRE.Match(t)
		f.item = itemRE.Match(t)
		f.end = endRE.Match(t)
	}
	if user {
		return class{tier: tierRoot, mode: modeIndent, user: true}, f
	}
	if inReport && isBoilerplate(t) {
		f.boiler = true
		return class{}, f
	}
	if level == levelError && javacLocAt(t) {
		// Maven's "[ERROR] /src/A.java:[11,40] msg": the compiler's error,
		// known without trying every rule.
		return class{tier: tierRoot, mode: modeIndent}, f
	}
	if keys == 0 {
		keys = lineKeys(body)
	}
	if keys == 0 && level != levelError {
		return class{}, f
	}
	if isBoilerplate(t) {
		f.boiler = true
		return class{}, f
	}
	c := bestRuleKeys(body, keys)
	if level == levelError && c.tier < tierError {
		c = class{tier: tierError, mode: modeIndent}
		switch {
		case javacLocRE.Match(t):
			c.tier = tierRoot
		case bytes.HasPrefix(t, []byte("Tests run: ")) && bytes.Contains(t, []byte("<<<")):
			// Surefire's class line before its tests' reports.
			return class{}, f
		case mavenSummaryRE.Match(t) && !mavenDepsRE.Match(t):
			c.tier = tierSummary
		}
	}
	return c, f
}

// javacLocAt is javacLocRE without the regexp engine (the tests check
// they agree).
func javacLocAt(t []byte) bool {
	sp := bytes.IndexByte(t, ' ')
	if sp <= 0 {
		return false
	}
	tok := t[:sp]
	if bytes.IndexByte(tok, '\t') >= 0 {
		return false
	}
	for _, ext := range []string{".java:", ".kt:", ".scala:", ".groovy:", ".kts:"} {
		i := bytes.LastIndex(tok, []byte(ext))
		if i <= 0 {
			continue
		}
		rest := tok[i+len(ext):]
		digits := func(b []byte) int {
			n := 0
			for n < len(b) && isDigit(b[n]) {
				n++
			}
			return n
		}
		if len(rest) > 2 && rest[0] == '[' { // [11,40] or [11]
			n := digits(rest[1:])
			if n == 0 {
				continue
			}
			r := rest[1+n:]
			if len(r) > 1 && r[0] == ',' {
				m := digits(r[1:])
				if m == 0 {
					continue
				}
				r = r[1+m:]
			}
			if string(r) == "]" {
				return true
			}
			continue
		}
		n := digits(rest) // 12: or 12:3:
		if n == 0 {
			continue
		}
		r := rest[n:]
		if string(r) == ":" {
			return true
		}
		if len(r) > 1 && r[0] == ':' {
			if m := digits(r[1:]); m > 0 && string(r[1+m:]) == ":" {
				return true
			}
		}
	}
	return false
}

// leadingBlanks counts the bytes of leading spaces and tabs.
func leadingBlanks(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// leadingDigits returns the number of ASCII digits at the start of b.
func leadingDigits(b []byte) int {
	i := 0
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// isMarker reports whether a line starts a command: a shell prompt "$ cmd"
// at the start of the body, or CodeArts' step start "该步骤开始执行".
func isMarker(t, body []byte) bool {
	if len(body) > 2 && body[0] == '$' && body[1] == ' ' {
		return true
	}
	return bytes.Contains(t, []byte("开始执行"))
}

// isNoise reports a runner's bookkeeping line.
func isNoise(t []byte) bool {
	return bytes.HasPrefix(t, []byte("travis_")) || bytes.HasPrefix(t, []byte("##[")) ||
		bytes.HasPrefix(t, []byte("::group::")) || bytes.HasPrefix(t, []byte("::endgroup::"))
}

var (
	// contRE: lines that continue a report whatever their indentation.
	contRE = regexp.MustCompile(`^(?:at [\w$.<>/\\-]+[.(]|\^[~^ ]*$|~+\^?~*\s*$|\|(?:\s|$)|-->\s|= (?:note|help): |\d+\s+\|\s|Caused by: |\.\.\. \d+ more|Call Stack \(most recent call first\)|stack traceback:|\[C\]: in |#\d+ 0x[0-9a-f]+ in |Stack Trace:|Reason: |--- End of )`)
	// itemRE: the items of a failure section.
	itemRE = regexp.MustCompile(`^(?:\d+\) \S|_{3,} .+ _{3,}\s*$|E {2,}\S|---- .+ ----\s*$|Failure/Error: |\S+ > \S.* FAILED\s*$)`)
	// endRE: lines that end a section of failures.
	endRE = regexp.MustCompile(`^(?:={5,}|FAILURES!|ERRORS!|Tests: \d+, |Tests run: \d+, |\d+ (?:examples?|tests?|specs?), \d+ failures?|Finished in |\d+ errors?\s*$|test result: |-- Configuring incomplete|Results ?:\s*$|BUILD (?:FAILURE|FAILED))`)
	// mavenSummaryRE: Maven's "[ERROR] Failed to execute goal ...", which
	// repeats the errors above it, unless dependencies could not be
	// resolved (mavenDepsRE): then it is the only report of the cause.
	mavenSummaryRE = regexp.MustCompile(`^(?:Failed to execute goal |Tests run: |Failures: ?$|Errors: ?$|There (?:are|were) test failures)`)
	mavenDepsRE    = regexp.MustCompile(`Could not resolve dependencies|Could not find artifact|Non-resolvable|could not be resolved|Could not transfer artifact`)
	// javacLocRE: a compiler diagnostic under an [ERROR] level, as Maven
	// and Gradle print javac's, kotlinc's and scalac's: "/src/A.java:[11,40] x".
	javacLocRE = regexp.MustCompile(`^\S+\.(?:java|kt|scala|groovy|kts)(?::\[\d+(?:,\d+)?\]|:\d+(?::\d+)?:) `)
)

// boilerplate are lines that tools print around failures and that say
// nothing of their cause: they are never failure lines.
var boilerplate = []string{
	"-> [Help 1]",
	"[Help 1]",
	"To see the full stack trace of the errors",
	"Re-run Maven using the -X switch",
	"For more information about the errors and possible solutions",
	"After correcting the problems, you can resume the build",
	"mvn <args> -rf ",
	"npm ERR! A complete log of this run can be found in",
	"npm ERR! This is probably not a problem with npm",
	"npm ERR! Tell the author",
	"npm ERR! You can get information on how to open an issue",
	"npm ERR!     /",
	"npm error A complete log of this run can be found in",
	"(See full trace by running task with --trace)",
	"Run with --stacktrace option",
	"Run with --info or --debug option",
	"Run with --scan to get full insights",
	"Get more help at https://help.gradle.org",
	"info: Visit https://yarnpkg.com/en/docs/cli/run",
}

func isBoilerplate(t []byte) bool {
	if len(t) == 0 {
		return true
	}
	for _, b := range boilerplate {
		if bytes.HasPrefix(t, []byte(b)) {
			return true
		}
	}
	// A bare level, "[ERROR] " with nothing after it, or "npm ERR!".
	s := bytes.TrimSpace(t)
	return string(s) == "[ERROR]" || string(s) == "npm ERR!" || string(s) == "npm error"
}

// bestRule returns the class of the best built-in rule that matches body.
func bestRule(body []byte, _ int) class { return bestRuleKeys(body, lineKeys(body)) }

// bestRuleKeys is bestRule for a body whose keys are known.
func bestRuleKeys(body []byte, keys keyMask) class {
	if keys == 0 {
		return class{}
	}
	var best class
	for i := range compiledRules {
		r := &compiledRules[i]
		if keys&r.key == 0 || r.tier <= best.tier {
			continue
		}
		if c, ok := r.classify(body, 0); ok && c.tier > best.tier {
			best = c
		}
	}
	return best
}
