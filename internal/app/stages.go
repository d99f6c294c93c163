package app

// Which stages to fetch, and waiting for a running record.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/download"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// listStages reads which stages of the record t names to fetch, waiting
// for the record to finish when wait-timeout asks for it. The error is
// the run's fatal one: the credentials were refused, or there is no stage
// to fetch.
func (f *flow) listStages(ctx context.Context, t target) (target, error) {
	cfg, wait := f.cfg, f.recordWait()
	recCtx := ctx
	if len(cfg.Tasks) > 0 && wait == 0 {
		// Only names and statuses depend on this call when the stages are
		// listed: it must not use up the time the downloads need.
		var cancel context.CancelFunc
		recCtx, cancel = context.WithTimeout(ctx, cfg.Timeout/4)
		defer cancel()
	}
	res, spent := f.waitRecord(recCtx, t.recordID)
	if err := res.Err; err != nil && (!res.Seen || codearts.IsAuthError(err)) {
		return f.withoutStageList(t, err)
	}
	rec := res.Record
	reportIgnored(f.out, rec, f.secrets.Redact)
	t.record = report.RecordStateOf(rec)
	t.record.Initial, t.record.Final = f.secrets.Redact(t.record.Initial), f.secrets.Redact(t.record.Final)
	if wait > 0 && !res.Finished {
		t.incomplete = stillRunning(wait, res, spent)
	}

	all := stagesOf(rec, f.secrets.Redact)
	if len(cfg.Tasks) == 0 {
		t.stages = all
		if len(all) == 0 {
			return t, errors.New("the record lists no build actions (stage1…stageN) yet; pass task-names, or wait-timeout for a record that has not started")
		}
		return t, nil
	}
	byTask := make(map[string]report.Stage, len(all))
	for _, s := range all {
		byTask[s.Task] = s
	}
	t.stages = stagesFromNames(cfg.Tasks)
	for i := range t.stages {
		if s, ok := byTask[t.stages[i].Task]; ok {
			t.stages[i] = s
		}
	}
	return t, nil
}

// withoutStageList is listStages when the stage list could not be read
// (err): the listed task-names are fetched without names or statuses, or
// the run stops when there are none or the credentials were refused.
func (f *flow) withoutStageList(t target, err error) (target, error) {
	cfg := f.cfg
	switch {
	case codearts.IsAuthError(err):
		t.stages = stagesFromNames(cfg.Tasks)
		for i := range t.stages {
			t.stages[i].Err = download.ErrSkipped
		}
		return t, authError(cfg, err)
	case len(cfg.Tasks) == 0:
		hint := ""
		if taskNamesMayHelp(err) {
			hint = "; pass task-names to download known stages anyway"
		}
		t.stages = nil
		return t, fmt.Errorf("cannot list the stages of the record (GET full-stages): %w%s", err, hint)
	}
	t.stagesErr = err
	if wait := f.recordWait(); wait > 0 {
		// Never a success: nobody saw the record finish.
		t.incomplete = fmt.Sprintf("the record's stages could not be read during wait-timeout %s, so whether it finished is unknown; the logs are what existed then", wait)
	}
	f.out.Warning(ghaction.Annotation{Title: "codearts-logs", Message: "cannot read the record's stages; downloading the listed task-names without display names or statuses: " + err.Error()})
	t.stages = stagesFromNames(cfg.Tasks)
	return t, nil
}

// stillRunning says why the logs are not the record's last when the wait
// (of wait) ended before the record finished; spent: the whole wait was
// used.
func stillRunning(wait time.Duration, res codearts.WaitResult, spent bool) string {
	line := waitProgress(res.Record)
	switch {
	case res.Err != nil && !spent:
		return fmt.Sprintf("the wait stopped before wait-timeout %s: the stage list could not be read: %s; the record was still running at the last answer (%s), and the logs are what existed then", wait, res.Err, line)
	case res.Err != nil:
		return fmt.Sprintf("the record was still running after wait-timeout %s (%s at the last answer; the polls after it failed: %s); the logs are what existed then", wait, line, res.Err)
	}
	return fmt.Sprintf("the record was still running after wait-timeout %s (%s); the logs are what existed then", wait, line)
}

// waitRecord reads the record's stages, polling until it has finished when
// wait-timeout asks for it. A transient failure of a poll does not end the
// wait; the last record seen is kept. spent reports whether the wait used
// its whole budget.
func (f *flow) waitRecord(ctx context.Context, recordID string) (res codearts.WaitResult, spent bool) {
	wait, r := f.recordWait(), f.out
	lastLine, waited := "", false
	res = f.client.WaitRecord(ctx, recordID, codearts.WaitOptions{
		Budget:   wait,
		Interval: f.poll,
		Now:      f.now,
		Sleep:    f.sleep,
		Progress: func(p codearts.Poll) {
			spent = p.Left <= 0
			if wait <= 0 {
				return
			}
			switch {
			case p.Err != nil && codearts.Transient(p.Err) && !spent:
				waited = true
				r.Printf("Reading the record's stages failed (%s); polling again (wait-timeout %s)", errorClass(p.Err), wait)
			case p.Err == nil && p.Finished:
				if waited {
					r.Printf("The record has finished.")
				}
			case p.Err == nil:
				waited = true
				if line := waitProgress(p.Record); line != lastLine {
					r.Printf("Waiting for the record to finish (up to %s): %s", wait, line)
					lastLine = line
				}
			}
		},
	})
	return res, spent
}

// explainTimeout says, on each stage the run's deadline stopped and on
// the run's error, which deadline it was ("context deadline exceeded"
// alone says nothing).
func (f *flow) explainTimeout(stages []report.Stage, fatal error) ([]report.Stage, error) {
	what := fmt.Sprintf("the run's timeout (%s) was reached", f.cfg.Timeout)
	if wait := f.recordWait(); wait > 0 {
		what = fmt.Sprintf("the run's timeout (%s, plus wait-timeout %s) was reached", f.cfg.Timeout, wait)
	}
	for i := range stages {
		if s := &stages[i]; !s.Saved() && errors.Is(s.Err, context.DeadlineExceeded) {
			s.Err = fmt.Errorf("%s: %w", what, s.Err)
		}
	}
	if errors.Is(fatal, context.DeadlineExceeded) {
		fatal = fmt.Errorf("%s: %w", what, fatal)
	}
	return stages, fatal
}

// taskNamesMayHelp reports whether listing task-names could get the logs
// when the stage list failed with err: when the failure is the stage
// list's own (not found, an error answer, throttling, a transfer that
// failed or took too long: with task-names the list gets only a quarter of
// the time). Not when every request would meet it: the endpoint cannot be
// reached (no such host, a proxy's refusal, TLS), something else answers
// in its place (a login page), the project is refused, or the run was
// cancelled.
func taskNamesMayHelp(err error) bool {
	switch codearts.KindOf(err) {
	case codearts.KindUnreachable, codearts.KindNotAPI, codearts.KindForbidden, codearts.KindAuth,
		codearts.KindCanceled, codearts.KindLocal:
		return false
	}
	return true
}

func stagesFromNames(tasks []string) []report.Stage {
	out := make([]report.Stage, len(tasks))
	for i, t := range tasks {
		out[i].Task = t
	}
	return out
}

func fromAPI(s codearts.Stage) report.Stage {
	return report.Stage{Task: s.Task, Name: s.Name, Status: s.Status, Duration: s.Duration, FromRecord: true}
}

// notRun reports whether a stage's failed download means only that it
// never ran: the record lists it as not started and task-log has no log
// for it (404). That is no download error, and no reason for exit 3.
func notRun(s *report.Stage) bool {
	return !s.Saved() && s.NeverRan() && s.ErrKind() == codearts.KindNotFound
}

// markNotRun marks the stages that never ran.
func markNotRun(stages []report.Stage) {
	for i := range stages {
		if s := &stages[i]; notRun(s) {
			s.NotRun = true
		}
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

// authError is the run's error for credentials that were refused (err),
// naming the credential, the endpoint and what to check.
func authError(cfg *config.Config, err error) error {
	where := cfg.Endpoint
	if cfg.Region != "" {
		where += " (region " + cfg.Region + ")"
	}
	hint := "check that the token is a project-scoped token for this region and has not expired (tokens last 24 hours)"
	if cfg.Token == "" {
		hint = "check the access key and secret key, the project ID, and that the machine's clock is right (signatures older than 15 minutes are refused)"
	}
	return fmt.Errorf("authentication failed with the %s at %s: %w; %s", cfg.AuthMethod(), where, err, hint)
}
