package app

// Job mode: from a job (and a build number, or a build this step starts)
// to its record, following the build live while it runs.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// stopTimeout bounds the stop request sent when the workflow is cancelled:
// the runner kills the container a few seconds after its signal.
const stopTimeout = 3 * time.Second

// liveLogTimeout bounds one real-time-log call, so that a slow log never
// holds back the stages' progress.
const liveLogTimeout = 30 * time.Second

// follower follows one build of a job.
type follower struct {
	cfg    *config.Config
	client *codearts.Client
	r      *ghaction.Runner
	redact func(string) string
	run    *report.Run
	poll   time.Duration // first pause between polls
	// now and sleep are the clock of every wait (Env.Now, Env.Sleep).
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	// sig is the program's context: done when the workflow is cancelled
	// (SIGINT/SIGTERM), unlike the run's deadline.
	sig context.Context

	job  *report.Job
	live *codearts.LiveLog
	// logOff is set once the live log failed for good; logSaid once its
	// failure was reported (it is reported once).
	logOff, logSaid bool
	seen            map[string]string // stage → last status printed
}

// followBudget is how long job mode follows a build: wait-timeout, or when
// it is 0 until the build ends, within GitHub's job limit.
func followBudget(cfg *config.Config) time.Duration {
	if cfg.WaitTimeout > 0 {
		return cfg.WaitTimeout
	}
	return config.MaxFollow
}

// followJob finds the build's record and follows the build until it ends
// or the budget is spent, printing each stage's start and end and the
// build's own log as they come. It fills run.Job and run.RecordID (and the
// record ID into cfg), or run.Fatal when there is no record to fetch logs
// from; it returns the stages last seen, for a run that stops there.
func followJob(sig, ctx context.Context, cfg *config.Config, client *codearts.Client, r *ghaction.Runner, run *report.Run, env Env, redact func(string) string) []report.Stage {
	poll := env.PollInterval
	if poll <= 0 {
		poll = codearts.DefaultPollInterval
	}
	f := &follower{cfg: cfg, client: client, r: r, redact: redact, run: run, poll: poll, sig: sig,
		now: env.Now, sleep: env.Sleep,
		job: &report.Job{ID: cfg.JobID, BuildNumber: cfg.BuildNumber}, seen: map[string]string{}}
	if f.now == nil {
		f.now = time.Now
	}
	if f.sleep == nil {
		f.sleep = realSleep
	}
	run.Job = f.job
	budget := followBudget(cfg)
	deadline := f.now().Add(budget)
	until := func() time.Duration { return deadline.Sub(f.now()) }

	// 1. Which build.
	switch {
	case cfg.RunBuild:
		params := make([]codearts.Parameter, len(cfg.Parameters))
		for i, p := range cfg.Parameters {
			params[i] = codearts.Parameter{Name: p.Name, Value: p.Value}
		}
		r.Printf("Starting a build of job %s (%d parameter(s)%s)", cfg.JobID, len(params), commitNote(cfg.Commit))
		started, err := client.Execute(ctx, cfg.JobID, codearts.ExecuteOptions{Parameters: params, Commit: cfg.Commit})
		if err != nil {
			run.Fatal = fmt.Errorf("cannot start a build of job %s (POST execute): %w", cfg.JobID, err)
			if codearts.IsAuthError(err) {
				run.Fatal = authError(cfg, err)
			}
			return nil
		}
		f.job.BuildNumber, f.job.Started = started.BuildNumber, true
		r.Printf("Started build #%d of job %s", started.BuildNumber, cfg.JobID)
	case cfg.BuildNumber == 0:
		st, err := client.RunningStatus(ctx, cfg.JobID)
		if err != nil {
			run.Fatal = fmt.Errorf("cannot find the latest build of job %s (GET running-status): %w", cfg.JobID, err)
			if codearts.IsAuthError(err) {
				run.Fatal = authError(cfg, err)
			}
			return nil
		}
		if st.LastBuildNumber == 0 {
			run.Fatal = fmt.Errorf("job %s has no build yet: start one with run-build: true, or give build-number", cfg.JobID)
			return nil
		}
		f.job.BuildNumber = st.LastBuildNumber
		r.Printf("Job %s: its latest build is #%d", cfg.JobID, st.LastBuildNumber)
	}
	n := f.job.BuildNumber

	// 2. Its record. A build just started has none for a while: ask within
	// the budget. A number the user gave that has none after about a
	// minute is a mistake, not something to wait six hours for.
	lookup := until()
	if !f.job.Started {
		lookup = min(lookup, 12*poll) // 5 s backing off to 30 s: about a minute
	}
	res, err := f.awaitRecord(ctx, n, lookup)
	if err != nil {
		switch {
		case sig.Err() != nil:
			f.cancelled(nil)
		case codearts.IsAuthError(err):
			run.Fatal = authError(cfg, err)
		default:
			run.Fatal = fmt.Errorf("build #%d of job %s: no record found (GET record-info): %w", n, cfg.JobID, err)
		}
		return nil
	}
	cfg.SetRecordID(res.ID)
	run.RecordID = res.ID
	r.Printf("Build #%d of job %s is record %s (record-info's %s)", n, cfg.JobID, res.ID, res.Field)
	f.job.Status = finalStatus(res.Record)
	last := res.Record

	// 3. Follow it while it runs.
	if res.Record.Finished() {
		f.stageEvents(res.Record)
	} else {
		f.live = client.NewLiveLog(cfg.JobID, n)
		f.live.Piece = 1000000 // the service's default piece: fewer calls for a long log
		r.Printf("Following build #%d live (%s); the build's log follows as it arrives", n, budgetWords(cfg))
		f.stageEvents(res.Record)
		f.pumpLog(ctx)
		wr := codearts.Wait(ctx, func(ctx context.Context) (codearts.Record, error) { return client.Record(ctx, res.ID) }, codearts.WaitOptions{
			Budget:   until(),
			Interval: poll,
			Now:      f.now,
			Sleep:    f.sleep,
			Progress: func(p codearts.Poll) {
				if p.Err == nil {
					f.stageEvents(p.Record)
				}
				f.pumpLog(ctx)
			},
		})
		if wr.Seen {
			last = wr.Record
			f.job.Status = finalStatus(wr.Record)
		}
		switch {
		case sig.Err() != nil:
			return f.cancelled(&last)
		case wr.Finished:
			f.drainLog(ctx)
			r.Printf("Build #%d has ended: %s", n, safeName(f.job.Status))
		case ctx.Err() == nil && until() <= 0:
			f.drainLog(ctx)
			run.Incomplete = fmt.Sprintf("build #%d of job %s was still running when the follow ended (%s); the logs are what existed then", n, cfg.JobID, budgetWords(cfg))
		case wr.Err != nil && ctx.Err() == nil:
			// A failure that asking again cannot cure (the client's own
			// retries are behind it): the build's end was not seen.
			run.Incomplete = fmt.Sprintf("following build #%d of job %s stopped before it ended: %s; the logs are what existed then", n, cfg.JobID, wr.Err)
		}
	}
	return stagesOf(last, redact)
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

// awaitRecord asks record-info (then full-stages, to tell which ID is the
// record's) until the build has a record or within is spent. Asking again
// starts after poll and backs off to 30 s, as the wait does; the client
// itself retries throttled and failed calls, honouring Retry-After.
func (f *follower) awaitRecord(ctx context.Context, n int, within time.Duration) (codearts.ResolvedRecord, error) {
	end := f.now().Add(within)
	interval := f.poll
	for tries := 1; ; tries++ {
		info, err := f.client.RecordInfo(ctx, f.cfg.JobID, n)
		if err == nil {
			var res codearts.ResolvedRecord
			if res, err = f.client.ResolveRecord(ctx, info); err == nil {
				return res, nil
			}
		}
		left := end.Sub(f.now())
		switch {
		case ctx.Err() != nil:
			return codearts.ResolvedRecord{}, err
		case !notYet(err):
			return codearts.ResolvedRecord{}, err
		case left <= 0:
			return codearts.ResolvedRecord{}, fmt.Errorf("still none after %d tries in %s: %w", tries, within.Round(time.Second), err)
		}
		if tries == 1 {
			f.r.Printf("Build #%d has no record yet (%s); asking again", n, errorClass(err))
		}
		if f.sleep(ctx, min(interval, left)) != nil {
			return codearts.ResolvedRecord{}, err
		}
		interval = min(interval*3/2, codearts.DefaultPollMaxInterval)
	}
}

// notYet reports whether a record-info or full-stages failure may mean
// that the build has no record yet: an answer saying so (404, an error
// body), or a transient failure. An authentication refusal is not.
func notYet(err error) bool {
	if codearts.IsAuthError(err) {
		return false
	}
	var apiErr *codearts.APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status/100 == 2 || apiErr.Status == http.StatusBadRequest) {
		return true
	}
	return codearts.Transient(err)
}

// finalStatus is the record's status as a whole: its final entry's, else
// RUNNING while it has not finished.
func finalStatus(rec codearts.Record) string {
	for _, s := range rec.All {
		if s.Task == "final" && strings.TrimSpace(s.Status) != "" && codearts.StatusFinished(s.Status) {
			return strings.TrimSpace(s.Status)
		}
	}
	if rec.Finished() {
		for _, s := range rec.Stages {
			if codearts.StatusFailed(s.Status) {
				return strings.TrimSpace(s.Status)
			}
		}
		return "SUCCESS"
	}
	return "RUNNING"
}

// notStarted reports a stage status that means the stage has not begun.
func notStarted(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "", "INIT", "PENDING", "QUEUED", "WAITING", "SCHEDULING":
		return true
	}
	return false
}

// stageEvents prints each stage's start and end once, as a poll reveals
// them. Names and statuses are server text: quoted, redacted.
func (f *follower) stageEvents(rec codearts.Record) {
	var lines []string
	for _, s := range rec.Stages {
		prev, known := f.seen[s.Task]
		now := strings.TrimSpace(s.Status)
		if known && prev == now {
			continue
		}
		f.seen[s.Task] = now
		wasRunning := known && !notStarted(prev) && !codearts.StatusFinished(prev)
		ref := s.Task
		if name := strings.TrimSpace(s.Name); name != "" {
			ref += " (" + name + ")"
		}
		switch {
		case notStarted(now):
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
		f.r.Quote(f.redact(strings.Join(lines, "\n")))
	}
}

// pumpLog asks the real-time log for what is new once (has_more_data
// means "ask again", at the next poll) and prints its whole lines. It
// reports whether more is announced after a call that brought some.
func (f *follower) pumpLog(ctx context.Context) bool {
	if f.live == nil || f.logOff || ctx.Err() != nil {
		return false
	}
	lctx, cancel := context.WithTimeout(ctx, liveLogTimeout)
	defer cancel()
	from := f.live.Offset()
	lines, more, err := f.live.Poll(lctx)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		permanent := !codearts.Transient(err)
		if !f.logSaid {
			f.logSaid = true
			then := "following the stages; asking again later"
			if permanent {
				then = "following the stages only"
			}
			f.r.Printf("The build's live log is not available (%s); %s. The full logs are downloaded at the end.", errorClass(err), then)
		}
		f.logOff = permanent
		return false
	}
	f.printLines(lines)
	// "More" that brought nothing new is not worth waiting for once the
	// build has ended.
	return more && f.live.Offset() > from
}

// printLines prints lines of the build's log as quoted data (Quote also
// cleans each line of control characters and escape sequences).
func (f *follower) printLines(lines []string) {
	if len(lines) == 0 {
		return
	}
	f.r.Quote(f.redact(strings.Join(lines, "\n")))
}

// maxDrain bounds the calls that fetch the rest of the live log once the
// build has ended (the full logs are downloaded anyway).
const maxDrain = 20

// drainLog fetches what the live log still holds once the build has
// ended, pausing the first poll interval between calls, and prints its
// last line even without a line break.
func (f *follower) drainLog(ctx context.Context) {
	if f.live == nil {
		return
	}
	for i := 0; i < maxDrain && f.pumpLog(ctx); i++ {
		if f.sleep(ctx, f.poll) != nil {
			return
		}
	}
	if last := f.live.Flush(); last != "" {
		f.printLines([]string{last})
	}
}

// cancelled handles the workflow's cancellation while following: the build
// this step started is stopped (once, with stop-on-cancel) on a context of
// its own, and the run ends with what is known.
func (f *follower) cancelled(last *codearts.Record) []report.Stage {
	j, cfg := f.job, f.cfg
	switch {
	case j.Started && cfg.StopOnCancel:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(f.sig), stopTimeout)
		defer cancel()
		if err := f.client.Stop(ctx, cfg.JobID, j.BuildNumber); err != nil {
			j.Cancelled = fmt.Sprintf("the workflow was cancelled; stopping build #%d of job %s failed: %v", j.BuildNumber, cfg.JobID, err)
		} else {
			j.Status = "ABORTED"
			j.Cancelled = fmt.Sprintf("stopped on cancel: the workflow was cancelled, and build #%d of job %s was stopped", j.BuildNumber, cfg.JobID)
		}
	case j.Started:
		j.Cancelled = fmt.Sprintf("the workflow was cancelled; build #%d of job %s goes on (stop-on-cancel is false)", j.BuildNumber, cfg.JobID)
	default:
		j.Cancelled = fmt.Sprintf("the workflow was cancelled; build #%d of job %s was not started by this step and goes on", j.BuildNumber, cfg.JobID)
	}
	f.r.Printf("%s", j.Cancelled)
	f.run.Fatal = errors.New(j.Cancelled)
	if last == nil {
		return nil
	}
	return stagesOf(*last, f.redact)
}

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

// realSleep waits d on a real timer, or until ctx is done.
func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
