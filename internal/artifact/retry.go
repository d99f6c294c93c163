package artifact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/codearts-tools/codearts-logs/internal/retry"
)

// retrier sends the requests of one upload with retries, so that OnRetry
// and the final error can say which request failed and why.
type retrier struct {
	http   *http.Client
	policy retry.Policy
	text   *cleaner // cleans and scrubs the service's text
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
		policy: retry.Policy{
			Max:     max(o.RetryMax, 0),
			WaitMin: o.RetryWaitMin,
			WaitMax: o.RetryWaitMax,
			Now:     o.Now,
			Sleep:   o.Sleep,
			OnRetry: o.OnRetry,
		},
		text: text,
	}
}

// do sends req, named op, with retries. A transport error or an answer
// that is retried, then given up on, is returned as a *retryError naming
// op; any other answer is returned for the caller to read. Errors never
// contain the request's URL.
func (r *retrier) do(op string, req *retryablehttp.Request, answerErr func(resp *http.Response, body []byte) error) (*http.Response, error) {
	var retried bool // whether the last attempt was worth another
	resp, n, err := r.policy.Do(r.http, op, req, func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, err := r.check(ctx, op, resp, err, answerErr)
		retried = retry
		return retry, err
	})
	if err == nil {
		return resp, nil
	}
	var dl *retry.DeadlineError
	var stopped *retry.StoppedError
	switch {
	case errors.As(err, &dl):
		return nil, &retryError{last: dl.Last, attempts: n, stop: context.DeadlineExceeded, wait: dl.Wait}
	case errors.As(err, &stopped):
		// Cancelled (or past the deadline) while waiting to retry: what
		// the service said last is the cause worth reporting.
		return nil, &retryError{last: stopped.Last, attempts: n, stop: stopped.Cause}
	case retried:
		// No retry left.
		return nil, &retryError{last: err, attempts: n}
	}
	return nil, err
}

// check is the retry.Check of the artifact requests. It retries transport
// errors, truncated answers, 429 and 5xx except 501 (go-retryablehttp's
// default policy), unless the answer says the storage quota is exhausted.
// A retried answer's error is made by answerErr from its status and body,
// which it peeks at and puts back.
func (r *retrier) check(ctx context.Context, op string, resp *http.Response, err error, answerErr func(resp *http.Response, body []byte) error) (bool, error) {
	retry, _ := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if err != nil {
		return retry, fmt.Errorf("%s: %w", op, r.text.err(stripURL(err)))
	}
	if !retry || resp == nil {
		return false, nil
	}
	// Peek at the body of a retryable status for a usage message, and
	// put it back for whoever reads the answer.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if isUsageMessage(string(body)) {
		return false, nil
	}
	return true, answerErr(resp, body)
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

// stripURL removes the request URL that net/http puts in its errors: the
// signed upload URL must not reach a log.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
