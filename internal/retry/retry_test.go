package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{"99999999999999999", time.Duration(maxSeconds) * time.Second, true},
		{"Fri, 27 Nov 2026 08:01:30 GMT", 90 * time.Second, true},
		{"Fri, 27 Nov 2026 07:00:00 GMT", 0, true}, // in the past: no wait
		{now.Add(48 * time.Hour).Format(http.TimeFormat), 48 * time.Hour, true},
		{"Friday, 27-Nov-26 08:00:10 GMT", 10 * time.Second, true}, // RFC 850, still an HTTP date
	}
	for _, tc := range tests {
		got, ok := ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoffGrowsWithJitterWithinBounds(t *testing.T) {
	t.Parallel()
	p := Policy{WaitMin: 100 * time.Millisecond, WaitMax: time.Second}
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		want *= time.Millisecond
		seen := map[time.Duration]bool{}
		for range 50 {
			w := p.Backoff(n, "")
			if w < want/2 || w > want {
				t.Fatalf("Backoff(%d) = %s, want within [%s, %s]", n, w, want/2, want)
			}
			seen[w] = true
		}
		if len(seen) < 2 {
			t.Errorf("Backoff(%d) has no jitter", n)
		}
	}
	if w := p.Backoff(62, ""); w < 500*time.Millisecond || w > time.Second {
		t.Errorf("Backoff(62) = %s: overflowed the cap", w)
	}
}

func TestBackoffHonoursRetryAfterCapped(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	p := Policy{WaitMin: 100 * time.Millisecond, WaitMax: time.Second, MaxRetryAfter: time.Minute, Now: func() time.Time { return now }}
	tests := []struct {
		retryAfter string
		want       time.Duration
	}{
		{"5", 5 * time.Second},
		{"Fri, 27 Nov 2026 08:00:07 GMT", 7 * time.Second},
		{"3600", time.Minute}, // capped at MaxRetryAfter
	}
	for _, tc := range tests {
		if w := p.Backoff(0, tc.retryAfter); w != tc.want {
			t.Errorf("Backoff(0, %q) = %s, want %s", tc.retryAfter, w, tc.want)
		}
	}
	// A Retry-After shorter than the backoff does not shorten it.
	if w := p.Backoff(3, "0"); w < 400*time.Millisecond {
		t.Errorf("Backoff(3, \"0\") = %s, want the backoff (at least 400ms)", w)
	}
	// Without MaxRetryAfter, WaitMax is the cap.
	p.MaxRetryAfter = 0
	if w := p.Backoff(0, "3600"); w != time.Second {
		t.Errorf("Backoff(0, \"3600\") = %s, want WaitMax (1s)", w)
	}
}

// fakeClock is a clock whose Sleep returns at once, moving time forward.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// onSleep, when set, runs inside Sleep (to cancel a context, say).
	onSleep func()
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	hook := c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	return ctx.Err()
}

// server answers the statuses in order, then 200 "ok"; each answer may
// carry a Retry-After.
func server(t *testing.T, retryAfter string, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		i := int(calls.Add(1)) - 1
		if i < len(statuses) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(statuses[i])
			fmt.Fprintf(w, "answer %d", i+1)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// statusCheck retries 5xx and 429, as the clients do.
func statusCheck(_ context.Context, resp *http.Response, err error) (bool, error) {
	if err != nil {
		return true, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return true, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return false, nil
}

func get(t *testing.T, ctx context.Context, url string) *retryablehttp.Request {
	t.Helper()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

type retryCall struct {
	op      string
	attempt int
	err     string
	wait    time.Duration
}

// TestDoWaitsOnTheInjectedClock: the waits between attempts are the
// policy's (Retry-After included), reported to OnRetry before they happen
// and slept on the injected clock, not on a real timer: a Retry-After of an
// hour takes no time.
func TestDoWaitsOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	srv, calls := server(t, "3600", 503, 429)
	clock := newFakeClock()
	var retries []retryCall
	p := Policy{Max: 5, WaitMin: time.Second, WaitMax: 30 * time.Second, MaxRetryAfter: 2 * time.Hour,
		Now: clock.Now, Sleep: clock.Sleep,
		OnRetry: func(op string, attempt int, err error, wait time.Duration) {
			retries = append(retries, retryCall{op, attempt, err.Error(), wait})
		}}
	start := time.Now()
	resp, attempts, err := p.Do(srv.Client(), "get thing", get(t, context.Background(), srv.URL), statusCheck)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "ok" || attempts != 3 || calls.Load() != 3 {
		t.Errorf("body %q after %d attempts (%d requests), want ok after 3", body, attempts, calls.Load())
	}
	want := []retryCall{{"get thing", 1, "HTTP 503", time.Hour}, {"get thing", 2, "HTTP 429", time.Hour}}
	if fmt.Sprint(retries) != fmt.Sprint(want) {
		t.Errorf("OnRetry calls %v, want %v", retries, want)
	}
	if fmt.Sprint(clock.sleeps) != "[1h0m0s 1h0m0s]" {
		t.Errorf("slept %v on the clock, want two hours", clock.sleeps)
	}
	if elapsed := time.Since(start); elapsed > time.Minute {
		t.Errorf("took %s: it slept on a real timer", elapsed) // a bound, not a measurement
	}
}

// TestDoGivesUpWithTheLastError: when no retry is left, the error is the
// last attempt's as the Check made it, not retryablehttp's "giving up".
func TestDoGivesUpWithTheLastError(t *testing.T) {
	t.Parallel()
	srv, calls := server(t, "", 500, 502, 503, 504)
	clock := newFakeClock()
	p := Policy{Max: 2, WaitMin: time.Second, WaitMax: time.Second, Now: clock.Now, Sleep: clock.Sleep}
	_, attempts, err := p.Do(srv.Client(), "get", get(t, context.Background(), srv.URL), statusCheck)
	if err == nil || err.Error() != "HTTP 503" || attempts != 3 || calls.Load() != 3 {
		t.Errorf("err %v after %d attempts (%d requests), want HTTP 503 after 3", err, attempts, calls.Load())
	}
}

// TestDoNotRetried: an answer the Check does not retry comes back to the
// caller, with its body, after one attempt.
func TestDoNotRetried(t *testing.T) {
	t.Parallel()
	srv, calls := server(t, "", 404)
	clock := newFakeClock()
	p := Policy{Max: 5, WaitMin: time.Second, WaitMax: time.Second, Now: clock.Now, Sleep: clock.Sleep}
	resp, attempts, err := p.Do(srv.Client(), "get", get(t, context.Background(), srv.URL), statusCheck)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || string(body) != "answer 1" || attempts != 1 || calls.Load() != 1 || len(clock.sleeps) != 0 {
		t.Errorf("HTTP %d %q after %d attempts, %d sleeps", resp.StatusCode, body, attempts, len(clock.sleeps))
	}
}

// TestDoStopsWhenTheNextWaitWouldPassTheDeadline: a wait that would end
// after ctx's deadline is not started; the error says so, keeps the last
// attempt's error and is a deadline error.
func TestDoStopsWhenTheNextWaitWouldPassTheDeadline(t *testing.T) {
	t.Parallel()
	srv, calls := server(t, "30", 429, 429)
	clock := newFakeClock()
	var retried int
	p := Policy{Max: 5, WaitMin: time.Second, WaitMax: time.Minute, Now: clock.Now, Sleep: clock.Sleep,
		OnRetry: func(string, int, error, time.Duration) { retried++ }}
	// 45 s of budget on the fake clock: the first 30 s wait fits, the
	// second does not.
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(45*time.Second))
	defer cancel()
	_, attempts, err := p.Do(srv.Client(), "get", get(t, ctx, srv.URL), statusCheck)
	var dl *DeadlineError
	if !errors.As(err, &dl) || dl.Wait != 30*time.Second || dl.Last == nil || dl.Last.Error() != "HTTP 429" {
		t.Fatalf("err = %v, want a *DeadlineError for a 30s wait after HTTP 429", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "would pass the deadline") {
		t.Errorf("err %q is not a deadline error saying why", err)
	}
	if attempts != 2 || calls.Load() != 2 || retried != 1 || fmt.Sprint(clock.sleeps) != "[30s]" {
		t.Errorf("%d attempts, %d requests, %d retries, slept %v; want 2, 2, 1, [30s]", attempts, calls.Load(), retried, clock.sleeps)
	}
}

// TestDoCancelledWhileWaiting: ctx ending during a wait stops the retries
// with ctx's error and the last attempt's.
func TestDoCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	srv, calls := server(t, "", 503, 503)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := newFakeClock()
	clock.onSleep = cancel
	p := Policy{Max: 5, WaitMin: time.Second, WaitMax: time.Second, Now: clock.Now, Sleep: clock.Sleep}
	_, attempts, err := p.Do(srv.Client(), "get", get(t, ctx, srv.URL), statusCheck)
	var stopped *StoppedError
	if !errors.As(err, &stopped) || !errors.Is(err, context.Canceled) || stopped.Last == nil || stopped.Last.Error() != "HTTP 503" {
		t.Fatalf("err = %v, want canceled while retrying with HTTP 503", err)
	}
	if attempts != 1 || calls.Load() != 1 {
		t.Errorf("%d attempts, %d requests, want 1", attempts, calls.Load())
	}
}

// TestDoTransportErrors: a transport error reaches the Check, and is
// retried like any other.
func TestDoTransportErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	clock := newFakeClock()
	p := Policy{Max: 2, WaitMin: time.Second, WaitMax: time.Second, Now: clock.Now, Sleep: clock.Sleep}
	_, attempts, err := p.Do(&http.Client{}, "get", get(t, context.Background(), url), statusCheck)
	if err == nil || attempts != 3 || len(clock.sleeps) != 2 {
		t.Errorf("err %v after %d attempts and %d sleeps, want an error after 3 and 2", err, attempts, len(clock.sleeps))
	}
}

// FuzzParseRetryAfter: a server's Retry-After, whatever it is, never makes
// a negative wait, and one that is not understood makes none.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "7", "-1", "99999999999999999999", "Fri, 27 Nov 2026 08:01:30 GMT", "Friday, 27-Nov-26 08:00:10 GMT", "Fri Nov 27 08:00:10 2026", "1e3", " 5 "} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if d < 0 || (!ok && d != 0) {
			t.Errorf("ParseRetryAfter(%q) = %s, %v", v, d, ok)
		}
		p := Policy{WaitMin: time.Millisecond, WaitMax: time.Second, MaxRetryAfter: time.Minute, Now: func() time.Time { return now }}
		if w := p.Backoff(3, v); w < 0 || w > time.Minute {
			t.Errorf("Backoff(3, %q) = %s, want within [0, 1m]", v, w)
		}
	})
}
