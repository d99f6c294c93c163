package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfileBuildReportsItsVersion runs the Dockerfile's build command
// the way `docker build` does (sh, the ARG's default or a --build-arg, a
// copy of the sources without .git): a build from source at a tag reports
// sourceVersion, a release build its tag, never "dev".
func TestDockerfileBuildReportsItsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary twice")
	}
	t.Parallel()
	df, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	arg := regexp.MustCompile(`(?m)^ARG VERSION(?:=(.*))?$`).FindStringSubmatch(string(df))
	run := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .*) -o /codearts-logs \.$`).FindStringSubmatch(string(df))
	if arg == nil || run == nil {
		t.Fatalf("the Dockerfile has no ARG VERSION or no go build line:\n%s", df)
	}
	// What the Dockerfile's COPY lines bring into the image.
	src := t.TempDir()
	for _, p := range []string{"go.mod", "go.sum", "main.go", "internal"} {
		if out, err := exec.Command("cp", "-r", p, filepath.Join(src, p)).CombinedOutput(); err != nil {
			t.Fatalf("cp %s: %v %s", p, err, out)
		}
	}
	for _, tc := range []struct{ name, version, want string }{
		{"from source", strings.TrimSpace(arg[1]), sourceVersion},
		{"release", "v9.8.7", "v9.8.7"},
	} {
		bin := filepath.Join(t.TempDir(), "codearts-logs")
		cmd := exec.Command("sh", "-c", run[1]+` -o "$OUT" .`)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "VERSION="+tc.version, "OUT="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %s: %v\n%s", tc.name, run[1], err, out)
		}
		out, err := exec.Command(bin, "version").CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != "codearts-logs "+tc.want {
			t.Errorf("%s build reports %q (%v), want codearts-logs %s", tc.name, got, err, tc.want)
		}
	}
}
