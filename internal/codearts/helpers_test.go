package codearts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

const (
	testRecord = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"
	testToken  = "tok-SECRET-0123456789abcdef"
	testPrefix = "/codearts"
	testUA     = "codearts-logs/test (+https://github.com/codearts-tools/codearts-logs)"
)

// testLog is a small log with Chinese text and ANSI colours, long enough to
// be cut in the middle.
var testLog = []byte(strings.Repeat("[2023/12/21 15:44:18.793 GMT+08:00] [INFO] [Maven构建:external_post_maven] : 该步骤开始执行。 \x1b[31m[ERROR]\x1b[0m x\n", 200))

// env is a fake CodeArts service on a loopback server and a client for it.
type env struct {
	fake   *fakecodearts.Server
	server *httptest.Server
	client *Client
	opts   Options
	clock  *fakeClock // the client's, unless tweak replaced it
}

// fakeClock is an instant clock for the waits (between attempts, between
// polls): Sleep moves time forward (and runs onSleep, when set) instead of
// waiting, and returns ctx's error, as a real sleep cut short would.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	sleeps  []time.Duration
	onSleep func()
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
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

// noWait is an Options.Sleep for the tests that do not look at the waits:
// it waits on no timer.
func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// slept is the total time slept.
func (c *fakeClock) slept() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var d time.Duration
	for _, s := range c.sleeps {
		d += s
	}
	return d
}

// newEnv starts the fake under testPrefix with the record testRecord made of
// stages, and a client with millisecond backoff on a fake clock (no retry
// waits on a real timer). tweak may change the client options before New.
func newEnv(t testing.TB, tweak func(*Options), stages ...fakecodearts.StageSpec) *env {
	t.Helper()
	fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: testPrefix, Token: testToken})
	fake.AddRecord(testRecord, stages...)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	clock := newFakeClock()
	o := Options{
		Now:          clock.Now,
		Sleep:        clock.Sleep,
		Endpoint:     ts.URL + testPrefix,
		Auth:         TokenAuth(testToken),
		UserAgent:    testUA,
		Transport:    ts.Client().Transport,
		RetryMax:     5,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		StallTimeout: 5 * time.Second,
		Redact:       func(s string) string { return strings.ReplaceAll(s, testToken, "***") },
	}
	if tweak != nil {
		tweak(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &env{fake: fake, server: ts, client: c, opts: o, clock: clock}
}

// download runs TaskLog into a buffer that each attempt starts afresh.
func (e *env) download(ctx context.Context, task, level string) ([]byte, int, error) {
	var buf bytes.Buffer
	n, err := e.client.TaskLog(ctx, testRecord, task, level, func(body io.Reader) error {
		buf.Reset()
		_, err := io.Copy(&buf, body)
		return err
	})
	return buf.Bytes(), n, err
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// countingAuth records every Authorize call and sets all the credential
// headers the client must never send to another origin.
type countingAuth struct{ calls atomic.Int64 }

func (a *countingAuth) Authorize(req *http.Request) error {
	n := a.calls.Add(1)
	req.Header.Set("X-Auth-Token", testToken)
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=abc")
	req.Header.Set("X-Sdk-Date", time.Now().UTC().Format("20060102T150405Z")+"-"+strconv.FormatInt(n, 10))
	req.Header.Set("X-Project-Id", "project-1")
	return nil
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// fakeTimers replaces the stall timers: a stall window passes only when
// the test calls fire.
type fakeTimers struct {
	mu     sync.Mutex
	timers []*fakeTimer
	armed  chan struct{} // a token each time a timer is started or reset
}

type fakeTimer struct {
	ft      *fakeTimers
	f       func()
	running bool
}

// useFakeTimers makes c's stall timers fakeTimers.
func useFakeTimers(c *Client) *fakeTimers {
	ft := &fakeTimers{armed: make(chan struct{}, 100)}
	c.afterFunc = ft.afterFunc
	return ft
}

func (ft *fakeTimers) afterFunc(_ time.Duration, f func()) stallTimer {
	t := &fakeTimer{ft: ft, f: f, running: true}
	ft.mu.Lock()
	ft.timers = append(ft.timers, t)
	ft.mu.Unlock()
	ft.notify()
	return t
}

func (ft *fakeTimers) notify() {
	select {
	case ft.armed <- struct{}{}:
	default:
	}
}

// drain forgets the tokens of the timers started so far.
func (ft *fakeTimers) drain() {
	for {
		select {
		case <-ft.armed:
		default:
			return
		}
	}
}

// fire lets the window of every running timer pass, as if no byte had
// come for the whole stall timeout, and returns how many fired.
func (ft *fakeTimers) fire() int {
	ft.mu.Lock()
	var due []*fakeTimer
	for _, t := range ft.timers {
		if t.running {
			t.running = false
			due = append(due, t)
		}
	}
	ft.mu.Unlock()
	for _, t := range due {
		t.f()
	}
	return len(due)
}

func (t *fakeTimer) Stop() bool {
	t.ft.mu.Lock()
	defer t.ft.mu.Unlock()
	was := t.running
	t.running = false
	return was
}

func (t *fakeTimer) Reset(time.Duration) bool {
	t.ft.mu.Lock()
	was := t.running
	t.running = true
	t.ft.mu.Unlock()
	t.ft.notify()
	return was
}
