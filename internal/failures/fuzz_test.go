package failures

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are log fragments that reach every rule and gate.
var fuzzSeeds = []string{
	ts + "[ERROR] /src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist\n",
	"[\x1b[1;31mERROR\x1b[m] BUILD FAILURE\r\nnpm ERR! code 1\r\nnpm error path /x\n",
	"main.c:3:5: error: x\nfatal: repository not found\nerror[E0425]: y\nsrc/a.ts(3,5): error TS2304: z\n",
	"Traceback (most recent call last):\npanic: boom\nexit code 1\nexit code 0\nreturned a non-zero code: 1\n",
	"Exception in thread \"main\"\nSegmentation fault\nError response from daemon: x\n该步骤执行失败\n构建失败",
	"FAILURE: Build failed\nBUILD FAILED\nFATAL ERROR: heap\n ERR_PNPM_X\nEXIT CODE 2\nExit code: 3\n",
	"长行" + strings.Repeat("错", 40) + "\n\n\r\n\x1b]8;;u\x1b\\l\x1b]8;;\x1b\\\n",
}

func FuzzDetector(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint64(i*7919+1), uint8(i%4), uint8(3+i), uint8(10+i*9))
	}
	if demo, err := os.ReadFile("../demo/logs/stage3.log"); err == nil {
		f.Add(demo, uint64(42), uint8(3), uint8(40), uint8(200))
	}
	m := mustMatcher(f)
	f.Fuzz(func(t *testing.T, log []byte, seed uint64, ctx, maxLines, maxLen uint8) {
		o := Options{Context: int(ctx % 9), MaxLines: 1 + int(maxLines%24), MaxLineLen: 1 + int(maxLen%80)}
		want := reference(m, o, log)
		whole := NewDetector(m, o)
		_, _ = whole.Write(log)
		got := whole.Result()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("one Write:\n got %+v\nwant %+v", got, want)
		}
		// The same bytes in pseudo-random pieces.
		d := NewDetector(m, o)
		for p := log; len(p) > 0; {
			seed = seed*6364136223846793005 + 1442695040888963407
			k := min(len(p), 1+int(seed>>59)) // 1..32 bytes
			if seed&(1<<20) != 0 {
				k = min(len(p), 1+int(seed>>40)%300)
			}
			_, _ = d.Write(p[:k])
			p = p[k:]
		}
		if split := d.Result(); !reflect.DeepEqual(split, got) {
			t.Fatalf("split Writes:\n got %+v\nwant %+v", split, got)
		}
		checkInvariants(t, o, got)
	})
}

// checkInvariants checks what every Result promises.
func checkInvariants(t *testing.T, o Options, r Result) {
	t.Helper()
	maxText := o.MaxLineLen + len(" … [cut 99999999999 bytes]")
	check := func(l Line) {
		if l.Number < 1 || l.Number > r.Lines {
			t.Fatalf("line number %d outside [1, %d]", l.Number, r.Lines)
		}
		if !utf8.ValidString(l.Text) || len(l.Text) > maxText || strings.ContainsAny(l.Text, "\r\n\x1b") {
			t.Fatalf("line %d text %q: invalid UTF-8, too long or with control characters", l.Number, l.Text)
		}
	}
	var total int
	var shown int64
	var first Line
	seen := map[int64]bool{}
	for _, h := range r.Hunks {
		if len(h.Lines) == 0 {
			t.Fatal("empty hunk")
		}
		for i, l := range h.Lines {
			check(l)
			if seen[l.Number] {
				t.Fatalf("line %d shown twice", l.Number)
			}
			seen[l.Number] = true
			if i > 0 && l.Number != h.Lines[i-1].Number+1 {
				t.Fatalf("hunk not consecutive at line %d", l.Number)
			}
			if l.Match {
				shown++
				if first.Number == 0 {
					first = l
				}
			}
		}
		total += len(h.Lines)
	}
	var texts int
	for _, h := range r.Hunks {
		texts += nonBlank(h.Lines)
	}
	if texts > o.MaxLines || total > 2*o.MaxLines {
		t.Fatalf("%d excerpt lines, %d not blank, MaxLines %d", total, texts, o.MaxLines)
	}
	if shown != r.Shown || r.Shown > r.Matches {
		t.Fatalf("Shown %d, match lines in hunks %d, Matches %d", r.Shown, shown, r.Matches)
	}
	if r.Matches > 0 {
		if r.Shown > 0 && first != r.First {
			t.Fatalf("First %+v is not the first failure line shown (%+v)", r.First, first)
		}
		if r.Tail != nil {
			t.Fatal("Tail kept although a line matched")
		}
	} else {
		if len(r.Hunks) != 0 || r.First != (Line{}) {
			t.Fatal("hunks or First without a match")
		}
		if len(r.Tail) > o.MaxLines || r.Lines > 0 && len(r.Tail) == 0 {
			t.Fatalf("Tail of %d lines for %d lines, MaxLines %d", len(r.Tail), r.Lines, o.MaxLines)
		}
		for i, l := range r.Tail {
			check(l)
			if i > 0 && l.Number <= r.Tail[i-1].Number {
				t.Fatalf("Tail line %d after line %d", l.Number, r.Tail[i-1].Number)
			}
		}
		if n := len(r.Tail); n > 0 && r.Tail[n-1].Number != r.Lines {
			t.Fatalf("Tail ends at line %d of %d", r.Tail[n-1].Number, r.Lines)
		}
	}
}

func FuzzMatcher(f *testing.F) {
	for _, s := range fuzzSeeds {
		for _, l := range strings.Split(s, "\n") {
			f.Add([]byte(l))
		}
	}
	f.Add([]byte("error TS2304:"))
	f.Add([]byte("x error[E12]:"))
	f.Add([]byte("e\x1b[0mrror:"))
	m := mustMatcher(f)
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 {
			return
		}
		got := m.Match(line)
		var scratch []byte
		text := matchWindowText(line, &scratch)
		if slow := matchAllRules(text); slow != got {
			t.Fatalf("Match(%q) = %v, but trying every rule gives %v: a rule's key is wrong", line, got, slow)
		}
		if got && !gatesFind(append(line, '\n')) {
			t.Fatalf("Match(%q) is true but no gate lets the line through", line)
		}
	})
}

// matchWindowText is the text Match gives the rules.
func matchWindowText(line []byte, scratch *[]byte) []byte {
	line = visible(line) // what a terminal shows: after the last bare '\r'
	if len(line) > MatchWindow {
		line = line[:MatchWindow]
	} else {
		line = bytes.TrimRight(line, "\r")
	}
	if bytes.IndexByte(line, esc) >= 0 {
		*scratch = stripANSI((*scratch)[:0], line)
		return *scratch
	}
	return line
}

func FuzzParsePatterns(f *testing.F) {
	f.Add("deploy failed\r\n\r\n(?i)oom\n")
	f.Add("x(\n[z-a]\n")
	f.Add("  \n\t\n")
	f.Fuzz(func(t *testing.T, s string) {
		ps := ParsePatterns(s)
		for _, p := range ps {
			if strings.TrimSpace(p) == "" || strings.ContainsRune(p, '\n') || strings.HasSuffix(p, "\r") || !strings.Contains(s, p) {
				t.Fatalf("ParsePatterns(%q) gave %q", s, p)
			}
		}
		m, err := NewMatcher(ps)
		if err != nil {
			var pe *PatternError
			if !errors.As(err, &pe) || !strings.Contains(s, pe.Pattern) {
				t.Fatalf("NewMatcher error %v does not name one of the patterns", err)
			}
			return
		}
		// Go's regexp matches in time proportional to pattern size times
		// text size; a long input matched against itself is slow without
		// being interesting, and would stall the fuzzer's minimizer.
		if len(s) <= 256 {
			m.Match([]byte(s))
		}
	})
}
