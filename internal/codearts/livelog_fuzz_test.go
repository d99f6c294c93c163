package codearts

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzLiveLog cuts a log into pieces at arbitrary bytes (as the real-time
// log may) and checks that LiveLog hands out exactly the log's lines: none
// lost, none twice, none cut in two.
func FuzzLiveLog(f *testing.F) {
	f.Add("line 1\nline 2\nli", []byte{3, 9})
	f.Add("a\r\nb\r\n\r\nc", []byte{2, 2, 1})
	f.Add("no line end at all", []byte{5})
	f.Add("\n\n\n", []byte{1, 1, 1})
	f.Fuzz(func(t *testing.T, text string, cuts []byte) {
		var want []string
		segs := strings.Split(text, "\n")
		for i, s := range segs {
			if len(s) > MaxLiveLine {
				t.Skip("lines over MaxLiveLine are handed out in pieces")
			}
			if i == len(segs)-1 && s == "" {
				break // the log ended with a line break
			}
			want = append(want, strings.TrimSuffix(s, "\r"))
		}
		if len(want) > 0 && want[len(want)-1] == "" && !strings.HasSuffix(text, "\n") {
			want = want[:len(want)-1] // a last "\r" alone: Flush has nothing to say
		}
		ll := &LiveLog{}
		var got []string
		rest := text
		for _, c := range cuts {
			n := min(int(c), len(rest))
			got = append(got, ll.split(rest[:n])...)
			rest = rest[n:]
		}
		got = append(got, ll.split(rest)...)
		if last := ll.Flush(); last != "" {
			got = append(got, last)
		}
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("text %q cut at %v: lines %q, want %q", text, cuts, got, want)
		}
	})
}
