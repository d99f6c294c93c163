package app

// Which stages to fetch, and waiting for a running record.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/download"
	"github.com/codearts-tools/codearts-logs/internal/ghaction"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

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
