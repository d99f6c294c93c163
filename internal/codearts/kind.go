package codearts

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// Kind is what kind of failure an error is. The client decides it once,
// where the error leaves it (every error of a call carries it), so the
// code that acts on a failure (stop every stage, explain a timeout, keep
// polling, suggest an input) asks KindOf instead of reading the text.
type Kind int

// The kinds of failure, from the client's own classification.
const (
	// KindUnknown is an error no one classified (or a nil error).
	KindUnknown Kind = iota
	// KindAuth: the credentials were refused (any 401, or APIGW.0301 /
	// APIGW.0307 whatever the status). Every other call would fail too.
	KindAuth
	// KindForbidden: a 403 that is not about the credentials, e.g.
	// APIGW.0310 (the project is unavailable).
	KindForbidden
	// KindNotFound: a 404, e.g. CB.00060214 for a log that does not exist
	// (a stage that never ran has none) or APIGW.0101 for an API the
	// endpoint does not have.
	KindNotFound
	// KindThrottled: still throttled when the retries ran out (429,
	// CB.00060211, APIGW.0308).
	KindThrottled
	// KindRemote: any other error answer of the API or a gateway: a 5xx
	// still failing after the retries, another 4xx, a JSON error body or a
	// malformed answer sent with 200.
	KindRemote
	// KindNotAPI: an answer that is not the API's: an HTML page (a proxy's
	// or single sign-on service's login page), or a body in a
	// Content-Encoding that was not asked for.
	KindNotAPI
	// KindTransport: a connection or transfer failure (refused, reset,
	// truncated or stalled) still failing after the retries.
	KindTransport
	// KindUnreachable: a transport failure that no retry can fix: a host
	// that does not exist, a proxy refusing the tunnel, TLS spoken to a
	// plain-HTTP port or the reverse, a certificate that does not verify,
	// a redirect from https to http.
	KindUnreachable
	// KindTimeout: the deadline passed (the error wraps
	// context.DeadlineExceeded), also when the client gave up early because
	// the next attempt would have passed it.
	KindTimeout
	// KindCanceled: the caller cancelled the call.
	KindCanceled
	// KindLocal: this machine's side failed: writing what was received
	// (disk full), or signing the request.
	KindLocal
)

var kindNames = [...]string{
	KindUnknown:     "unknown",
	KindAuth:        "auth",
	KindForbidden:   "forbidden",
	KindNotFound:    "not-found",
	KindThrottled:   "throttled",
	KindRemote:      "remote",
	KindNotAPI:      "not-api",
	KindTransport:   "transport",
	KindUnreachable: "unreachable",
	KindTimeout:     "timeout",
	KindCanceled:    "canceled",
	KindLocal:       "local",
}

// String returns a short lower-case name ("auth", "not-found", ...).
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Kinder is an error that knows its Kind. The client's errors are; a
// caller's own error types may be too (a download skipped because the
// credentials were refused is KindAuth), so that KindOf answers for them.
type Kinder interface {
	error
	Kind() Kind
}

// KindOf returns the kind of err: that of the first error in its chain
// that knows its kind, else KindTimeout or KindCanceled for an error that
// wraps the context's, else KindUnknown.
func KindOf(err error) Kind {
	var k Kinder
	switch {
	case err == nil:
		return KindUnknown
	case errors.As(err, &k):
		return k.Kind()
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	}
	return KindUnknown
}

// Error is the error of a Client call: the operation, how many attempts
// were made and the last attempt's error, with its Kind decided once, when
// the call gave up. errors.As still finds the *APIError (and errors.Is the
// context's error) inside.
type Error struct {
	Op       string // e.g. "task-log stage2", "full-stages"
	Attempts int
	kind     Kind
	err      error
}

// Error returns e.g. `task-log stage2: after 3 attempts: HTTP 503: ...`.
func (e *Error) Error() string {
	if e.Attempts > 1 {
		return e.Op + ": after " + strconv.Itoa(e.Attempts) + " attempts: " + e.err.Error()
	}
	return e.Op + ": " + e.err.Error()
}

// Unwrap returns the last attempt's error.
func (e *Error) Unwrap() error { return e.err }

// Kind returns the kind decided when the call gave up.
func (e *Error) Kind() Kind { return e.kind }

// classify decides the kind of the error a call gave up with. The order
// matters: a cancelled or expired context wins over the error of the
// attempt it interrupted, except for failures that no retry or deadline
// would change.
func classify(err error) Kind {
	var (
		apiErr  *APIError
		sinkErr *sinkError
		authErr *authorizeError
		connErr *connError
		hostErr *hostNotFoundError
		encErr  *encodingError
	)
	switch {
	case errors.As(err, &sinkErr), errors.As(err, &authErr):
		return KindLocal
	case errors.As(err, &connErr), errors.As(err, &hostErr):
		return KindUnreachable
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.As(err, &encErr):
		return KindNotAPI
	case errors.As(err, &apiErr):
		return apiErr.Kind()
	}
	return KindTransport
}

// Kind classifies an error answer by its status and Huawei code.
func (e *APIError) Kind() Kind {
	switch {
	case e.notAPI:
		return KindNotAPI
	case e.Status == http.StatusUnauthorized || e.Code == "APIGW.0301" || e.Code == "APIGW.0307":
		return KindAuth
	case e.Status == http.StatusForbidden:
		return KindForbidden
	case e.Status == http.StatusNotFound:
		return KindNotFound
	case e.Status == http.StatusTooManyRequests || e.Code == "CB.00060211" || e.Code == "APIGW.0308":
		return KindThrottled
	}
	return KindRemote
}
