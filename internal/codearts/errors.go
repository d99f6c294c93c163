package codearts

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
)

// maxErrorBody caps how much of an error body is read.
const maxErrorBody = 64 << 10

// maxMessage caps the length (in runes) of a Message taken from the server.
const maxMessage = 300

// APIError is an error answer of the CodeArts API (or of a gateway in front
// of it). Every text field comes from the server and has been passed through
// Options.Redact.
type APIError struct {
	Status    int    // HTTP status (200 for a JSON error body sent with 200)
	Code      string // Huawei error_code, e.g. CB.00060214; empty when the body had none
	Message   string // error_msg, or a short cleaned excerpt of a non-JSON body
	RequestID string // request_id from the body or the X-Request-Id header

	notAPI bool // a page of something in between (KindNotAPI)
}

// Error returns e.g. `HTTP 404 CB.00060214: the log was not found (request id abc)`.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	msg := e.Message
	if msg == "" {
		msg = strings.ToLower(http.StatusText(e.Status))
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// retryable reports whether the answer is worth another attempt: 429, 5xx
// except 501, and the throttling codes whatever status carries them
// (CodeArts reports throttling as 400 CB.00060211).
func (e *APIError) retryable() bool {
	switch {
	case e.Status == http.StatusTooManyRequests:
		return true
	case e.Status >= 500 && e.Status != http.StatusNotImplemented:
		return true
	case e.Code == "CB.00060211" || e.Code == "APIGW.0308":
		return true
	}
	return false
}

// IsAuthError reports whether err is (or wraps) an authentication refusal:
// any 401, or the codes APIGW.0301 / APIGW.0307 whatever the status. Such an
// error will not go away by retrying or by asking for another stage.
func IsAuthError(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Kind() == KindAuth
}

// errorBody is the union of the error shapes seen in Huawei answers.
type errorBody struct {
	ErrorCode string          `json:"error_code"`
	ErrorMsg  string          `json:"error_msg"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	RequestID string          `json:"request_id"`
	Error     json.RawMessage `json:"error"`
}

// fields returns code and message, looking into a nested "error" object or
// string when the top level has none.
func (b errorBody) fields() (code, msg string) {
	code = firstNonEmpty(b.ErrorCode, b.Code)
	msg = firstNonEmpty(b.ErrorMsg, b.Message)
	if (code == "" || msg == "") && len(b.Error) > 0 && string(b.Error) != "null" {
		var inner errorBody
		var s string
		switch {
		case json.Unmarshal(b.Error, &inner) == nil:
			code = firstNonEmpty(code, inner.ErrorCode, inner.Code)
			msg = firstNonEmpty(msg, inner.ErrorMsg, inner.Message)
		case json.Unmarshal(b.Error, &s) == nil:
			msg = firstNonEmpty(msg, s)
		}
	}
	return code, msg
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// isJSON reports whether a Content-Type announces JSON.
func isJSON(contentType string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "application/json")
}

// isHTML reports whether a Content-Type announces an HTML page.
func isHTML(contentType string) bool {
	mt := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

var htmlTitle = regexp.MustCompile(`(?is)<title\b[^>]*>(.*?)</title\s*>`)

// htmlPageError is the error for a successful answer that is an HTML page:
// what a single sign-on service or a proxy in front of the endpoint shows
// instead of the API's answer. It names the content type and the page's
// title (cleaned and cut) and, like any 200 APIError, is not retried.
func (c *Client) htmlPageError(resp *http.Response) *APIError {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	what := "an HTML page (" + c.clean(resp.Header.Get("Content-Type"), 60) + ")"
	title := ""
	if m := htmlTitle.FindSubmatch(data); m != nil {
		title = c.clean(html.UnescapeString(string(m[1])), 80)
	}
	if title == "" {
		title = c.clean(htmlText(string(data)), 80)
	}
	if title != "" {
		what += fmt.Sprintf(" titled %q", title)
	}
	return c.withRequestID(&APIError{
		Status: resp.StatusCode,
		notAPI: true,
		Message: what + " came back instead of the API's answer: a login page of a proxy or single sign-on " +
			"service in front of the endpoint? Let this runner reach the endpoint directly (NO_PROXY) or through a proxy that does not ask for a login",
	}, resp)
}

// newAPIError builds the error for a response that is not a usable answer,
// reading at most maxErrorBody bytes of its body (the caller closes it).
func (c *Client) newAPIError(resp *http.Response) *APIError {
	var e *APIError
	if enc := contentEncoding(resp.Header); enc != "" {
		// Compressed in a way the client does not read: the status is all
		// there is to say.
		e = &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("%s (body in Content-Encoding %q, not read)", strings.ToLower(http.StatusText(resp.StatusCode)), c.clean(enc, 60))}
	} else {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e = c.parseErrorBody(resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
	if e.RequestID == "" {
		e.RequestID = c.clean(resp.Header.Get("X-Request-Id"), 100)
	}
	return e
}

// parseErrorBody turns an error body into an APIError: JSON when it parses as
// one of Huawei's shapes, else a cleaned excerpt of the text.
func (c *Client) parseErrorBody(status int, contentType string, data []byte) *APIError {
	e := &APIError{Status: status}
	var b errorBody
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "{") && json.Unmarshal(data, &b) == nil {
		code, msg := b.fields()
		e.Code = c.clean(code, 60)
		e.Message = c.clean(msg, maxMessage)
		e.RequestID = c.clean(b.RequestID, 100)
		if e.Code == "" && e.Message == "" {
			e.Message = "unexpected JSON response: " + c.clean(trimmed, maxMessage)
		}
		return e
	}
	e.Message = c.excerpt(contentType, data)
	if isJSON(contentType) && status/100 == 2 {
		e.Message = "unexpected JSON response: " + e.Message
	}
	return e
}

// excerpt returns a short, cleaned, redacted excerpt of a body that is not
// one of Huawei's JSON error shapes: the visible text of an HTML page, or the
// text itself.
func (c *Client) excerpt(contentType string, data []byte) string {
	text := strings.TrimSpace(string(data))
	if strings.Contains(strings.ToLower(contentType), "html") || strings.HasPrefix(text, "<") {
		text = htmlText(text)
	}
	return c.clean(text, maxMessage)
}

var (
	scriptStyle = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)\s*>`)
	htmlTag     = regexp.MustCompile(`(?s)<[^>]*>`)
)

// htmlText returns the visible text of an HTML page.
func htmlText(s string) string {
	s = scriptStyle.ReplaceAllString(s, " ")
	s = htmlTag.ReplaceAllString(s, " ")
	return html.UnescapeString(s)
}

// clean makes server text safe to put in an error: redacted (before it is
// cut, so no partial secret survives), valid UTF-8, no control characters,
// white space collapsed, at most limit runes, and redacted again.
func (c *Client) clean(s string, limit int) string {
	// The shared cleaner first: it also removes escape sequences with
	// their parameters and the BiDi controls, which are not IsControl.
	s = cleantext.Line(c.redact(strings.ToValidUTF8(s, "\uFFFD")))
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if n >= limit {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return c.redact(b.String())
}

func (c *Client) redact(s string) string {
	if c.opts.Redact == nil || s == "" {
		return s
	}
	return c.opts.Redact(s)
}

// redactedError hides server-provided text (a redirect URL, say) in a
// transport error's message while keeping the chain for errors.Is.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// bodyError is a failure while reading a response body (truncation, reset,
// stall, corrupt gzip): the attempt is retried.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the response body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// encodingError is a successful answer whose body came in a Content-Encoding
// the client did not ask for (it asks for gzip, which it decodes): deflate,
// br, zstd or a stack of codings. Retried, as a proxy may have re-encoded one
// answer; the body is never used.
type encodingError struct{ encoding string } // already cleaned

func (e *encodingError) Error() string {
	return fmt.Sprintf("the server sent the body with Content-Encoding %q, which was not asked for (only gzip is accepted); the body was not used", e.encoding)
}

// IsEncodingError reports whether err is (or wraps) an answer refused for
// its Content-Encoding, so that a caller can name the failure without
// quoting the server.
func IsEncodingError(err error) bool {
	var e *encodingError
	return errors.As(err, &e)
}

// sinkError is a failure of the caller's sink itself (disk full): not retried.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

// authorizeError is a failure of the Authorizer: not retried.
type authorizeError struct{ err error }

func (e *authorizeError) Error() string { return "authorize request: " + e.err.Error() }
func (e *authorizeError) Unwrap() error { return e.err }

// hostNotFoundError is a DNS answer that the host does not exist
// (NXDOMAIN): not retried, as a wrong region or endpoint will not start
// resolving. It wraps the *net.DNSError.
type hostNotFoundError struct {
	host string // already redacted
	err  error
}

func (e *hostNotFoundError) Error() string {
	return fmt.Sprintf("host %q does not exist (DNS: no such host): check the region and endpoint inputs", e.host)
}

func (e *hostNotFoundError) Unwrap() error { return e.err }
