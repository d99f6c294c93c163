package codearts

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/aksk"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts/akskcheck"
)

// TestAKSKSigningEndToEnd runs the client with the real signer against the
// fake with the real verifier: every attempt and the same-origin redirect
// must carry a valid signature of its own path and query.
func TestAKSKSigningEndToEnd(t *testing.T) {
	t.Parallel()
	const ak, sk, project = "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", "77b6a44cba5143ab91d13ab9a8ff44fd"
	task := "build stage+1"
	newServer := func() (*fakecodearts.Server, *httptest.Server) {
		fake := fakecodearts.New(fakecodearts.Options{T: t, Prefix: testPrefix, Verify: func(r *http.Request) error {
			return akskcheck.Verify(r, func(k string) (string, bool) { return sk, k == ak }, project, time.Now(), 0)
		}})
		ts := httptest.NewServer(fake)
		t.Cleanup(ts.Close)
		return fake, ts
	}
	fake, ts := newServer()
	redirect := ts.URL + testPrefix + "/v4/" + testRecord + "/task-log?log_level=INFO&task_name=build%20stage%2B1"
	fake.AddRecord(testRecord, fakecodearts.StageSpec{Task: task, Log: testLog, Faults: []fakecodearts.Fault{{Status: 503}, {RedirectTo: redirect}}})

	for _, tc := range []struct {
		name     string
		secret   string
		wantErr  bool
		attempts int
	}{
		{"good key", sk, false, 2},
		{"wrong secret", "not-the-secret", true, 1},
	} {
		c, err := New(Options{
			Endpoint: ts.URL + testPrefix, Transport: ts.Client().Transport,
			Auth:         &aksk.Signer{AccessKey: ak, SecretKey: tc.secret, ProjectID: project},
			RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait,
		})
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		attempts, err := c.TaskLog(context.Background(), testRecord, task, "INFO", func(body io.Reader) error {
			got.Reset()
			_, err := io.Copy(&got, body)
			return err
		})
		if tc.wantErr {
			if err == nil || !IsAuthError(err) || attempts != tc.attempts {
				t.Errorf("%s: attempts = %d, err = %v; want one auth error", tc.name, attempts, err)
			}
			continue
		}
		if err != nil || attempts != tc.attempts || sum(got.Bytes()) != sum(testLog) {
			t.Errorf("%s: attempts = %d, err = %v", tc.name, attempts, err)
		}
	}
}
