// Command codearts-logs brings a Huawei Cloud CodeArts Build record's logs
// into a GitHub Actions job (as a Docker action) or a terminal (as a CLI).
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/codearts-tools/codearts-logs/internal/app"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"
// (the release workflow does). Without it, a `go install`ed binary reports
// its module version, and a build from source (such as the Docker action
// built from the Dockerfile at a tag) reports sourceVersion.
var version = ""

// sourceVersion is the release this source tree belongs to; bump it when
// tagging a release.
const sourceVersion = "v1.0.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, app.Env{
		Args:      os.Args[1:],
		LookupEnv: os.LookupEnv,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		Version:   buildVersion(),
	})
	stop()
	os.Exit(code)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return sourceVersion
}
