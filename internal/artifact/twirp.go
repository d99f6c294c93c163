package artifact

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

// twirpService is the path of the artifact service's methods.
const twirpService = "/twirp/github.actions.results.api.v1.ArtifactService/"

// Error is an error answer of the artifact service or of the blob storage.
// Its message never contains the runtime token or the signed URL.
type Error struct {
	Op      string // "CreateArtifact", "FinalizeArtifact", "upload block 3", …
	Status  int    // HTTP status; 0 for an ok:false answer
	Code    string // Twirp code or Azure error code, may be empty
	Message string // the service's message, may be empty
	// Usage is set when the artifact storage quota or usage is exhausted:
	// retrying does not help.
	Usage bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	} else {
		b.WriteString(": the service answered ok=false")
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	return b.String()
}

func (e *Error) hint() string {
	switch {
	case e.Usage:
		return "artifact storage quota reached: delete old artifacts or wait until GitHub recalculates usage, every 6 to 12 hours"
	case e.Status == http.StatusConflict || e.Code == "already_exists":
		return "an artifact with this name already exists in this workflow run: choose another artifact-name"
	case e.Status == http.StatusUnauthorized:
		return "the runtime token was rejected"
	case e.Status == http.StatusForbidden:
		return "the runtime token may not upload artifacts"
	}
	return ""
}

// isUsageMessage reports whether a message says that storage usage or quota
// is exhausted (@actions/artifact looks for "insufficient usage").
func isUsageMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "insufficient usage") || strings.Contains(m, "quota")
}

// twirpClient calls the artifact service's Twirp methods with JSON bodies.
type twirpClient struct {
	base  string // origin of ACTIONS_RESULTS_URL
	token string
	ua    string
	retry *retrier
}

// call posts req to method and decodes the answer's fields.
func (c *twirpClient) call(ctx context.Context, method string, req any) (map[string]json.RawMessage, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	r, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.base+twirpService+method, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, stripURL(err))
	}
	r.Header.Set("Authorization", "Bearer "+c.token)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("User-Agent", c.ua)
	// Read the body inside the retry loop so that a truncated answer is
	// retried like a transport error; put it back for checkRetry and us.
	r.SetResponseHandler(func(resp *http.Response) error {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return rerr
	})
	resp, err := c.retry.do(method, r, func(resp *http.Response, body []byte) error {
		return twirpError(c.retry.text, method, resp.StatusCode, body)
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: read answer: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, twirpError(c.retry.text, method, resp.StatusCode, answer)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(answer, &fields); err != nil {
		return nil, fmt.Errorf("%s: invalid JSON answer: %w", method, err)
	}
	var ok bool
	if raw, found := field(fields, "ok"); !found || json.Unmarshal(raw, &ok) != nil || !ok {
		return nil, &Error{Op: method}
	}
	return fields, nil
}

// twirpError reads a Twirp error answer: {"code": "...", "msg": "..."}.
func twirpError(text *cleaner, method string, status int, body []byte) *Error {
	e := &Error{Op: method, Status: status}
	var te struct {
		Code string `json:"code"`
		Msg  string `json:"msg"`
	}
	if json.Unmarshal(body, &te) == nil {
		e.Code, e.Message = text.line(te.Code, maxCodeLen), text.line(te.Msg, maxMessageLen)
	} else if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		e.Message = text.line(string(body), maxMessageLen)
	}
	e.Usage = isUsageMessage(e.Message) || e.Code == "resource_exhausted"
	return e
}

// field returns a field by its proto name or its JSON (lowerCamel) name:
// protojson writes the latter, other servers the former.
func field(fields map[string]json.RawMessage, protoName string) (json.RawMessage, bool) {
	if v, ok := fields[protoName]; ok {
		return v, true
	}
	v, ok := fields[lowerCamel(protoName)]
	return v, ok
}

func lowerCamel(s string) string {
	var b strings.Builder
	up := false
	for _, r := range s {
		if r == '_' {
			up = true
			continue
		}
		if up {
			r = []rune(strings.ToUpper(string(r)))[0]
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stringField reads a string field.
func stringField(fields map[string]json.RawMessage, name string) (string, error) {
	raw, ok := field(fields, name)
	if !ok {
		return "", fmt.Errorf("no %s in the answer", name)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s is not a string", name)
	}
	return s, nil
}

// int64Field reads an int64 field sent as a JSON string (proto3 JSON) or a
// number.
func int64Field(fields map[string]json.RawMessage, name string) (int64, error) {
	raw, ok := field(fields, name)
	if !ok {
		return 0, fmt.Errorf("no %s in the answer", name)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q is not an integer", name, s)
		}
		return n, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("%s is not an integer", name)
	}
	return n, nil
}
