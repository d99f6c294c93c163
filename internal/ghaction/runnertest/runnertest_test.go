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
