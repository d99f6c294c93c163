// Command codearts-logs brings a Huawei Cloud CodeArts Build record's logs
// into a GitHub Actions job (as a Docker action) or a terminal (as a CLI).
package main

import (
	"context"
	"io"
	"log"
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
	silenceLibraryLoggers()
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

// silenceLibraryLoggers drops what libraries print through the standard
// logger on their own: net/http's "Unsolicited response received on idle
// HTTP channel starting with ..." quotes bytes a server sent, HTTP/2 debug
// logging (GODEBUG=http2debug) prints headers, and log/slog's default
// handler writes there too. The runner reads workflow commands on stderr
// as on stdout, so such a line would let a server write annotations,
// outputs or masks. Everything the program says goes through internal/app
// (secrets redacted, remote text inside stop-commands); the HTTP clients'
// own loggers (go-retryablehttp's) are nil. The standard logger belongs to
// the process, so it is set here, where the process starts.
func silenceLibraryLoggers() {
	log.SetOutput(io.Discard)
	log.SetFlags(0)
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
