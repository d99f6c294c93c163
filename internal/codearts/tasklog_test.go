package codearts

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

func TestTaskLogRecoversFromTransientFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults []fakecodearts.Fault
	}{
		{"none", nil},
		{"500 network busy", []fakecodearts.Fault{{Status: 500, Code: "CB.00060100", Msg: "network busy"}}},
		{"500 internal error", []fakecodearts.Fault{{Status: 500, Code: "CB.00060101", Msg: "internal error"}}},
		{"502 HTML gateway page", []fakecodearts.Fault{{Status: 502, HTML: true, Msg: "upstream down"}}},
		{"503 without body code", []fakecodearts.Fault{{Status: 503}}},
		{"504", []fakecodearts.Fault{{Status: 504, Code: "APIGW.0201", Msg: "timeout"}}},
		{"429 throttled", []fakecodearts.Fault{{Status: 429, Code: "APIGW.0308", Msg: "throttled"}}},
		{"400 throttling code", []fakecodearts.Fault{{Status: 400, Code: "CB.00060211", Msg: "too many requests"}}},
		{"200 JSON throttling", []fakecodearts.Fault{{JSON200: true, Code: "CB.00060211", Msg: "too many requests"}}},
		{"truncated", []fakecodearts.Fault{{Truncate: true}}},
		{"reset", []fakecodearts.Fault{{Reset: true}}},
		{"truncated gzip", []fakecodearts.Fault{{Truncate: true, Gzip: true}}},
		{"reset chunked", []fakecodearts.Fault{{Reset: true, Chunked: true}}},
		{"truncated chunked gzip", []fakecodearts.Fault{{Truncate: true, Chunked: true, Gzip: true}}},
		{"gzip", []fakecodearts.Fault{{Gzip: true}}},
		{"chunked", []fakecodearts.Fault{{Chunked: true}}},
		{"chunked gzip", []fakecodearts.Fault{{Chunked: true, Gzip: true}}},
		{"several in a row", []fakecodearts.Fault{{Status: 503}, {Truncate: true}, {Reset: true}, {Status: 400, Code: "CB.00060211"}, {Gzip: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: tc.faults})
			got, attempts, err := e.download(context.Background(), "stage1", "INFO")
			if err != nil {
				t.Fatalf("TaskLog: %v", err)
			}
			if sum(got) != sum(testLog) {
				t.Fatalf("content differs: got %d bytes, want %d", len(got), len(testLog))
			}
			// Faults with a successful encoding only (gzip, chunked) take no
			// extra attempt.
			want := 1
			for _, f := range tc.faults {
				if f.Status != 0 || f.JSON200 || f.Truncate || f.Reset {
					want++
				}
			}
			if attempts != want {
				t.Errorf("attempts = %d, want %d", attempts, want)
			}
			if n := e.fake.Requests("stage1"); n != want {
				t.Errorf("server saw %d requests, want %d", n, want)
			}
		})
	}
}

func TestTaskLogDoesNotRetryPermanentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    fakecodearts.Fault
		task     string
		level    string
		status   int
		code     string
		inMsg    string
		authFail bool
		noLog    bool
	}{
		{name: "400 invalid parameter", fault: fakecodearts.Fault{Status: 400, Code: "CB.00060200", Msg: "invalid parameter"}, status: 400, code: "CB.00060200", inMsg: "invalid parameter"},
		{name: "401 bad token", fault: fakecodearts.Fault{Status: 401, Code: "APIGW.0301", Msg: "Incorrect IAM authentication information"}, status: 401, code: "APIGW.0301", authFail: true},
		{name: "401 token must be updated", fault: fakecodearts.Fault{Status: 401, Code: "APIGW.0307", Msg: "The token must be updated"}, status: 401, code: "APIGW.0307", authFail: true},
		{name: "403 project unavailable", fault: fakecodearts.Fault{Status: 403, Code: "APIGW.0310", Msg: "project unavailable"}, status: 403, code: "APIGW.0310"},
		{name: "404 log not found", fault: fakecodearts.Fault{Status: 404, Code: "CB.00060214", Msg: "the log was not found"}, status: 404, code: "CB.00060214", inMsg: "the log was not found"},
		{name: "501", fault: fakecodearts.Fault{Status: 501, Code: "APIGW.0999", Msg: "not implemented"}, status: 501, code: "APIGW.0999"},
		{name: "200 JSON error", fault: fakecodearts.Fault{JSON200: true, Code: "CB.00060214", Msg: "log missing"}, status: 200, code: "CB.00060214", inMsg: "log missing"},
		{name: "200 JSON without code", fault: fakecodearts.Fault{JSON200: true}, status: 200, inMsg: "unexpected JSON response"},
		{name: "404 HTML", fault: fakecodearts.Fault{Status: 404, HTML: true, Msg: "no such page"}, status: 404, inMsg: "404 Not Found"},
		{name: "a stage that never ran, from the fake's handler", noLog: true, status: 404, code: "CB.00060214"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := fakecodearts.StageSpec{Log: testLog, NoLog: tc.noLog}
			if tc.fault != (fakecodearts.Fault{}) {
				spec.Faults = []fakecodearts.Fault{tc.fault}
			}
			e := newEnv(t, nil, spec)
			task := tc.task
			if task == "" {
				task = "stage1"
			}
			level := tc.level
			if level == "" {
				level = "INFO"
			}
			_, attempts, err := e.download(context.Background(), task, level)
			if err == nil {
				t.Fatal("TaskLog succeeded, want an error")
			}
			if attempts != 1 || e.fake.Requests(task) != 1 {
				t.Errorf("attempts = %d, server requests = %d, want 1 and 1", attempts, e.fake.Requests(task))
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) does not wrap *APIError", err, err)
			}
			if apiErr.Status != tc.status || apiErr.Code != tc.code {
				t.Errorf("APIError status/code = %d %q, want %d %q", apiErr.Status, apiErr.Code, tc.status, tc.code)
			}
			if apiErr.RequestID == "" {
				t.Error("APIError.RequestID is empty; the fake always sends X-Request-Id")
			}
			msg := err.Error()
			if tc.code != "" && !strings.Contains(msg, tc.code) {
				t.Errorf("message %q lacks the code %s", msg, tc.code)
			}
			if !strings.Contains(msg, "HTTP "+strconv.Itoa(tc.status)) {
				t.Errorf("message %q lacks the status", msg)
			}
			if tc.inMsg != "" && !strings.Contains(msg, tc.inMsg) {
				t.Errorf("message %q lacks %q", msg, tc.inMsg)
			}
			if strings.Contains(msg, "giving up") || strings.Contains(msg, "<") {
				t.Errorf("message %q is retryablehttp's or has markup", msg)
			}
			if IsAuthError(err) != tc.authFail {
				t.Errorf("IsAuthError = %v, want %v", IsAuthError(err), tc.authFail)
			}
		})
	}
}

func TestTaskLogGivesUpWithTheLastAPIError(t *testing.T) {
	t.Parallel()
	var faults []fakecodearts.Fault
	for range 10 {
		faults = append(faults, fakecodearts.Fault{Status: 500, Code: "CB.00060101", Msg: "internal error"})
	}
	var retries []string
	e := newEnv(t, func(o *Options) {
		o.RetryMax = 2
		o.OnRetry = func(op string, attempt int, err error, wait time.Duration) {
			retries = append(retries, op+" "+strconv.Itoa(attempt)+" "+err.Error())
		}
	}, fakecodearts.StageSpec{Log: testLog, Faults: faults})
	_, attempts, err := e.download(context.Background(), "stage1", "")
	if err == nil {
		t.Fatal("want an error")
	}
	if attempts != 3 || e.fake.Requests("stage1") != 3 {
		t.Errorf("attempts = %d, requests = %d, want 3 (RetryMax 2 + 1)", attempts, e.fake.Requests("stage1"))
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 500 || apiErr.Code != "CB.00060101" || apiErr.Message != "internal error" {
		t.Fatalf("error %v does not keep the APIError", err)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("message %q does not say how many attempts", err)
	}
	if len(retries) != 2 || !strings.HasPrefix(retries[0], "task-log stage1 1 HTTP 500 CB.00060101") {
		t.Errorf("OnRetry calls = %q", retries)
	}
	// The default level is left to the server: no log_level parameter.
	for _, s := range e.fake.Seen() {
		if _, ok := s.Query["log_level"]; ok {
			t.Errorf("log_level sent for an empty level: %q", s.RawQuery)
		}
	}
}

func TestTaskLogRetriesTransportErrors(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	c, err := New(Options{Endpoint: url, RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait})
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := c.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(io.Reader) error { return nil })
	if err == nil || attempts != 3 {
		t.Fatalf("attempts = %d, err = %v; want 3 attempts and an error", attempts, err)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("message %q", err)
	}
}

// dnsTransport fails every dial with the DNS error err, as a resolver
// answering for the dialled host would.
func dnsTransport(err net.DNSError) http.RoundTripper {
	return &http.Transport{DialContext: func(_ context.Context, _, addr string) (net.Conn, error) {
		e := err
		e.Name, _, _ = net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &e}
	}}
}

// TestUnknownHostIsNotRetried: a host that does not exist (NXDOMAIN) will
// not start resolving on the next attempt; the error names the host and
// points at the region and endpoint. A DNS failure that may pass (a
// timeout, SERVFAIL) is still retried.
func TestUnknownHostIsNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		dnsErr       net.DNSError
		wantAttempts int
		wantRetries  int
		wantText     []string
	}{
		{"no such host", net.DNSError{Err: "no such host", IsNotFound: true}, 1, 0,
			[]string{`"codearts-build.cn-nowhere-9.example"`, "does not exist", "region", "endpoint"}},
		{"temporary", net.DNSError{Err: "server misbehaving", IsTemporary: true}, 3, 2, []string{"after 3 attempts"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var retries atomic.Int32
			c, err := New(Options{
				Endpoint:  "https://codearts-build.cn-nowhere-9.example/prefix",
				Transport: dnsTransport(tc.dnsErr),
				RetryMax:  2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait,
				OnRetry: func(string, int, error, time.Duration) { retries.Add(1) },
			})
			if err != nil {
				t.Fatal(err)
			}
			attempts, err := c.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(io.Reader) error { return nil })
			if err == nil || attempts != tc.wantAttempts || int(retries.Load()) != tc.wantRetries {
				t.Fatalf("attempts = %d, retries = %d, err = %v; want %d attempts, %d retries and an error",
					attempts, retries.Load(), err, tc.wantAttempts, tc.wantRetries)
			}
			for _, want := range tc.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) {
				t.Errorf("error %v does not wrap the *net.DNSError", err)
			}
		})
	}
}

// TestUnknownHostRealResolver: the same through the system's resolver,
// with the reserved .invalid TLD, which never resolves (RFC 2606). Skipped
// where the resolver does not answer NXDOMAIN quickly (no DNS at all).
func TestUnknownHostRealResolver(t *testing.T) {
	t.Parallel()
	const host = "nonexistent.invalid"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var dnsErr *net.DNSError
	if _, err := net.DefaultResolver.LookupHost(ctx, host); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Skipf("the resolver does not answer NXDOMAIN for %s: %v", host, err)
	}
	c, err := New(Options{Endpoint: "https://" + host, RetryMax: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait})
	if err != nil {
		t.Fatal(err)
	}
	attempts, err := c.TaskLog(ctx, testRecord, "stage1", "INFO", func(io.Reader) error { return nil })
	if err == nil || attempts != 1 || !strings.Contains(err.Error(), `"`+host+`"`) {
		t.Fatalf("attempts = %d, err = %v; want one attempt and an error naming %s", attempts, err, host)
	}
}

func TestTaskLogDebugLevel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog})
	got, _, err := e.download(context.Background(), "stage1", "debug") // any case in, upper case on the wire
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte("[DEBUG]")) || !bytes.HasSuffix(got, testLog) {
		t.Errorf("DEBUG log does not look like the fake's DEBUG log: %q", got[:min(80, len(got))])
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Status: 429, Code: "APIGW.0308", RetryAfter: "7"}}})
	got, attempts, err := e.download(context.Background(), "stage1", "INFO")
	if err != nil {
		t.Fatal(err)
	}
	if slept := e.clock.slept(); slept != 7*time.Second {
		t.Errorf("waited %s before the retry, want Retry-After: 7", slept)
	}
	if attempts != 2 || sum(got) != sum(testLog) {
		t.Errorf("attempts = %d, content ok = %v", attempts, sum(got) == sum(testLog))
	}
}

func TestRetryAfterPastTheDeadlineStopsAtOnce(t *testing.T) {
	t.Parallel()
	for _, status := range []int{429, 503, 400} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			code := "APIGW.0308"
			if status == 400 {
				code = "CB.00060211"
			}
			e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Status: status, Code: code, Msg: "slow down", RetryAfter: "30"}}})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, attempts, err := e.download(ctx, "stage1", "INFO")
			if e.clock.slept() != 0 {
				t.Errorf("waited %s instead of giving up", e.clock.slept())
			}
			if err == nil || attempts != 1 {
				t.Fatalf("attempts = %d, err = %v", attempts, err)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != status || apiErr.Code != code {
				t.Errorf("error %v does not keep the APIError", err)
			}
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "deadline") || !strings.Contains(err.Error(), code) {
				t.Errorf("error %q does not say it stopped because of the deadline", err)
			}
		})
	}
}

func TestTaskLogHTMLErrorIsCleaned(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Status: 403, HTML: true, Msg: "Access <denied> & logged"}}})
	_, _, err := e.download(context.Background(), "stage1", "INFO")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	if apiErr.Code != "" || apiErr.Message != "403 Forbidden Access <denied> & logged" {
		t.Errorf("APIError = %+v", apiErr)
	}
}

func TestTaskLogRedirects(t *testing.T) {
	t.Parallel()
	t.Run("same origin keeps the credentials", func(t *testing.T) {
		t.Parallel()
		auth := &countingAuth{}
		// A relative Location: the same origin. The fake accepts the test
		// token that countingAuth sets.
		target := testPrefix + "/v4/" + testRecord + "/task-log?task_name=stage1&log_level=INFO"
		e := newEnv(t, func(o *Options) { o.Auth = auth }, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{RedirectTo: target}}})
		got, attempts, err := e.download(context.Background(), "stage1", "INFO")
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 1 || sum(got) != sum(testLog) || e.fake.Requests("stage1") != 2 {
			t.Errorf("attempts = %d, requests = %d, content ok = %v", attempts, e.fake.Requests("stage1"), sum(got) == sum(testLog))
		}
		if n := auth.calls.Load(); n != 2 {
			t.Errorf("Authorize called %d times, want 2 (the redirect is re-signed)", n)
		}
		seen := e.fake.Seen()
		if len(seen) != 2 || seen[0].Header.Get("X-Sdk-Date") == seen[1].Header.Get("X-Sdk-Date") || seen[1].Header.Get("X-Auth-Token") != testToken {
			t.Errorf("redirected request not re-authorized: %+v", seen)
		}
	})
	t.Run("other origin gets no credentials", func(t *testing.T) {
		t.Parallel()
		var leaked atomic.Value
		leaked.Store("")
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, h := range []string{"X-Auth-Token", "Authorization", "X-Sdk-Date", "X-Project-Id"} {
				if v := r.Header.Get(h); v != "" {
					leaked.Store(leaked.Load().(string) + h + "=" + v + " ")
				}
			}
			if r.Header.Get("User-Agent") != testUA {
				leaked.Store(leaked.Load().(string) + "missing user agent ")
			}
			_, _ = w.Write(testLog)
		}))
		t.Cleanup(other.Close)
		auth := &countingAuth{}
		e := newEnv(t, func(o *Options) { o.Auth = auth }, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{RedirectTo: other.URL + "/obs/object?sig=1"}}})
		got, attempts, err := e.download(context.Background(), "stage1", "INFO")
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 1 || sum(got) != sum(testLog) {
			t.Errorf("attempts = %d, content ok = %v", attempts, sum(got) == sum(testLog))
		}
		if l := leaked.Load().(string); l != "" {
			t.Errorf("the other origin saw: %s", l)
		}
		if n := auth.calls.Load(); n != 1 {
			t.Errorf("Authorize called %d times, want 1 (never for the other origin)", n)
		}
	})
	t.Run("same host other port is another origin", func(t *testing.T) {
		t.Parallel()
		var sawToken atomic.Bool
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sawToken.Store(r.Header.Get("X-Auth-Token") != "")
			_, _ = w.Write(testLog)
		}))
		t.Cleanup(other.Close)
		e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{RedirectTo: other.URL}}})
		if _, _, err := e.download(context.Background(), "stage1", "INFO"); err != nil {
			t.Fatal(err)
		}
		if sawToken.Load() {
			t.Error("the token went to another port")
		}
	})
}

func TestTaskLogDetectsTruncatedGzipStream(t *testing.T) {
	t.Parallel()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(testLog)
	_ = zw.Close()
	full := gz.Bytes()
	var calls atomic.Int64
	// The HTTP framing is correct; only the gzip stream lacks its end.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := full
		if calls.Add(1) == 1 {
			body = full[:len(full)-6]
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	c, err := New(Options{Endpoint: ts.URL, Transport: ts.Client().Transport, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	attempts, err := c.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(body io.Reader) error {
		got.Reset()
		_, err := io.Copy(&got, body)
		return err
	})
	if err != nil || attempts != 2 || sum(got.Bytes()) != sum(testLog) {
		t.Errorf("attempts = %d, err = %v, content ok = %v", attempts, err, sum(got.Bytes()) == sum(testLog))
	}
}

// TestTaskLogStalls: an answer whose headers or body deliver no byte for
// StallTimeout is abandoned and retried; time spent in the sink does not
// count. The stall timers are fake: a window passes when the test says so,
// while the client waits for a byte the server holds back.
func TestTaskLogStalls(t *testing.T) {
	t.Parallel()
	t.Run("body", func(t *testing.T) {
		t.Parallel()
		var retried []error
		e := newEnv(t, func(o *Options) {
			o.OnRetry = func(_ string, _ int, err error, _ time.Duration) { retried = append(retried, err) }
		}, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Stall: time.Minute}}})
		timers := useFakeTimers(e.client)
		var got bytes.Buffer
		calls := 0
		attempts, err := e.client.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(body io.Reader) error {
			got.Reset()
			if calls++; calls == 1 {
				// The fake sends half the body, then holds the rest back:
				// the window passes while the next read waits.
				if _, err := io.CopyN(&got, body, int64(len(testLog)/2)); err != nil {
					return err
				}
				timers.drain()
				go func() { <-timers.armed; timers.fire() }()
			}
			_, err := io.Copy(&got, body)
			return err
		})
		if err != nil || attempts != 2 || sum(got.Bytes()) != sum(testLog) {
			t.Errorf("attempts = %d, err = %v, content ok = %v", attempts, err, sum(got.Bytes()) == sum(testLog))
		}
		if len(retried) != 1 || !strings.Contains(retried[0].Error(), "reading the response body: stalled") {
			t.Errorf("retried for %v, want a stalled body", retried)
		}
	})
	t.Run("headers", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int64
		stalled := make(chan struct{})
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				close(stalled)
				<-r.Context().Done() // no headers until the client gives up
				return
			}
			_, _ = w.Write(testLog)
		}))
		t.Cleanup(ts.Close)
		var retried []error
		c, err := New(Options{Endpoint: ts.URL, Transport: ts.Client().Transport, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait,
			OnRetry: func(_ string, _ int, err error, _ time.Duration) { retried = append(retried, err) }})
		if err != nil {
			t.Fatal(err)
		}
		timers := useFakeTimers(c)
		go func() { <-stalled; timers.fire() }()
		var got bytes.Buffer
		attempts, err := c.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(body io.Reader) error {
			got.Reset()
			_, err := io.Copy(&got, body)
			return err
		})
		if err != nil || attempts != 2 || sum(got.Bytes()) != sum(testLog) {
			t.Errorf("attempts = %d, err = %v", attempts, err)
		}
		if len(retried) != 1 || !strings.Contains(retried[0].Error(), "waiting for response headers: stalled") {
			t.Errorf("retried for %v, want stalled headers", retried)
		}
	})
	t.Run("slow sink is not a stall", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog})
		timers := useFakeTimers(e.client)
		attempts, err := e.client.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(body io.Reader) error {
			// A slow disk: whole windows pass between reads.
			if n := timers.fire(); n != 0 {
				t.Errorf("%d stall timer(s) running before the first read", n)
			}
			if _, err := io.CopyN(io.Discard, body, 10); err != nil {
				return err
			}
			if n := timers.fire(); n != 0 {
				t.Errorf("%d stall timer(s) running between reads", n)
			}
			_, err := io.Copy(io.Discard, body)
			return err
		})
		if err != nil || attempts != 1 {
			t.Errorf("attempts = %d, err = %v", attempts, err)
		}
	})
}

func TestTaskLogContextCancel(t *testing.T) {
	t.Parallel()
	t.Run("while waiting to retry", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(o *Options) { o.RetryWaitMin, o.RetryWaitMax = 20*time.Second, 20*time.Second },
			fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Status: 503, Code: "CB.00060100", Msg: "busy"}}})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e.clock.onSleep = cancel // during the 20 s wait
		_, attempts, err := e.download(ctx, "stage1", "INFO")
		if attempts != 1 || e.fake.Requests("stage1") != 1 {
			t.Errorf("attempts = %d, requests = %d, want 1: no attempt after the cancel", attempts, e.fake.Requests("stage1"))
		}
		var apiErr *APIError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &apiErr) || apiErr.Code != "CB.00060100" {
			t.Errorf("err = %v, want canceled with the last APIError", err)
		}
	})
	t.Run("while the body stalls", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Stall: time.Minute}}})
		timers := useFakeTimers(e.client) // no stall: only the cancel ends the read
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		attempts, err := e.client.TaskLog(ctx, testRecord, "stage1", "INFO", func(body io.Reader) error {
			if _, err := io.CopyN(io.Discard, body, int64(len(testLog)/2)); err != nil {
				return err
			}
			// Cancel while the next read waits for the rest.
			timers.drain()
			go func() { <-timers.armed; cancel() }()
			_, err := io.Copy(io.Discard, body)
			return err
		})
		if !errors.Is(err, context.Canceled) || attempts != 1 {
			t.Errorf("attempts = %d, err = %v, want canceled after 1 attempt", attempts, err)
		}
	})
}

func TestTaskLogSinkFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog})
	diskFull := errors.New("write stage1.log: no space left on device")
	attempts, err := e.client.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(body io.Reader) error {
		_, _ = io.CopyN(io.Discard, body, 10)
		return diskFull
	})
	if !errors.Is(err, diskFull) || attempts != 1 || e.fake.Requests("stage1") != 1 {
		t.Errorf("attempts = %d, err = %v", attempts, err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a sink error became an APIError: %v", err)
	}
}

func TestTaskLogTruncationDetectedEvenIfSinkStopsEarly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Truncate: true}}})
	calls := 0
	attempts, err := e.client.TaskLog(context.Background(), testRecord, "stage1", "INFO", func(body io.Reader) error {
		calls++
		_, err := io.CopyN(io.Discard, body, 10)
		return err
	})
	if err != nil || attempts != 2 || calls != 2 {
		t.Errorf("attempts = %d, sink calls = %d, err = %v", attempts, calls, err)
	}
}

func TestErrorsNeverCarryTheToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{EchoToken: true, Status: 403, Code: "APIGW.0310", Msg: "refused"}}})
	_, _, err := e.download(context.Background(), "stage1", "INFO")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	// The fake really echoed it: the raw request carried the token.
	if e.fake.Seen()[0].Header.Get("X-Auth-Token") != testToken {
		t.Fatal("the request did not carry the token")
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(apiErr.Message, testToken) {
		t.Errorf("the token leaked: %v", err)
	}
	if !strings.Contains(apiErr.Message, "***") {
		t.Errorf("message %q does not show the redaction", apiErr.Message)
	}
}

func TestRequestsCarryUserAgentPrefixAndEscapes(t *testing.T) {
	t.Parallel()
	task := "stage 1&x=y/é+"
	e := newEnv(t, nil, fakecodearts.StageSpec{Task: task, Log: testLog})
	const badID = "a/b?c d"
	e.fake.AddMissingRecord(badID)
	if _, _, err := e.download(context.Background(), task, "DEBUG"); err != nil {
		t.Fatalf("task %q: %v", task, err)
	}
	if _, err := e.client.Record(context.Background(), badID); err == nil {
		t.Fatal("bad record id succeeded")
	}
	seen := e.fake.Seen()
	if len(seen) != 2 {
		t.Fatalf("seen %d requests", len(seen))
	}
	if seen[0].Path != testPrefix+"/v4/"+testRecord+"/task-log" {
		t.Errorf("task-log path = %q", seen[0].Path)
	}
	if got := seen[0].Query.Get("task_name"); got != task {
		t.Errorf("task_name arrived as %q (raw %q)", got, seen[0].RawQuery)
	}
	if seen[0].Query.Get("log_level") != "DEBUG" || strings.Contains(seen[0].RawQuery, "+") {
		t.Errorf("raw query %q: want DEBUG and spaces as %%20", seen[0].RawQuery)
	}
	if seen[1].Path != testPrefix+"/v1/record/a%2Fb%3Fc%20d/full-stages" {
		t.Errorf("full-stages path = %q", seen[1].Path)
	}
	for _, s := range seen {
		if s.Header.Get("User-Agent") != testUA {
			t.Errorf("User-Agent = %q", s.Header.Get("User-Agent"))
		}
		if s.Header.Get("X-Auth-Token") != testToken {
			t.Errorf("X-Auth-Token missing on %s", s.Path)
		}
	}
}

func TestAuthorizeRunsOnEveryAttempt(t *testing.T) {
	t.Parallel()
	auth := &countingAuth{}
	e := newEnv(t, func(o *Options) { o.Auth = auth }, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Status: 503}, {Truncate: true}}})
	_, attempts, err := e.download(context.Background(), "stage1", "INFO")
	if err != nil || attempts != 3 {
		t.Fatalf("attempts = %d, err = %v", attempts, err)
	}
	dates := map[string]bool{}
	for _, s := range e.fake.Seen() {
		dates[s.Header.Get("X-Sdk-Date")] = true
	}
	if auth.calls.Load() != 3 || len(dates) != 3 {
		t.Errorf("Authorize calls = %d, distinct X-Sdk-Date = %d, want 3 and 3", auth.calls.Load(), len(dates))
	}
}

type failingAuth struct{ calls atomic.Int64 }

func (a *failingAuth) Authorize(*http.Request) error {
	a.calls.Add(1)
	return errors.New("no secret key")
}

func TestAuthorizeFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	auth := &failingAuth{}
	e := newEnv(t, func(o *Options) { o.Auth = auth }, fakecodearts.StageSpec{Log: testLog})
	_, attempts, err := e.download(context.Background(), "stage1", "INFO")
	if err == nil || attempts != 1 || auth.calls.Load() != 1 || !strings.Contains(err.Error(), "no secret key") {
		t.Errorf("attempts = %d, calls = %d, err = %v", attempts, auth.calls.Load(), err)
	}
}

// TestNewNeedsAnAbsoluteURL: New parses the endpoint it is given; the
// policy (https, user info, query) is config's and tested there.
func TestNewNeedsAnAbsoluteURL(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{"", "cloudbuild-ext.cn-north-4.myhuaweicloud.com", "https://", "::"} {
		if _, err := New(Options{Endpoint: ep}); err == nil {
			t.Errorf("New(%q) accepted it", ep)
		}
	}
	c, err := New(Options{Endpoint: "https://Host.Example:443/prefix/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.url(nil, "v1", "x").String(); got != "https://Host.Example:443/prefix/v1/x" {
		t.Errorf("url = %q", got)
	}
	if c.origin != "https://host.example:443" || originOf(c.url(nil)) != originOf(mustURL(t, "https://host.example/other")) {
		t.Errorf("origin = %q", c.origin)
	}
}

func TestTokenAuthDoesNotPrintTheToken(t *testing.T) {
	t.Parallel()
	tok := TokenAuth(testToken)
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, testToken) {
			t.Errorf("%q shows the token", s)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "http://x/", nil)
	if err := tok.Authorize(req); err != nil || req.Header.Get("X-Auth-Token") != testToken {
		t.Errorf("Authorize: %v, header %q", err, req.Header.Get("X-Auth-Token"))
	}
	if err := TokenAuth("").Authorize(req); err == nil {
		t.Error("an empty token was accepted")
	}
}

func TestLongMessagesAreRedactedBeforeBeingCut(t *testing.T) {
	t.Parallel()
	c, err := New(Options{Endpoint: "https://example.com", Redact: func(s string) string { return strings.ReplaceAll(s, testToken, "***") }})
	if err != nil {
		t.Fatal(err)
	}
	// The token straddles the cut: without redaction first, a prefix of it
	// would survive.
	msg := strings.Repeat("x", maxMessage-5) + testToken
	e := c.parseErrorBody(403, "application/json", []byte(`{"error_code":"APIGW.0310","error_msg":"`+msg+`"}`))
	if strings.Contains(e.Message, testToken[:5]) {
		t.Errorf("a piece of the token survived: %q", e.Message[len(e.Message)-20:])
	}
}

func TestSinkErrorSurvivesACancelAfterARetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fakecodearts.StageSpec{Log: testLog, Faults: []fakecodearts.Fault{{Status: 503, Code: "CB.00060100"}}})
	ctx, cancel := context.WithCancel(context.Background())
	diskFull := errors.New("no space left on device")
	calls := 0
	_, err := e.client.TaskLog(ctx, testRecord, "stage1", "INFO", func(body io.Reader) error {
		calls++
		cancel() // the run is cancelled while the disk fails
		return diskFull
	})
	if calls != 1 || !errors.Is(err, diskFull) || !errors.Is(err, context.Canceled) {
		t.Errorf("sink calls = %d, err = %v; want the disk error and the cancel", calls, err)
	}
}

// TestErrorTextIsCleanedLikeEveryRemoteString: escape sequences (with
// their parameters) and BiDi controls in an error body do not survive into
// the message, as with every other remote string.
func TestErrorTextIsCleanedLikeEveryRemoteString(t *testing.T) {
	t.Parallel()
	c, err := New(Options{Endpoint: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	e := c.parseErrorBody(403, "application/json", []byte(`{"error_code":"APIGW.0310","error_msg":"denied \u001b]0;pwned\u0007\u001b[2Jfor \u202eyou\u2066"}`))
	if e.Message != "denied for you" {
		t.Errorf("message %q", e.Message)
	}
}
