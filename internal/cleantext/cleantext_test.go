package cleantext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"  two\r\nlines\n", "two lines"},
		{"a\tb", "a b"},
		{"title \x1b]0;pwned\x07ok", "title ok"},
		{"clear\x1b[2J\x1b[31mred\x1b[0m", "clearred"},
		{"bidi \u202Eevil\u202C \u2066iso\u2069 \u200e\u200f\u061c", "bidi evil iso"},
		{"c1 \u009b2J del\x7f nul\x00 bs\x08", "c1 2J del nul bs"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
	}
	for _, tc := range tests {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLinesKeepsLineBreaksAndTabs(t *testing.T) {
	t.Parallel()
	in := "one\x1b[2J\r\n\ttwo\u202E\rthree\n"
	if got, want := Lines(in), "one\n\ttwo\nthree\n"; got != want {
		t.Errorf("Lines(%q) = %q, want %q", in, got, want)
	}
	if got := Lines("clean\ttext\n"); got != "clean\ttext\n" {
		t.Errorf("clean text changed: %q", got)
	}
	for _, r := range Lines("a\u2028b\x85c\vd\fe") {
		if r != '\n' && IsUnsafe(r) {
			t.Errorf("%U left in Lines' output", r)
		}
	}
}

func TestShortenBoundsWork(t *testing.T) {
	t.Parallel()
	long := "\u202E" + strings.Repeat("N", 1<<20)
	got := Shorten(long, 200)
	if utf8.RuneCountInString(got) != 200 || !strings.HasSuffix(got, Ellipsis) || strings.ContainsRune(got, '\u202E') {
		t.Errorf("Shorten: %d runes, %.20q…", utf8.RuneCountInString(got), got)
	}
}
