package codearts

import (
	"context"
	"errors"
	"fmt"
	"github.com/codearts-tools/codearts-logs/internal/retry"
	"io"
	"net"
	"testing"
	"time"
)

// TestClassify: the kind of a call's error comes from the client's own
// error types, in an order where what no retry or deadline changes wins
// over the context, and the context wins over the attempt it interrupted.
func TestClassify(t *testing.T) {
	t.Parallel()
	throttled := &APIError{Status: 429, Code: "APIGW.0308"}
	reset := &bodyError{err: io.ErrUnexpectedEOF}
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"401", &APIError{Status: 401, Code: "APIGW.0307"}, KindAuth},
		{"403 with the credential code", &APIError{Status: 403, Code: "APIGW.0301"}, KindAuth},
		{"403 project unavailable", &APIError{Status: 403, Code: "APIGW.0310"}, KindForbidden},
		{"404", &APIError{Status: 404, Code: "CB.00060214"}, KindNotFound},
		{"429", throttled, KindThrottled},
		{"throttling as 400", &APIError{Status: 400, Code: "CB.00060211"}, KindThrottled},
		{"503", &APIError{Status: 503}, KindRemote},
		{"JSON error with 200", &APIError{Status: 200, Code: "CB.00060200"}, KindRemote},
		{"HTML page", &APIError{Status: 200, notAPI: true}, KindNotAPI},
		{"encoding not asked for", &encodingError{encoding: "br"}, KindNotAPI},
		{"reset body", reset, KindTransport},
		{"refused connection", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, KindTransport},
		{"certificate", &connError{msg: "certificate", err: errors.New("x509")}, KindUnreachable},
		{"no such host", &hostNotFoundError{host: "x", err: &net.DNSError{IsNotFound: true}}, KindUnreachable},
		{"disk full", &sinkError{err: errors.New("no space left on device")}, KindLocal},
		{"signing", &authorizeError{err: errors.New("no key")}, KindLocal},
		{"gave up before the deadline, throttled", &retry.DeadlineError{Wait: time.Second, Last: throttled}, KindTimeout},
		{"deadline in the transfer", &bodyError{err: context.DeadlineExceeded}, KindTimeout},
		{"cancelled while retrying", &retry.StoppedError{Cause: context.Canceled, Last: reset}, KindCanceled},
		{"cancelled after a certificate error", &retry.StoppedError{Cause: context.Canceled, Last: &connError{msg: "certificate", err: errors.New("x509")}}, KindUnreachable},
	}
	for _, tc := range tests {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("%s: classify = %v, want %v", tc.name, got, tc.want)
		}
		// Wrapped as a call returns it, and then by the caller.
		err := fmt.Errorf("stage1: %w", &Error{Op: "task-log stage1", Attempts: 3, kind: classify(tc.err), err: tc.err})
		if got := KindOf(err); got != tc.want {
			t.Errorf("%s: KindOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestKindOfWithoutTheClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want Kind
	}{
		{nil, KindUnknown},
		{errors.New("something"), KindUnknown},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), KindTimeout},
		{fmt.Errorf("x: %w", context.Canceled), KindCanceled},
		{fmt.Errorf("x: %w", &APIError{Status: 404}), KindNotFound},
	} {
		if got := KindOf(tc.err); got != tc.want {
			t.Errorf("KindOf(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	last := &APIError{Status: 503, Message: "busy"}
	if got, want := (&Error{Op: "full-stages", Attempts: 1, err: last}).Error(), "full-stages: HTTP 503: busy"; got != want {
		t.Errorf("one attempt: %q, want %q", got, want)
	}
	if got, want := (&Error{Op: "task-log stage2", Attempts: 6, err: last}).Error(), "task-log stage2: after 6 attempts: HTTP 503: busy"; got != want {
		t.Errorf("six attempts: %q, want %q", got, want)
	}
}
