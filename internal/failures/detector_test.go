package failures

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// scan writes log to a new Detector in one Write and returns the Result.
func scan(t testing.TB, m *Matcher, o Options, log string) Result {
	t.Helper()
	d := NewDetector(m, o)
	if n, err := d.Write([]byte(log)); n != len(log) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	return d.Result()
}

// reference computes the Result of log the simple way: every line goes
// through the classifier (no gate skips any), the whole log in one Write.
// The Detector must give the same Result however the log is split into
// Writes, and its gates must let through every line that matters.
func reference(m *Matcher, o Options, log []byte) Result {
	d := NewDetector(m, o)
	d.every = true
	_, _ = d.Write(log)
	return d.Result()
}

// lines builds a log from lines, each ended by '\n'.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// numbered returns the line numbers of the hunks, hunks separated by "|".
func numbered(r Result) string {
	var parts []string
	for _, h := range r.Hunks {
		var ns []string
		for _, l := range h.Lines {
			s := fmt.Sprint(l.Number)
			if l.Match {
				s += "*"
			}
			ns = append(ns, s)
		}
		parts = append(parts, strings.Join(ns, " "))
	}
	return strings.Join(parts, " | ")
}

// logWith returns a log of n lines where the given line numbers are
// failure lines.
func logWith(n int, failures ...int) string {
	fail := map[int]bool{}
	for _, f := range failures {
		fail[f] = true
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if fail[i] {
			fmt.Fprintf(&b, ts+"[ERROR] failure %d\n", i)
		} else {
			fmt.Fprintf(&b, ts+"[INFO] line %d\n", i)
		}
	}
	return b.String()
}

func TestDetectorExcerpt(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	tests := []struct {
		name     string
		log      string
		o        Options
		want     string // numbered(r)
		matches  int64
		shown    int64
		firstNum int64
	}{
		{"one failure with context", logWith(20, 10), Options{Context: 3}, "7 8 9 10* 11 12 13", 1, 1, 10},
		{"context clipped at the start", logWith(20, 2), Options{Context: 3}, "1 2* 3 4 5", 1, 1, 2},
		{"context clipped at the end", logWith(20, 19), Options{Context: 3}, "16 17 18 19* 20", 1, 1, 19},
		{"overlapping hunks merge", logWith(30, 5, 9), Options{Context: 3}, "2 3 4 5* 6 7 8 9* 10 11 12", 2, 2, 5},
		{"adjacent hunks merge", logWith(30, 5, 12), Options{Context: 3}, "2 3 4 5* 6 7 8 9 10 11 12* 13 14 15", 2, 2, 5},
		{"separate hunks", logWith(30, 5, 13), Options{Context: 3}, "2 3 4 5* 6 7 8 | 10 11 12 13* 14 15 16", 2, 2, 5},
		{"consecutive failures", logWith(10, 4, 5, 6), Options{Context: 1}, "3 4* 5* 6* 7", 3, 3, 4},
		{"no context", logWith(30, 5, 6, 20), Options{Context: 0}, "5* 6* | 20*", 3, 3, 5},
		{"negative context is the default", logWith(30, 10), Options{Context: -1}, "7 8 9 10* 11 12 13", 1, 1, 10},
		{"max lines keeps the first failures", logWith(100, 10, 50, 90), Options{Context: 3, MaxLines: 10}, "7 8 9 10* 11 12 13 | 50* 51 52", 3, 2, 10},
		{"max lines prefers the failure to its context", logWith(100, 10, 50), Options{Context: 3, MaxLines: 8}, "7 8 9 10* 11 12 13 | 50*", 2, 2, 10},
		{"max lines full", logWith(100, 10, 50), Options{Context: 3, MaxLines: 7}, "7 8 9 10* 11 12 13", 2, 1, 10},
		{"failures beyond the excerpt are counted", logWith(100, 1, 2, 3, 4, 5, 6), Options{Context: 0, MaxLines: 2}, "1* 2*", 6, 2, 1},
		{"context larger than max lines", logWith(100, 50), Options{Context: 10, MaxLines: 5}, "46 47 48 49 50*", 1, 1, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := scan(t, m, tt.o, tt.log)
			if got := numbered(r); got != tt.want {
				t.Errorf("hunks = %q, want %q", got, tt.want)
			}
			if r.Matches != tt.matches || r.Shown != tt.shown {
				t.Errorf("Matches, Shown = %d, %d, want %d, %d", r.Matches, r.Shown, tt.matches, tt.shown)
			}
			if r.First.Number != tt.firstNum || !r.First.Match || !strings.Contains(r.First.Text, "[ERROR] failure") {
				t.Errorf("First = %+v, want line %d", r.First, tt.firstNum)
			}
			if r.Tail != nil {
				t.Errorf("Tail = %d lines, want none when a line matched", len(r.Tail))
			}
			if want := reference(m, tt.o, []byte(tt.log)); !reflect.DeepEqual(r, want) {
				t.Errorf("Result differs from the reference:\n got %+v\nwant %+v", r, want)
			}
		})
	}
}

func TestDetectorText(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	r := scan(t, m, Options{Context: 1}, lines(
		ts+"[INFO] \x1b[32mcompiling\x1b[0m\r",
		ts+"[\x1b[1;31mERROR\x1b[m] 编译失败：找不到符号\r",
		"tab\there\x00nul\x7fdel\r",
	))
	want := []Line{
		{Number: 1, Text: ts + "[INFO] compiling"},
		{Number: 2, Text: ts + "[ERROR] 编译失败：找不到符号", Match: true},
		{Number: 3, Text: "tab\there nul del"},
	}
	if len(r.Hunks) != 1 || !reflect.DeepEqual(r.Hunks[0].Lines, want) {
		t.Errorf("hunks = %+v, want %+v", r.Hunks, want)
	}
	if r.Lines != 3 || r.Bytes == 0 {
		t.Errorf("Lines, Bytes = %d, %d", r.Lines, r.Bytes)
	}
}

func TestCleanLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 600)
	tests := []struct {
		name string
		raw  string
		full int64 // 0: len(raw)
		max  int
		want string
	}{
		{"short", "hello", 0, 10, "hello"},
		{"crlf", "hello\r", 0, 10, "hello"},
		{"exact", "0123456789", 0, 10, "0123456789"},
		{"cut ascii", long, 0, 500, strings.Repeat("a", 500) + " … [cut 100 bytes]"},
		{"cut never inside a rune", "错误错误", 0, 7, "错误 … [cut 6 bytes]"},
		{"cut with ansi", "\x1b[31m" + "abcdef" + "\x1b[0m", 0, 3, "abc … [cut 7 bytes]"},
		{"ansi after the limit is not text", "abc\x1b[0m", 0, 3, "abc"},
		{"kept prefix of a longer line", "abc", 5000, 10, "abc … [cut 4997 bytes]"},
		{"prefix ends inside a rune", "ab\xe9\x94", 5000, 10, "ab … [cut 4998 bytes]"},
		{"invalid utf-8", "a\xffb", 0, 10, "a\uFFFDb"},
		{"truncated rune at the end of a whole line", "ab\xe9\x94", 0, 10, "ab\uFFFD\uFFFD"},
		{"c1 control", "a\u0085b", 0, 10, "a b"},
	}
	for _, tt := range tests {
		full := tt.full
		if full == 0 {
			full = int64(len(tt.raw))
		}
		got := cleanLine([]byte(tt.raw), full, tt.max)
		if got != tt.want {
			t.Errorf("%s: cleanLine = %q, want %q", tt.name, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("%s: cleanLine gave invalid UTF-8 %q", tt.name, got)
		}
	}
}

func TestDetectorGiantLine(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	giant := "npm ERR! " + strings.Repeat("长", 5<<20/3) // 5 MB, one line
	late := strings.Repeat("x", MatchWindow+10) + " npm ERR! too late"
	log := lines(ts+"[INFO] before", giant, late, ts+"[INFO] after")
	for _, chunk := range []int{len(log), 32 << 10, 4093} {
		d := NewDetector(m, Options{Context: 1, MaxLineLen: 100})
		for p := []byte(log); len(p) > 0; {
			k := min(chunk, len(p))
			_, _ = d.Write(p[:k])
			p = p[k:]
		}
		r := d.Result()
		if r.Matches != 1 || r.First.Number != 2 {
			t.Fatalf("chunk %d: Matches = %d, First = %d; want the giant line only", chunk, r.Matches, r.First.Number)
		}
		got := r.Hunks[0].Lines[1].Text
		if !strings.HasPrefix(got, "npm ERR! 长") || !strings.Contains(got, " … [cut ") || len(got) > 100+len(" … [cut 5242880 bytes]") {
			t.Errorf("chunk %d: giant line text = %.120q…", chunk, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("chunk %d: cut inside a rune: %q", chunk, got)
		}
		if r.Lines != 4 || r.Bytes != int64(len(log)) {
			t.Errorf("chunk %d: Lines, Bytes = %d, %d", chunk, r.Lines, r.Bytes)
		}
	}
}

// TestDetectorMemory checks that a giant line is not buffered: after 50 MB
// on one line, the Detector holds about MatchWindow bytes.
func TestDetectorMemory(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	d := NewDetector(m, Options{})
	chunk := bytes.Repeat([]byte("ab错"), 32<<10/5)
	for written := 0; written < 50<<20; written += len(chunk) {
		_, _ = d.Write(chunk)
	}
	if c := cap(d.part); c > 2*MatchWindow {
		t.Errorf("unfinished line buffer = %d bytes, want at most about MatchWindow", c)
	}
	r := d.Result()
	if r.Lines != 1 || len(r.Tail) != 1 || !strings.Contains(r.Tail[0].Text, "[cut ") {
		t.Errorf("Lines = %d, Tail = %d lines; want the giant line, cut", r.Lines, len(r.Tail))
	}
}

func TestDetectorTail(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	tests := []struct {
		name string
		log  string
		o    Options
		want []int64
	}{
		{"short log", logWith(3), Options{}, []int64{1, 2, 3}},
		{"last lines", logWith(100), Options{MaxLines: 4}, []int64{97, 98, 99, 100}},
		{"context larger than max lines", logWith(100), Options{MaxLines: 2, Context: 9}, []int64{99, 100}},
		{"final line without newline", strings.TrimSuffix(logWith(5), "\n"), Options{MaxLines: 2}, []int64{4, 5}},
		{"empty log", "", Options{}, nil},
	}
	for _, tt := range tests {
		r := scan(t, m, tt.o, tt.log)
		var got []int64
		for _, l := range r.Tail {
			got = append(got, l.Number)
			if l.Match {
				t.Errorf("%s: tail line %d marked as a match", tt.name, l.Number)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: Tail = %v, want %v", tt.name, got, tt.want)
		}
		if len(r.Hunks) != 0 || r.Matches != 0 {
			t.Errorf("%s: hunks %d, matches %d on a clean log", tt.name, len(r.Hunks), r.Matches)
		}
	}
}

func TestDetectorFinalLine(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	tests := []struct {
		log       string
		lines     int64
		matches   int64
		firstText string
	}{
		{"a\nnpm ERR! no newline", 2, 1, "npm ERR! no newline"},
		{"a\nnpm ERR! crlf\r\n", 2, 1, "npm ERR! crlf"},
		{"a\n\n", 2, 0, ""},
		{"\n", 1, 0, ""},
		{"", 0, 0, ""},
		{"exit code 1", 1, 1, "exit code 1"},
	}
	for _, tt := range tests {
		r := scan(t, m, Options{}, tt.log)
		if r.Lines != tt.lines || r.Matches != tt.matches || r.First.Text != tt.firstText {
			t.Errorf("%q: Lines, Matches, First = %d, %d, %q; want %d, %d, %q", tt.log, r.Lines, r.Matches, r.First.Text, tt.lines, tt.matches, tt.firstText)
		}
	}
}

func TestDetectorReset(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	d := NewDetector(m, Options{})
	_, _ = d.Write([]byte(logWith(50, 10, 20) + "npm ERR! half a line"))
	d.Reset()
	log := logWith(30, 25)
	_, _ = d.Write([]byte(log))
	got := d.Result()
	if want := reference(m, Options{}, []byte(log)); !reflect.DeepEqual(got, want) {
		t.Errorf("after Reset:\n got %+v\nwant %+v", got, want)
	}
	if again := d.Result(); !reflect.DeepEqual(again, got) {
		t.Error("a second Result differs from the first")
	}
	if _, err := d.Write([]byte("x")); err != ErrWriteAfterResult {
		t.Errorf("Write after Result = %v, want ErrWriteAfterResult", err)
	}
	d.Reset()
	if _, err := d.Write([]byte("x\n")); err != nil {
		t.Errorf("Write after Reset = %v", err)
	}
}

func TestDetectorOptionsDefaults(t *testing.T) {
	t.Parallel()
	if r := scan(t, nil, Options{}, "ok\nnpm ERR! x\n"); r.Matches != 1 {
		t.Errorf("nil Matcher: %d matches, want the built-in patterns", r.Matches)
	}
	if got := (Options{}).normalized(); got != (Options{Context: 0, MaxLines: 40, MaxLineLen: 500}) {
		t.Errorf("zero Options = %+v: Context 0 must stay 0", got)
	}
	if got := (Options{Context: -1, MaxLines: -5, MaxLineLen: -1}).normalized(); got != DefaultOptions() {
		t.Errorf("negative Options = %+v, want %+v", got, DefaultOptions())
	}
}

// TestDetectorSplits feeds the same logs in every chunk size from 1 byte:
// the Result must not depend on where Writes split lines, runes or "\r\n".
func TestDetectorSplits(t *testing.T) {
	t.Parallel()
	demo3, err := os.ReadFile("../demo/logs/stage3.log")
	if err != nil {
		t.Fatal(err)
	}
	logs := map[string]string{
		"demo stage3":    string(demo3),
		"crlf and utf-8": "构建开始\r\n[ERROR] 编译失败\r\nok\r\n\r\n" + strings.Repeat("长行", 700) + " exit code 2\r\nlast",
		"many failures":  logWith(200, 3, 4, 50, 51, 52, 99, 150, 199, 200),
	}
	for _, extra := range [][]string{nil, {`(?i)deploy failed`}} {
		m := mustMatcher(t, extra...)
		for name, log := range logs {
			for _, o := range []Options{{Context: 3}, {Context: 0, MaxLines: 5, MaxLineLen: 20}, {Context: 7, MaxLines: 3}} {
				want := reference(m, o, []byte(log))
				for _, chunk := range []int{1, 2, 3, 7, 64, 1000, len(log)} {
					d := NewDetector(m, o)
					got := scanChunks(d, []byte(log), chunk)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s, extra %q, %+v, chunks of %d:\n got %+v\nwant %+v", name, extra, o, chunk, got, want)
					}
				}
			}
		}
	}
}

// TestDemoLogs checks the demo's sample logs: the clean stages give no
// failure line (and a tail), the Maven stage gives the excerpt in
// testdata/stage3.excerpt (refresh with go test -update).
func TestDemoLogs(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t)
	for _, stage := range []string{"stage1", "stage2"} {
		log, err := os.ReadFile(filepath.Join("..", "demo", "logs", stage+".log"))
		if err != nil {
			t.Fatal(err)
		}
		r := scan(t, m, DefaultOptions(), string(log))
		if r.Matches != 0 || len(r.Hunks) != 0 || r.First != (Line{}) {
			t.Errorf("%s: %d failure lines, first %q; want a clean log", stage, r.Matches, r.First.Text)
		}
		// The tail is the output of the last command, from its "$ cmd"
		// line, when that line is among the last lines (stage1's is).
		if r.Lines < 30 || len(r.Tail) == 0 || r.Tail[len(r.Tail)-1].Number != r.Lines ||
			r.TailCommand != strings.Contains(r.Tail[0].Text, "$ ") || stage == "stage1" && !r.TailCommand {
			t.Errorf("%s: %d lines, tail of %d from %+v", stage, r.Lines, len(r.Tail), r.Tail[0])
		}
	}
	log, err := os.ReadFile(filepath.Join("..", "demo", "logs", "stage3.log"))
	if err != nil {
		t.Fatal(err)
	}
	r := scan(t, m, DefaultOptions(), string(log))
	var b strings.Builder
	fmt.Fprintf(&b, "lines %d, failure lines %d, shown %d, first %d\n", r.Lines, r.Matches, r.Shown, r.First.Number)
	for i, h := range r.Hunks {
		if i > 0 {
			b.WriteString("--\n")
		}
		for _, l := range h.Lines {
			mark := " "
			if l.Match {
				mark = ">"
			}
			fmt.Fprintf(&b, "%4d%s %s\n", l.Number, mark, l.Text)
		}
	}
	golden := filepath.Join("testdata", "stage3.excerpt")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("stage3 excerpt differs from %s (go test -update to accept):\n%s", golden, b.String())
	}
	// The root cause is the first compiler error, and each is shown once
	// although Maven prints them again after BUILD FAILURE.
	if !strings.HasSuffix(r.First.Text, "OrderService.java:[11,40] package com.example.billing does not exist") {
		t.Errorf("First = %q, want the first compiler error", r.First.Text)
	}
	if strings.Count(b.String(), "OrderService.java:[11,40]") != 1 || !strings.Contains(b.String(), "BUILD FAILURE") ||
		strings.Contains(b.String(), "[Help 1]") || strings.Contains(b.String(), "re-run Maven") {
		t.Errorf("the excerpt does not show the compiler error once and BUILD FAILURE, without Maven's help lines")
	}
}

// TestCleanBenchLog runs the benchmark's clean log generator (a realistic
// successful build, with near-misses) through the Detector: no match.
func TestCleanBenchLog(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := writeBenchLog(&b, 2<<20, 0); err != nil {
		t.Fatal(err)
	}
	r := scan(t, mustMatcher(t), Options{}, b.String())
	if r.Matches != 0 {
		t.Errorf("clean log: %d failure lines, first %q", r.Matches, r.First.Text)
	}
	b.Reset()
	if err := writeBenchLog(&b, 2<<20, 50); err != nil {
		t.Fatal(err)
	}
	m := mustMatcher(t)
	r = scan(t, m, Options{}, b.String())
	var want int64
	for _, l := range bytes.Split(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte("\n")) {
		if m.Match(l) {
			want++
		}
	}
	// Matches also counts the lines that a report's structure marks (the
	// exception that ends a traceback): at most the reports' lines.
	if r.Matches == 0 || r.Matches < want || r.Matches > want+maxReports*DefaultMaxLines {
		t.Errorf("log with failures: Matches = %d, line by line %d", r.Matches, want)
	}
}

// TestSharedMatcher runs Detectors on several goroutines with one Matcher,
// as the download pipeline does (run with -race).
func TestSharedMatcher(t *testing.T) {
	t.Parallel()
	m := mustMatcher(t, `(?i)deploy failed`)
	log := []byte(logWith(300, 7, 150) + "\x1b[31mDeploy FAILED\x1b[0m\n")
	want := reference(m, Options{}, log)
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func() {
			d := NewDetector(m, Options{})
			if got := scanChunks(d, log, 100+g); !reflect.DeepEqual(got, want) {
				errs <- fmt.Sprintf("goroutine %d: %+v", g, got)
				return
			}
			errs <- ""
		}()
	}
	for g := 0; g < 8; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	if want.Matches != 3 {
		t.Errorf("Matches = %d, want 3 (two [ERROR] lines and the user pattern)", want.Matches)
	}
}
