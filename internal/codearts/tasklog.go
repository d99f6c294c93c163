package codearts

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// TaskLog downloads one stage's log (GET {endpoint}/v4/{record_id}/task-log
// ?task_name=&log_level=; the level is sent upper-cased, and an empty level
// is left to the server's default, INFO).
//
// sink is called once per attempt with the response body, decompressed when
// the server sent gzip or x-gzip (the client asks for gzip; a body in any
// other Content-Encoding is an error, retried, and never reaches sink). It must start from scratch on each call (truncate its
// file, reset its scanner) and should read body to io.EOF; whatever it leaves
// unread is read and discarded, so that a truncated body is still detected.
// If reading the body fails (short body versus Content-Length, unexpected
// EOF, connection reset, corrupt gzip, stall) the attempt is retried; if sink
// fails for its own reasons (disk full) the error is returned at once,
// wrapped. TaskLog returns the number of attempts made.
func (c *Client) TaskLog(ctx context.Context, recordID, task, level string, sink func(body io.Reader) error) (attempts int, err error) {
	q := url.Values{"task_name": {task}}
	if level != "" {
		q.Set("log_level", strings.ToUpper(level))
	}
	u := c.url(q, "v4", recordID, "task-log")
	return c.do(ctx, "task-log "+task, u, func(resp *http.Response) error {
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 || isJSON(resp.Header.Get("Content-Type")) {
			// Huawei's Terraform provider also reads a JSON 200 as an error.
			return c.newAPIError(resp)
		}
		return deliver(resp, sink)
	})
}

// deliver streams a successful body to sink and classifies the outcome: a
// read failure is a *bodyError (retried), a sink failure a *sinkError.
func deliver(resp *http.Response, sink func(io.Reader) error) error {
	tracked := &trackingReader{r: resp.Body}
	err := sink(tracked)
	if tracked.err != nil {
		return &bodyError{err: tracked.err}
	}
	if err != nil {
		return &sinkError{err: err}
	}
	// Whatever the sink left must still arrive whole.
	if _, err := io.Copy(io.Discard, tracked); err != nil {
		return &bodyError{err: err}
	}
	return nil
}

// trackingReader remembers the first read error other than io.EOF, so that a
// failing body can be told apart from a failing sink.
type trackingReader struct {
	r   io.Reader
	err error
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && t.err == nil {
		t.err = err
	}
	return n, err
}
