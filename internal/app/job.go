package app

// Job mode: from a job (and a build number, or a build this step starts)
// to its record, following the build live while it runs.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// stopTimeout bounds the stop request sent when the workflow is cancelled:
// the runner kills the container a few seconds after its signal.
const stopTimeout = 3 * time.Second

// liveLogTimeout bounds one real-time-log call, so that a slow log never
// holds back the stages' progress.
const liveLogTimeout = 30 * time.Second

// follower follows one build of a job for a flow.
type follower struct {
	*flow
	// sig is the program's context: done when the workflow is cancelled
	// (SIGINT/SIGTERM), unlike the run's deadline.
	sig context.Context

	job  *report.Job
	live *codearts.LiveLog
	// logOff is set once the live log failed for good; logSaid once its
	// failure was reported (it is reported once).
	logOff, logSaid bool
	// drained is set once the rest of the live log was fetched at the
	// build's end.
	drained bool
	seen    map[string]string // stage → last status printed
}

// followBudget is how long job mode follows a build: wait-timeout, or when
// it is 0 until the build ends, within GitHub's job limit.
func followBudget(cfg *config.Config) time.Duration {
	if cfg.WaitTimeout > 0 {
		return cfg.WaitTimeout
	}
	return config.MaxFollow
}

// follow finds the build's record and follows the build until it ends or
// the budget is spent, printing each stage's start and end and the
// build's own log as they come. It returns the job, the record (once
// found) and the stages last seen; the error says why there is no record
// to fetch logs from, or that the workflow was cancelled.
func (f *flow) follow(sig, ctx context.Context) (target, error) {
	fl := &follower{flow: f, sig: sig, job: &report.Job{ID: f.cfg.JobID, BuildNumber: f.cfg.BuildNumber}, seen: map[string]string{}}
	t := target{job: fl.job}
	deadline := f.now().Add(followBudget(f.cfg))
	until := func() time.Duration { return deadline.Sub(f.now()) }

	if err := fl.pickBuild(ctx); err != nil {
		return t, err
	}
	res, err := fl.findRecord(ctx, until())
	if err != nil {
		return t, err
	}
	t.recordID = res.ID
	f.out.Printf("Build #%d of job %s is record %s (record-info's %s)", fl.job.BuildNumber, f.cfg.JobID, res.ID, res.Field)
	t.stages, t.incomplete, err = fl.watch(ctx, res, until)
	return t, err
}

// pickBuild decides which build to follow: one it starts (run-build), the
// one given (build-number), or the job's latest.
func (fl *follower) pickBuild(ctx context.Context) error {
	cfg, r := fl.cfg, fl.out
	switch {
	case cfg.RunBuild:
		params := make([]codearts.Parameter, len(cfg.Parameters))
		for i, p := range cfg.Parameters {
			params[i] = codearts.Parameter{Name: p.Name, Value: p.Value}
		}
		r.Printf("Starting a build of job %s (%d parameter(s)%s)", cfg.JobID, len(params), commitNote(cfg.Commit))
		started, err := fl.client.Execute(ctx, cfg.JobID, codearts.ExecuteOptions{Parameters: params, Commit: cfg.Commit})
		if err != nil {
			if codearts.IsAuthError(err) {
				return authError(cfg, err)
			}
			return fmt.Errorf("cannot start a build of job %s (POST execute): %w", cfg.JobID, err)
		}
		fl.job.BuildNumber, fl.job.Started = started.BuildNumber, true
		r.Printf("Started build #%d of job %s", started.BuildNumber, cfg.JobID)
	case cfg.BuildNumber == 0:
		st, err := fl.client.RunningStatus(ctx, cfg.JobID)
		if err != nil {
			if codearts.IsAuthError(err) {
				return authError(cfg, err)
			}
			return fmt.Errorf("cannot find the latest build of job %s (GET running-status): %w", cfg.JobID, err)
		}
		if st.LastBuildNumber == 0 {
			return fmt.Errorf("job %s has no build yet: start one with run-build: true, or give build-number", cfg.JobID)
		}
		fl.job.BuildNumber = st.LastBuildNumber
		r.Printf("Job %s: its latest build is #%d", cfg.JobID, st.LastBuildNumber)
	}
	return nil
}

// findRecord waits for the build's record. A build just started has none
// for a while: ask within the budget left. A number the user gave that has
// none after about a minute is a mistake, not something to wait six hours
// for.
func (fl *follower) findRecord(ctx context.Context, left time.Duration) (codearts.ResolvedRecord, error) {
	n := fl.job.BuildNumber
	if !fl.job.Started {
		left = min(left, 12*fl.poll) // 5 s backing off to 30 s: about a minute
	}
	res, err := fl.client.AwaitRecord(ctx, fl.cfg.JobID, n, codearts.AwaitOptions{
		Within: left, Interval: fl.poll, Now: fl.now, Sleep: fl.sleep,
		NotYet: func(err error) { fl.out.Printf("Build #%d has no record yet (%s); asking again", n, errorClass(err)) },
	})
	switch {
	case err == nil:
		return res, nil
	case fl.sig.Err() != nil:
		_, err = fl.cancelled(nil)
	case codearts.IsAuthError(err):
		err = authError(fl.cfg, err)
	default:
		err = fmt.Errorf("build #%d of job %s: no record found (GET record-info): %w", n, fl.cfg.JobID, err)
	}
	return codearts.ResolvedRecord{}, err
}

// watch follows the build of record res while it runs, within until's
// budget. It returns the stages last seen and, when the build's end was
// not seen, why the logs may not be its last; the error is the workflow's
// cancellation.
func (fl *follower) watch(ctx context.Context, res codearts.ResolvedRecord, until func() time.Duration) ([]report.Stage, string, error) {
	n, cfg, r := fl.job.BuildNumber, fl.cfg, fl.out
	fl.job.Status = codearts.RecordStatus(res.Record)
	last := res.Record
	if res.Record.Finished() {
		fl.stageEvents(res.Record)
		return stagesOf(last, fl.secrets.Redact), "", nil
	}
	fl.live = fl.client.NewLiveLog(cfg.JobID, n)
	fl.live.Piece = 1000000 // the service's default piece: fewer calls for a long log
	r.Printf("Following build #%d live (%s); the build's log follows as it arrives", n, budgetWords(cfg))
	fl.pumpLog(ctx)
	fl.stageEvents(res.Record)
	wr := codearts.Wait(ctx, func(ctx context.Context) (codearts.Record, error) { return fl.client.Record(ctx, res.ID) }, codearts.WaitOptions{
		Budget:   until(),
		Interval: fl.poll,
		Now:      fl.now,
		Sleep:    fl.sleep,
		// The log is read after the stage list, so it holds at least
		// the lines of every stage that list says has ended: printing it
		// first puts a stage's last lines before its "■ … FAILED" line,
		// and all of the log before the build's end.
		Progress: func(p codearts.Poll) {
			if p.Err == nil && p.Finished {
				fl.drainLog(ctx)
			} else {
				fl.pumpLog(ctx)
			}
			if p.Err == nil {
				fl.stageEvents(p.Record)
			}
		},
	})
	if wr.Seen {
		last = wr.Record
		fl.job.Status = codearts.RecordStatus(wr.Record)
	}
	incomplete := ""
	switch {
	case fl.sig.Err() != nil:
		stages, err := fl.cancelled(&last)
		return stages, "", err
	case wr.Finished:
		fl.drainLog(ctx)
		r.Printf("Build #%d has ended: %s", n, safeName(fl.job.Status))
	case ctx.Err() == nil && until() <= 0:
		fl.drainLog(ctx)
		incomplete = fmt.Sprintf("build #%d of job %s was still running when the follow ended (%s); the logs are what existed then", n, cfg.JobID, budgetWords(cfg))
	case wr.Err != nil && ctx.Err() == nil:
		// A failure that asking again cannot cure (the client's own
		// retries are behind it): the build's end was not seen.
		incomplete = fmt.Sprintf("following build #%d of job %s stopped before it ended: %s; the logs are what existed then", n, cfg.JobID, wr.Err)
	}
	return stagesOf(last, fl.secrets.Redact), incomplete, nil
}

func commitNote(commit string) string {
	if commit == "" {
		return ""
	}
	return ", commit " + commit
}

func budgetWords(cfg *config.Config) string {
	if cfg.WaitTimeout > 0 {
		return "wait-timeout " + cfg.WaitTimeout.String()
	}
	return "until it ends, at most " + strings.TrimSuffix(config.MaxFollow.String(), "0m0s")
}

// stageEvents prints each stage's start and end once, as a poll reveals
// them. Names and statuses are server text: quoted, redacted.
func (fl *follower) stageEvents(rec codearts.Record) {
	var lines []string
	for _, s := range rec.Stages {
		prev, known := fl.seen[s.Task]
		now := strings.TrimSpace(s.Status)
		if known && prev == now {
			continue
		}
		fl.seen[s.Task] = now
		wasRunning := known && !codearts.StatusNotStarted(prev) && !codearts.StatusFinished(prev)
		ref := s.Task
		if name := strings.TrimSpace(s.Name); name != "" {
			ref += " (" + name + ")"
		}
		switch {
		case codearts.StatusNotStarted(now):
		case !codearts.StatusFinished(now):
			if !wasRunning {
				lines = append(lines, fmt.Sprintf("▶ %s %s", ref, now))
			}
		default:
			d := ""
			if s.Duration > 0 {
				d = " in " + s.Duration.Round(time.Second).String()
			}
			lines = append(lines, fmt.Sprintf("■ %s %s%s", ref, now, d))
		}
	}
	if len(lines) > 0 {
		fl.out.Quote(fl.secrets.Redact(strings.Join(lines, "\n")))
	}
}

// pumpLog asks the real-time log for what is new once (has_more_data
// means "ask again", at the next poll) and prints its whole lines. It
// reports whether more is announced after a call that brought some.
func (fl *follower) pumpLog(ctx context.Context) bool {
	if fl.live == nil || fl.logOff || ctx.Err() != nil {
		return false
	}
	lctx, cancel := context.WithTimeout(ctx, liveLogTimeout)
	defer cancel()
	from := fl.live.Offset()
	lines, more, err := fl.live.Poll(lctx)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		permanent := !codearts.Transient(err)
		if !fl.logSaid {
			fl.logSaid = true
			then := "following the stages; asking again later"
			if permanent {
				then = "following the stages only"
			}
			fl.out.Printf("The build's live log is not available (%s); %s. The full logs are downloaded at the end.", errorClass(err), then)
		}
		fl.logOff = permanent
		return false
	}
	fl.printLines(lines)
	// "More" that brought nothing new is not worth waiting for once the
	// build has ended.
	return more && fl.live.Offset() > from
}

// printLines prints lines of the build's log as quoted data (Quote also
// cleans each line of control characters and escape sequences).
func (fl *follower) printLines(lines []string) {
	if len(lines) == 0 {
		return
	}
	fl.out.Quote(fl.secrets.Redact(strings.Join(lines, "\n")))
}

// maxDrain bounds the calls that fetch the rest of the live log once the
// build has ended (the full logs are downloaded anyway).
const maxDrain = 20

// drainLog fetches what the live log still holds once the build has
// ended, pausing the first poll interval between calls, and prints its
// last line even without a line break.
func (fl *follower) drainLog(ctx context.Context) {
	if fl.live == nil || fl.drained {
		return
	}
	fl.drained = true
	for i := 0; i < maxDrain && fl.pumpLog(ctx); i++ {
		if fl.sleep(ctx, fl.poll) != nil {
			return
		}
	}
	if last := fl.live.Flush(); last != "" {
		fl.printLines([]string{last})
	}
}

// cancelled handles the workflow's cancellation while following: the build
// this step started is stopped (once, with stop-on-cancel) on a context of
// its own, and the run ends with what is known.
func (fl *follower) cancelled(last *codearts.Record) ([]report.Stage, error) {
	j, cfg := fl.job, fl.cfg
	// On a terminal it was Ctrl-C (or a kill), not a workflow.
	what := "the workflow was cancelled"
	if !fl.actions {
		what = "the run was interrupted"
	}
	switch {
	case j.Started && cfg.StopOnCancel:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(fl.sig), stopTimeout)
		defer cancel()
		if err := fl.client.Stop(ctx, cfg.JobID, j.BuildNumber); err != nil {
			j.Cancelled = fmt.Sprintf("%s; stopping build #%d of job %s failed: %v", what, j.BuildNumber, cfg.JobID, err)
		} else {
			j.Status = "ABORTED"
			j.Cancelled = fmt.Sprintf("stopped on cancel: %s, and build #%d of job %s was stopped", what, j.BuildNumber, cfg.JobID)
		}
	case j.Started:
		j.Cancelled = fmt.Sprintf("%s; build #%d of job %s goes on (stop-on-cancel is false)", what, j.BuildNumber, cfg.JobID)
	default:
		j.Cancelled = fmt.Sprintf("%s; build #%d of job %s was not started by this step and goes on", what, j.BuildNumber, cfg.JobID)
	}
	fl.out.Printf("%s", j.Cancelled)
	if last == nil {
		return nil, errors.New(j.Cancelled)
	}
	// No log is downloaded after a cancel: each stage says why, instead
	// of a bare "the log was not saved".
	stages := stagesOf(*last, fl.secrets.Redact)
	for i := range stages {
		stages[i].Err = cancelError("not downloaded: " + what)
	}
	return stages, errors.New(j.Cancelled)
}

// cancelError is why a stage was not downloaded after a cancel: it is a
// context.Canceled (errors.Is), worded without Go's "context canceled".
type cancelError string

func (e cancelError) Error() string { return string(e) }
func (e cancelError) Unwrap() error { return context.Canceled }

// stagesOf lists a record's stages for the report (names and statuses
// redacted; server-chosen names that are not plain stage names dropped).
func stagesOf(rec codearts.Record, redact func(string) string) []report.Stage {
	var out []report.Stage
	for _, s := range rec.Stages {
		if _, err := config.ParseTasks(s.Task); err != nil || s.Task == "" {
			continue
		}
		s.Name, s.Status = redact(s.Name), redact(s.Status)
		out = append(out, fromAPI(s))
	}
	return out
}

// buildNumberOutput is the build-number output: empty when unknown.
func buildNumberOutput(j *report.Job) string {
	if j == nil || j.BuildNumber == 0 {
		return ""
	}
	return strconv.Itoa(j.BuildNumber)
}
