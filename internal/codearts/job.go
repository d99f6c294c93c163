package codearts

// Jobs and builds: start a build, find a job's latest build, a build's
// record, stop a build. See Huawei's CodeArts Build API reference
// (https://support.huaweicloud.com/api-codeci/) for the operations.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxJobBody caps the size of a job, build or stop answer.
const maxJobBody = 1 << 20

// Parameter is one build parameter of a started build.
type Parameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ExecuteOptions are what a started build receives besides its job.
type ExecuteOptions struct {
	Parameters []Parameter // sent as "parameter" when not empty
	Commit     string      // sent as scm.build_commit_id when not empty
}

// Started is the answer to starting a build.
type Started struct {
	BuildNumber      int    // actual_build_number
	DailyBuildNumber string // daily_build_number, e.g. "20200612.20" (server text)
}

// Execute starts a build of the job (POST {endpoint}/v1/job/execute).
//
// It is not retried blindly, since a repeated start can start two builds:
// it is retried only when the request surely did not reach the server (the
// connection was refused, the name did not resolve). Any other failure is
// returned at once; a transport failure then wraps a *NotRetriedError, which
// says that a build may have started.
func (c *Client) Execute(ctx context.Context, jobID string, o ExecuteOptions) (Started, error) {
	req := struct {
		JobID     string      `json:"job_id"`
		Parameter []Parameter `json:"parameter,omitempty"`
		SCM       *struct {
			BuildCommitID string `json:"build_commit_id"`
		} `json:"scm,omitempty"`
	}{JobID: jobID, Parameter: o.Parameters}
	if o.Commit != "" {
		req.SCM = &struct {
			BuildCommitID string `json:"build_commit_id"`
		}{o.Commit}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Started{}, fmt.Errorf("execute: %w", err)
	}
	var out Started
	u := c.url(nil, "v1", "job", "execute")
	_, err = c.post(ctx, "execute", u, body, func(resp *http.Response) error {
		var doc struct {
			answerHead
			ActualBuildNumber flexString       `json:"actual_build_number"`
			DailyBuildNumber  flexString       `json:"daily_build_number"`
			Result            *json.RawMessage `json:"result"`
		}
		data, err := c.decodeAnswer(resp, "execute", &doc)
		if err != nil {
			return err
		}
		num, daily := doc.ActualBuildNumber, doc.DailyBuildNumber
		if num == "" && doc.Result != nil {
			// Huawei's Terraform provider reads the same fields under result.
			var inner struct {
				ActualBuildNumber flexString `json:"actual_build_number"`
				DailyBuildNumber  flexString `json:"daily_build_number"`
			}
			if json.Unmarshal(*doc.Result, &inner) == nil {
				num, daily = inner.ActualBuildNumber, inner.DailyBuildNumber
			}
		}
		n, ok := buildNumber(string(num))
		if !ok {
			e := &APIError{Status: resp.StatusCode, Message: "unexpected execute response: no build number (actual_build_number); a build may have started: " + c.clean(string(data), 200)}
			return c.withRequestID(e, resp)
		}
		out = Started{BuildNumber: n, DailyBuildNumber: c.clean(string(daily), 60)}
		return nil
	})
	if err != nil {
		return Started{}, err
	}
	return out, nil
}

// JobStatus is a job's latest build (running-status).
type JobStatus struct {
	Running         bool   // is_running
	LastBuildNumber int    // last_build_no; 0 when the job never ran
	LastStatus      string // last_build_status (server text)
}

// runningStatusResult is the "result" of a running-status answer.
type runningStatusResult struct {
	IsRunning       flexBool   `json:"is_running"`
	LastBuildNo     flexString `json:"last_build_no"`
	LastBuildStatus flexString `json:"last_build_status"`
}

// RunningStatus returns the job's latest build
// (GET {endpoint}/v1/job/{job_id}/running-status).
func (c *Client) RunningStatus(ctx context.Context, jobID string) (JobStatus, error) {
	var out JobStatus
	u := c.url(nil, "v1", "job", jobID, "running-status")
	_, err := c.do(ctx, "running-status", u, func(resp *http.Response) error {
		r, data, err := decodeResult[runningStatusResult](c, resp, "running-status")
		if err != nil {
			return err
		}
		n, ok := buildNumber(string(r.LastBuildNo))
		if !ok && strings.TrimSpace(string(r.LastBuildNo)) != "" {
			return c.unexpected(resp, "running-status", data)
		}
		out = JobStatus{Running: bool(r.IsRunning), LastBuildNumber: n, LastStatus: c.clean(string(r.LastBuildStatus), 60)}
		return nil
	})
	if err != nil {
		return JobStatus{}, err
	}
	return out, nil
}

// BuildInfo is one build's record-info. Every text field is server text.
type BuildInfo struct {
	ID            string // result.id
	BuildRecordID string // result.build_record_id
	BuildNumber   int    // result.build_no (a string or a number on the wire)
	Status        string // SUCCESS, FAILED, ABORTED, RUNNING, "" (not started), ...
	Branch        string
	Commit        string
	TriggerType   string
	Start         string
	Finish        string
	Duration      time.Duration // from milliseconds
}

// recordInfoResult is the "result" of a record-info answer.
type recordInfoResult struct {
	ID            flexString `json:"id"`
	BuildRecordID flexString `json:"build_record_id"`
	BuildNo       flexString `json:"build_no"`
	Status        flexString `json:"status"`
	Branch        flexString `json:"branch"`
	Commit        flexString `json:"commit"`
	TriggerType   flexString `json:"trigger_type"`
	StartTime     flexString `json:"start_time"`
	FinishTime    flexString `json:"finish_time"`
	Duration      flexInt    `json:"duration"`
}

// RecordInfo returns one build's record
// (GET {endpoint}/v1/record/{job_id}/{build_no}/record-info). A build that
// was just started has none for a while: the answer is then an *APIError
// (404 or an error body), which the caller may ask again later.
func (c *Client) RecordInfo(ctx context.Context, jobID string, build int) (BuildInfo, error) {
	var out BuildInfo
	u := c.url(nil, "v1", "record", jobID, strconv.Itoa(build), "record-info")
	_, err := c.do(ctx, "record-info", u, func(resp *http.Response) error {
		r, data, err := decodeResult[recordInfoResult](c, resp, "record-info")
		if err != nil {
			return err
		}
		if r.ID == "" && r.BuildRecordID == "" {
			return c.unexpected(resp, "record-info", data)
		}
		n, _ := buildNumber(string(r.BuildNo))
		out = BuildInfo{
			ID:            strings.TrimSpace(string(r.ID)),
			BuildRecordID: strings.TrimSpace(string(r.BuildRecordID)),
			BuildNumber:   n,
			Status:        c.clean(string(r.Status), 60),
			Branch:        c.clean(string(r.Branch), 200),
			Commit:        c.clean(string(r.Commit), 100),
			TriggerType:   c.clean(string(r.TriggerType), 60),
			Start:         c.clean(string(r.StartTime), 60),
			Finish:        c.clean(string(r.FinishTime), 60),
			Duration:      time.Duration(r.Duration) * time.Millisecond,
		}
		return nil
	})
	if err != nil {
		return BuildInfo{}, err
	}
	return out, nil
}

// recordIDRe is the record_id rule of the API reference.
var recordIDRe = regexp.MustCompile(`^[0-9a-z-]{36}$`)

// ResolvedRecord is the record of a build, checked with full-stages.
type ResolvedRecord struct {
	ID     string // the record ID the log APIs accept
	Field  string // which record-info field it came from: "build_record_id" or "id"
	Record Record // its full-stages answer
}

// ResolveRecord finds which of a build's IDs is its record ID. Huawei's
// documents disagree (record-info returns both id and build_record_id, and
// they differ), so build_record_id is tried first with full-stages and id
// when full-stages does not know it (404). The error is the one of the last
// candidate tried.
func (c *Client) ResolveRecord(ctx context.Context, info BuildInfo) (ResolvedRecord, error) {
	var lastErr error
	tried := map[string]bool{}
	for _, cand := range []struct{ field, id string }{{"build_record_id", info.BuildRecordID}, {"id", info.ID}} {
		if cand.id == "" || tried[cand.id] {
			continue
		}
		tried[cand.id] = true
		if !recordIDRe.MatchString(cand.id) {
			lastErr = fmt.Errorf("record-info %s %q is not a record ID", cand.field, c.clean(cand.id, 60))
			continue
		}
		rec, err := c.Record(ctx, cand.id)
		if err == nil {
			return ResolvedRecord{ID: cand.id, Field: cand.field, Record: rec}, nil
		}
		lastErr = err
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
			// Only "not found" says the other ID may be the right one.
			return ResolvedRecord{}, err
		}
	}
	if lastErr == nil {
		lastErr = errors.New("record-info gave no record ID")
	}
	return ResolvedRecord{}, lastErr
}

// Stop stops a running build (POST {endpoint}/v3/jobs/{job_id}/{build_no}/stop).
// Like Execute, it is sent once: it is retried only when the request surely
// did not reach the server.
func (c *Client) Stop(ctx context.Context, jobID string, build int) error {
	u := c.url(nil, "v3", "jobs", jobID, strconv.Itoa(build), "stop")
	_, err := c.post(ctx, "stop", u, nil, func(resp *http.Response) error {
		var doc struct {
			answerHead
			Success *flexBool `json:"success"`
		}
		if _, err := c.decodeAnswer(resp, "stop", &doc); err != nil {
			return err
		}
		if doc.Success != nil && !bool(*doc.Success) {
			return c.withRequestID(&APIError{Status: resp.StatusCode, Message: "stop answered success: false"}, resp)
		}
		return nil
	})
	return err
}

// answerHead is what every job API answer may carry besides its result:
// an error body and a "status" that says "error" on failure.
type answerHead struct {
	errorBody
	Status flexString `json:"status"`
}

func (h *answerHead) head() *answerHead { return h }

// decodeAnswer reads a job API answer (readAnswer) into doc, a struct that
// embeds answerHead, and returns the body for messages about a result that is
// not as documented. A body that does not decode into doc, or that carries an
// error (errorInAnswer), is an *APIError.
func (c *Client) decodeAnswer(resp *http.Response, op string, doc interface{ head() *answerHead }) ([]byte, error) {
	data, err := c.readAnswer(resp)
	if err != nil {
		return nil, err
	}
	if err := c.parseAnswer(resp, op, data, doc); err != nil {
		return nil, err
	}
	return data, nil
}

// decodeResult reads a job API answer whose payload is its "result" object;
// an answer without one is an *APIError, like any that is not as documented.
// The body is returned for messages about a result that is not as expected.
func decodeResult[R any](c *Client, resp *http.Response, op string) (*R, []byte, error) {
	var doc struct {
		answerHead
		Result *R `json:"result"`
	}
	data, err := c.decodeAnswer(resp, op, &doc)
	if err != nil {
		return nil, nil, err
	}
	if doc.Result == nil {
		return nil, nil, c.unexpected(resp, op, data)
	}
	return doc.Result, data, nil
}

// parseAnswer decodes data, a JSON answer, into doc and returns the error it
// carries, if any.
func (c *Client) parseAnswer(resp *http.Response, op string, data []byte, doc interface{ head() *answerHead }) error {
	if err := json.Unmarshal(data, doc); err != nil {
		return c.unexpected(resp, op, data)
	}
	h := doc.head()
	if e := c.errorInAnswer(resp, op, h.errorBody, string(h.Status)); e != nil {
		return e
	}
	return nil
}

// readAnswer reads a JSON answer of at most maxJobBody bytes; any non-2xx
// status or a body that is not JSON is an *APIError.
func (c *Client) readAnswer(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, c.newAPIError(resp)
	}
	tracked := &trackingReader{r: resp.Body}
	data, err := io.ReadAll(io.LimitReader(tracked, maxJobBody+1))
	if err != nil {
		return nil, &bodyError{err: err}
	}
	if len(data) > maxJobBody {
		return nil, c.withRequestID(&APIError{Status: resp.StatusCode, Message: "answer larger than 1 MiB"}, resp)
	}
	if t := strings.TrimSpace(string(data)); !strings.HasPrefix(t, "{") {
		return nil, c.unexpected(resp, "", data)
	}
	return data, nil
}

// unexpected is the error for an answer that is not the documented JSON.
func (c *Client) unexpected(resp *http.Response, op string, data []byte) *APIError {
	what := "unexpected response: "
	if op != "" {
		what = "unexpected " + op + " response: "
	}
	e := &APIError{Status: resp.StatusCode, Message: what + c.excerpt(resp.Header.Get("Content-Type"), data)}
	return c.withRequestID(e, resp)
}

// errorInAnswer returns an *APIError when a 2xx answer carries an error:
// "status": "error", a non-null "error", or a top-level error_code.
func (c *Client) errorInAnswer(resp *http.Response, op string, b errorBody, status string) *APIError {
	hasError := len(b.Error) > 0 && string(b.Error) != "null" && string(b.Error) != `""`
	if !strings.EqualFold(strings.TrimSpace(status), "error") && !hasError && b.ErrorCode == "" {
		return nil
	}
	code, msg := b.fields()
	e := &APIError{Status: resp.StatusCode, Code: c.clean(code, 60), Message: c.clean(msg, maxMessage), RequestID: c.clean(b.RequestID, 100)}
	if e.Code == "" && e.Message == "" {
		e.Message = op + " reported an error without details"
	}
	return c.withRequestID(e, resp)
}

// buildNumber reads a build number: a positive whole number, sent as a
// string or a JSON number.
func buildNumber(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// flexBool accepts true/false, "true"/"false" and null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(string(b)), `"`)) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("not a boolean: %s", b)
	}
	return nil
}

// notSent reports whether a transport error happened before the request
// could reach the server: the connection was never made (refused,
// unreachable) or the name did not resolve. Anything later (a reset, a
// timeout waiting for the answer) may have reached it.
func notSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// NotRetriedError is a failure of a call that must not run twice (starting
// or stopping a build) that would have been retried had it been a read: the
// request may have reached CodeArts and acted, so it was not sent again.
type NotRetriedError struct {
	Op  string
	Err error
}

func (e *NotRetriedError) Error() string {
	var apiErr *APIError
	if errors.As(e.Err, &apiErr) {
		return fmt.Sprintf("%v (not retried: %s must not be sent twice)", e.Err, e.Op)
	}
	return fmt.Sprintf("%v (not retried: the request may have reached CodeArts, so %s may have taken effect; check the job in CodeArts)", e.Err, e.Op)
}

func (e *NotRetriedError) Unwrap() error { return e.Err }
