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

// TestBadFlagIsOneMessage: an unknown flag, a flag without its value and a
// true/false flag with a separate value each give exit 2 and one message
// naming the flag, not the whole usage.
func TestBadFlagIsOneMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "error: codearts-logs: unknown flag --bogus\n"},
		{[]string{"--record-id"}, "error: codearts-logs: flag --record-id needs a value\n"},
		{[]string{"--fail-on-build-failure", "false"}, "write --fail-on-build-failure=false"},
		{[]string{"--token", "x"}, "for flag --token: secrets are read from the environment only"},
	} {
		var stdout, stderr strings.Builder
		env := Env{Stdout: &stdout, Stderr: &stderr}
		_, code, ok := flagsOrExit(env, tc.args, "codearts-logs")
		got := stderr.String()
		if ok || code != 2 || !strings.Contains(got, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, got, tc.want)
		}
		if strings.Count(got, "\n") != 2 || strings.Contains(got, "Usage:") {
			t.Errorf("%q: want one message and the --help hint, got:\n%s", tc.args, got)
		}
	}
}
