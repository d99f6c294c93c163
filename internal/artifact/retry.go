package artifact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retrier sends the requests of one upload with retries, so that OnRetry
// and the final error can say which request failed and why.
type retrier struct {
	http             *http.Client
	waitMin, waitMax time.Duration
	retryMax         int
	now              func() time.Time
	onRetry          func(op string, attempt int, err error, wait time.Duration)
	text             *cleaner // cleans and scrubs the service's text
}

// newRetrier shares one HTTP client without a logger (the default one
// prints URLs) that follows no redirect, so no credential leaves the host
// it was meant for.
func newRetrier(o *Options, text *cleaner) *retrier {
	return &retrier{
		http: &http.Client{
			Transport: o.Transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		waitMin:  o.RetryWaitMin,
		waitMax:  o.RetryWaitMax,
		retryMax: max(o.RetryMax, 0),
		now:      o.Now,
		onRetry:  o.OnRetry,
		text:     text,
	}
}

// attempts is the state of one request across its attempts.
type attempts struct {
	r    *retrier
	op   string
	n    int           // attempts made, the current one included
	wait time.Duration // decided by checkRetry for Backoff
	last error         // why the latest attempt failed
	// answerErr turns a failed answer (its status and body) into an error.
	answerErr func(resp *http.Response, body []byte) error
	// gaveUp is the decision to stop at attempt gaveUpAt: retryablehttp
	// asks again about the same attempt after its response handler ran.
	gaveUp   error
	gaveUpAt int
}

// do sends req, named op, with retries. A transport error or an answer
// that is retried, then given up on, is returned as a *retryError naming
// op; any other answer is returned for the caller to read. Errors never
// contain the request's URL.
func (r *retrier) do(op string, req *retryablehttp.Request, answerErr func(resp *http.Response, body []byte) error) (*http.Response, error) {
	a := &attempts{r: r, op: op, n: 1, answerErr: answerErr}
	c := &retryablehttp.Client{
		HTTPClient:   r.http,
		Logger:       nil,
		RetryWaitMin: r.waitMin,
		RetryWaitMax: r.waitMax,
		// checkRetry decides when to stop; this bound is only a backstop.
		RetryMax:   r.retryMax + 1,
		CheckRetry: a.checkRetry,
		Backoff: func(time.Duration, time.Duration, int, *http.Response) time.Duration {
			return a.wait
		},
		PrepareRetry: func(*http.Request) error {
			a.n++
			return nil
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	resp, err := c.Do(req)
	if err == nil {
		return resp, nil
	}
	if resp != nil {
		resp.Body.Close()
	}
	var re *retryError
	switch {
	case errors.As(err, &re):
		return nil, err
	case a.last != nil && req.Context().Err() != nil:
		// Cancelled (or past the deadline) while waiting to retry: what
		// the service said last is the cause worth reporting.
		return nil, &retryError{last: a.last, attempts: a.n, stop: req.Context().Err()}
	}
	return nil, fmt.Errorf("%s: %w", op, r.text.err(stripURL(err)))
}

// checkRetry is the CheckRetry policy. It retries transport errors,
// truncated answers, 429 and 5xx except 501, unless the answer says the
// storage quota is exhausted; it gives up when no retry is left or when
// the wait before the next attempt would pass the context's deadline.
func (a *attempts) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if a.gaveUp != nil && a.gaveUpAt == a.n {
		return false, a.gaveUp
	}
	retry, err := a.decide(ctx, resp, err)
	if !retry && err != nil {
		a.gaveUp, a.gaveUpAt = err, a.n
	}
	return retry, err
}

func (a *attempts) decide(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if a.last != nil {
			return false, &retryError{last: a.last, attempts: a.n, stop: ctxErr}
		}
		return false, ctxErr
	}
	retry, body, cerr := checkRetry(ctx, resp, err)
	if !retry {
		return false, cerr
	}
	if err != nil || resp == nil {
		a.last = fmt.Errorf("%s: %w", a.op, a.r.text.err(stripURL(err)))
	} else {
		a.last = a.answerErr(resp, body)
	}
	if a.n > a.r.retryMax {
		return false, &retryError{last: a.last, attempts: a.n}
	}
	now := a.r.now()
	wait := backoff(a.r.waitMin, a.r.waitMax, a.n-1, resp, now)
	if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
		return false, &retryError{last: a.last, attempts: a.n, stop: context.DeadlineExceeded, wait: wait}
	}
	a.wait = wait
	if a.r.onRetry != nil {
		a.r.onRetry(a.op, a.n, a.last, wait)
	}
	return true, nil
}

// checkRetry is the retry decision for one attempt. It returns the body of
// a retried answer, which it peeked at.
func checkRetry(ctx context.Context, resp *http.Response, err error) (retry bool, body []byte, _ error) {
	retry, cerr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if !retry || cerr != nil || err != nil || resp == nil {
		return retry, nil, cerr
	}
	// Peek at the body of a retryable status for a usage message, and
	// put it back for whoever reads the answer.
	body, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return !isUsageMessage(string(body)), body, nil
}

// retryError reports a request given up on: the error of its last attempt
// (an *Error for an answer), how many attempts were made, and what stopped
// the retries when it was not their number (context.DeadlineExceeded when
// the next wait would pass the deadline, or the context's error).
type retryError struct {
	last     error
	attempts int
	stop     error
	wait     time.Duration // the wait that would have passed the deadline
}

func (e *retryError) Error() string {
	n := fmt.Sprintf("%d attempts", e.attempts)
	if e.attempts == 1 {
		n = "1 attempt"
	}
	switch {
	case e.wait > 0:
		return fmt.Sprintf("%v (%s; the next retry would pass the deadline)", e.last, n)
	case errors.Is(e.stop, context.DeadlineExceeded):
		return fmt.Sprintf("%v (%s; then the deadline passed)", e.last, n)
	case e.stop != nil:
		return fmt.Sprintf("%v (%s; then %v)", e.last, n, e.stop)
	}
	return fmt.Sprintf("%v (%s)", e.last, n)
}

// Unwrap gives errors.As the last attempt's *Error and errors.Is the
// context's error.
func (e *retryError) Unwrap() []error {
	if e.stop == nil {
		return []error{e.last}
	}
	return []error{e.last, e.stop}
}

// backoff waits min·2^n with jitter, capped at max; a Retry-After on 429 or
// 503 is honoured but capped at max too.
func backoff(minWait, maxWait time.Duration, n int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			return min(d, maxWait)
		}
	}
	d := minWait << min(n, 30)
	if d <= 0 || d > maxWait {
		d = maxWait
	}
	// Between d/2 and d, so that parallel clients spread out.
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(half+1))
	}
	return d
}

// retryAfter parses a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// stripURL removes the request URL that net/http puts in its errors: the
// signed upload URL must not reach a log.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
