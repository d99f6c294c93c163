package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// secretFlag refuses a secret on the command line, where it would end up in
// shell history and process listings.
type secretFlag struct{ name, env string }

func (f secretFlag) String() string { return "" }
func (f secretFlag) Set(string) error {
	return fmt.Errorf("secrets are read from the environment only: set %s instead of --%s", f.env, f.name)
}

// boolString is a boolean input as a flag: alone it means "true"; with a
// value it keeps the text for config to validate.
type boolString struct{ s string }

func (b *boolString) String() string     { return b.s }
func (b *boolString) Set(v string) error { b.s = v; return nil }
func (b *boolString) IsBoolFlag() bool   { return true }

// errHelp is returned by parseFlags when --help was asked for.
var errHelp = flag.ErrHelp

// parseFlags reads the CLI's flags, which are derived from config.Inputs:
// one flag an input, with the input's name; a Bool input may stand alone;
// an EnvOnly input is refused as a flag. It returns the input lookup for
// config.Load.
func parseFlags(args []string) (func(string) (string, bool), error) {
	fs := flag.NewFlagSet("codearts-logs", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	values := map[string]*string{}
	for _, in := range config.Inputs {
		if in.EnvOnly {
			fs.Var(secretFlag{in.Name, in.Env}, in.Name, in.Description)
			continue
		}
		if in.Kind == config.Bool {
			// `--fail-on-build-failure` alone means true, as flags do.
			v := &boolString{}
			values[in.Name] = &v.s
			fs.Var(v, in.Name, in.Description)
			continue
		}
		values[in.Name] = fs.String(in.Name, "", in.Description)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		if hint := boolValueHint(args, fs.NArg()); hint != "" {
			return nil, fmt.Errorf("unexpected argument %q: %s", fs.Arg(0), hint)
		}
		return nil, fmt.Errorf("unexpected argument %q (flags are written --record-id ID; see --help)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return func(name string) (string, bool) {
		if p, ok := values[name]; ok {
			return *p, set[name]
		}
		return "", false
	}, nil
}

// boolValueHint explains `--fail-on-build-failure false`: a boolean flag
// may stand alone, so, as in every Go program, its value must be attached
// with "=" and a separate "false" ends the flags. rest is how many
// arguments the flag set left over.
func boolValueHint(args []string, rest int) string {
	i := len(args) - rest // the first argument left over
	if i < 1 {
		return ""
	}
	name := strings.TrimLeft(args[i-1], "-")
	in, ok := config.Lookup(name)
	if !ok || in.Kind != config.Bool {
		return ""
	}
	switch strings.ToLower(args[i]) {
	case "true", "false", "yes", "no", "on", "off", "1", "0":
	default:
		return ""
	}
	return fmt.Sprintf("write --%s=%s (a true/false flag takes its value after '=')", in.Name, args[i])
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString(`codearts-logs: download a Huawei Cloud CodeArts Build record's logs, find the failures, summarise them.

Usage:
  codearts-logs --record-id ID [--task-names stage1,stage3] [flags]
  codearts-logs --job-id JOB [--build-number N | --run-build] [flags]
                            a job's build: resolve it, follow it live, then fetch its logs
  codearts-logs demo        run the whole flow against a built-in fake CodeArts service
  codearts-logs demo --run  the same in job mode: start a build on the fake and follow it live
  codearts-logs version

Credentials come from the environment only:
  CODEARTS_TOKEN                      an IAM token (X-Auth-Token)
  HUAWEI_CLOUD_ACCESS_KEY_ID, HUAWEI_CLOUD_SECRET_ACCESS_KEY, HUAWEI_CLOUD_PROJECT_ID
                                      AK/SK request signing (what huaweicloud/auth-action exports)
  HUAWEI_CLOUD_REGION                 default for --region

Flags (the action's input names):
`)
	for _, in := range config.Inputs {
		if in.EnvOnly {
			continue
		}
		def := ""
		if in.Default != "" {
			def = " (default " + in.Default + ")"
		}
		fmt.Fprintf(&b, "  --%-22s %s%s\n", in.Name, strings.ReplaceAll(in.Description, "`", ""), def)
	}
	b.WriteString(`
Exit codes: 0 done; 1 the build failed and --fail-on-build-failure is true; 2 bad input;
            3 a log, the artifact or a finished build could not be obtained (a wait or
            follow ended while it ran, a build could not be started, Ctrl-C while following).
`)
	io.WriteString(w, b.String())
}

// flagsOrExit parses the CLI's flags for prog. When it returns ok false,
// usage or the error has been printed and code is the exit code (0 for
// --help, 2 for a bad flag).
func flagsOrExit(env Env, args []string, prog string) (input func(string) (string, bool), code int, ok bool) {
	input, err := parseFlags(args)
	switch {
	case errors.Is(err, errHelp):
		usage(env.Stdout)
		return nil, report.ExitOK, false
	case err != nil:
		// One message, as for any other bad input: the whole usage after
		// it would push the message out of view.
		fmt.Fprintf(env.Stderr, "error: %s: %s\nRun codearts-logs --help for every flag.\n", prog, flagMessage(err))
		return nil, report.ExitBadInput, false
	}
	return input, 0, true
}

// flagMessage words the flag package's errors with the flags as users
// write them (--name, not -name).
func flagMessage(err error) string {
	msg := err.Error()
	for _, p := range []struct{ prefix, say string }{
		{"flag provided but not defined: -", "unknown flag --%s"},
		{"flag needs an argument: -", "flag --%s needs a value"},
	} {
		if name, ok := strings.CutPrefix(msg, p.prefix); ok {
			return fmt.Sprintf(p.say, strings.TrimLeft(name, "-"))
		}
	}
	return strings.Replace(msg, "for flag -", "for flag --", 1)
}
