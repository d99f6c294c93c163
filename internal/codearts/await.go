package codearts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/retry"
)

// AwaitOptions configures AwaitRecord.
type AwaitOptions struct {
	// Within bounds the asking, on Now's clock; 0 or less asks once.
	Within time.Duration
	// Interval is the first pause between two tries (DefaultPollInterval);
	// each later one is half as long again, up to DefaultPollMaxInterval.
	Interval time.Duration
	// Now and Sleep are the clock, as in WaitOptions; nil is the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// NotYet, when set, is called once, after the first try that found no
	// record, with its error.
	NotYet func(err error)
}

// AwaitRecord asks record-info (then full-stages, to tell which ID is the
// record's: ResolveRecord) until build n of the job has a record, or
// Within is spent. A build just started has none for a while. The client
// itself retries throttled and failed calls, honouring Retry-After; this
// asks again only while the answer may mean "no record yet".
func (c *Client) AwaitRecord(ctx context.Context, jobID string, n int, o AwaitOptions) (ResolvedRecord, error) {
	o.Now, o.Sleep = orClock(o.Now, o.Sleep)
	if o.Interval <= 0 {
		o.Interval = DefaultPollInterval
	}
	end := o.Now().Add(o.Within)
	interval := o.Interval
	for tries := 1; ; tries++ {
		info, err := c.RecordInfo(ctx, jobID, n)
		if err == nil {
			var res ResolvedRecord
			if res, err = c.ResolveRecord(ctx, info); err == nil {
				return res, nil
			}
		}
		left := end.Sub(o.Now())
		switch {
		case ctx.Err() != nil:
			return ResolvedRecord{}, err
		case !noRecordYet(err):
			return ResolvedRecord{}, err
		case left <= 0:
			return ResolvedRecord{}, fmt.Errorf("still none after %d tries in %s: %w", tries, o.Within.Round(time.Second), err)
		}
		if tries == 1 && o.NotYet != nil {
			o.NotYet(err)
		}
		if o.Sleep(ctx, min(interval, left)) != nil {
			return ResolvedRecord{}, err
		}
		interval = min(interval*3/2, DefaultPollMaxInterval)
	}
}

// noRecordYet reports whether a record-info or full-stages failure may
// mean that the build has no record yet: an answer saying so (404, an
// error body), or a transient failure. An authentication refusal is not.
func noRecordYet(err error) bool {
	if IsAuthError(err) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status/100 == 2 || apiErr.Status == http.StatusBadRequest) {
		return true
	}
	return Transient(err)
}

// orClock fills in the real clock for a nil Now or Sleep.
func orClock(now func() time.Time, sleepFn func(context.Context, time.Duration) error) (func() time.Time, func(context.Context, time.Duration) error) {
	if now == nil {
		now = time.Now
	}
	if sleepFn == nil {
		sleepFn = retry.Sleep
	}
	return now, sleepFn
}

// RecordStatus is the record's status as a whole: its final entry's, else
// RUNNING while it has not finished (or the first failed stage's, or
// SUCCESS, once every stage has).
func RecordStatus(rec Record) string {
	for _, s := range rec.All {
		if s.Task == "final" && strings.TrimSpace(s.Status) != "" && StatusFinished(s.Status) {
			return strings.TrimSpace(s.Status)
		}
	}
	if rec.Finished() {
		for _, s := range rec.Stages {
			if StatusFailed(s.Status) {
				return strings.TrimSpace(s.Status)
			}
		}
		return "SUCCESS"
	}
	return "RUNNING"
}

// StatusNotStarted reports a stage status that means the stage has not
// begun.
func StatusNotStarted(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "", "INIT", "PENDING", "QUEUED", "WAITING", "SCHEDULING":
		return true
	}
	return false
}
