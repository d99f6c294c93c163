package app

// The artifact upload.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/artifact"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/summary"
)

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// upload uploads the output folder (the files this run wrote) when an
// artifact name is set and the runner's artifact service is there. It
// returns the artifact, or why there is none: skipped (a reason) or the
// upload's error.
func (f *flow) upload(ctx context.Context, stages []report.Stage) (_ *report.Artifact, skipped string, _ error) {
	cfg, env, r := f.cfg, f.env, f.out
	if cfg.ArtifactName == "" {
		return nil, "artifact-name is empty", nil
	}
	if !dirExists(cfg.Dir) {
		return nil, "no files were saved", nil
	}
	svc, ok := artifact.FromEnv(env.getenv)
	if !ok {
		if !f.actions {
			return nil, "not running in GitHub Actions", nil
		}
		skipped = "the Actions artifact service (v4) is not available here (ACTIONS_RESULTS_URL or ACTIONS_RUNTIME_TOKEN is missing, as on GitHub Enterprise Server)"
		r.Warning(ghaction.Annotation{Title: "codearts-logs: artifact not uploaded", Message: skipped + "; the logs are in " + cfg.Path + ": upload them with actions/upload-artifact using this step's `path` output"})
		return nil, skipped, nil
	}
	r.Printf("Uploading %s as artifact %s", cfg.Path, cfg.ArtifactName)
	res, err := artifact.Upload(ctx, svc, artifact.Options{
		Name:          cfg.ArtifactName,
		Dir:           cfg.Dir,
		RetentionDays: cfg.RetentionDays,
		Transport:     env.Transport,
		UserAgent:     userAgent(env.Version),
		RetryWaitMin:  env.RetryWait,
		Now:           env.Now,
		Sleep:         env.Sleep,
		AddMask:       r.AddMask,
		TempDir:       runnerTemp(env.getenv("RUNNER_TEMP")),
		// Only what this run wrote: never a stray or checked-in file (or a
		// link to one) that happens to sit in the folder.
		Files: runFiles(stages),
		OnRetry: func(op string, attempt int, err error, wait time.Duration) {
			r.Printf("  %s: attempt %d failed; retrying in %s", safeName(op), attempt, wait.Round(10*time.Millisecond))
		},
		Warnf: func(format string, args ...any) {
			r.Warning(ghaction.Annotation{Title: "codearts-logs", Message: f.secrets.Redact(fmt.Sprintf(format, args...))})
		},
	})
	if err != nil {
		err = f.secrets.Error(err)
		r.Printf("  artifact upload failed; the files are kept in %s:", cfg.Dir)
		r.Quote("    " + err.Error())
		return nil, "", err
	}
	r.Printf("  uploaded artifact %s (id %d, %s, %d files)", cfg.ArtifactName, res.ID, summary.FormatSize(res.Size), res.Files)
	return &report.Artifact{Name: res.Name, ID: res.ID, URL: res.URL, Size: res.Size}, "", nil
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
func runFiles(stages []report.Stage) []string {
	files := []string{"summary.md"}
	for _, s := range stages {
		if s.Saved() {
			files = append(files, s.File)
		}
	}
	return files
}
