package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/demo"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// runDemo runs the whole flow against the built-in fake service. Flags are
// the CLI's (e.g. `demo --log-level DEBUG`); the record, endpoint and token
// are the demo's, and real Huawei credentials in the environment are ignored.
//
// With --run (job mode) it starts a build of the sample job instead, and
// follows it live for a few seconds before the same summary.
func runDemo(ctx context.Context, env Env, args []string) int {
	live := false
	var rest []string
	for _, a := range args {
		if a == "--run" || a == "-run" {
			live = true
			continue
		}
		rest = append(rest, a)
	}
	input, code, ok := flagsOrExit(env, rest, "codearts-logs demo")
	if !ok {
		return code
	}
	svc, err := demo.Start()
	if err != nil {
		fmt.Fprintf(env.Stderr, "codearts-logs demo: %v\n", err)
		return report.ExitIncomplete
	}
	defer svc.Close()
	forced := map[string]string{"record-id": demo.RecordID, "endpoint": svc.Endpoint}
	if live {
		fmt.Fprintf(env.Stderr, "Demo: a fake CodeArts Build service is serving job %s at %s; starting a build of it\n\n", demo.JobID, svc.Endpoint)
		forced = map[string]string{"record-id": "", "job-id": demo.JobID, "run-build": "true",
			"build-parameters": "codeBranch=master", "endpoint": svc.Endpoint}
		if env.PollInterval == 0 {
			env.PollInterval = 400 * time.Millisecond // a few seconds, not minutes
		}
	} else {
		fmt.Fprintf(env.Stderr, "Demo: a fake CodeArts Build service is serving record %s at %s\n\n", demo.RecordID, svc.Endpoint)
	}

	demoInput := func(name string) (string, bool) {
		if v, ok := forced[name]; ok {
			return v, true
		}
		return input(name)
	}
	demoEnv := env
	demoEnv.LookupEnv = func(k string) (string, bool) {
		switch {
		case k == "CODEARTS_TOKEN":
			return demo.Token, true
		case strings.HasPrefix(k, "HUAWEI_CLOUD_"):
			return "", false
		}
		return env.LookupEnv(k)
	}
	wd, _ := os.Getwd()
	return execute(ctx, demoEnv, config.Source{Input: demoInput, Getenv: demoEnv.getenv, BaseDir: wd})
}
