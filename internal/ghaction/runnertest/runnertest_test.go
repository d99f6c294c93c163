package runnertest

import (
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, output string
		want         []string // name=data of each live command
	}{
		{"v2 after spaces", "  ::set-output name=a::b", []string{"set-output=b"}},
		{"v2 not at start", "x ::set-output name=a::b", nil},
		{"legacy anywhere", "text ##[error]boom", []string{"error=boom"}},
		{"unregistered v2 then legacy", "::foo::x ##[set-env name=A]1", []string{"foo=x ##[set-env name=A]1", "set-env=1"}},
		{"registered v2 wins", "::warning::w ##[error]e", []string{"warning=w ##[error]e"}},
		{"escaped data", "::error::a%0Ab%25", []string{"error=a\nb%"}},
		{"stop-commands pause", "::stop-commands::tok\n::error::x\n##[error]y\n::TOK::\n::error::z", []string{"stop-commands=tok", "error=z"}},
		{"wrong resume token", "::stop-commands::tok\n::other::\n::error::x", []string{"stop-commands=tok"}},
		{"plain text", "hello :: world", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, c := range Parse(tc.output) {
				got = append(got, c.Name+"="+c.Data)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Parse(%q) = %q, want %q", tc.output, got, tc.want)
			}
		})
	}
}

func TestProperties(t *testing.T) {
	t.Parallel()
	cmds := Parse("::error title=a%2Cb%3A c%25,file=x.go,line=12,empty=,=v::msg")
	if len(cmds) != 1 {
		t.Fatalf("commands = %+v", cmds)
	}
	got := fmt.Sprint(cmds[0].Properties())
	if want := "map[file:x.go line:12 title:a,b: c%]"; got != want {
		t.Errorf("Properties() = %s, want %s", got, want)
	}
}
