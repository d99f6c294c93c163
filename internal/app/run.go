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
	"github.com/codearts-tools/codearts-logs/internal/retry"
	"github.com/codearts-tools/codearts-logs/internal/secret"
	"github.com/codearts-tools/codearts-logs/internal/srcloc"
	"github.com/codearts-tools/codearts-logs/internal/summary"
)

// flow is one run of the program: its configuration, the client, and
// where it writes. Its steps take values and return values; execute calls
// them in the order of docs/design.md ("The run, step by step").
type flow struct {
	env     Env
	src     config.Source
	actions bool // a step of a GitHub job (GITHUB_ACTIONS=true), not a terminal
	cfg     *config.Config
	client  *codearts.Client
	out     *ghaction.Commands // the job log: stdout in a job, stderr on a terminal
	secrets *secret.Set
	owner   *atomicfile.Owner // of what is written, when root writes a user's workspace
	started time.Time

	// The clock of every wait (Env.PollInterval, Env.Now, Env.Sleep).
	poll  time.Duration
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// target is what the first steps found: the record to fetch logs from,
// which of its stages, and what is known of it.
type target struct {
	recordID   string
	job        *report.Job        // job mode: the build followed
	record     report.RecordState // as full-stages last gave it
	stages     []report.Stage     // the stages to fetch, with names and statuses when known
	stagesErr  error              // the stage list could not be read: the listed task-names are fetched as they are
	incomplete string             // why the logs may not be the record's last
}

// execute runs the program for one configuration source and returns its
// exit code.
func execute(ctx context.Context, env Env, src config.Source) int {
	f, code := newFlow(env, src)
	if f == nil {
		return code
	}
	f.banner()

	// Stages (and waiting), then downloads, under the run's deadline;
	// wait-timeout (in job mode, following the build) has its own bound on
	// top of it.
	runCtx, cancel := context.WithTimeout(ctx, f.cfg.Timeout+f.waitBudget())
	defer cancel()
	t, err := f.resolve(ctx, runCtx)
	stages := t.stages
	if err == nil {
		stages, err = f.download(runCtx, t)
	}
	if runCtx.Err() == context.DeadlineExceeded {
		stages, err = f.explainTimeout(stages, err)
	}
	rep := t.report(f.cfg, stages, err)

	// Report: summary file first (it goes into the artifact), then the
	// artifact, then the job summary with the artifact's link. The upload
	// has a budget of its own: logs saved before the run's timeout are
	// still worth uploading.
	rep.Elapsed = time.Since(f.started)
	f.writeSummaryFile(rep)
	upCtx, upCancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer upCancel()
	rep.Artifact, rep.ArtifactSkipped, rep.ArtifactErr = f.upload(upCtx, rep.Stages)
	rep.Elapsed = time.Since(f.started)

	// A job summary or outputs that cannot be written must not look like
	// a run without any: the step exits 3.
	code = rep.ExitCode(f.cfg.FailOnBuildFailure)
	for _, err := range f.publish(rep) {
		f.out.Error(ghaction.Annotation{Title: "codearts-logs", Message: err.Error()})
		code = report.ExitIncomplete
	}
	f.out.Printf("%s", finalLine(rep, f.cfg, code))
	return code
}

// newFlow masks the secrets, reads and checks the inputs and builds the
// client; on bad input it reports it and returns nil and exit code 2.
func newFlow(env Env, src config.Source) (*flow, int) {
	f := &flow{env: env, src: src, started: time.Now(), actions: env.getenv("GITHUB_ACTIONS") == "true",
		poll: env.PollInterval, now: env.Now, sleep: env.Sleep}
	// In a job every line goes to stdout, where the runner reads commands;
	// on a terminal progress goes to stderr and the summary to stdout.
	msgOut := env.Stderr
	if f.actions {
		msgOut = env.Stdout
	}
	f.out = ghaction.New(msgOut, env.getenv)

	// Secrets are masked before anything else is printed, including
	// values that fail validation.
	f.secrets = secret.FromRun(config.SecretValues(src.Input, env.getenv), env.getenv)
	f.secrets.Mask(f.out)

	cfg, err := config.Load(src)
	if err != nil {
		f.out.Error(ghaction.Annotation{Title: "codearts-logs", Message: err.Error()})
		if !f.actions && isInputError(err) {
			fmt.Fprintln(env.Stderr, "Run codearts-logs --help for every flag.")
		}
		return nil, report.ExitBadInput
	}
	for _, w := range cfg.Warnings {
		f.out.Warning(ghaction.Annotation{Title: "codearts-logs", Message: f.secrets.Redact(w)})
	}
	if f.client, err = newClient(cfg, env, f.out, f.secrets.Redact); err != nil {
		f.out.Error(ghaction.Annotation{Title: "codearts-logs", Message: f.secrets.Redact(err.Error())})
		return nil, report.ExitBadInput
	}
	f.cfg = cfg
	if f.actions {
		f.owner = atomicfile.WorkspaceOwner(src.BaseDir)
	}
	if f.poll <= 0 {
		f.poll = codearts.DefaultPollInterval
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.sleep == nil {
		f.sleep = retry.Sleep
	}
	return f, 0
}

// banner is the run's first line: what it fetches, how, and from where.
func (f *flow) banner() {
	cfg := f.cfg
	what := "record " + cfg.RecordID
	if cfg.JobMode() {
		what = "job " + cfg.JobID
		if cfg.BuildNumber > 0 {
			what += " build #" + strconv.Itoa(cfg.BuildNumber)
		}
	}
	f.out.Printf("codearts-logs %s: %s, %s, endpoint %s", f.env.Version, what, cfg.AuthMethod(), cfg.Endpoint)
}

// waitBudget is how long the run may wait for the record (or in job mode
// follow the build) on top of its timeout.
func (f *flow) waitBudget() time.Duration {
	if f.cfg.JobMode() {
		return followBudget(f.cfg)
	}
	return f.cfg.WaitTimeout
}

// recordWait is how long the stage list waits for the record to finish:
// wait-timeout, and none in job mode, where the build was followed to its
// end (or the follow's budget was spent) before.
func (f *flow) recordWait() time.Duration {
	if f.cfg.JobMode() {
		return 0
	}
	return f.cfg.WaitTimeout
}

// resolve finds the record and its stages: in job mode by finding and
// following the build (sig is the program's context, done when the
// workflow is cancelled), then from full-stages, waiting for the record to
// finish when wait-timeout asks for it. The error is the run's fatal one:
// no logs can be fetched.
func (f *flow) resolve(sig, ctx context.Context) (target, error) {
	t := target{recordID: f.cfg.RecordID}
	if f.cfg.JobMode() {
		var err error
		t, err = f.follow(sig, ctx)
		if t.recordID != "" {
			f.cfg.SetRecordID(t.recordID)
		}
		if err != nil {
			return t, err
		}
	}
	return f.listStages(ctx, t)
}

// download saves the stages' logs into the output folder, scanning them
// for failure lines; the error is an authentication failure (the stages
// not yet started are skipped) or a folder that cannot be made.
func (f *flow) download(ctx context.Context, t target) ([]report.Stage, error) {
	cfg := f.cfg
	if err := atomicfile.MkdirAll(cfg.Dir, f.owner); err != nil {
		return t.stages, fmt.Errorf("cannot create the output folder %s: %w", cfg.Path, err)
	}
	f.out.Printf("Downloading %d stage log(s) to %s (%s level, %d at a time)", len(t.stages), cfg.Dir, cfg.LogLevel, min(cfg.Concurrency, len(t.stages)))
	stages, authErr := download.All(ctx, t.stages, download.Options{
		Source:      f.client,
		RecordID:    t.recordID,
		Level:       cfg.LogLevel,
		Dir:         cfg.Dir,
		Concurrency: cfg.Concurrency,
		Matcher:     cfg.Matcher,
		Detect:      failures.Options{Context: cfg.ContextLines, MaxLines: cfg.MaxExcerptLines},
		Owner:       f.owner,
		Secrets:     f.secrets,
		Done:        func(s report.Stage) { progress(f.out, s) },
	})
	markNotRun(stages)
	if authErr != nil {
		return stages, authError(cfg, authErr)
	}
	return stages, nil
}

// report is the run's outcome from what was found and downloaded; fatal
// is the error that kept the logs from being fetched.
func (t target) report(cfg *config.Config, stages []report.Stage, fatal error) *report.Run {
	return &report.Run{
		RecordID: t.recordID, LogLevel: cfg.LogLevel, Dir: cfg.Dir, Job: t.job,
		Record: t.record, StagesErr: t.stagesErr, Incomplete: t.incomplete,
		Stages: stages, Fatal: fatal,
	}
}

// writeSummaryFile writes summary.md beside the logs (in the folder and in
// the artifact, so its file names carry no folder prefix), unless nothing
// was fetched and the folder does not exist.
func (f *flow) writeSummaryFile(rep *report.Run) {
	if rep.Fatal != nil && !dirExists(f.cfg.Dir) {
		return
	}
	if err := atomicfile.WriteFile(filepath.Join(f.cfg.Dir, "summary.md"), []byte(summary.Markdown(rep, summary.Options{})), f.owner); err != nil {
		f.out.Warning(ghaction.Annotation{Message: fmt.Sprintf("cannot write summary.md: %v", err)})
	}
}

// publish shows the report: the job summary, the annotations, in a job the
// excerpts in groups, the step outputs, and on a terminal the text
// summary. It returns what could not be written.
func (f *flow) publish(rep *report.Run) []error {
	var errs []error
	if err := f.out.AddStepSummary(summary.Markdown(rep, summary.Options{FilePrefix: filepath.ToSlash(f.cfg.Path) + "/"})); err != nil {
		errs = append(errs, fmt.Errorf("the job summary is missing: %w", err))
	}
	tree, closeTree := workspaceTree(f.src.BaseDir, f.actions)
	annotate(f.out, rep, tree)
	closeTree()
	if f.actions {
		// On a terminal the excerpts come with the summary below.
		printExcerpts(f.out, rep)
	}
	if err := f.setOutputs(rep); err != nil {
		errs = append(errs, fmt.Errorf("the step outputs are missing: %w", err))
	}
	if !f.actions {
		io.WriteString(f.env.Stdout, summary.Text(rep))
	}
	return errs
}

// setOutputs sets the step outputs, with a notice when the logs output
// had to leave stages out.
func (f *flow) setOutputs(rep *report.Run) error {
	outs, dropped := outputs(rep, f.cfg.OutputDir(f.src, f.actions))
	if dropped > 0 {
		f.out.Notice(ghaction.Annotation{Title: "codearts-logs", Message: fmt.Sprintf("the logs output lists %d of %d stages: %d left out to keep it under %d KiB (GitHub keeps at most 1 MB of outputs per job); every stage is in the summary and the folder", len(rep.Stages)-dropped, len(rep.Stages), dropped, MaxLogsOutput>>10)})
	}
	return f.out.SetOutputs(outs)
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

func newClient(cfg *config.Config, env Env, r *ghaction.Commands, redact func(string) string) (*codearts.Client, error) {
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
		Now:          env.Now,
		Sleep:        env.Sleep,
		Redact:       redact,
		OnRetry: func(op string, attempt int, err error, wait time.Duration) {
			r.Printf("  %s: attempt %d failed (%s); retrying in %s", safeName(op), attempt, errorClass(err), wait.Round(10*time.Millisecond))
		},
	})
}

func userAgent(version string) string {
	return "codearts-logs/" + version + " (+https://github.com/codearts-tools/codearts-logs)"
}
