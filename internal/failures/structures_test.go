package failures

import (
	"regexp"
	"strings"
	"testing"
)

// excerptText renders a Result's hunks as "N> text" / "N  text" lines.
func excerptText(r Result) string {
	var b strings.Builder
	for _, h := range r.Hunks {
		for _, l := range h.Lines {
			mark := " "
			if l.Match {
				mark = ">"
			}
			b.WriteString(strings.TrimSpace(strings.Join([]string{itoa(l.Number) + mark, l.Text}, " ")) + "\n")
		}
	}
	return b.String()
}

func itoa(n int64) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int64) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// TestReports checks, on short logs written after what each tool prints,
// that the excerpt starts with the root cause and shows its whole report:
// first is the text of the first failure line (Result.First), shown are
// lines the excerpt must hold and hidden lines it must not.
func TestReports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		log    []string
		first  string
		shown  []string
		hidden []string
	}{
		{
			name: "gcc error with its source line and caret, then make",
			log: []string{"gcc -c main.c", "main.c: In function 'main':", "main.c:3:5: error: implicit declaration of function 'foo'",
				"    3 |     foo();", "      |     ^~~", "make: *** [Makefile:2: all] Error 1", "make: Leaving directory"},
			first: "main.c:3:5: error: implicit declaration of function 'foo'",
			shown: []string{"    3 |     foo();", "      |     ^~~", "make: *** [Makefile:2: all] Error 1"},
		},
		{
			name: "clang fatal error whose source line is not indented",
			log: []string{"# pkg", "x.c:12:10: fatal error: 'libproc.h' file not found", "#include <libproc.h>", "         ^~~~~~~~~~~",
				"1 error generated.", "ok other"},
			first: "x.c:12:10: fatal error: 'libproc.h' file not found",
			shown: []string{"#include <libproc.h>", "         ^~~~~~~~~~~"},
		},
		{
			name: "rustc error with --> and | lines",
			log: []string{"   Compiling app v0.1.0", "error[E0425]: cannot find value `x` in this scope", " --> src/main.rs:2:13",
				"  |", "2 |     println!(\"{}\", x);", "  |                    ^ not found in this scope", "",
				"error: aborting due to previous error", "error: could not compile `app`"},
			first: "error[E0425]: cannot find value `x` in this scope",
			shown: []string{" --> src/main.rs:2:13", "2 |     println!(\"{}\", x);", "error: aborting due to previous error"},
		},
		{
			name:  "tsc",
			log:   []string{"> tsc -p .", "src/a.ts(12,3): error TS2304: Cannot find name 'foo'.", "npm ERR! code ELIFECYCLE", "npm ERR! errno 2"},
			first: "src/a.ts(12,3): error TS2304: Cannot find name 'foo'.",
		},
		{
			name:  "go build without error: prefix",
			log:   []string{"$ go build ./...", "# example.com/a", "a/b.go:12:3: x declared and not used", "a/b.go:14:2: undefined: y", "exit status 1"},
			first: "a/b.go:12:3: x declared and not used",
			shown: []string{"a/b.go:14:2: undefined: y"},
		},
		{
			name: "go test --- FAIL with its log lines",
			log: []string{"=== RUN   TestAdd", "--- FAIL: TestAdd (0.00s)", "    add_test.go:9: got 3, want 4", "FAIL",
				"FAIL\texample.com/add\t0.002s"},
			first: "--- FAIL: TestAdd (0.00s)",
			shown: []string{"    add_test.go:9: got 3, want 4"},
		},
		{
			name: "Surefire failure and trace, the class summary before it",
			log: []string{"Running com.example.OrderTest", "Tests run: 3, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.1 sec <<< FAILURE!",
				"total(com.example.OrderTest)  Time elapsed: 0.01 sec  <<< FAILURE!", "java.lang.AssertionError: expected:<4> but was:<3>",
				"\tat org.junit.Assert.fail(Assert.java:88)", "\tat com.example.OrderTest.total(OrderTest.java:21)", "", "Results :"},
			first: "total(com.example.OrderTest)  Time elapsed: 0.01 sec  <<< FAILURE!",
			shown: []string{"java.lang.AssertionError: expected:<4> but was:<3>", "\tat com.example.OrderTest.total(OrderTest.java:21)"},
		},
		{
			name: "pytest section: the test's header, its code and E lines",
			log: []string{"tests/test_a.py F", "=================================== FAILURES ===================================",
				"___________________________________ test_add ___________________________________", "", "    def test_add():",
				">       assert add(1, 2) == 4", "E       assert 3 == 4", "", "tests/test_a.py:3: AssertionError",
				"=========================== short test summary info ============================", "FAILED tests/test_a.py::test_add - assert 3 == 4"},
			first:  "___________________________________ test_add ___________________________________",
			shown:  []string{"E       assert 3 == 4", ">       assert add(1, 2) == 4"},
			hidden: []string{"short test summary info"},
		},
		{
			name: "Python traceback ends with its exception",
			log: []string{"$ python setup.py", "Traceback (most recent call last):", "  File \"setup.py\", line 3, in <module>", "    import foo",
				"ModuleNotFoundError: No module named 'foo'", "next command"},
			first: "Traceback (most recent call last):",
			shown: []string{"ModuleNotFoundError: No module named 'foo'"},
		},
		{
			name: "mocha failing with its indented error",
			log: []string{"  3 passing (2s)", "  1 failing", "", "  1) Cart adds an item:", "     Error: expected 1 to equal 2",
				"      at Context.<anonymous> (test/cart.js:9:12)", "", "npm ERR! Test failed.  See above for more details."},
			first: "  1) Cart adds an item:",
			shown: []string{"     Error: expected 1 to equal 2", "      at Context.<anonymous> (test/cart.js:9:12)"},
		},
		{
			name: "Minitest Failure: paragraph",
			log: []string{"Finished in 1.2s", "", "Failure:", "TestCart#test_add [test/cart_test.rb:5]:", "Expected 2, got 1.", "",
				"3 runs, 3 assertions, 1 failures, 0 errors, 0 skips"},
			first: "Failure:",
			shown: []string{"TestCart#test_add [test/cart_test.rb:5]:", "Expected 2, got 1."},
		},
		{
			name: "rake aborted",
			log: []string{"$ rake", "rake aborted!", "No Rakefile found (looking for: rakefile, Rakefile)", "(See full trace by running task with --trace)",
				"The command \"rake\" exited with 1."},
			first:  "rake aborted!",
			shown:  []string{"No Rakefile found (looking for: rakefile, Rakefile)"},
			hidden: []string{"See full trace"},
		},
		{
			name: "CMake Error with its call stack",
			log: []string{"-- Boost version: 1.54.0", "CMake Error at cmake/Deps.cmake:8 (message):", "  Could NOT find Foo", "Call Stack (most recent call first):",
				"  CMakeLists.txt:45 (include)", "", "", "-- Configuring incomplete, errors occurred!"},
			first: "CMake Error at cmake/Deps.cmake:8 (message):",
			shown: []string{"  Could NOT find Foo", "  CMakeLists.txt:45 (include)"},
		},
		{
			name: "PHPUnit failures section",
			log: []string{"F.", "There was 1 failure:", "", "1) CartTest::testAdd", "Failed asserting that 1 matches expected 2.", "",
				"/src/tests/CartTest.php:12", "", "FAILURES!", "Tests: 2, Assertions: 2, Failures: 1."},
			first: "1) CartTest::testAdd",
			shown: []string{"Failed asserting that 1 matches expected 2.", "/src/tests/CartTest.php:12"},
		},
		{
			name: "ExUnit assertion under its test's name",
			log: []string{"..", "  1) test adds (CartTest)", "     test/cart_test.exs:5", "     Assertion with == failed", "     code:  assert 1 == 2",
				"     left:  1", "     right: 2", "", "Finished in 0.1 seconds"},
			first: "     Assertion with == failed",
			shown: []string{"     test/cart_test.exs:5", "     right: 2"},
		},
		{
			name: "cargo test panic",
			log: []string{"running 1 test", "test tests::it_works ... FAILED", "", "failures:", "", "---- tests::it_works stdout ----",
				"thread 'tests::it_works' panicked at src/lib.rs:4:9:", "assertion `left == right` failed", "", "test result: FAILED. 0 passed; 1 failed"},
			first: "test tests::it_works ... FAILED",
			shown: []string{"---- tests::it_works stdout ----", "thread 'tests::it_works' panicked at src/lib.rs:4:9:"},
		},
		{
			name: "ScalaTest under sbt's [info]",
			log: []string{"[info] CartSpec:", "[info] - adds *** FAILED ***", "[info]   1 did not equal 2 (CartSpec.scala:7)",
				"[info] - removes", "[error] Failed tests:", "[error] \tCartSpec"},
			first: "[info] - adds *** FAILED ***",
			shown: []string{"[info]   1 did not equal 2 (CartSpec.scala:7)"},
		},
		{
			name:   "npm dependency resolution",
			log:    []string{"$ npm ci", "npm ERR! code ERESOLVE", "npm ERR! ERESOLVE unable to resolve dependency tree", "npm ERR! A complete log of this run can be found in:"},
			first:  "npm ERR! code ERESOLVE",
			hidden: []string{"A complete log"},
		},
		{
			name:   "only a summary: the failed command's output, its last line marked",
			log:    []string{"$ ./check.sh", "checking docs", "man/a.md is required for bin/a", "travis_time:end:0001", "The command \"./check.sh\" exited with 1."},
			first:  "man/a.md is required for bin/a",
			shown:  []string{"$ ./check.sh", "checking docs", "The command \"./check.sh\" exited with 1."},
			hidden: []string{"travis_time"},
		},
		{
			name:  "only a summary: the command's line that says what failed is the likely cause",
			log:   []string{"$ ./check.sh", "checking docs", "grep: Commands.md: cannot open (missing)", "Add git-x in the list of commands", "exit code 1"},
			first: "grep: Commands.md: cannot open (missing)",
			shown: []string{"Add git-x in the list of commands", "exit code 1"},
		},
		{
			name: "error lines do not crowd out a test framework's report",
			log: append(strings.Split(strings.Repeat("ERROR: mirror timed out, retrying\n", 12), "\n")[:12],
				"=================================== FAILURES ===================================",
				"___________________________________ test_x ___________________________________",
				"E       assert 1 == 2"),
			first: "___________________________________ test_x ___________________________________",
			shown: []string{"E       assert 1 == 2"},
		},
		{
			name: "R CMD check",
			log: []string{"* checking tests ...", "  Running 'testthat.R'", " ERROR", "Running the tests in 'tests/testthat.R' failed.",
				"Last 13 lines of output:", "  Error: 1 == 2 is not TRUE", "", "* DONE"},
			first: " ERROR",
			shown: []string{"Running the tests in 'tests/testthat.R' failed.", "  Error: 1 == 2 is not TRUE"},
		},
		{
			name: "the cause is in the output of the command that failed",
			log: []string{"$ ./install-deps.sh", "curl: (22) The requested URL returned error: 404 Not Found", "retrying with the mirror", "done",
				"$ ./check-links README.md", "Issues :-(", "> Links", "  1. [L296] 301 https://example.com/a", "The command \"./check-links README.md\" exited with 1.",
				"$ ./deploy.sh", "ERROR: failed to upload: out/app.tar.gz"},
			first:  "  1. [L296] 301 https://example.com/a",
			shown:  []string{"$ ./check-links README.md", "> Links"},
			hidden: []string{"curl: (22)"},
		},
		{
			name: "Surefire's class line does not end the command before its tests' reports",
			log: []string{"$ mvn test", "Running com.example.CartTest", "Tests run: 2, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.1 s <<< FAILURE! - in com.example.CartTest",
				"add(com.example.CartTest)  Time elapsed: 0.01 s  <<< FAILURE!", "java.lang.AssertionError: expected:<2> but was:<1>",
				"\tat com.example.CartTest.add(CartTest.java:12)", "", "BUILD FAILURE"},
			first: "add(com.example.CartTest)  Time elapsed: 0.01 s  <<< FAILURE!",
			shown: []string{"java.lang.AssertionError: expected:<2> but was:<1>", "BUILD FAILURE"},
		},
		{
			name: "Rust panic in a build script, found by its note",
			log: []string{"   Compiling pcre2-sys v0.2.0", "error: failed to run custom build command for `pcre2-sys v0.2.0`", "--- stderr",
				"thread 'main' panicked at 'called `Result::unwrap()` on an `Err` value: Os { code: 2 }', src/libcore/result.rs:997:5",
				"note: Run with `RUST_BACKTRACE=1` environment variable to display a backtrace.", "", "error: build failed"},
			first: "thread 'main' panicked at 'called `Result::unwrap()` on an `Err` value: Os { code: 2 }', src/libcore/result.rs:997:5",
		},
		{
			name:  "command not found",
			log:   []string{"$ make lint", "bash: golangci-lint: command not found", "make: *** [Makefile:9: lint] Error 127"},
			first: "bash: golangci-lint: command not found",
		},
	}
	m := mustMatcher(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, prefix := range []string{"", ts + "[INFO] "} {
				log := prefix + strings.Join(tt.log, "\n"+prefix) + "\n"
				r := scan(t, m, Options{Context: 1}, log)
				got := excerptText(r)
				if r.First.Text != prefix+tt.first {
					t.Errorf("prefix %q: First = %q, want %q\n%s", prefix, r.First.Text, prefix+tt.first, got)
				}
				for _, s := range tt.shown {
					if !strings.Contains(got, prefix+s) && !strings.Contains(got, strings.TrimRight(prefix, " ")+s) {
						t.Errorf("prefix %q: excerpt misses %q:\n%s", prefix, s, got)
					}
				}
				for _, s := range tt.hidden {
					if strings.Contains(got, s) {
						t.Errorf("prefix %q: excerpt shows %q:\n%s", prefix, s, got)
					}
				}
			}
		})
	}
}

// TestBlankLinesAreFree: a log that doubles its line endings shows as
// much as one that does not: blank lines do not count against MaxLines.
func TestBlankLinesAreFree(t *testing.T) {
	t.Parallel()
	var ls []string
	ls = append(ls, "$ ./run-tests")
	for i := 0; i < 8; i++ {
		ls = append(ls, "step "+fmtInt(int64(i)), "")
	}
	ls = append(ls, "exit code 1")
	r := scan(t, mustMatcher(t), Options{MaxLines: 10}, lines(ls...))
	got := excerptText(r)
	if !strings.Contains(got, "$ ./run-tests") || !strings.Contains(got, "step 7") {
		t.Errorf("excerpt of 10 lines misses the command or its last step:\n%s", got)
	}
}

// TestNotFailures: counters, benign lines and a clean log give no failure.
func TestNotFailures(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	for _, line := range []string{
		"error: 0, warning: 2", "Errors: 0", "Build succeeded. 0 Warning(s) 0 Error(s)", "handled 0 errors", "Tests run: 12, Failures: 0, Errors: 0",
		"  ● Console", "npm ERR!", "[ERROR] ", "[ERROR] -> [Help 1]", "exit code 0", "a.c:3:5: warning: unused variable 'x'",
		"src/a.go:12:3: note: x", "make[1]: *** Waiting for unfinished jobs....", "1) Install the dependencies",
	} {
		if m.Match([]byte(line)) {
			t.Errorf("Match(%q) = true, want false", line)
		}
	}
}

// TestCarriageReturn: a line redrawn with bare '\r's is what a terminal
// shows: the text after the last one.
func TestCarriageReturn(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	bar := "Downloading  10%\rDownloading  50%\rDownloading 100%\rerror: disk full"
	if !m.Match([]byte(bar)) {
		t.Errorf("Match(%q) = false: the error after the last \\r is missed", bar)
	}
	if m.Match([]byte("error: disk full\rDownloading 100%")) {
		t.Error("an error overwritten by a later redraw still matches")
	}
	log := "$ fetch\n" + bar + "\r\nnext\n"
	for _, chunk := range []int{1, 3, len(log)} {
		r := scanChunks(NewDetector(m, Options{Context: 0}), []byte(log), chunk)
		if r.First.Text != "error: disk full" {
			t.Errorf("chunks of %d: First = %q, want only what follows the last \\r", chunk, r.First.Text)
		}
	}
}

// TestCleanLogsNoFailure: the demo's successful stages and a clean log
// with the benign lines that look like failures give no failure line.
func TestCleanLogsNoFailure(t *testing.T) {
	t.Parallel()
	log := lines(ts+"[INFO] [Maven构建:build] : 该步骤开始执行。", ts+"[INFO] $ mvn -B package", ts+"[INFO] Tests run: 42, Failures: 0, Errors: 0, Skipped: 0",
		ts+"[INFO] BUILD SUCCESS", ts+"[INFO] error: 0, warning: 2", ts+"[INFO] gcc -Werror -c errors.c", ts+"[INFO] Process finished with exit code 0",
		ts+"[INFO] [Maven构建:build] : 该步骤执行完成。")
	r := scan(t, mustMatcher(t), DefaultOptions(), log)
	if r.Matches != 0 || len(r.Hunks) != 0 {
		t.Errorf("clean log: %d failure lines:\n%s", r.Matches, excerptText(r))
	}
	if !r.TailCommand || !strings.Contains(r.Tail[0].Text, "$ mvn -B package") {
		t.Errorf("tail = %+v, want the output of the last command", r.Tail)
	}
}

// TestMavenLevelClassLine: under Maven's [ERROR] level, Surefire's class
// line is not a failure line either.
func TestMavenLevelClassLine(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	if m.Match([]byte(ts + "[ERROR] Tests run: 2, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.1 s <<< FAILURE! - in com.example.CartTest")) {
		t.Error("Surefire's class line under [ERROR] is a failure line")
	}
	if !m.Match([]byte(ts + "[ERROR] add(com.example.CartTest)  Time elapsed: 0.01 s  <<< FAILURE!")) {
		t.Error("Surefire's test line under [ERROR] is not a failure line")
	}
}

// TestHandWrittenRests: the hand-written matchers agree with the regexps
// they replace.
func TestHandWrittenRests(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"a.c:3:5: ", "a.c:3: ", "A.cs(20,40): ", "A.cs(20): ", "/src/A.java:[11,40] ", "A.java:[11] ", "x: ", ":3: ",
		" :3:5: ", "a.c:3:5:", "a.c:x: ", "a.c:3:5: fatal ", "(,): ", "a.c(3,): ", "abc ", "", "  ", "1:2: ", "a:[1,] "} {
		if got, want := locBefore([]byte(s)), locBeforeRE.MatchString(s); got != want {
			t.Errorf("locBefore(%q) = %v, the regexp says %v", s, got, want)
		}
	}
	rests := map[string]func([]byte) bool{colonEnd: colonEndAt, errorColonRest: errorColonRestAt}
	for re, fn := range rests {
		rx := regexp.MustCompile(`^(?:` + re + `)`)
		for _, s := range []string{":", ": x", ":1", "[E0425]: x", "[E]: x", "[E12]:3", " TS2304: y", " TS2: y", " TSABCD1234: y", " ABCDE12: y",
			" C1083: z", " C1234567: z", " error: z", " error:1", "x:", "", " : x", "[E1]", " A12:"} {
			if got, want := fn([]byte(s)), rx.MatchString(s); got != want {
				t.Errorf("%q on %q = %v, the regexp says %v", re, s, got, want)
			}
		}
	}
}

func TestJavacLocAt(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"/src/A.java:[11,40] x", "A.java:[11] x", "A.kt:12: x", "A.scala:12:3: x", "A.java:[1,] x", "A.java: x", ".java:[1,2] x",
		"a/b.groovy:[3,4] y", "A.java:[11,40]", "A.java:12:x y", "x A.java:[1,2] y", "A.javax:[1,2] y", "B.kts:1:2: z", "\tA.java:[1,2] x"} {
		if got, want := javacLocAt([]byte(s)), javacLocRE.MatchString(s); got != want {
			t.Errorf("javacLocAt(%q) = %v, the regexp says %v", s, got, want)
		}
	}
}

// TestHandWrittenExitAndJavacRests: exitRestAt and javacRestAt agree with
// the regexps they replace, on chosen texts and on texts built from their
// pieces.
func TestHandWrittenExitAndJavacRests(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		fn     func([]byte) bool
		texts  []string
		pieces []string
	}{
		exitRest: {exitRestAt, []string{" code 1", " code 0", "ed with code 2", "ed with 3", "ed with code 0", " with code: 1", " status=-01", "ed  code 1",
			" value\t=\t9", " code", "ed with", "ed with -0", " code 00", " Code 1", ""},
			[]string{"ed", " with", " code", " status", " value", " ", "\t", ":", "=", "-", "0", "1", "9", "x"}},
		javacRest: {javacRestAt, []string{"11,40] package a.b does not exist", "11] error: cannot find symbol", "1,] cannot find symbol", "1,2] ';' expected",
			"1,2] '' expected", "1,2]  cannot access", "1,2] package  does not exist", "1,2] package a\tb does not exist", "x] cannot access", "12,3] warning: x",
			"1] error: 'x' expected", "1] error: error: cannot access", ""},
			[]string{"1", "40", ",", "]", " ", "error: ", "package ", "a.b", " does not exist", "cannot find symbol", "'", ";", " expected", "\t", "x"}},
	}
	for re, c := range cases {
		rx := regexp.MustCompile(`^(?:` + re + `)`)
		texts := c.texts
		seed := uint32(1)
		for range 20000 {
			var b strings.Builder
			for range 1 + seed%7 {
				seed = seed*1664525 + 1013904223
				b.WriteString(c.pieces[(seed>>16)%uint32(len(c.pieces))])
			}
			texts = append(texts, b.String())
		}
		for _, s := range texts {
			if got, want := c.fn([]byte(s)), rx.MatchString(s); got != want {
				t.Errorf("%q on %q = %v, the regexp says %v", re, s, got, want)
			}
		}
	}
}
