package app

// The artifact upload.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/artifact"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/secret"
	"github.com/codearts-tools/codearts-logs/internal/summary"
)

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// uploadArtifact uploads the output folder when an artifact name is set and
// the runner's artifact service is there.
func uploadArtifact(ctx context.Context, cfg *config.Config, env Env, r *ghaction.Runner, run *report.Run, secrets *secret.Set) {
	if cfg.ArtifactName == "" {
		run.ArtifactSkipped = "artifact-name is empty"
		return
	}
	if !dirExists(cfg.Dir) {
		run.ArtifactSkipped = "no files were saved"
		return
	}
	svc, ok := artifact.FromEnv(env.getenv)
	if !ok {
		if env.getenv("GITHUB_ACTIONS") == "true" {
			run.ArtifactSkipped = "the Actions artifact service (v4) is not available here (ACTIONS_RESULTS_URL or ACTIONS_RUNTIME_TOKEN is missing, as on GitHub Enterprise Server)"
			r.Warning(ghaction.Annotation{Title: "codearts-logs: artifact not uploaded", Message: run.ArtifactSkipped + "; the logs are in " + cfg.Path + ": upload them with actions/upload-artifact using this step's `path` output"})
		} else {
			run.ArtifactSkipped = "not running in GitHub Actions"
		}
		return
	}
	r.Printf("Uploading %s as artifact %s", cfg.Path, cfg.ArtifactName)
	res, err := artifact.Upload(ctx, svc, artifact.Options{
		Name:          cfg.ArtifactName,
		Dir:           cfg.Dir,
		RetentionDays: cfg.RetentionDays,
		Transport:     env.Transport,
		UserAgent:     userAgent(env.Version),
		RetryWaitMin:  env.RetryWait,
		AddMask:       r.AddMask,
		TempDir:       runnerTemp(env.getenv("RUNNER_TEMP")),
		// Only what this run wrote: never a stray or checked-in file (or a
		// link to one) that happens to sit in the folder.
		Files: runFiles(run),
		OnRetry: func(op string, attempt int, err error, wait time.Duration) {
			r.Printf("  %s: attempt %d failed; retrying in %s", safeName(op), attempt, wait.Round(10*time.Millisecond))
		},
		Warnf: func(format string, args ...any) {
			r.Warning(ghaction.Annotation{Title: "codearts-logs", Message: secrets.Redact(fmt.Sprintf(format, args...))})
		},
	})
	if err != nil {
		run.ArtifactErr = secrets.Error(err)
		r.Printf("  artifact upload failed; the files are kept in %s:", cfg.Dir)
		r.Quote("    " + run.ArtifactErr.Error())
		return
	}
	run.Artifact = &report.Artifact{Name: res.Name, ID: res.ID, URL: res.URL, Size: res.Size}
	r.Printf("  uploaded artifact %s (id %d, %s, %d files)", cfg.ArtifactName, res.ID, summary.FormatSize(res.Size), res.Files)
}

// runnerTemp returns the runner's temporary folder when it exists (in a
// Docker action it is mounted at /github/runner_temp), else "" for the
// system default.
func runnerTemp(dir string) string {
	if dir != "" && dirExists(dir) {
		return dir
	}
	return ""
}

// runFiles lists the files this run wrote into the output folder.
func runFiles(run *report.Run) []string {
	files := []string{"summary.md"}
	for _, s := range run.Stages {
		if s.Saved() {
			files = append(files, s.File)
		}
	}
	return files
}
