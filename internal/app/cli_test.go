package app

import (
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/config"
)

// TestFlagsFollowTheInputsTable: every input of config.Inputs is a flag of
// the same name, a Bool one may stand alone, and a credential is refused
// with the environment variable to use instead; usage lists exactly the
// flags that are accepted.
func TestFlagsFollowTheInputsTable(t *testing.T) {
	t.Parallel()
	var help strings.Builder
	usage(&help)
	for _, in := range config.Inputs {
		listed := strings.Contains(help.String(), "  --"+in.Name+" ")
		if in.EnvOnly {
			_, err := parseFlags([]string{"--" + in.Name, "x"})
			if err == nil || !strings.Contains(err.Error(), in.Env) {
				t.Errorf("--%s x: err = %v, want a refusal naming %s", in.Name, err, in.Env)
			}
			if listed {
				t.Errorf("usage lists --%s, which is refused", in.Name)
			}
			continue
		}
		if !listed {
			t.Errorf("usage does not list --%s", in.Name)
		}
		args, want := []string{"--" + in.Name, "v v"}, "v v"
		if in.Kind == config.Bool {
			args, want = []string{"--" + in.Name}, "true"
		}
		input, err := parseFlags(args)
		if err != nil {
			t.Errorf("%v: %v", args, err)
			continue
		}
		if v, set := input(in.Name); v != want || !set {
			t.Errorf("%v: input(%s) = %q, %v; want %q, true", args, in.Name, v, set, want)
		}
		if _, set := input("log-level"); set && in.Name != "log-level" {
			t.Errorf("%v: log-level reported as set", args)
		}
	}
}
