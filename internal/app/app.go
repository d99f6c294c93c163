// Package app is the program: it reads the inputs, runs the flow that
// docs/design.md describes (stages, wait, downloads, report, artifact,
// outputs) and returns the exit code. main only wires the process to it, so the whole
// program runs inside tests with injected environment and streams.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// Env is everything the program takes from its process.
type Env struct {
	Args      []string // without the program name
	LookupEnv func(string) (string, bool)
	Stdout    io.Writer
	Stderr    io.Writer
	Version   string

	// Transport replaces the HTTP transport (tests); nil uses the default.
	Transport http.RoundTripper
	// PollInterval is the first delay between full-stages polls while
	// waiting; 0 means codearts.DefaultPollInterval. Tests shorten it.
	PollInterval time.Duration
	// Now and Sleep replace the clock of the waits (tests make them
	// instant); nil means the real clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// RetryWait overrides the client's first retry delay (tests); 0 = 1s.
	RetryWait time.Duration
}

func (e *Env) getenv(k string) string {
	v, _ := e.LookupEnv(k)
	return v
}

// Main runs the program and returns its exit code.
func Main(ctx context.Context, env Env) int {
	if env.LookupEnv == nil {
		env.LookupEnv = os.LookupEnv
	}
	if env.Version == "" {
		env.Version = "dev"
	}
	args := env.Args
	switch {
	case len(args) > 0 && args[0] == "demo":
		return runDemo(ctx, env, args[1:])
	case len(args) > 0 && (args[0] == "version" || args[0] == "--version"):
		fmt.Fprintf(env.Stdout, "codearts-logs %s\n", env.Version)
		return report.ExitOK
	case len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help"):
		usage(env.Stdout)
		return report.ExitOK
	case len(args) > 0:
		input, code, ok := flagsOrExit(env, args, "codearts-logs")
		if !ok {
			return code
		}
		wd, _ := os.Getwd()
		return execute(ctx, env, config.Source{Input: input, Getenv: env.getenv, BaseDir: wd})
	case env.getenv("GITHUB_ACTIONS") == "true":
		// The Docker action: inputs arrive as INPUT_<NAME> (hyphens kept),
		// read (and trimmed) by go-githubactions; whether a variable is set
		// at all tells `artifact-name: ''` from an absent input.
		gha := githubactions.New(githubactions.WithGetenv(env.getenv))
		input := func(name string) (string, bool) {
			_, set := env.LookupEnv("INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_")))
			return gha.GetInput(name), set
		}
		ws := env.getenv("GITHUB_WORKSPACE")
		if ws == "" {
			ws, _ = os.Getwd()
		}
		return execute(ctx, env, config.Source{Input: input, Getenv: env.getenv, BaseDir: ws, InWorkspace: true})
	default:
		usage(env.Stderr)
		return report.ExitBadInput
	}
}

func isInputError(err error) bool {
	var ie *config.InputError
	return errors.As(err, &ie)
}
