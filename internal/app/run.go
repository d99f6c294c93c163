package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/aksk"
	"github.com/codearts-tools/codearts-logs/internal/atomicfile"
	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/download"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/secret"
	"github.com/codearts-tools/codearts-logs/internal/srcloc"
	"github.com/codearts-tools/codearts-logs/internal/summary"
)

// run is the flow of docs/design.md ("The run, step by step") for one
// configuration source.
func run(ctx context.Context, env Env, src config.Source) int {
	started := time.Now()
	getenv := env.getenv
	actions := getenv("GITHUB_ACTIONS") == "true"
	// In a job every line goes to stdout, where the runner reads commands;
	// on a terminal progress goes to stderr and the summary to stdout.
	msgOut := env.Stderr
	if actions {
		msgOut = env.Stdout
	}
	r := ghaction.New(msgOut, getenv)

	// Secrets are masked before anything else is printed, including
	// values that fail validation.
	secrets := secret.FromRun(config.SecretValues(src.Input, getenv), getenv)
	secrets.Mask(r)

	cfg, err := config.Load(src)
	if err != nil {
		r.Error(ghaction.Annotation{Title: "codearts-logs", Message: err.Error()})
		if !actions && isInputError(err) {
			fmt.Fprintln(env.Stderr, "Run codearts-logs --help for every flag.")
		}
		return report.ExitBadInput
	}
	redact := secrets.Redact
	for _, w := range cfg.Warnings {
		r.Warning(ghaction.Annotation{Title: "codearts-logs", Message: redact(w)})
	}

	client, err := newClient(cfg, env, r, redact)
	if err != nil {
		r.Error(ghaction.Annotation{Title: "codearts-logs", Message: redact(err.Error())})
		return report.ExitBadInput
	}

	run := &report.Run{RecordID: cfg.RecordID, LogLevel: cfg.LogLevel, Dir: cfg.Dir}
	owner := (*atomicfile.Owner)(nil)
	if actions {
		owner = workspaceOwner(src.BaseDir)
	}
	target, wait := "record "+cfg.RecordID, cfg.WaitTimeout
	if cfg.JobMode() {
		target, wait = "job "+cfg.JobID, followBudget(cfg)
		if cfg.BuildNumber > 0 {
			target += " build #" + strconv.Itoa(cfg.BuildNumber)
		}
	}
	r.Printf("codearts-logs %s: %s, %s, endpoint %s", env.Version, target, cfg.AuthMethod(), cfg.Endpoint)

	// Stages (and waiting), then downloads, under the run's deadline;
	// wait-timeout (in job mode, following the build) has its own bound on
	// top of it.
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout+wait)
	defer cancel()

	var stages []report.Stage
	if cfg.JobMode() {
		// The build is followed to its end here: the record is not waited
		// for again below.
		stages = followJob(ctx, runCtx, cfg, client, r, run, env, redact)
		cfg.WaitTimeout = 0
	}
	if run.Fatal == nil {
		stages = resolveStages(runCtx, cfg, client, run, r, env, redact)
	}
	if run.Fatal == nil {
		if err := atomicfile.MkdirAll(cfg.Dir, owner); err != nil {
			run.Fatal = fmt.Errorf("cannot create the output folder %s: %w", cfg.Path, err)
		}
	}
	if run.Fatal == nil {
		r.Printf("Downloading %d stage log(s) to %s (%s level, %d at a time)", len(stages), cfg.Dir, cfg.LogLevel, min(cfg.Concurrency, len(stages)))
		var authErr error
		run.Stages, authErr = download.Run(runCtx, stages, download.Options{
			Source:      client,
			RecordID:    cfg.RecordID,
			Level:       cfg.LogLevel,
			Dir:         cfg.Dir,
			Concurrency: cfg.Concurrency,
			Matcher:     cfg.Matcher,
			Detect:      failures.Options{Context: cfg.ContextLines, MaxLines: cfg.MaxExcerptLines},
			Owner:       owner,
			Secrets:     secrets,
			Done:        func(s report.Stage) { progress(r, s) },
		})
		markNotRun(run.Stages)
		if authErr != nil {
			run.Fatal = authError(cfg, authErr)
		}
	} else {
		run.Stages = stages
	}

	if runCtx.Err() == context.DeadlineExceeded {
		explainTimeout(run, cfg)
	}

	// Report: summary file first (it goes into the artifact), then the
	// artifact, then the job summary with the artifact's link.
	sumOpts := summary.Options{FilePrefix: filepath.ToSlash(cfg.Path) + "/"}
	run.Elapsed = time.Since(started)
	if run.Fatal == nil || dirExists(cfg.Dir) {
		// summary.md sits beside the logs (in the folder and in the artifact),
		// so its file names carry no folder prefix.
		if err := atomicfile.WriteFile(filepath.Join(cfg.Dir, "summary.md"), []byte(summary.Markdown(run, summary.Options{})), owner); err != nil {
			r.Warning(ghaction.Annotation{Message: fmt.Sprintf("cannot write summary.md: %v", err)})
		}
	}
	// The upload has a budget of its own: logs saved before the run's
	// timeout are still worth uploading.
	upCtx, upCancel := context.WithTimeout(ctx, cfg.Timeout)
	defer upCancel()
	uploadArtifact(upCtx, cfg, env, r, run, secrets)
	run.Elapsed = time.Since(started)

	// A job summary or outputs that cannot be written must not look like
	// a run without any: the step exits 3.
	var publishErr []error
	if err := r.AddStepSummary(summary.Markdown(run, sumOpts)); err != nil {
		publishErr = append(publishErr, fmt.Errorf("the job summary is missing: %w", err))
	}
	tree, closeTree := workspaceTree(src.BaseDir, actions)
	annotate(r, run, tree)
	closeTree()
	if actions {
		// On a terminal the excerpts come with the summary below.
		printExcerpts(r, run)
	}
	outs, dropped := outputs(run, outputDir(cfg, src, actions))
	if dropped > 0 {
		r.Notice(ghaction.Annotation{Title: "codearts-logs", Message: fmt.Sprintf("the logs output lists %d of %d stages: %d left out to keep it under %d KiB (GitHub keeps at most 1 MB of outputs per job); every stage is in the summary and the folder", len(run.Stages)-dropped, len(run.Stages), dropped, MaxLogsOutput>>10)})
	}
	if err := r.SetOutputs(outs); err != nil {
		publishErr = append(publishErr, fmt.Errorf("the step outputs are missing: %w", err))
	}
	if !actions {
		io.WriteString(env.Stdout, summary.Text(run))
	}
	code := run.ExitCode(cfg.FailOnBuildFailure)
	for _, err := range publishErr {
		r.Error(ghaction.Annotation{Title: "codearts-logs", Message: err.Error()})
		code = report.ExitIncomplete
	}
	r.Printf("%s", finalLine(run, cfg, code))
	return code
}

// workspaceTree is the repository's working tree that annotations may point
// into: the workspace in Actions, opened as an os.Root so that no path, and
// no symbolic link in it, leads outside; nil elsewhere (a terminal shows no
// annotations on code) or when it cannot be opened. Call done when the
// tree is no longer used.
func workspaceTree(dir string, actions bool) (tree *srcloc.Tree, done func()) {
	if !actions || dir == "" {
		return nil, func() {}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, func() {}
	}
	return srcloc.NewTree(root.FS()), func() { root.Close() }
}

func newClient(cfg *config.Config, env Env, r *ghaction.Runner, redact func(string) string) (*codearts.Client, error) {
	var auth codearts.Authorizer = codearts.TokenAuth(cfg.Token)
	if cfg.Token == "" {
		auth = &aksk.Signer{AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey, ProjectID: cfg.ProjectID}
	}
	return codearts.New(codearts.Options{
		Endpoint:     cfg.Endpoint,
		Auth:         auth,
		UserAgent:    userAgent(env.Version),
		Transport:    env.Transport,
		RetryWaitMin: env.RetryWait,
		Redact:       redact,
		OnRetry: func(op string, attempt int, err error, wait time.Duration) {
			r.Printf("  %s: attempt %d failed (%s); retrying in %s", safeName(op), attempt, errorClass(err), wait.Round(10*time.Millisecond))
		},
	})
}

func userAgent(version string) string {
	return "codearts-logs/" + version + " (+https://github.com/codearts-tools/codearts-logs)"
}
