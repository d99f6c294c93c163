package summary

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Maven Build", "Maven Build"},
		{"line breaks", "a\nb\r\nc\rd\u2028e", "a b c d e"},
		{"tabs", "a\tb", "a b"},
		{"trimmed", "  a b \n", "a b"},
		{"controls", "a\x00b\x07c\x7fd\u0085e\u009bf", "abcd ef"},
		{"ansi colours", "\x1b[1;31merror:\x1b[0m x", "error: x"},
		{"ansi hyperlink", "\x1b]8;;http://evil\x07link\x1b]8;;\x1b\\ end", "link end"},
		{"bidi", "abc\u202edcb\u202c \u2066x\u2069", "abcdcb x"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
		{"unicode kept", "构建 ✅", "构建 ✅"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := clean(tc.in); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCleanLineKeepsTabs(t *testing.T) {
	t.Parallel()
	if got := cleanLine("\tx\ty \r\x1b[0m"); got != "\tx\ty  " {
		t.Errorf("cleanLine = %q", got)
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"构建构建", 3, "构建…"},
		{"abc", 0, "…"},
		{"", 0, ""},
		{"abc", 1, "…"},
	}
	for _, tc := range tests {
		if got := cut(tc.in, tc.limit); got != tc.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

func TestShortenLongInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("\x00", 10_000) + "tail"
	if got := shorten(long, 20); got != "…" {
		t.Errorf("shorten(controls…) = %q, want an ellipsis", got)
	}
	if got := shorten(strings.Repeat("é", 10_000), 5); got != "éééé…" {
		t.Errorf("shorten = %q", got)
	}
	if got := shorten("short", 20); got != "short" {
		t.Errorf("shorten = %q", got)
	}
}

func TestCutBytes(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("构", 10) // 3 bytes each
	for limit := 0; limit <= len(s)+1; limit++ {
		got := cutBytes(s, limit)
		if !utf8.ValidString(got) {
			t.Fatalf("cutBytes(%d) = %q: invalid UTF-8", limit, got)
		}
		if len(got) > limit {
			t.Fatalf("cutBytes(%d) = %d bytes", limit, len(got))
		}
	}
}

func TestMD(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "Maven Build 2", 100, "Maven Build 2"},
		{"pipe", "a|b", 100, `a\|b`},
		{"html", "<script>&amp;", 100, `\<script\>\&amp;`},
		{"markdown", "*a* _b_ [c](d) `e` ~f~ $g$ \\", 100, "\\*a\\* \\_b\\_ \\[c\\](d) \\`e\\` \\~f\\~ \\$g\\$ \\\\"},
		{"heading", "# x #", 100, `\# x \#`},
		{"autolinks", "http://x www.y.z a@b.c WWW.Q", 100, `http\://x www\.y.z a@<!-- -->b.c WWW\.Q`},
		{"emoji shortcode", ":smile:", 100, `\:smile\:`},
		{"newline", "a\n# b", 100, `a \# b`},
		{"cut before escaping", "a|b|c|d", 4, `a\|b…`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := md(tc.in, tc.limit); got != tc.want {
				t.Errorf("md(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestHTM(t *testing.T) {
	t.Parallel()
	if got, want := htm("</summary>\n\n# x & \"y\"", 100), "&lt;/summary&gt;  # x &amp; &#34;y&#34;"; got != want {
		t.Errorf("htm = %q, want %q", got, want)
	}
	// Mentions and URLs are split so GitHub does not link them in <summary>.
	if got, want := htm("Deploy @octocat https://evil.example WWW.x.y", 100),
		"Deploy @<!-- -->octocat https:<!-- -->//evil.example WWW<!-- -->.x.y"; got != want {
		t.Errorf("htm = %q, want %q", got, want)
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"stage1", "`stage1`"},
		{"logs/stage-1_a.log", "`logs/stage-1_a.log`"},
		{"CB.00060211", "`CB.00060211`"},
		{"a|b", `a\|b`},
		{"a`b", "a\\`b"},
		{"a b", "a b"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := code(tc.in, 100); got != tc.want {
			t.Errorf("code(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lines []string
		want  string
	}{
		{nil, "```"},
		{[]string{"a `b` c"}, "```"},
		{[]string{"```"}, "````"},
		{[]string{"x", "``````` y ``"}, "````````"},
	}
	for _, tc := range tests {
		if got := fence(tc.lines); got != tc.want {
			t.Errorf("fence(%q) = %q, want %q", tc.lines, got, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	sizes := map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"}
	for n, want := range sizes {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	durations := map[time.Duration]string{
		0: "—", -time.Second: "—", 300 * time.Millisecond: "<1s", 45 * time.Second: "45s",
		65 * time.Second: "1m05s", 59*time.Minute + 59600*time.Millisecond: "1h00m00s",
		2*time.Hour + 3*time.Minute + 7*time.Second: "2h03m07s",
	}
	for d, want := range durations {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	counts := map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"}
	for n, want := range counts {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestLinkURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in string
		ok bool
	}{
		{"https://github.com/o/r/actions/runs/1/artifacts/2", true},
		{"http://127.0.0.1:8080/a", true},
		{"javascript:alert(1)", false},
		{"https://x/a)b", false},
		{"https://x/a b", true}, // url.String escapes the space
		{"/relative", false},
		{"", false},
		{"https://x/\"onmouseover=", true}, // the quote is escaped
	}
	for _, tc := range tests {
		u, ok := linkURL(tc.in)
		if ok != tc.ok || strings.ContainsAny(u, " \"<>()") {
			t.Errorf("linkURL(%q) = %q, %v; want ok %v", tc.in, u, ok, tc.ok)
		}
	}
}
