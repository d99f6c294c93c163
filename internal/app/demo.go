package app

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/demo"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// runDemo runs the whole flow against the built-in fake service. Flags are
// the CLI's (e.g. `demo --log-level DEBUG`); the record, endpoint and token
// are the demo's, and real Huawei credentials in the environment are ignored.
func runDemo(ctx context.Context, env Env, args []string) int {
	input, code, ok := flagsOrExit(env, args, "codearts-logs demo")
	if !ok {
		return code
	}
	svc, err := demo.Start()
	if err != nil {
		fmt.Fprintf(env.Stderr, "codearts-logs demo: %v\n", err)
		return report.ExitIncomplete
	}
	defer svc.Close()
	fmt.Fprintf(env.Stderr, "Demo: a fake CodeArts Build service is serving record %s at %s\n\n", demo.RecordID, svc.Endpoint)

	forced := map[string]string{"record-id": demo.RecordID, "endpoint": svc.Endpoint}
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
	return run(ctx, demoEnv, config.Source{Input: demoInput, Getenv: demoEnv.getenv, BaseDir: wd})
}
