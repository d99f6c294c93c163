package failures

import (
	"bytes"
	"regexp"
	"strings"
)

// A rule is one built-in failure pattern: a literal keyword, optionally
// required to start a word or the line, and a regular expression that the
// text right after the keyword must start with. Leading with a literal keeps
// matching a candidate line cheap (a bytes.Index per rule and a short
// anchored regexp) where one big unanchored regexp costs microseconds per
// line. A rule says what the line is (its tier) and how the report it
// starts goes on (its mode); refine, when set, may change the tier from the
// whole line (a compiler's location before "error:", a counter after it).
type rule struct {
	name string // what it catches, for tests and documentation
	lit  string // the keyword, matched case-sensitively
	// word requires that lit does not follow a word character, '.', '-' or
	// '/': "console.error:", "continue-on-error:", "TestError:" and
	// "errors/fatal:" are not failures.
	word bool
	// start requires lit to begin the line's body (after the CI prefix
	// and the indentation).
	start bool
	rest  string // regexp the text after lit must start with; "" accepts anything
	// key is the line key (scan.go) that every line the rule matches has:
	// only the rules whose key a line has are tried on it.
	key   keyMask
	tier  tier
	mode  mode
	quiet bool
	// above: the failure line is the line above this one, which says
	// what failed in words no cheap gate finds (Rust's "thread 'main'
	// panicked at ..." above its "note: run with `RUST_BACKTRACE=1`").
	above  bool
	refine refineFunc // nil: the rule's tier; tierNone rejects the line
}

// builtinRules are the failure lines of build logs: test frameworks'
// failure reports, compiler diagnostics, dependency resolution, shells and
// runners. They are matched on the line's body: ANSI escape sequences, a
// bare '\r' and everything before it, and the CI prefix (timestamp, level)
// removed. The Detector's gates (scan.go) must let through every line that
// one of them matches: a new rule needs a gate.
var builtinRules = []rule{
	// Test frameworks. go test "--- FAIL: TestX (0.01s)" and its indented log lines.
	{name: "go-test", lit: "--- FAIL: ", start: true, key: keyFA, tier: tierRoot},
	// jest "FAIL src/a.test.js", PHP's run-tests "FAIL name [file.phpt]"; go test's "FAIL\tpkg 0.1s" and a bare "FAIL" are summaries.
	{name: "fail", lit: "FAIL ", start: true, key: keyFA, tier: tierRoot, mode: modePara},
	{name: "fail-summary", lit: "FAIL", start: true, rest: `(?:\t|\s*$)`, key: keyFA, tier: tierSummary},
	// googletest "[  FAILED  ] Suite.Test (3 ms)"; its "[  FAILED  ] 2 tests, listed below:" is a summary.
	{name: "gtest", lit: "[  FAILED  ] ", key: keyFA, tier: tierRoot, refine: gtestRefine},
	// Catch2 "FAILED:", xUnit.net "Ns.Class.Test [FAIL]", ScalaTest "- test *** FAILED ***".
	{name: "catch", lit: "FAILED:", start: true, key: keyFA, tier: tierRoot},
	{name: "xunit", lit: " [FAIL]", key: keyFA, tier: tierRoot},
	{name: "scalatest", lit: "*** FAILED ***", key: keyFA, tier: tierRoot},
	// Erlang common_test "*** FAILED test case 5 of 6 ***": its reason is above it.
	{name: "common-test", lit: "*** FAILED test case", key: keyFA, tier: tierSummary},
	// Surefire/JUnit "testX(com.a.BTest)  Time elapsed: 0.02 sec  <<< FAILURE!" and its trace;
	// the class line "Tests run: 3, Failures: 1, ... <<< FAILURE!" is a summary.
	{name: "surefire", lit: "<<< FAILURE!", key: keyFA, tier: tierRoot, mode: modePara, refine: surefireRefine},
	{name: "surefire", lit: "<<< ERROR!", key: keyER, tier: tierRoot, mode: modePara, refine: surefireRefine},
	// Karma/Jasmine "Chrome 120 (Linux) Suite test FAILED", Gradle's "> Task :app:test FAILED" (a summary).
	{name: "trailing-failed", lit: " FAILED", rest: `\s*$`, key: keyFA, tier: tierRoot, refine: trailingFailedRefine},
	// pytest "==== FAILURES ====" and "==== ERRORS ====": the section of reports.
	{name: "pytest", lit: " FAILURES =", key: keyFA, tier: tierRoot, mode: modeSection, quiet: true},
	{name: "pytest", lit: " ERRORS =", key: keyER, tier: tierRoot, mode: modeSection, quiet: true},
	// RSpec, hspec, Jasmine "Failures:"; cargo test "failures:"; Minitest "Failure:".
	{name: "failures", lit: "Failures:", start: true, rest: `\s*$`, key: keyFailure, tier: tierRoot, mode: modeSection, quiet: true},
	{name: "failures", lit: "failures:", start: true, rest: `\s*$`, key: keyFailure, tier: tierRoot, mode: modeSection, quiet: true},
	{name: "minitest", lit: "Failure:", start: true, rest: `\s*$`, key: keyFailure, tier: tierRoot, mode: modePara},
	// PHPUnit "There was 1 failure:", "There were 2 errors:".
	{name: "phpunit", lit: "There w", start: true, rest: `(?:as|ere) \d+ (?:failures?|errors?):\s*$`, key: keyFailure | keyErrorColon, tier: tierRoot, mode: modeSection, quiet: true},
	// Mocha, Jasmine: "  1) Suite test:" (its message and trace are indented below it).
	{name: "mocha", lit: ") ", rest: `.*:\s*$`, key: keyItem, tier: tierRoot, refine: numberedItem},
	// ExUnit "Assertion with == failed" (its test is the line "1) test ..." above).
	{name: "exunit", lit: "Assertion with ", start: true, key: keyAssert, tier: tierRoot, mode: modePara},
	// Elixir "** (CompileError) lib/a.ex:3: undefined function f/0", "** (Mix) ...".
	{name: "elixir", lit: "** (", start: true, key: keyStar, tier: tierRoot},
	// TAP "not ok 3 - name" and Rust's "thread 'main' panicked at" are not
	// rules: their only cheap gate byte, 'k', is too common (it cost the
	// scan a third of its speed). Rust's panic is found by the note below
	// it; inside a report, or above a summary, both are kept.
	{name: "rust-panic", lit: "note: ", start: true, rest: "[Rr]un with `RUST_BACKTRACE=1`", key: keyRustNote, tier: tierRoot, quiet: true, above: true},
	// Test runners that mark a failed test with a cross: mocha/xcpretty "✗ name", "✖ name", jest "✕ name",
	// xcpretty "❌  /src/A.swift:3:5: message", jest's "● Suite › test" report; eslint's "✖ 3 problems" is a summary.
	{name: "cross", lit: "✗ ", start: true, key: keySym, tier: tierRoot},
	{name: "cross", lit: "✖ ", start: true, key: keySym, tier: tierRoot, refine: eslintSummaryRefine},
	{name: "cross", lit: "✕ ", start: true, key: keySym, tier: tierRoot},
	{name: "cross", lit: "❌", start: true, key: keySym, tier: tierRoot},
	{name: "jest", lit: "● ", start: true, key: keySym, tier: tierRoot, refine: jestRefine},

	// Crashes and uncaught exceptions.
	{name: "traceback", lit: "Traceback (most recent call last)", rest: colonEnd, key: keyTraceback, tier: tierRoot, mode: modeTrace},
	{name: "go-panic", lit: "panic: ", word: true, key: keyPanic, tier: tierRoot, mode: modePara},
	{name: "java-exception", lit: `Exception in thread "`, key: keyEx, tier: tierRoot},
	{name: "fatal-error", lit: "FATAL ERROR", word: true, rest: wordEnd, key: keyFA, tier: tierRoot},
	// Ruby's rake "rake aborted!" and its message.
	{name: "rake", lit: "rake aborted!", start: true, key: keyBang, tier: tierRoot, mode: modePara},
	// CMake "CMake Error at CMakeLists.txt:46 (message):" and its indented message.
	{name: "cmake", lit: "CMake Error at ", start: true, rest: `.*\(message\):\s*$`, key: keyCMake, tier: tierRoot},
	// Maven "COMPILATION ERROR :" and the compiler's errors below it.
	{name: "compilation-error", lit: "COMPILATION ERROR", word: true, rest: wordEnd, key: keyER, tier: tierRoot, mode: modeSection, quiet: true},
	// webpack "ERROR in ./src/index.js".
	{name: "webpack", lit: "ERROR in ", word: true, key: keyER, tier: tierRoot},

	// Compilers, git, Node, pip, docker buildx, rustc, tsc, MSVC: "main.c:3:5: error: ...",
	// "fatal: repository not found", "Error: Cannot find module", "ERROR: failed to solve",
	// "error[E0425]: ...", "error TS2304: ...", "fatal error C1083: ...". With a location or a
	// code they are a cause; "error: 0" is a counter.
	{name: "error-colon", lit: "error", word: true, rest: errorColonRest, key: keyErrorColon, tier: tierError, refine: errorRefine},
	{name: "error-colon", lit: "Error", word: true, rest: errorColonRest, key: keyErrorColon, tier: tierError, refine: errorRefine},
	{name: "error-colon", lit: "ERROR", word: true, rest: errorColonRest, key: keyErrorColon, tier: tierError, refine: errorRefine},
	{name: "error-colon", lit: "fatal", word: true, rest: errorColonRest, key: keyErrorColon, tier: tierError, refine: errorRefine},
	{name: "error-colon", lit: "Fatal", word: true, rest: errorColonRest, key: keyErrorColon, tier: tierError, refine: errorRefine},
	{name: "error-colon", lit: "FATAL", word: true, rest: errorColonRest, key: keyErrorColon, tier: tierError, refine: errorRefine},
	// Exceptions at the start of a line: "SyntaxError: Unexpected token", "java.lang.IllegalStateException: x".
	{name: "exception", lit: "Error", rest: colonEnd, key: keyErrorColon, tier: tierError, refine: exceptionRefine},
	{name: "exception", lit: "Exception", rest: colonEnd, key: keyExc, tier: tierError, refine: exceptionRefine},
	// Compilers and linters that print no "error:": go build/vet "a.go:12:3: x declared and not used",
	// flake8 "./a.py:8:9: E128 ...", rubocop "lib/a.rb:15:17: C: ...", erlc "a.erl:127: x is unused".
	{name: "location", lit: ":", key: keyLoc, tier: tierError, refine: locationRefine},
	// Shells: "bash: foo: command not found", "x.sh: line 3: ./y: No such file or directory".
	{name: "shell", lit: ": command not found", rest: `\s*$`, key: keyShell, tier: tierError},
	{name: "shell", lit: ": No such file or directory", rest: `\s*$`, key: keyShell, tier: tierError},
	{name: "shell", lit: ": Permission denied", rest: `\s*$`, key: keyShell, tier: tierError},
	// docker CLI: "Error response from daemon: pull access denied".
	{name: "docker", lit: "Error response from daemon", rest: colonEnd, key: keyDaemon, tier: tierError},
	// Levels inside a line: "2024-01-01 12:00:00 [ERROR] x" (at the start, the prefix is the level).
	{name: "level", lit: "[ERROR]", key: keyER, tier: tierError},
	{name: "level", lit: "[FATAL]", key: keyFA, tier: tierError},
	// npm up to v9 "npm ERR! code E404", npm v10 "npm error code ERESOLVE"; ELIFECYCLE and its kin are summaries.
	{name: "npm", lit: "npm ERR!", word: true, key: keyER, tier: tierError, refine: npmRefine},
	{name: "npm", lit: "npm error", word: true, rest: wordEnd, key: keyNpm, tier: tierError, refine: npmRefine},
	// pnpm: "ERR_PNPM_OUTDATED_LOCKFILE"; ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL is a summary.
	{name: "pnpm", lit: "ERR_PNPM_", word: true, rest: `\w`, key: keyER, tier: tierError, refine: pnpmRefine},
	// GNU make: "make[1]: *** No rule to make target 'x'.  Stop."; "*** [all] Error 2" is a summary.
	{name: "make", lit: "make", word: true, rest: `(?:\[\d+\])?: \*\*\* `, key: keyMake, tier: tierError, refine: makeRefine},
	// javac through Maven when printed without the [ERROR] level:
	// "/src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist".
	// "Foo.java:[11,40]" alone is not enough: Maven prints deprecation warnings the same way.
	{name: "javac", lit: ".java:[", rest: javacRest, key: keyJavac, tier: tierRoot},

	// Summaries: the end of a cascade, whose cause is above.
	// Maven "BUILD FAILURE", Gradle and Ant "BUILD FAILED", MSBuild "Build FAILED.".
	{name: "build-failure", lit: "BUILD FAIL", word: true, rest: `(?:URE|ED)` + wordEnd, key: keyFA, tier: tierSummary},
	{name: "build-failure", lit: "Build FAILED", word: true, rest: wordEnd, key: keyFA, tier: tierSummary},
	// Gradle: "FAILURE: Build failed with an exception." and its "* What went wrong:".
	{name: "gradle", lit: "FAILURE: ", word: true, key: keyFA, tier: tierSummary, mode: modeSection},
	// PHPUnit "FAILURES!", cargo "test result: FAILED.".
	{name: "test-summary", lit: "FAILURES!", key: keyFA, tier: tierSummary},
	{name: "test-summary", lit: "test result: FAILED", key: keyFA, tier: tierSummary},
	// R CMD check: "* checking tests ..." then " ERROR" on a line of its own, then what failed.
	{name: "r-check", lit: "ERROR", start: true, rest: `\s*$`, key: keyER, tier: tierError, mode: modePara},
	// GHC "<no location info>:" before "Failing due to -Werror.": the warnings above are errors.
	{name: "ghc", lit: "<no location info>:", start: true, key: keyGHC, tier: tierSummary},
	// CMake "-- Configuring incomplete, errors occurred!".
	{name: "cmake-summary", lit: "errors occurred!", word: true, key: keyBang, tier: tierSummary},
	// Shells, CI runners, docker, yarn: "exit code 1", "exit status 2", "exited with code 127",
	// Travis' 'The command "make" exited with 1.', "Exit code: 1", "EXIT CODE 1"; never exit code 0.
	{name: "exit-code", lit: "exit", word: true, rest: exitRest, key: keyXit, tier: tierSummary},
	{name: "exit-code", lit: "Exit", word: true, rest: exitRest, key: keyEx, tier: tierSummary},
	{name: "exit-code", lit: "EXIT", word: true, rest: ` (?:CODE|STATUS)` + nonZero, key: keyEX, tier: tierSummary},
	// Python: "returned non-zero exit status 1"; docker build: "returned a non-zero code: 1".
	{name: "non-zero", lit: "non-zero ", word: true, rest: `exit (?:code|status)`, key: keyXit, tier: tierSummary},
	{name: "non-zero", lit: "Non-zero ", word: true, rest: `exit (?:code|status)`, key: keyXit, tier: tierSummary},
	{name: "non-zero", lit: "non-zero ", word: true, rest: `(?:code|status)` + colonEnd, key: keyNonZero, tier: tierSummary},
	{name: "non-zero", lit: "Non-zero ", word: true, rest: `(?:code|status)` + colonEnd, key: keyNonZero, tier: tierSummary},
	// CodeArts' Chinese markers: "该步骤执行失败" (step failed), "构建失败" (build failed), "编译失败" (compile failed).
	{name: "codearts", lit: "执行失败", key: keyFail, tier: tierSummary},
	{name: "codearts", lit: "构建失败", key: keyFail, tier: tierSummary},
	{name: "codearts", lit: "编译失败", key: keyFail, tier: tierSummary},
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
	exitRest = `(?:(?:ed)?(?: with)? (?:code|status|value)|ed with)` + nonZero
	// javacRest: what follows ".java:[" in javac's errors (Maven shows its
	// warnings in the same form).
	javacRest     = `\d+(?:,\d+)?\] (?:error: )?(?:package \S+ does not exist|` + javacMessages + `|'[^']+' expected)`
	javacMessages = `cannot find symbol|incompatible types|cannot be applied|unreported exception|is not abstract|is already defined|cannot access|has private access|not a statement|illegal start of|class, interface, enum, or record expected`
)

var (
	// locBeforeRE: a compiler's location right before "error": "a.c:3:5: ",
	// "A.cs(20,40): ", "a.hs:94:10: ", "/src/A.java:[11,40] "; locBefore
	// is the same without the regexp engine (the tests check they agree).
	locBeforeRE = regexp.MustCompile(`(?:\S:\d+(?::\d+)?:|\(\d+(?:,\d+)*\):|:\[\d+(?:,\d+)?\]) (?:fatal )?$`)
	// locationRE: a line that starts with a location and a message.
	locationRE = regexp.MustCompile(`^ {0,2}(?:\./)?[\w@~+-][\w./@~+-]*\.\w+:\d+(?::\d+)?: +(\S+)`)
	// summaryErrorRE: errors that only say that a build or a step failed.
	summaryErrorRE = regexp.MustCompile(`^(?:error|Error|ERROR): (?:build failed|aborting due to|[Cc]ould not compile|Process completed with exit code|Job failed|Command failed with exit code|Recipe .* failed|script returned exit code|.* exited with \d+\.?\s*$)`)
	npmSummaryRE   = regexp.MustCompile(`^(?:code (?:ELIFECYCLE|\d+)\b|errno |Exit status |Failed at |Test failed|Lifecycle script|command failed|command sh -c|path /|[@\w./-]+@[\w.+-]+ [\w:.-]+: |\S+ exited with|\s*$)`)
)

// errorRefine: "a.c:3:5: error: x", "error[E0425]:", "error TS2304:" and
// "fatal error:" are causes; "error: 0" is a counter; "error: build failed"
// a summary.
func errorRefine(body []byte, at, end int) tier {
	colon := bytes.IndexByte(body[end:min(len(body), end+16)], ':')
	if colon >= 0 && isCounter(body[end+colon+1:]) {
		return tierNone
	}
	s := leadingBlanks(body)
	if at == s && summaryErrorRE.Match(body[s:]) {
		return tierSummary
	}
	if at > s && (bytes.HasSuffix(body[:at], []byte("fatal ")) || locBefore(body[s:at])) {
		return tierRoot
	}
	if end < len(body) && (body[end] == '[' || body[end] == ' ' && end+1 < len(body) && body[end+1] >= 'A' && body[end+1] <= 'Z') {
		return tierRoot // error[E0425]:, error TS2304:, error CS0103:
	}
	if bytes.HasPrefix(body[end:], []byte(": AddressSanitizer")) || bytes.HasPrefix(body[end:], []byte(": LeakSanitizer")) {
		return tierRoot
	}
	return tierError
}

// locBefore reports whether b, the text before "error", ends with a
// compiler's location and a blank: "a.c:3:5: ", "A.cs(20,40): ",
// "/src/A.java:[11,40] " (locBeforeRE, without the regexp engine).
func locBefore(b []byte) bool {
	b = bytes.TrimSuffix(b, []byte("fatal "))
	if len(b) < 3 || b[len(b)-1] != ' ' {
		return false
	}
	b = b[:len(b)-1]
	digitsBack := func(b []byte) ([]byte, bool) {
		i := len(b)
		for i > 0 && isDigit(b[i-1]) {
			i--
		}
		return b[:i], i < len(b)
	}
	switch b[len(b)-1] {
	case ']': // :[11,40]
		r, ok := digitsBack(b[:len(b)-1])
		if !ok {
			return false
		}
		if len(r) > 0 && r[len(r)-1] == ',' {
			if r, ok = digitsBack(r[:len(r)-1]); !ok {
				return false
			}
		}
		return bytes.HasSuffix(r, []byte(":["))
	case ':':
		b = b[:len(b)-1]
		if len(b) > 0 && b[len(b)-1] == ')' { // (20,40):
			r := b[:len(b)-1]
			for {
				var ok bool
				if r, ok = digitsBack(r); !ok {
					return false
				}
				if len(r) > 0 && r[len(r)-1] == ',' {
					r = r[:len(r)-1]
					continue
				}
				return len(r) > 0 && r[len(r)-1] == '('
			}
		}
		r, ok := digitsBack(b) // a.c:3:5: or a.c:3:
		if !ok || len(r) < 2 || r[len(r)-1] != ':' {
			return false
		}
		if r2, ok := digitsBack(r[:len(r)-1]); ok && len(r2) >= 2 && r2[len(r2)-1] == ':' && !isSpace(r2[len(r2)-2]) {
			return true
		}
		return !isSpace(r[len(r)-2])
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// isCounter reports whether t, what follows the ':' of "error: 0,
// warning: 2", is a count: blanks, digits, blanks, then the end or one of
// ",;)]|/" (counterRE, without the regexp engine).
func isCounter(t []byte) bool {
	i := leadingBlanks(t)
	d := leadingDigits(t[i:])
	if d == 0 {
		return false
	}
	i += d
	i += leadingBlanks(t[i:])
	return i == len(t) || bytes.IndexByte([]byte(",;)]|/"), t[i]) >= 0
}

// exceptionRefine accepts "NameError: x", "java.io.IOException: y" at the
// start of a line: an identifier right before the keyword.
func exceptionRefine(body []byte, at, end int) tier {
	s := leadingBlanks(body)
	if at <= s {
		return tierNone // "Error:" alone is the error-colon rule's
	}
	for _, c := range body[s:at] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '$') {
			return tierNone
		}
	}
	if colon := bytes.IndexByte(body[end:], ':'); colon >= 0 && isCounter(body[end+colon+1:]) {
		return tierNone
	}
	return tierError
}

// locationRefine accepts "path/a.go:12:3: message" unless the message is a
// warning or a note.
func locationRefine(body []byte, _, _ int) tier {
	m := locationRE.FindSubmatch(body)
	if m == nil {
		return tierNone
	}
	switch w := bytes.ToLower(bytes.TrimRight(m[1], ":")); string(w) {
	case "warning", "note", "info", "hint", "debug", "trace", "remark", "ok", "passed":
		return tierNone
	case "error", "fatal":
		return tierRoot
	}
	return tierError
}

// refineFunc is a rule's refine: it may change the tier of a line the
// rule matched at body[at:end], and tierNone rejects the line.
type refineFunc = func(body []byte, at, end int) tier

// Refines that look at one thing and pick one of two tiers.
var (
	// googletest lists the failed tests again at the end ("[  FAILED  ]
	// 2 tests, listed below:"): a repeat, not a failure line.
	gtestRefine = ifDigitAfter(tierNone, tierRoot)
	// Surefire's class line "Tests run: 3, Failures: 1, ... <<< FAILURE!"
	// comes before its tests' reports: it is not a failure line (as a
	// summary it would end the failed command before its cause).
	surefireRefine       = ifLineStarts("Tests run:", tierNone, tierRoot)
	trailingFailedRefine = ifLineStarts("> Task ", tierSummary, tierRoot)
	eslintSummaryRefine  = ifDigitAfter(tierSummary, tierRoot)
	jestRefine           = ifAfter("Console", tierNone, tierRoot)
	pnpmRefine           = ifAfter("RECURSIVE", tierSummary, tierError)
)

// ifDigitAfter returns yes when a digit follows the keyword, else no.
func ifDigitAfter(yes, no tier) refineFunc {
	return func(body []byte, _, end int) tier {
		if end < len(body) && isDigit(body[end]) {
			return yes
		}
		return no
	}
}

// ifLineStarts returns yes when the line, past its indentation, starts
// with prefix, else no.
func ifLineStarts(prefix string, yes, no tier) refineFunc {
	return func(body []byte, _, _ int) tier {
		if bytes.HasPrefix(body[leadingBlanks(body):], []byte(prefix)) {
			return yes
		}
		return no
	}
}

// ifAfter returns yes when prefix follows the keyword right away, else no.
func ifAfter(prefix string, yes, no tier) refineFunc {
	return func(body []byte, _, end int) tier {
		if bytes.HasPrefix(body[end:], []byte(prefix)) {
			return yes
		}
		return no
	}
}

// numberedItem accepts "  1) Suite test:" whose number starts the line.
func numberedItem(body []byte, at, _ int) tier {
	s := leadingBlanks(body)
	if at == s {
		return tierNone
	}
	for _, c := range body[s:at] {
		if !isDigit(c) {
			return tierNone
		}
	}
	return tierRoot
}

func npmRefine(body []byte, _, end int) tier {
	if npmSummaryRE.Match(bytes.TrimLeft(body[end:], " ")) {
		return tierSummary
	}
	return tierError
}

func makeRefine(body []byte, _, end int) tier {
	if bytes.Contains(body[end:], []byte("Waiting for unfinished jobs")) {
		return tierNone
	}
	if makeSummaryRE.Match(body[end:]) {
		return tierSummary
	}
	return tierError
}

var makeSummaryRE = regexp.MustCompile(`^(?:\[\d+\])?: \*\*\* \[[^\]]*\] (?:Error|Segmentation|Killed|Terminated)`)

// restWindow is how much of the text after a rule's keyword its rest
// regexp sees; the rests are short, and a small input keeps the regexp
// engine from clearing a large bitmap per call.
const restWindow = 256

// restFuncs are hand-written equivalents of the most used rests: the
// regexp engine costs a microsecond a call, and a failure-dense log calls
// them on every failure line.
var restFuncs = map[string]func([]byte) bool{
	colonEnd:       colonEndAt,
	errorColonRest: errorColonRestAt,
	exitRest:       exitRestAt,
	javacRest:      javacRestAt,
}

// exitRestAt is exitRest, anchored.
func exitRestAt(t []byte) bool {
	i := 0
	if bytes.HasPrefix(t, []byte("ed")) {
		i = 2
	}
	if bytes.HasPrefix(t[i:], []byte(" with")) {
		i += 5
	}
	for _, w := range []string{" code", " status", " value"} {
		if bytes.HasPrefix(t[i:], []byte(w)) && nonZeroAt(t[i+len(w):]) {
			return true
		}
	}
	return bytes.HasPrefix(t, []byte("ed with")) && nonZeroAt(t[7:])
}

// nonZeroAt is nonZero, anchored.
func nonZeroAt(t []byte) bool {
	i := leadingBlanks(t)
	if i < len(t) && (t[i] == ':' || t[i] == '=') {
		i++
	}
	i += leadingBlanks(t[i:])
	if i < len(t) && t[i] == '-' {
		i++
	}
	for i < len(t) && t[i] == '0' {
		i++
	}
	return i < len(t) && t[i] >= '1' && t[i] <= '9'
}

// javacMessageList is javacMessages, split.
var javacMessageList = strings.Split(javacMessages, "|")

// javacRestAt is javacRest, anchored.
func javacRestAt(t []byte) bool {
	i := leadingDigits(t)
	if i == 0 {
		return false
	}
	if i < len(t) && t[i] == ',' {
		if d := leadingDigits(t[i+1:]); d > 0 {
			i += 1 + d
		}
	}
	if !bytes.HasPrefix(t[i:], []byte("] ")) {
		return false
	}
	t = t[i+2:]
	if bytes.HasPrefix(t, []byte("error: ")) && javacMessageAt(t[7:]) {
		return true
	}
	return javacMessageAt(t)
}

// javacMessageAt reports whether t starts with one of javac's messages
// that javacRest names.
func javacMessageAt(t []byte) bool {
	if p := []byte("package "); bytes.HasPrefix(t, p) {
		n := bytes.IndexAny(t[len(p):], " \t\n\f\r")
		if n > 0 && bytes.HasPrefix(t[len(p)+n:], []byte(" does not exist")) {
			return true
		}
	}
	for _, m := range javacMessageList {
		if bytes.HasPrefix(t, []byte(m)) {
			return true
		}
	}
	if len(t) > 1 && t[0] == '\'' {
		n := bytes.IndexByte(t[1:], '\'')
		return n > 0 && bytes.HasPrefix(t[1+n:], []byte("' expected"))
	}
	return false
}

// colonEndAt is colonEnd, anchored.
func colonEndAt(t []byte) bool { return len(t) > 0 && t[0] == ':' && (len(t) == 1 || !isDigit(t[1])) }

// errorColonRestAt is errorColonRest, anchored.
func errorColonRestAt(t []byte) bool {
	if colonEndAt(t) {
		return true
	}
	if len(t) > 3 && t[0] == '[' && t[1] == 'E' && isDigit(t[2]) { // [E0425]
		i := 2
		for i < len(t) && isDigit(t[i]) {
			i++
		}
		return i < len(t) && t[i] == ']' && colonEndAt(t[i+1:])
	}
	if len(t) > 0 && t[0] == ' ' {
		if bytes.HasPrefix(t, []byte(" error")) && colonEndAt(t[6:]) {
			return true
		}
		i := 1 // TS2304, C1083
		for i < len(t) && i <= 5 && t[i] >= 'A' && t[i] <= 'Z' {
			i++
		}
		if i == 1 || i > 5 {
			return false
		}
		j := i
		for j < len(t) && j-i <= 6 && isDigit(t[j]) {
			j++
		}
		return j-i >= 2 && j-i <= 6 && colonEndAt(t[j:])
	}
	return false
}

// compiledRule is a rule ready to match.
type compiledRule struct {
	key    keyMask
	lit    []byte
	word   bool
	start  bool
	rest   *regexp.Regexp    // anchored; nil accepts anything
	restFn func([]byte) bool // when set, used instead of rest
	tier   tier
	mode   mode
	quiet  bool
	above  bool
	refine refineFunc
}

// compiledRules are builtinRules, compiled once.
var compiledRules = compileRules(builtinRules)

func compileRules(rules []rule) []compiledRule {
	out := make([]compiledRule, len(rules))
	for i, r := range rules {
		out[i] = compiledRule{key: r.key, lit: []byte(r.lit), word: r.word, start: r.start, tier: r.tier, mode: r.mode, quiet: r.quiet, above: r.above, refine: r.refine}
		if r.rest != "" {
			out[i].rest = regexp.MustCompile(`^(?:` + r.rest + `)`)
			out[i].restFn = restFuncs[r.rest]
		}
	}
	return out
}

// matchRules reports whether text (a line's ANSI-free visible text) is a
// failure line by the built-in rules.
func matchRules(text []byte) bool {
	body, level := splitPrefix(text)
	t := body[leadingBlanks(body):]
	if isBlank(body) || isBoilerplate(t) {
		return false
	}
	if level == levelError {
		return true
	}
	c := bestRule(body, indentOf(body))
	return c.tier > tierNone && !c.quiet
}

// classify returns the class the rule gives body, if it matches.
func (r *compiledRule) classify(body []byte, _ int) (class, bool) {
	s := leadingBlanks(body)
	for from := 0; from < len(body); {
		j := bytes.Index(body[from:], r.lit)
		if j < 0 {
			return class{}, false
		}
		at := from + j
		from = at + 1
		if r.start && at != s {
			if at > s {
				return class{}, false
			}
			continue
		}
		if r.word && at > 0 && wordByte(body[at-1]) {
			continue
		}
		end := at + len(r.lit)
		if r.restFn != nil {
			if !r.restFn(body[end:min(len(body), end+restWindow)]) {
				continue
			}
		} else if r.rest != nil && !r.rest.Match(body[end:min(len(body), end+restWindow)]) {
			continue
		}
		t := r.tier
		if r.refine != nil {
			t = r.refine(body, at, end)
			if t == tierNone {
				continue
			}
		}
		return class{tier: t, mode: r.mode, quiet: r.quiet, above: r.above}, true
	}
	return class{}, false
}
