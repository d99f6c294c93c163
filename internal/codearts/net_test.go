package codearts

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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
	c, err := New(Options{Endpoint: srv.URL, RetryWaitMin: 1, RetryWaitMax: 1, Sleep: noWait})
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

// TestProxyConnectRefusals: a proxy's 407 to CONNECT is not retried and
// says what to do; a 502 (the proxy could not reach the endpoint) may pass
// and is retried.
func TestProxyConnectRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		tries  int64
		want   string
	}{
		{http.StatusProxyAuthRequired, 1, "HTTPS_PROXY"},
		{http.StatusForbidden, 1, "NO_PROXY"},
		{http.StatusBadGateway, 3, "HTTP 502"},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			t.Parallel()
			var connects atomic.Int64
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				connects.Add(1)
				w.WriteHeader(tc.status)
			}))
			t.Cleanup(proxy.Close)
			proxyURL, _ := url.Parse(proxy.URL)
			c, err := New(Options{
				Endpoint:     "https://codearts.example.test",
				Transport:    &http.Transport{Proxy: http.ProxyURL(proxyURL)},
				RetryMax:     2,
				RetryWaitMin: time.Millisecond,
				RetryWaitMax: time.Millisecond,
				Sleep:        noWait,
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Record(context.Background(), testRecord)
			if err == nil || !strings.Contains(err.Error(), tc.want) || connects.Load() != tc.tries {
				t.Errorf("%d CONNECT(s), err = %v; want %d and %q", connects.Load(), err, tc.tries, tc.want)
			}
		})
	}
}

// TestCertificateForAnotherNameFailsAtOnce: a certificate that verifies but
// names other hosts is not retried, and the message says to check the
// endpoint's host name.
func TestCertificateForAnotherNameFailsAtOnce(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	// httptest's certificate is for 127.0.0.1, ::1 and example.com.
	endpoint := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	c, err := New(Options{Endpoint: endpoint, Transport: srv.Client().Transport, RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Record(context.Background(), testRecord)
	if err == nil || !strings.Contains(err.Error(), "not valid for that name") || !strings.Contains(err.Error(), "host name") || conns.Load() != 1 {
		t.Errorf("%d connection(s), err = %v", conns.Load(), err)
	}
}
