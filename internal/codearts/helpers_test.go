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
}

// newEnv starts the fake under testPrefix with the record testRecord made of
// stages, and a client with millisecond backoff. tweak may change the client
// options before New.
func newEnv(t testing.TB, tweak func(*Options), stages ...fakecodearts.StageSpec) *env {
	t.Helper()
	fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: testPrefix, Token: testToken})
	fake.AddRecord(testRecord, stages...)
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	o := Options{
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
	return &env{fake: fake, server: ts, client: c, opts: o}
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
