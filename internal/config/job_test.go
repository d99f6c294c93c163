package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseParameters(t *testing.T) {
	t.Parallel()
	got, err := parseParameters("codeBranch=main\n\n  flags = -x=1 -y\r\nempty=\n")
	want := []Parameter{{"codeBranch", "main"}, {"flags", " -x=1 -y"}, {"empty", ""}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"novalue", "=x", "a=1\na=2", "a\x01b=1"} {
		if _, err := parseParameters(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseParameters checks that whatever build-parameters holds, the
// answer is either parameters with plain names or one InputError naming
// the input.
func FuzzParseParameters(f *testing.F) {
	f.Add("a=b\nc=d=e\n")
	f.Add("=x")
	f.Add("x")
	f.Add(" k = v \r\n")
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := parseParameters(s)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input != "build-parameters" {
				t.Fatalf("error %v does not name build-parameters", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if p.Name == "" || strings.ContainsAny(p.Name, "=\n\r") || p.Name != strings.TrimSpace(p.Name) || seen[p.Name] {
				t.Fatalf("name %q from %q", p.Name, s)
			}
			if strings.ContainsAny(p.Value, "\n") {
				t.Fatalf("value %q holds a line break", p.Value)
			}
			seen[p.Name] = true
		}
	})
}
