package codearts

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestEncodedErrorBodyKeepsTheStatus: an error answer compressed in a way
// the client does not read still reports its status (and is retried or not
// by that status), without quoting compressed bytes.
func TestEncodedErrorBodyKeepsTheStatus(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Encoding", "br")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("\x1b\x0b\x00\xf8\xff compressed"))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{Endpoint: srv.URL, RetryWaitMin: 1, RetryWaitMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.TaskLog(context.Background(), testRecord, "stage1", "", func(io.Reader) error {
		t.Error("the sink got an error body")
		return nil
	})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || strings.Contains(err.Error(), "compressed") {
		t.Errorf("err = %v", err)
	}
	if !strings.Contains(err.Error(), `Content-Encoding "br"`) || calls.Load() != 1 {
		t.Errorf("err = %v after %d call(s), want the encoding named and no retry of a 403", err, calls.Load())
	}
}
