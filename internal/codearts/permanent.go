package codearts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
)

// connError is a transport failure that no retry can fix: a refused
// downgrade, a proxy that will not open a tunnel, TLS spoken to a
// plain-HTTP port or plain HTTP to a TLS port, a certificate that does not
// verify. Its message says what is wrong and what to do; it wraps the
// transport's error for errors.Is and errors.As.
type connError struct {
	msg string // built from the client's own words and redacted names
	err error
}

func (e *connError) Error() string { return e.msg }
func (e *connError) Unwrap() error { return e.err }

// downgradeError is returned by CheckRedirect for a redirect from https to
// plain http: the answer would travel unencrypted, and anyone on the path
// could choose it.
type downgradeError struct {
	target *url.URL
}

func (e *downgradeError) Error() string {
	return "refused a redirect from https to plain http (" + e.target.Scheme + "://" + e.target.Host + e.target.EscapedPath() + ")"
}

// proxyConnectError is a proxy's answer other than 200 to CONNECT (the
// tunnel to an https endpoint).
type proxyConnectError struct {
	proxy  string // host:port of the proxy
	status int
}

func (e *proxyConnectError) Error() string {
	return fmt.Sprintf("the proxy %s refused to open a tunnel to the endpoint: HTTP %d %s", e.proxy, e.status, http.StatusText(e.status))
}

// transient reports whether the proxy's answer may change: throttling, or
// the proxy failing to reach the endpoint (5xx).
func (e *proxyConnectError) transient() bool {
	return e.status == http.StatusTooManyRequests || e.status >= 500
}

// onProxyConnectResponse is http.Transport's OnProxyConnectResponse: it
// turns a refused CONNECT into a *proxyConnectError (net/http's own error
// is only the reason phrase the proxy chose).
func onProxyConnectResponse(_ context.Context, proxyURL *url.URL, _ *http.Request, res *http.Response) error {
	if res.StatusCode == http.StatusOK {
		return nil
	}
	return &proxyConnectError{proxy: proxyURL.Host, status: res.StatusCode}
}

// tlsAnswerToPlainHTTP matches net/http's error for an answer that is not
// HTTP but a TLS record (alert 0x15 or handshake 0x16, version 3.x): a TLS
// port spoken to in plain HTTP. net/http has no typed error for it; the
// bytes are quoted by net/http (%q), so this matches net/http's words and
// escapes, never raw server text.
var tlsAnswerToPlainHTTP = regexp.MustCompile(`malformed HTTP response "\\x1[56]\\x03`)

// permanent returns a *connError for a transport error that retrying cannot
// fix, or nil. host names the server the failed request went to (already
// redacted).
func (c *Client) permanent(err error) *connError {
	host := c.base.Host
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		if u, perr := url.Parse(urlErr.URL); perr == nil && u.Host != "" {
			host = u.Host
		}
	}
	host = c.clean(host, 200)
	var (
		down      *downgradeError
		proxyErr  *proxyConnectError
		recordErr tls.RecordHeaderError
		verifyErr *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	var msg string
	switch {
	case errors.As(err, &down):
		msg = c.clean(down.Error(), 300) + ": the answer would travel unencrypted; use an endpoint that stays on https"
	case errors.As(err, &proxyErr) && !proxyErr.transient():
		msg = c.clean(proxyErr.Error(), 300)
		switch proxyErr.status {
		case http.StatusProxyAuthRequired:
			msg += ": give the proxy's credentials in HTTPS_PROXY (http://user:password@proxy:port), or exempt the endpoint's host with NO_PROXY"
		default:
			msg += ": the proxy does not let this runner reach the endpoint; ask its administrators, or exempt the endpoint's host with NO_PROXY"
		}
	case errors.Is(err, http.ErrSchemeMismatch):
		msg = fmt.Sprintf("the server at %s answered in plain HTTP to an https request: this port speaks http://, not https://; check the endpoint's scheme and port", host)
	case errors.As(err, &recordErr):
		msg = fmt.Sprintf("the server at %s does not speak TLS on this port; check the endpoint's scheme and port", host)
	case tlsAnswerToPlainHTTP.MatchString(err.Error()):
		msg = fmt.Sprintf("the server at %s answered a plain HTTP request with TLS: this port speaks https://; use https:// in the endpoint", host)
	case errors.As(err, &hostname):
		msg = fmt.Sprintf("the TLS certificate of %s is not valid for that name (%s); check the endpoint's host name", host, c.clean(hostname.Error(), 300))
	case errors.As(err, &invalid):
		msg = fmt.Sprintf("the TLS certificate of %s is not valid (%s); check the system clock, or the endpoint", host, c.clean(invalid.Error(), 300))
	case errors.As(err, &authority), errors.As(err, &verifyErr):
		why := authority.Error()
		if verifyErr != nil {
			why = verifyErr.Err.Error()
		}
		msg = fmt.Sprintf("the TLS certificate of %s cannot be verified (%s); if the endpoint uses a private CA, add it to the system's trust store or point SSL_CERT_FILE at a file that holds it", host, c.clean(why, 300))
	default:
		return nil
	}
	return &connError{msg: msg, err: err}
}
