package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/aksk"
	"github.com/codearts-tools/codearts-logs/internal/artifact"
	"github.com/codearts-tools/codearts-logs/internal/atomicfile"
	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/download"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/summary"
)

// run is the flow of product.md for one configuration source.
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

	// 1. Secrets are masked before anything else is printed.
	maskSecrets(r, src.Input, getenv)

	cfg, err := config.Load(src)
	if err != nil {
		r.Error(ghaction.Annotation{Title: "codearts-logs", Message: err.Error()})
		if !actions && isInputError(err) {
			fmt.Fprintln(env.Stderr, "Run codearts-logs --help for every flag.")
		}
		return report.ExitBadInput
	}
	redact := redactor(cfg.Token, cfg.SecretKey, getenv("ACTIONS_RUNTIME_TOKEN"))

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
	r.Printf("codearts-logs %s: record %s, %s, endpoint %s", env.Version, cfg.RecordID, cfg.AuthMethod(), cfg.Endpoint)

	// 2–4. Stages (and waiting), then downloads, under the run's deadline;
	// wait-timeout has its own bound on top of it.
	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout+cfg.WaitTimeout)
	defer cancel()

	stages := resolveStages(runCtx, cfg, client, run, r, env.PollInterval, redact)
	if run.Fatal == "" {
		if err := atomicfile.MkdirAll(cfg.Dir, owner); err != nil {
			run.Fatal = fmt.Sprintf("cannot create the output folder %s: %v", cfg.Path, err)
		}
	}
	if run.Fatal == "" {
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
			Redact:      redact,
			Secrets:     []string{cfg.Token, cfg.SecretKey},
			Done:        func(s report.Stage) { progress(r, s) },
		})
		if authErr != nil {
			run.Fatal = authMessage(cfg, authErr.Error())
		}
	} else {
		run.Stages = stages
	}

	// 6. Report: summary file first (it goes into the artifact), then the
	// artifact, then the job summary with the artifact's link.
	sumOpts := summary.Options{FilePrefix: filepath.ToSlash(cfg.Path) + "/"}
	run.Elapsed = time.Since(started)
	if run.Fatal == "" || dirExists(cfg.Dir) {
		// summary.md sits beside the logs (in the folder and in the artifact),
		// so its file names carry no folder prefix.
		if err := atomicfile.WriteFile(filepath.Join(cfg.Dir, "summary.md"), []byte(summary.Markdown(run, summary.Options{})), owner); err != nil {
			r.Warning(ghaction.Annotation{Message: fmt.Sprintf("cannot write summary.md: %v", err)})
		}
	}
	if runCtx.Err() == context.DeadlineExceeded {
		explainTimeout(run, cfg)
	}
	// The upload has a budget of its own: logs saved before the run's
	// timeout are still worth uploading.
	upCtx, upCancel := context.WithTimeout(ctx, cfg.Timeout)
	defer upCancel()
	uploadArtifact(upCtx, cfg, env, r, run, redact)
	run.Elapsed = time.Since(started)

	if err := r.AddStepSummary(summary.Markdown(run, sumOpts)); err != nil {
		r.Warning(ghaction.Annotation{Message: fmt.Sprintf("cannot write the job summary: %v", err)})
	}
	annotate(r, run)
	if actions {
		// On a terminal the excerpts come with the summary below.
		printExcerpts(r, run)
	}
	if err := r.SetOutputs(outputs(run, outputDir(cfg, src, actions))); err != nil {
		r.Warning(ghaction.Annotation{Message: fmt.Sprintf("cannot set the step outputs: %v", err)})
	}
	if !actions {
		io.WriteString(env.Stdout, summary.Text(run))
	}
	code := run.ExitCode(cfg.FailOnBuildFailure)
	r.Printf("%s", finalLine(run, cfg, code))
	return code
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

// resolveStages decides which stages to fetch (step 3) and waits for the
// record to finish when asked (step 4). It sets run.Fatal, run.StagesErr or
// run.Incomplete as needed.
func resolveStages(ctx context.Context, cfg *config.Config, client *codearts.Client, run *report.Run, r *ghaction.Runner, poll time.Duration, redact func(string) string) []report.Stage {
	recCtx := ctx
	if len(cfg.Tasks) > 0 && cfg.WaitTimeout == 0 {
		// Only names and statuses depend on this call when the stages are
		// listed: it must not use up the time the downloads need.
		var cancel context.CancelFunc
		recCtx, cancel = context.WithTimeout(ctx, cfg.Timeout/4)
		defer cancel()
	}
	rec, err := client.Record(recCtx, cfg.RecordID)
	if err == nil && cfg.WaitTimeout > 0 {
		rec, run.Incomplete, err = waitFinished(ctx, client, cfg, rec, r, poll)
	}
	if err != nil {
		msg := err.Error()
		switch {
		case codearts.IsAuthError(err):
			run.Fatal = authMessage(cfg, msg)
			stages := stagesFromNames(cfg.Tasks)
			for i := range stages {
				stages[i].Err = "not downloaded: " + download.ErrAuth.Error()
			}
			return stages
		case len(cfg.Tasks) == 0:
			run.Fatal = "cannot list the stages of the record (GET full-stages): " + msg + "; pass task-names to download known stages anyway"
			return nil
		}
		run.StagesErr = msg
		r.Warning(ghaction.Annotation{Title: "codearts-logs", Message: "cannot read the record's stages; downloading the listed task-names without display names or statuses: " + msg})
		return stagesFromNames(cfg.Tasks)
	}

	byTask := make(map[string]codearts.Stage, len(rec.Stages))
	var all []report.Stage
	for _, s := range rec.Stages {
		if _, err := config.ParseTasks(s.Task); err != nil || s.Task == "" {
			continue // never use a server-chosen name that could leave the folder
		}
		// Display names and statuses are server text: a server echoing a
		// credential there must not carry it into the summary or outputs.
		s.Name, s.Status = redact(s.Name), redact(s.Status)
		byTask[s.Task] = s
		all = append(all, fromAPI(s))
	}
	if len(cfg.Tasks) == 0 {
		if len(all) == 0 {
			run.Fatal = "the record lists no build actions (stage1…stageN) yet; pass task-names, or wait-timeout for a record that has not started"
		}
		return all
	}
	out := stagesFromNames(cfg.Tasks)
	for i := range out {
		if s, ok := byTask[out[i].Task]; ok {
			out[i] = fromAPI(s)
		}
	}
	return out
}

// explainTimeout says, on each stage the run's deadline stopped, which
// deadline it was ("context deadline exceeded" alone says nothing).
func explainTimeout(run *report.Run, cfg *config.Config) {
	what := fmt.Sprintf("the run's timeout (%s) was reached", cfg.Timeout)
	if cfg.WaitTimeout > 0 {
		what = fmt.Sprintf("the run's timeout (%s, plus wait-timeout %s) was reached", cfg.Timeout, cfg.WaitTimeout)
	}
	for i := range run.Stages {
		if s := &run.Stages[i]; !s.Saved() && s.Err != "" && strings.Contains(s.Err, "deadline") {
			s.Err = what + ": " + s.Err
		}
	}
	if run.Fatal != "" && strings.Contains(run.Fatal, "deadline") {
		run.Fatal = what + ": " + run.Fatal
	}
}

func stagesFromNames(tasks []string) []report.Stage {
	out := make([]report.Stage, len(tasks))
	for i, t := range tasks {
		out[i].Task = t
	}
	return out
}

func fromAPI(s codearts.Stage) report.Stage {
	return report.Stage{Task: s.Task, Name: s.Name, Status: s.Status, Duration: s.Duration}
}

// waitFinished polls full-stages with a growing delay until every stage
// has finished or wait-timeout elapses. It returns the last record seen.
func waitFinished(ctx context.Context, client *codearts.Client, cfg *config.Config, rec codearts.Record, r *ghaction.Runner, poll time.Duration) (codearts.Record, string, error) {
	if poll <= 0 {
		poll = 2 * time.Second
	}
	const maxPoll = 30 * time.Second
	deadline := time.Now().Add(cfg.WaitTimeout)
	lastLine := ""
	for {
		if rec.Finished() {
			if lastLine != "" {
				r.Printf("The record has finished.")
			}
			return rec, "", nil
		}
		line := waitProgress(rec)
		if line != lastLine {
			r.Printf("Waiting for the record to finish (up to %s): %s", cfg.WaitTimeout, line)
			lastLine = line
		}
		left := time.Until(deadline)
		if left <= 0 {
			return rec, fmt.Sprintf("the record was still running after wait-timeout %s (%s); the logs are what existed then", cfg.WaitTimeout, line), nil
		}
		t := time.NewTimer(min(poll, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return rec, "", ctx.Err()
		case <-t.C:
		}
		poll = min(poll*3/2, maxPoll)
		next, err := client.Record(ctx, cfg.RecordID)
		if err != nil {
			return rec, "", err
		}
		rec = next
	}
}

// waitProgress says how far the record is, naming running stages only when
// their names are plain stage names (server text is never printed raw).
func waitProgress(rec codearts.Record) string {
	done := 0
	var running []string
	for _, s := range rec.Stages {
		if codearts.StatusFinished(s.Status) {
			done++
		} else if safeName(s.Task) == s.Task && safeName(s.Status) == s.Status {
			st := s.Status
			if st == "" {
				st = "not started"
			}
			running = append(running, s.Task+" "+st)
		}
	}
	line := fmt.Sprintf("%d of %d stages finished", done, len(rec.Stages))
	if len(running) > 0 {
		if len(running) > 3 {
			running = append(running[:3], "…")
		}
		line += "; " + strings.Join(running, ", ")
	}
	return line
}

func authMessage(cfg *config.Config, msg string) string {
	where := cfg.Endpoint
	if cfg.Region != "" {
		where += " (region " + cfg.Region + ")"
	}
	hint := "check that the token is a project-scoped token for this region and has not expired (tokens last 24 hours)"
	if cfg.Token == "" {
		hint = "check the access key and secret key, the project ID, and that the machine's clock is right (signatures older than 15 minutes are refused)"
	}
	return fmt.Sprintf("authentication failed with the %s at %s: %s; %s", cfg.AuthMethod(), where, msg, hint)
}

var safeNameRe = regexp.MustCompile(`^[A-Za-z0-9_.:/ -]{1,64}$`)

// safeName returns s when it is plain enough to print outside
// stop-commands (a stage name, a status, an error code), else "?".
func safeName(s string) string {
	if safeNameRe.MatchString(s) && !strings.Contains(s, "::") {
		return s
	}
	return "?"
}

// errorClass describes an error for a progress line without any server
// text: the HTTP status and Huawei code, or the kind of transport failure.
func errorClass(err error) string {
	var apiErr *codearts.APIError
	if errors.As(err, &apiErr) {
		s := "HTTP " + strconv.Itoa(apiErr.Status)
		if apiErr.Code != "" {
			s += " " + safeName(apiErr.Code)
		}
		return s
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case err == nil:
		return "unknown error"
	}
	return "connection or transfer error"
}

// progress prints one line per finished stage: the tool's own words, the
// size, the time and the result; server text only inside stop-commands.
func progress(r *ghaction.Runner, s report.Stage) {
	if s.Saved() {
		result := "ok"
		switch {
		case s.Scan.Matches > 0:
			result = fmt.Sprintf("%d failure line(s)", s.Scan.Matches)
		case s.StatusFailed():
			result = "stage " + safeName(s.Status)
		}
		retries := ""
		if s.Attempts > 1 {
			retries = fmt.Sprintf(", %d attempts", s.Attempts)
		}
		r.Printf("  %-10s %10s  %8d lines  %7s  %s%s", s.Task, summary.FormatSize(s.Bytes), s.Scan.Lines, s.Elapsed.Round(time.Millisecond), result, retries)
		return
	}
	code := ""
	if s.HTTPStatus != 0 {
		code = fmt.Sprintf(" (HTTP %d", s.HTTPStatus)
		if s.ErrCode != "" {
			code += " " + safeName(s.ErrCode)
		}
		code += ")"
	}
	r.Printf("  %-10s NOT SAVED after %d attempt(s)%s in %s:", s.Task, s.Attempts, code, s.Elapsed.Round(time.Millisecond))
	r.Quote("    " + s.Err)
}

// annotate shows at most ghaction.MaxAnnotations errors: the run-level
// problem first, then one per failed stage with its first failure line.
func annotate(r *ghaction.Runner, run *report.Run) {
	var notes []ghaction.Annotation
	if run.Fatal != "" {
		notes = append(notes, ghaction.Annotation{Title: "CodeArts logs not obtained", Message: run.Fatal})
	}
	if run.Incomplete != "" {
		notes = append(notes, ghaction.Annotation{Title: "CodeArts record not finished", Message: run.Incomplete})
	}
	if run.ArtifactErr != "" {
		// Run-level problems come first: the runner drops annotations past ten.
		notes = append(notes, ghaction.Annotation{Title: "artifact not uploaded", Message: run.ArtifactErr})
	}
	for i := range run.Stages {
		s := &run.Stages[i]
		title := s.Task
		if s.Name != "" {
			title += " (" + s.Name + ")"
		}
		switch {
		case !s.Saved() && run.Fatal == "":
			notes = append(notes, ghaction.Annotation{Title: title + ": log not downloaded", Message: s.Err})
		case s.Saved() && s.Failed():
			msg := fmt.Sprintf("status %s", s.Status)
			if s.Scan.Matches > 0 {
				msg = fmt.Sprintf("line %d: %s", s.Scan.First.Number, s.Scan.First.Text)
				if s.Scan.Matches > 1 {
					msg += fmt.Sprintf(" (and %d more failure lines)", s.Scan.Matches-1)
				}
			} else if n := len(s.Scan.Tail); n > 0 {
				msg += "; last line: " + s.Scan.Tail[n-1].Text
			}
			notes = append(notes, ghaction.Annotation{Title: "CodeArts " + title + " failed", Message: msg})
		}
	}
	for i, n := range notes {
		if i == ghaction.MaxAnnotations {
			break
		}
		r.Error(n)
	}
}

// printExcerpts prints each failed stage's excerpt in a collapsed group,
// as quoted data.
func printExcerpts(r *ghaction.Runner, run *report.Run) {
	for i := range run.Stages {
		s := &run.Stages[i]
		if !s.Saved() || !s.Failed() {
			continue
		}
		lines := flatten(s.Scan)
		what := fmt.Sprintf("%d failure line(s)", s.Scan.Matches)
		if s.Scan.Matches == 0 {
			what = fmt.Sprintf("status %s, last %d line(s)", safeName(s.Status), len(lines))
		}
		r.Group(fmt.Sprintf("%s: %s (%s)", s.Task, what, s.File), func() {
			var b strings.Builder
			if s.Name != "" {
				fmt.Fprintf(&b, "%s — %s\n", s.Task, s.Name)
			}
			for _, l := range lines {
				if l.Number < 0 {
					b.WriteString("      …\n")
					continue
				}
				mark := " "
				if l.Match {
					mark = ">"
				}
				fmt.Fprintf(&b, "%s%6d | %s\n", mark, l.Number, l.Text)
			}
			if more := s.Scan.Matches - s.Scan.Shown; more > 0 {
				fmt.Fprintf(&b, "… %d more failure line(s) in %s\n", more, s.File)
			}
			r.Quote(b.String())
		})
	}
}

// flatten lists an excerpt's lines, with a Number -1 separator between
// hunks; the tail when nothing matched.
func flatten(res failures.Result) []failures.Line {
	if len(res.Hunks) == 0 {
		return res.Tail
	}
	var out []failures.Line
	for i, h := range res.Hunks {
		if i > 0 {
			out = append(out, failures.Line{Number: -1})
		}
		out = append(out, h.Lines...)
	}
	return out
}

// logEntry is one element of the `logs` output.
type logEntry struct {
	Task     string `json:"task"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	File     string `json:"file"`
	Bytes    int64  `json:"bytes"`
	Lines    int64  `json:"lines"`
	Failures int64  `json:"failures"`
	Error    string `json:"error"`
}

// containerWorkspace is where the runner mounts the workspace in a Docker
// action; paths under it do not exist for the job's later steps.
const containerWorkspace = "/github/workspace"

// outputDir is the folder as later steps should see it: relative to the
// workspace inside the Docker action (later steps run in the workspace,
// and actions/upload-artifact resolves relative paths there), absolute
// otherwise.
func outputDir(cfg *config.Config, src config.Source, actions bool) string {
	if actions && filepath.Clean(src.BaseDir) == containerWorkspace {
		if rel, err := filepath.Rel(containerWorkspace, cfg.Dir); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return cfg.Dir
}

func outputs(run *report.Run, dir string) [][2]string {
	entries := make([]logEntry, 0, len(run.Stages))
	for _, s := range run.Stages {
		e := logEntry{Task: s.Task, Name: s.Name, Status: s.Status, Error: s.Err}
		if s.Saved() {
			e.File = filepath.Join(dir, s.File)
			e.Bytes, e.Lines, e.Failures = s.Bytes, s.Scan.Lines, s.Scan.Matches
		}
		entries = append(entries, e)
	}
	var logs strings.Builder
	enc := json.NewEncoder(&logs)
	enc.SetEscapeHTML(false) // "Npm Lint & Test", not "Npm Lint \u0026 Test"
	enc.Encode(entries)
	out := [][2]string{
		{"path", dir},
		{"logs", strings.TrimSuffix(logs.String(), "\n")},
		{"failed-tasks", strings.Join(run.FailedTasks(), ",")},
	}
	if a := run.Artifact; a != nil {
		out = append(out, [2]string{"artifact-id", strconv.FormatInt(a.ID, 10)}, [2]string{"artifact-url", a.URL})
	}
	return out
}

func finalLine(run *report.Run, cfg *config.Config, code int) string {
	line := fmt.Sprintf("codearts-logs: %d of %d stage log(s) saved (%s) in %s to %s", len(run.Stages)-len(run.Missing()), len(run.Stages), summary.FormatSize(run.SavedBytes()), run.Elapsed.Round(time.Millisecond), cfg.Dir)
	if failed := run.FailedTasks(); len(failed) > 0 {
		line += "; failed: " + strings.Join(failed, ", ")
	}
	if run.Artifact != nil {
		line += "; artifact " + run.Artifact.Name
	}
	return line + fmt.Sprintf("; exit %d", code)
}

func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// uploadArtifact uploads the output folder when an artifact name is set and
// the runner's artifact service is there (step 7).
func uploadArtifact(ctx context.Context, cfg *config.Config, env Env, r *ghaction.Runner, run *report.Run, redact func(string) string) {
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
			r.Warning(ghaction.Annotation{Title: "codearts-logs", Message: redact(fmt.Sprintf(format, args...))})
		},
	})
	if err != nil {
		run.ArtifactErr = redact(err.Error())
		r.Printf("  artifact upload failed; the files are kept in %s:", cfg.Dir)
		r.Quote("    " + run.ArtifactErr)
		return
	}
	run.Artifact = &report.Artifact{Name: res.Name, ID: res.ID, URL: res.URL, Size: res.Size}
	r.Printf("  uploaded artifact %s (id %d, %s, %d files)", cfg.ArtifactName, res.ID, summary.FormatSize(res.Size), res.Files)
}

// Output describes one step output (kept equal to action.yml by a test).
type Output struct{ Name, Description string }

// Outputs lists every output the action sets.
var Outputs = []Output{
	{"path", "Folder with the logs and summary.md: relative to the workspace in the Docker action (its container paths do not exist for later steps), absolute on the command line."},
	{"logs", "JSON array, one object a stage: task, name, status, file, bytes, lines, failures, error."},
	{"failed-tasks", "Comma-separated stages that failed (by status or by failure lines)."},
	{"artifact-id", "ID of the uploaded artifact (set when uploaded)."},
	{"artifact-url", "URL of the uploaded artifact (set when uploaded)."},
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
