// Package retry is the one retry policy of the program's HTTP clients (the
// CodeArts API client and the artifact uploader): how long to wait before
// the next attempt (exponential backoff with jitter, at least the server's
// Retry-After), when to stop (no retry left, or the next wait would pass
// the context's deadline), and on which clock (Now and Sleep, which tests
// replace so that no test waits on a real timer).
//
// What is worth another attempt differs between the services (Huawei's
// throttling code in a 400, Twirp codes, Azure's XML errors), so each
// client passes its own Check; the loop is go-retryablehttp's.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Policy says how a request is retried. The zero value makes one attempt.
type Policy struct {
	// Max is the number of retries after the first attempt.
	Max int
	// WaitMin and WaitMax bound the exponential backoff: the wait before
	// retry n (0-based) is WaitMin·2ⁿ capped at WaitMax, with jitter.
	WaitMin, WaitMax time.Duration
	// MaxRetryAfter caps a server's Retry-After; 0 means WaitMax.
	MaxRetryAfter time.Duration
	// Now and Sleep are the clock of the waits and of the deadline check;
	// nil means the real one. Sleep must return early, with ctx's error,
	// when ctx is done. A context's deadline is on the real clock, so a
	// fake clock that is to meet one starts at time.Now().
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// OnRetry, when set, is called before each wait: op names the request,
	// attempt is the attempt that failed (1-based), err its error as the
	// Check returned it, wait the pause before the next attempt.
	OnRetry func(op string, attempt int, err error, wait time.Duration)
}

// Check is a client's decision about one attempt, with go-retryablehttp's
// CheckRetry arguments: resp is the answer (nil after a transport error),
// err the transport error or the response handler's. It returns whether
// the attempt is worth another, and the attempt's error as the client
// reports it (nil when the answer is for the caller to read). A retry
// without an error is not made.
type Check func(ctx context.Context, resp *http.Response, err error) (retry bool, _ error)

// Do sends req, named op, with retries, through hc. It returns the answer
// the Check did not retry (or nil with the error it gave up with) and how
// many attempts were made. When it gives up because the next wait would
// pass the deadline the error is a *DeadlineError; when ctx ends while
// retrying, a *StoppedError; in both the last attempt's error is kept.
func (p Policy) Do(hc *http.Client, op string, req *retryablehttp.Request, check Check) (*http.Response, int, error) {
	a := &attempts{p: p, op: op, n: 1, check: check}
	c := &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil, // the default one prints request URLs, which may be signed
		RetryMax:     max(p.Max, 0),
		CheckRetry:   a.checkRetry,
		Backoff:      a.backoff,
		PrepareRetry: a.prepareRetry,
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			if resp != nil {
				_ = resp.Body.Close()
			}
			return nil, err
		},
	}
	resp, err := c.Do(req)
	if err == nil {
		return resp, a.n, nil
	}
	if resp != nil {
		_ = resp.Body.Close()
	}
	var stopped *StoppedError
	if ctxErr := req.Context().Err(); ctxErr != nil && a.last != nil && errors.Is(err, ctxErr) && !errors.As(err, &stopped) {
		// retryablehttp's own (zero) timer saw ctx end before our Sleep
		// did: keep what the server said last.
		err = &StoppedError{Cause: ctxErr, Last: a.last}
	}
	return nil, a.n, err
}

// attempts is the state of one request across its attempts.
type attempts struct {
	p     Policy
	op    string
	check Check
	n     int           // attempts made, the current one included
	wait  time.Duration // decided by backoff for prepareRetry
	last  error         // the error of the latest retried attempt
}

// checkRetry is the CheckRetry hook. retryablehttp stops by itself when no
// retry is left, returning the error given here.
func (a *attempts) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, err := a.check(ctx, resp, err)
	if err == nil {
		return false, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		switch {
		case !errors.Is(err, ctxErr):
			return false, &StoppedError{Cause: ctxErr, Last: err}
		case a.last != nil:
			return false, &StoppedError{Cause: ctxErr, Last: a.last}
		}
		return false, err
	}
	if retry {
		a.last = err
	}
	return retry, err
}

// backoff is the Backoff hook. It decides the wait but returns none:
// retryablehttp's timer is the real clock, so the wait happens on Sleep in
// prepareRetry, after the deadline check.
func (a *attempts) backoff(_, _ time.Duration, n int, resp *http.Response) time.Duration {
	var ra string
	if resp != nil {
		ra = resp.Header.Get("Retry-After")
	}
	a.wait = a.p.Backoff(n, ra)
	return 0
}

// prepareRetry is the PrepareRetry hook, run between two attempts: it stops
// when the wait would pass ctx's deadline, else reports and waits.
func (a *attempts) prepareRetry(req *http.Request) error {
	ctx := req.Context()
	if dl, ok := ctx.Deadline(); ok && a.p.now().Add(a.wait).After(dl) {
		return &DeadlineError{Wait: a.wait, Last: a.last}
	}
	if a.p.OnRetry != nil {
		a.p.OnRetry(a.op, a.n, a.last, a.wait)
	}
	if err := a.p.sleep(ctx, a.wait); err != nil {
		cause := ctx.Err()
		if cause == nil {
			cause = err
		}
		return &StoppedError{Cause: cause, Last: a.last}
	}
	a.n++
	return nil
}

// Backoff returns the wait before retry n (0-based): WaitMin·2ⁿ capped at
// WaitMax, with jitter (between half and all of it, so that parallel
// clients spread out), and at least the Retry-After value retryAfter (seconds
// or an HTTP date; "" for none), itself capped at MaxRetryAfter.
func (p Policy) Backoff(n int, retryAfter string) time.Duration {
	wait := max(p.WaitMin, 0)
	for i := 0; i < n && wait < p.WaitMax; i++ {
		wait *= 2
	}
	wait = min(wait, max(p.WaitMax, p.WaitMin))
	if half := wait / 2; half > 0 {
		wait = half + rand.N(wait-half+1)
	}
	if d, ok := ParseRetryAfter(retryAfter, p.now()); ok {
		limit := p.MaxRetryAfter
		if limit <= 0 {
			limit = p.WaitMax
		}
		wait = max(wait, min(d, limit))
	}
	return wait
}

// maxSeconds keeps a Retry-After in seconds from overflowing a Duration.
const maxSeconds = int64(100 * 365 * 24 * time.Hour / time.Second)

// ParseRetryAfter reads a Retry-After value (RFC 9110, section 10.2.3):
// a number of seconds, or an HTTP date, which is read against now (a date
// in the past means no wait). It reports false for anything else.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, maxSeconds)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// Sleep waits d on a real timer, or until ctx is done (then it returns
// ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DeadlineError reports that the retries stopped because the next wait
// would pass the context's deadline. It wraps the last attempt's error and
// context.DeadlineExceeded.
type DeadlineError struct {
	Wait time.Duration // the wait that would have passed the deadline
	Last error
}

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("gave up: the next attempt (in %s) would pass the deadline; last error: %v", e.Wait.Round(time.Millisecond), e.Last)
}

// Unwrap gives errors.As the last attempt's error and errors.Is
// context.DeadlineExceeded.
func (e *DeadlineError) Unwrap() []error { return []error{e.Last, context.DeadlineExceeded} }

// StoppedError reports a context that ended (Cause: its error) while
// retrying, with the last attempt's error.
type StoppedError struct {
	Cause error
	Last  error
}

func (e *StoppedError) Error() string {
	return fmt.Sprintf("%v while retrying; last error: %v", e.Cause, e.Last)
}

// Unwrap gives errors.Is the context's error and errors.As the last
// attempt's.
func (e *StoppedError) Unwrap() []error { return []error{e.Cause, e.Last} }
