// Package codearts is the HTTP client of the Huawei Cloud CodeArts Build API
// operations codearts-logs uses: the build record's stages (full-stages),
// one stage's log (task-log), and the job operations of job mode (start,
// latest build, record-info, stop, real-time log).
//
// Every call is retried with exponential backoff and jitter when the failure
// is transient (transport errors other than a host that does not exist,
// truncated, reset or stalled bodies, 429, 5xx except 501, and the
// throttling code CB.00060211), honouring Retry-After but never waiting past
// the context's deadline. What a retry cannot fix (a refused proxy tunnel,
// TLS against plain HTTP either way, an unverifiable certificate, a redirect
// from https to http, which is never followed) fails at once with what to
// do. When it gives up, the error
// is or wraps an *APIError carrying the HTTP status and Huawei's error code,
// message and request id. Credentials are added by an Authorizer on every
// attempt and are only ever sent to the endpoint's origin, redirects
// included. Logs are streamed, never held in memory.
package codearts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/codearts-tools/codearts-logs/internal/retry"
)

// Defaults of Options.
const (
	DefaultRetryMax     = 5
	DefaultRetryWaitMin = time.Second
	DefaultRetryWaitMax = 30 * time.Second
	DefaultStallTimeout = 60 * time.Second
)

// maxRetryAfter caps a server's Retry-After (a wait that would pass the
// context's deadline is not made at all).
const maxRetryAfter = 10 * time.Minute

// maxRedirects bounds a redirect chain.
const maxRedirects = 10

// Authorizer adds credentials to a request. It is called on every attempt
// (so AK/SK signatures get a fresh X-Sdk-Date) and on every redirect that
// stays on the endpoint's origin, after all other headers are set, just
// before sending. It is never called for another origin.
type Authorizer interface {
	Authorize(req *http.Request) error
}

// TokenAuth sends an IAM token as X-Auth-Token.
type TokenAuth string

// Authorize sets X-Auth-Token.
func (t TokenAuth) Authorize(req *http.Request) error {
	if t == "" {
		return errors.New("empty token")
	}
	req.Header.Set("X-Auth-Token", string(t))
	return nil
}

// String hides the token from fmt.
func (t TokenAuth) String() string { return "TokenAuth(redacted)" }

// GoString hides the token from fmt's %#v.
func (t TokenAuth) GoString() string { return t.String() }

// Options configures a Client. Zero values take the documented defaults.
type Options struct {
	// Endpoint is the base URL, possibly with a path prefix
	// (https://host/prefix); requests go to Endpoint + "/v4/...".
	// It must already be validated: the rules for an endpoint (https://
	// unless the host is loopback, no user info, query or fragment) live
	// in package config alone, which checks them before any request and
	// names the input in its message. New only parses it.
	Endpoint string
	// Auth adds credentials; nil sends none.
	Auth Authorizer
	// UserAgent is sent on every request, e.g.
	// "codearts-logs/1.2.3 (+https://github.com/codearts-tools/codearts-logs)".
	UserAgent string
	// Transport performs the HTTP round trips; nil means a pooled clone of
	// http.DefaultTransport (go-cleanhttp).
	Transport http.RoundTripper
	// RetryMax is the number of retries after the first attempt (0 means the
	// default, 5; a negative value means none).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff (defaults
	// 1s and 30s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// StallTimeout abandons (and retries) a response whose headers or body
	// deliver no byte for this long (default 60s).
	StallTimeout time.Duration
	// Redact is applied to every server-provided text that ends up in an
	// error (nil means none). Give it the masking of the run's secrets.
	Redact func(string) string
	// OnRetry, when set, is called before each wait between attempts: op
	// names the call (e.g. "task-log stage2"), attempt is the attempt that
	// failed (1-based), err its (redacted) error, wait the pause before the
	// next one. It never receives secrets. Concurrent calls may call it
	// concurrently.
	OnRetry func(op string, attempt int, err error, wait time.Duration)
	// Now and Sleep are the clock of the waits between attempts (and of
	// the check that the next one would not pass the context's deadline);
	// nil means the real one. Sleep must return ctx's error early when ctx
	// is done.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls the CodeArts API. It is safe for concurrent use.
type Client struct {
	opts   Options
	base   *url.URL
	origin string
	http   *http.Client
	policy retry.Policy
	// afterFunc starts the stall timers; tests replace it to decide when
	// a window has passed.
	afterFunc func(time.Duration, func()) stallTimer
}

// New checks the options and returns a Client.
func New(o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(o.Endpoint))
	if err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: not an absolute URL", o.Endpoint)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	if o.RetryMax == 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.RetryMax < 0 {
		o.RetryMax = 0
	}
	if o.RetryWaitMin <= 0 {
		o.RetryWaitMin = DefaultRetryWaitMin
	}
	if o.RetryWaitMax <= 0 {
		o.RetryWaitMax = DefaultRetryWaitMax
	}
	o.RetryWaitMax = max(o.RetryWaitMax, o.RetryWaitMin)
	if o.StallTimeout <= 0 {
		o.StallTimeout = DefaultStallTimeout
	}
	if o.Transport == nil {
		o.Transport = cleanhttp.DefaultPooledTransport()
	}
	if t, ok := o.Transport.(*http.Transport); ok && t.OnProxyConnectResponse == nil {
		// A proxy's refusal to open a tunnel becomes a typed error, so that
		// a 407 fails at once with what to do instead of being retried.
		t = t.Clone()
		t.OnProxyConnectResponse = onProxyConnectResponse
		o.Transport = t
	}
	c := &Client{opts: o, base: u, origin: originOf(u), policy: retry.Policy{
		Max:           o.RetryMax,
		WaitMin:       o.RetryWaitMin,
		WaitMax:       o.RetryWaitMax,
		MaxRetryAfter: maxRetryAfter,
		Now:           o.Now,
		Sleep:         o.Sleep,
		OnRetry:       o.OnRetry,
	}, afterFunc: realAfterFunc}
	c.http = &http.Client{
		Transport: &transport{c: c, base: o.Transport},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if prev := via[len(via)-1].URL; strings.EqualFold(prev.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https") {
				return &downgradeError{target: req.URL}
			}
			return nil
		},
	}
	return c, nil
}

// originOf returns scheme://host:port with the default port made explicit.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// url returns the endpoint joined with an API path given as escaped segments.
func (c *Client) url(query url.Values, segments ...string) *url.URL {
	u := *c.base
	var p, raw strings.Builder
	p.WriteString(u.Path)
	raw.WriteString(u.EscapedPath())
	for _, s := range segments {
		p.WriteString("/" + s)
		raw.WriteString("/" + url.PathEscape(s))
	}
	u.Path, u.RawPath = p.String(), raw.String()
	if len(query) > 0 {
		// Spaces as %20, not '+': AK/SK canonical queries use %20.
		u.RawQuery = strings.ReplaceAll(query.Encode(), "+", "%20")
	}
	return &u
}

// operation is one API call, whatever its attempts.
type operation struct {
	c    *Client
	name string
	// unsafe marks a call that must not run twice (starting a build): it
	// is retried only when the request surely never reached the server.
	unsafe bool
}

// do runs one GET with retries. handle is called with every response and
// turns it into nil (success) or a classified error; it must close the body.
func (c *Client) do(ctx context.Context, name string, u *url.URL, handle func(*http.Response) error) (int, error) {
	return c.send(ctx, &operation{c: c, name: name}, http.MethodGet, u, nil, handle)
}

// post runs one POST with a JSON body (nil for none) that is retried only
// when the request surely did not reach the server (see notSent): a POST
// that reached it may have acted, and doing it again could, say, start a
// second build.
func (c *Client) post(ctx context.Context, name string, u *url.URL, body []byte, handle func(*http.Response) error) (int, error) {
	return c.send(ctx, &operation{c: c, name: name, unsafe: true}, http.MethodPost, u, body, handle)
}

func (c *Client) send(ctx context.Context, op *operation, method string, u *url.URL, body []byte, handle func(*http.Response) error) (int, error) {
	name := op.name
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), raw)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	req.SetResponseHandler(func(resp *http.Response) error {
		if enc := contentEncoding(resp.Header); enc != "" && resp.StatusCode/100 == 2 {
			// Only gzip was asked for, and the transport has decoded it: these
			// bytes are compressed in a way nobody here reads, and saving them
			// would save something that looks like a log but is not.
			_ = resp.Body.Close()
			return &encodingError{encoding: c.clean(enc, 60)}
		}
		if resp.StatusCode/100 == 2 && isHTML(resp.Header.Get("Content-Type")) {
			// No API operation answers HTML: this is a page of something
			// in between (an SSO or proxy login page), not a log.
			defer resp.Body.Close()
			return c.htmlPageError(resp)
		}
		return handle(resp)
	})
	resp, attempts, err := c.policy.Do(c.http, name, req, op.check)
	if resp != nil {
		_ = resp.Body.Close()
	}
	if err == nil {
		return attempts, nil
	}
	return attempts, &Error{Op: name, Attempts: attempts, kind: classify(err), err: err}
}

// check is the retry.Check of a call. With handle installed, every
// response reaches it as an error (or nil for success), so it only
// classifies errors.
func (op *operation) check(ctx context.Context, _ *http.Response, err error) (bool, error) {
	if err == nil {
		return false, nil
	}
	err = op.c.redactTransport(err)
	if ctx.Err() != nil {
		// The policy reports the end of ctx with this error.
		return false, err
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		// The name does not exist: asking again will not create it.
		return false, &hostNotFoundError{host: op.c.redact(dnsErr.Name), err: err}
	}
	if perm := op.c.permanent(err); perm != nil {
		return false, perm
	}
	if !retryable(ctx, err) {
		return false, err
	}
	if op.unsafe && !notSent(err) {
		return false, &NotRetriedError{Op: op.name, Err: err}
	}
	return true, err
}

// retryable classifies an attempt's error.
func retryable(ctx context.Context, err error) bool {
	var apiErr *APIError
	var bodyErr *bodyError
	var sinkErr *sinkError
	var authErr *authorizeError
	var encErr *encodingError
	switch {
	case errors.As(err, &sinkErr), errors.As(err, &authErr):
		return false
	case errors.As(err, &bodyErr), errors.As(err, &encErr):
		return true
	case errors.As(err, &apiErr):
		return apiErr.retryable()
	}
	// A transport error: retry unless it cannot change (bad scheme, too
	// many redirects, invalid header, untrusted certificate).
	ok, _ := retryablehttp.DefaultRetryPolicy(ctx, nil, unwrapRedacted(err))
	return ok
}

// contentEncoding returns the codings of a response's Content-Encoding,
// lower-cased and joined by ", ", without "identity" (which means none).
func contentEncoding(h http.Header) string {
	var codings []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	return strings.Join(codings, ", ")
}

func unwrapRedacted(err error) error {
	var r *redactedError
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// redactTransport passes a transport error's text (which may quote a
// server-chosen redirect URL) through Redact.
func (c *Client) redactTransport(err error) error {
	var apiErr *APIError
	var bodyErr *bodyError
	var sinkErr *sinkError
	if c.opts.Redact == nil || errors.As(err, &apiErr) || errors.As(err, &sinkErr) {
		return err
	}
	if errors.As(err, &bodyErr) {
		return &bodyError{err: &redactedError{msg: c.opts.Redact(bodyErr.err.Error()), err: bodyErr.err}}
	}
	return &redactedError{msg: c.opts.Redact(err.Error()), err: err}
}

// transport adds the User-Agent and, for the endpoint's origin only, the
// credentials; it also abandons responses that stall.
type transport struct {
	c    *Client
	base http.RoundTripper
}

// credentialHeaders are removed from any request leaving the endpoint's
// origin (net/http copies custom headers to redirect targets).
var credentialHeaders = []string{"X-Auth-Token", "Authorization", "X-Sdk-Date", "X-Project-Id"}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	out := req.Clone(ctx)
	if t.c.opts.UserAgent != "" {
		out.Header.Set("User-Agent", t.c.opts.UserAgent)
	}
	// Ask for gzip ourselves: the transport then leaves the body (and its
	// Content-Length) alone and we check the gzip trailer.
	out.Header.Set("Accept-Encoding", "gzip")
	if originOf(out.URL) == t.c.origin {
		if t.c.opts.Auth != nil {
			if err := t.c.opts.Auth.Authorize(out); err != nil {
				cancel(nil)
				return nil, &authorizeError{err: err}
			}
		}
	} else {
		for _, h := range credentialHeaders {
			out.Header.Del(h)
		}
	}

	stall := t.c.opts.StallTimeout
	timer := t.c.afterFunc(stall, func() { cancel(errStalled(stall)) })
	resp, err := t.base.RoundTrip(out)
	if !timer.Stop() {
		if err == nil {
			_ = resp.Body.Close()
		}
		cancel(nil)
		return nil, fmt.Errorf("waiting for response headers: %w", errStalled(stall))
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = &stallBody{body: resp.Body, ctx: ctx, cancel: cancel, timeout: stall, timer: timer}
	if enc := contentEncoding(resp.Header); enc == "gzip" || enc == "x-gzip" {
		// As net/http does when it asked for gzip itself; x-gzip is an
		// alias of gzip (RFC 9110, section 8.4.1.3). Any other encoding is
		// left in the header, and do refuses the body.
		resp.Body = &gzipBody{body: resp.Body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, nil
}
