package codearts

import (
	"context"
	"errors"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/retry"
)

// Defaults of WaitOptions. CodeArts rate-limits full-stages per API
// (about ten calls in two minutes for one account), so polling starts at
// 5 s and backs off to 30 s.
const (
	DefaultPollInterval    = 5 * time.Second
	DefaultPollGrowth      = 1.5
	DefaultPollMaxInterval = 30 * time.Second
)

// WaitOptions configures Wait. Zero values take the documented defaults.
type WaitOptions struct {
	// Budget is how long to keep polling for the record to finish, measured
	// from the start of Wait on Now's clock. Zero or less means one poll.
	Budget time.Duration
	// Interval is the first pause between two polls (DefaultPollInterval);
	// each later pause is Growth (DefaultPollGrowth) times the one before,
	// up to MaxInterval (DefaultPollMaxInterval). The last pause is cut so
	// that the last poll happens when the budget ends.
	Interval    time.Duration
	Growth      float64
	MaxInterval time.Duration
	// Now and Sleep are the clock; nil means the real one. Sleep must
	// return early with ctx's error when ctx is done. Tests inject a fake
	// clock so that no test waits on a real timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress, when set, is called after every poll, failed or not, with
	// what it brought. It runs on Wait's goroutine.
	Progress func(Poll)
}

// Poll is the outcome of one poll of a record.
type Poll struct {
	N        int           // 1 for the first poll
	Record   Record        // the record as this poll saw it; zero when Err is set
	Err      error         // this poll's error (after the client's own retries)
	Finished bool          // the record this poll saw has finished
	Left     time.Duration // budget left after this poll (0 or less: the budget is spent)
}

// WaitResult is what Wait ends with.
type WaitResult struct {
	// Record is the last record seen (the last poll that answered); Seen
	// is false when no poll answered.
	Record Record
	Seen   bool
	// Finished reports whether Record has finished.
	Finished bool
	// Err is the error of the last poll, nil when it answered. When Seen
	// is true a non-nil Err means the record's last state is older than
	// the end of the wait.
	Err error
	// Polls is how many polls were made.
	Polls int
}

// Fetch reads a record once; Client.Record is one.
type Fetch func(ctx context.Context) (Record, error)

// WaitRecord polls the record's full-stages until it has finished or the
// budget is spent; see Wait.
func (c *Client) WaitRecord(ctx context.Context, recordID string, o WaitOptions) WaitResult {
	return Wait(ctx, func(ctx context.Context) (Record, error) { return c.Record(ctx, recordID) }, o)
}

// Wait calls fetch until the record has finished, the budget is spent, ctx
// is done or fetch fails with an error that asking again cannot cure. A
// transient failure (5xx, throttling, a reset or any error the client
// itself retries) never ends the wait early: the next poll comes after the
// usual pause, and the record seen last is kept. A permanent failure
// (authentication refused, record not found, a malformed answer) ends it
// at once. Each poll runs under ctx: the caller bounds how long one poll
// may take.
func Wait(ctx context.Context, fetch Fetch, o WaitOptions) WaitResult {
	o = o.normalized()
	end := o.Now().Add(o.Budget)
	interval := o.Interval
	var res WaitResult
	for {
		rec, err := fetch(ctx)
		res.Polls++
		res.Err = err
		if err == nil {
			res.Record, res.Seen, res.Finished = rec, true, rec.Finished()
		}
		left := end.Sub(o.Now())
		if o.Progress != nil {
			o.Progress(Poll{N: res.Polls, Record: rec, Err: err, Finished: err == nil && res.Finished, Left: left})
		}
		switch {
		case err == nil && res.Finished,
			err != nil && !Transient(err),
			ctx.Err() != nil,
			left <= 0:
			return res
		}
		if err := o.Sleep(ctx, min(interval, left)); err != nil {
			if res.Err == nil {
				res.Err = err
			}
			return res
		}
		interval = min(time.Duration(float64(interval)*o.Growth), o.MaxInterval)
	}
}

func (o WaitOptions) normalized() WaitOptions {
	if o.Interval <= 0 {
		o.Interval = DefaultPollInterval
	}
	if o.Growth < 1 {
		o.Growth = DefaultPollGrowth
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = DefaultPollMaxInterval
	}
	o.MaxInterval = max(o.MaxInterval, o.Interval)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = retry.Sleep
	}
	return o
}

// Transient reports whether err, returned by a Client call after its own
// retries, may go away when the call is made again later: the kinds the
// client retries (transport errors, truncated or reset bodies, 429, 5xx
// except 501, throttling codes), also when the client gave up on them
// because the deadline was near. Authentication refusals, 4xx answers,
// malformed answers, a host that does not exist and a cancelled or expired
// context are not transient.
func Transient(err error) bool {
	if err == nil || IsAuthError(err) {
		return false
	}
	var host *hostNotFoundError
	if errors.As(err, &host) {
		return false
	}
	var dl *retry.DeadlineError
	if errors.As(err, &dl) {
		// The client stopped early because of the deadline; what it met
		// decides.
		return Transient(dl.Last)
	}
	var stopped *retry.StoppedError
	if errors.As(err, &stopped) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return retryable(context.Background(), err)
}
