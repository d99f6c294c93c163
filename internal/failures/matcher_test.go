package failures

import (
	"errors"
	"regexp/syntax"
	"strings"
	"testing"
)

// ts is the CodeArts prefix of a log line.
const ts = "[2023/12/21 15:44:18.793 GMT+08:00] "

func mustMatcher(t testing.TB, extra ...string) *Matcher {
	t.Helper()
	m, err := NewMatcher(extra)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBuiltinRules(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	tests := []struct {
		name string
		line string
		want bool
	}{
		// CodeArts and Maven levels.
		{"codearts error level", ts + "[ERROR] [Maven构建:external_post_maven] : 该步骤执行失败。", true},
		{"maven error", ts + "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile", true},
		{"maven error empty", "[ERROR] ", false},
		{"fatal level", ts + "[FATAL] Non-resolvable parent POM", true},
		{"info level", ts + "[INFO] Building jar: /codearts/workspace/target/demo.jar", false},
		{"warning level", ts + "[WARNING] Using platform encoding (UTF-8 actually) to copy filtered resources", false},
		{"maven build failure", ts + "[INFO] BUILD FAILURE", true},
		{"maven build success", ts + "[INFO] BUILD SUCCESS", false},
		{"gradle build failed", "BUILD FAILED in 12s", true},
		{"gradle failure", "FAILURE: Build failed with an exception.", true},
		{"maven compilation error, a section title", "COMPILATION ERROR : ", false},
		{"maven tests clean", ts + "[INFO] Tests run: 5, Failures: 0, Errors: 0, Skipped: 0", false},
		// javac.
		{"javac after error", ts + "[ERROR] /src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist", true},
		{"javac alone", "/src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist", true},
		{"javac cannot find symbol", "src/Foo.java:[27,13] cannot find symbol", true},
		{"javac deprecation warning", "/src/main/java/Foo.java:[41,17] getX() in Foo has been deprecated", false},
		// npm.
		{"npm err", "npm ERR! code ELIFECYCLE", true},
		{"npm v10 error", ts + "[INFO] npm error code 1", true},
		{"npm v10 error path", "npm error path /codearts/workspace", true},
		{"npm warn", "npm WARN deprecated inflight@1.0.6: This module is not supported", false},
		{"npm errors word", "npm errors are reported below", false},
		{"pnpm", " ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL  web@1.0.0 build: `vite build`", true},
		// error: and fatal:.
		{"gcc error", "main.c:3:5: error: implicit declaration of function 'foo'", true},
		{"clang fatal error", "main.c:1:10: fatal error: 'foo.h' file not found", true},
		{"git fatal", "fatal: repository 'https://codehub.example.com/x.git/' not found", true},
		{"git error", "error: failed to push some refs to 'origin'", true},
		{"node Error", "Error: Cannot find module 'express'", true},
		{"docker ERROR", "ERROR: failed to solve: process \"/bin/sh -c make\" did not complete successfully: exit code: 2", true},
		{"rust error code", "error[E0425]: cannot find value `x` in this scope", true},
		{"tsc error", "src/a.ts(3,5): error TS2304: Cannot find name 'foo'.", true},
		{"msvc fatal error", "main.cpp(1): fatal error C1083: Cannot open include file", true},
		{"Fatal", "Fatal: out of memory", true},
		{"webpack", "ERROR in ./src/index.js 3:0-21", true},
		{"node heap", "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", true},
		{"docker daemon", "Error response from daemon: pull access denied for x", true},
		{"zero errors", "found 0 errors, 0 warnings", false},
		{"Werror", "gcc -O2 -Wall -Werror -c src/errors.c -o build/errors.o", false},
		{"Werror with value", "gcc -Werror=format-security main.c", false},
		{"error-prone", ts + "[INFO] error-prone checks: 12 bug patterns", false},
		{"errors.go", "ok  	example.com/x/errors.go	0.012s", false},
		{"console.error", "    console.error: Warning: Each child in a list", false},
		{"continue-on-error", "continue-on-error: true", false},
		{"TestError", "--- PASS: TestError: (0.00s)", false},
		{"on error path", "/var/log/fatal: rotated", false},
		{"eslint rule", "> eslint . --rule 'no-console: error'", false},
		{"error without colon", "retrying after an error", false},
		{"error count", "stats error:0 warning:3", false},
		{"error at the end", "compilation error:", true},
		// Python, Go, Java, native.
		{"traceback", "Traceback (most recent call last):", true},
		{"go panic", "panic: runtime error: index out of range [3] with length 3", true},
		{"go panic in text", "don't panic: everything is fine", true},
		{"panic word", "a panicky test", false},
		{"java exception", "Exception in thread \"main\" java.lang.NullPointerException", true},
		{"make error", "make: *** [Makefile:12: build] Error 2", true},
		{"make sub error", "make[1]: *** No rule to make target 'lib.a'.  Stop.", true},
		{"make entering", "make[1]: Entering directory '/codearts/workspace'", false},
		{"cmake", "cmake: *** not make", false},
		// Exit codes.
		{"exit code 1", ts + "[INFO] exit code 1", true},
		{"exit status 2", "exit status 2", true},
		{"exited with code 127", "Process exited with code 127", true},
		{"Exit code colon", "Exit code: 1", true},
		{"exit code equals", "exit code=3", true},
		{"EXIT CODE", "EXIT CODE 4", true},
		{"exit code 10", "exit code 10", true},
		{"exit code 0", "Process finished with exit code 0", false},
		{"exit status 0", "exit status 0", false},
		{"exit code 00", "exit code 00", false},
		{"nexit", "unexit code 1", false},
		{"non-zero docker", "The command '/bin/sh -c npm ci' returned a non-zero code: 1", true},
		{"non-zero word", "expects a non-zero value", false},
		{"non-zero python", "subprocess.CalledProcessError: Command 'make' returned non-zero exit status 2.", true},
		// CodeArts markers.
		{"codearts step failed", ts + "[INFO] [编译构建:build] : 该步骤执行失败。", true},
		{"codearts build failed", ts + "[INFO] 构建失败，请检查日志", true},
		{"codearts step finished", ts + "[INFO] [Maven构建:external_post_maven] : 该步骤执行完成。", false},
		{"codearts step started", ts + "[INFO] [Maven构建:external_post_maven] : 该步骤开始执行。", false},
		{"chinese other", ts + "[INFO] 失败重试次数：0", false},
		// ANSI and line endings.
		{"ansi around keyword", "\x1b[31mERROR\x1b[0m: boom", true},
		{"ansi maven level", "[\x1b[1;31mERROR\x1b[m] Failed to execute goal", true},
		{"ansi inside keyword", "BUILD \x1b[1mFAIL\x1b[0mURE", true},
		{"ansi rust", "\x1b[0m\x1b[1m\x1b[38;5;9merror[E0425]\x1b[0m\x1b[0m\x1b[1m: cannot find value", true},
		{"ansi clean", "\x1b[32m✓\x1b[39m renders the order list (12 ms)", false},
		{"crlf", "npm ERR! code 1\r", true},
		{"crlf clean", "added 12 packages\r", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := m.Match([]byte(tt.line)); got != tt.want {
				t.Errorf("Match(%q) = %v, want %v", tt.line, got, tt.want)
			}
			if got := matchAllRules(stripANSI(nil, []byte(strings.TrimRight(tt.line, "\r")))); got != tt.want {
				t.Errorf("every rule on %q = %v, want %v", tt.line, got, tt.want)
			}
			gated := gatesFind([]byte(tt.line + "\n"))
			if tt.want && !gated {
				t.Errorf("no gate lets %q through", tt.line)
			}
		})
	}
}

// matchAllRules is matchRules without the keys: every rule is tried.
func matchAllRules(text []byte) bool {
	body, level := splitPrefix(text)
	if isBlank(body) || isBoilerplate(body[leadingBlanks(body):]) {
		return false
	}
	if level == levelError {
		return true
	}
	var best class
	for i := range compiledRules {
		if c, ok := compiledRules[i].classify(body, 0); ok && c.tier > best.tier {
			best = c
		}
	}
	return best.tier > tierNone && !best.quiet
}

// gatesFind reports whether a gate passes in block b.
func gatesFind(b []byte) bool {
	g := newGateScan()
	g.reset()
	return g.find(b, 0) >= 0
}

func TestNewMatcherPatterns(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t, "", "  ", `(?i)deploy(ment)? failed`, `^\s*OOMKilled$`)
	if got, want := m.Patterns(), []string{`(?i)deploy(ment)? failed`, `^\s*OOMKilled$`}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Patterns() = %q, want %q", got, want)
	}
	tests := []struct {
		line string
		want bool
	}{
		{ts + "[INFO] Deployment FAILED on cce-prod", true},
		{"  OOMKilled", true},
		{"  OOMKilled\r", true}, // the trailing \r is removed before matching
		{"\x1b[31mdeploy failed\x1b[0m", true},
		{"deploy finished", false},
		{"npm ERR! still built in", true},
	}
	for _, tt := range tests {
		if got := m.Match([]byte(tt.line)); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestNilMatcher(t *testing.T) {
	t.Parallel()
	var m *Matcher
	if !m.Match([]byte("npm ERR! x")) || m.Match([]byte("ok")) || m.Patterns() != nil {
		t.Error("a nil Matcher does not behave as the built-in patterns alone")
	}
}

func TestNewMatcherInvalid(t *testing.T) {
	t.Parallel()
	_, err := NewMatcher([]string{"ok", "x(", "[z-a]"})
	var pe *PatternError
	if !errors.As(err, &pe) {
		t.Fatalf("NewMatcher error = %v, want a *PatternError", err)
	}
	if pe.Pattern != "x(" {
		t.Errorf("Pattern = %q, want the first bad one %q", pe.Pattern, "x(")
	}
	if !strings.HasPrefix(err.Error(), `invalid failure pattern "x(": `) || !strings.Contains(err.Error(), "missing closing )") {
		t.Errorf("Error() = %q", err.Error())
	}
	var se *syntax.Error
	if !errors.As(err, &se) {
		t.Errorf("error does not unwrap to the *regexp.Error: %v", err)
	}
}

func TestParsePatterns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\n \n\t\r\n", nil},
		{"a", []string{"a"}},
		{"deploy failed\r\n\r\n(?i)oom killed \r\n", []string{"deploy failed", "(?i)oom killed "}},
		{"  indented\nlast", []string{"  indented", "last"}},
	}
	for _, tt := range tests {
		got := ParsePatterns(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("ParsePatterns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripANSI(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[31mred\x1b[0m", "red"},
		{"[\x1b[1;31mERROR\x1b[m] x", "[ERROR] x"},
		{"\x1b[38;5;9mx\x1b[K", "x"},
		{"\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"\x1b]0;title\x07text", "text"},
		{"\x1b(Btext", "text"},
		{"\x1b=\x1b>text", "text"},
		{"cut at the end \x1b[", "cut at the end "},
		{"lone \x1b", "lone "},
		{"\x1b]unterminated osc keeps the text", "unterminated osc keeps the text"},
	}
	for _, tt := range tests {
		if got := string(stripANSI(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("stripANSI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchWindow(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	head := []byte("npm ERR! " + strings.Repeat("x", 2*MatchWindow))
	if !m.Match(head) {
		t.Error("a keyword at the start of a giant line is not matched")
	}
	tail := []byte(strings.Repeat("x", MatchWindow) + " npm ERR! late")
	if m.Match(tail) {
		t.Error("a keyword beyond MatchWindow is matched; the documented window is the first MatchWindow bytes")
	}
}

// TestRuleKeysAndGates combines every rule's keyword with prefixes and
// continuations: a rule's key must be on every line it matches (else
// matchRules would skip it), and a gate must let every such line through.
func TestRuleKeysAndGates(t *testing.T) {
	t.Parallel()
	prefixes := []string{"", " ", "x", "-", ".", "/", "[", "\x1b[31m", ts + "[INFO] ", "返回"}
	rests := []string{"", ":", ": x", ":1", "[E0425]: x", " TS2304: y", " C1083: z", " error: z", " exit code 1",
		" code 1", "ed with code 2", " with status 3", " CODE 4", " STATUS 5", "URE", "ED", "ED in 3s", " ", "!",
		"[1]: *** x", ": *** [all] Error 2", "code: 1", "status: 2", "exit status 1", "\x1b[0m: x", "[11,40] package a.b does not exist",
		"[3] cannot find symbol", "X", "_PNPM_X", "main\" x", "\r"}
	m := mustMatcher(t)
	n := 0
	for _, r := range builtinRules {
		for _, p := range prefixes {
			for _, rest := range rests {
				line := p + r.lit + rest
				text := stripANSI(nil, []byte(strings.TrimRight(line, "\r")))
				all := matchAllRules(text)
				if got := matchRules(text); got != all {
					t.Errorf("%q: keyed rules %v, every rule %v (rule %s)", line, got, all, r.name)
				}
				if all {
					n++
					if !m.Match([]byte(line)) || !gatesFind([]byte(line+"\n")) {
						t.Errorf("%q matches rule %s but Match or the gates miss it", line, r.name)
					}
				}
			}
		}
	}
	if n < 500 {
		t.Errorf("only %d matching combinations: the test lost its teeth", n)
	}
}
