package artifact

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
)

// Lengths, in runes, to which the service's text is cut in an error.
const (
	maxCodeLen    = 100
	maxMessageLen = 300
	maxErrorLen   = 500
)

// cleaner makes text that came from the service (an error message or
// code, a transport error quoting the server) fit for an error message
// that reaches the job log, the summary and an annotation: its first line
// only, cleaned, the upload's secrets replaced by *** in whatever encoding
// the service echoes them, cut to a length. The runner masks the secrets in
// the job log, but not in every encoding, and the artifact's secrets are
// not known to the rest of the program.
type cleaner struct {
	secrets []*regexp.Regexp
}

// newCleaner returns a cleaner that scrubs the given secrets.
func newCleaner(secrets ...string) *cleaner {
	c := &cleaner{}
	for _, s := range secrets {
		c.add(s)
	}
	return c
}

// add scrubs secret, and its URL-decoded form, from now on. It must not be
// called while the cleaner is in use by another goroutine.
func (c *cleaner) add(secret string) {
	forms := []string{secret}
	if d, err := url.QueryUnescape(secret); err == nil && d != secret {
		forms = append(forms, d)
	}
	for _, f := range forms {
		if len(f) >= 4 {
			c.secrets = append(c.secrets, regexp.MustCompile(secretPattern(f)))
		}
	}
}

// secretPattern matches s with any of its bytes written as is, percent-
// encoded (either case), as a JSON \u escape, or, for '/', as JSON's \/.
func secretPattern(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		hex := fmt.Sprintf("%02X", c)
		ci := "[" + hex[:1] + strings.ToLower(hex[:1]) + "][" + hex[1:] + strings.ToLower(hex[1:]) + "]"
		b.WriteString("(?:" + regexp.QuoteMeta(string(c)) + "|%" + ci + `|\\u00` + ci)
		if c == '/' {
			b.WriteString(`|\\/`)
		}
		b.WriteString(")")
	}
	return b.String()
}

// line cleans s (see cleantext.Line), keeping its first line only, and
// cuts it to limit runes. Secrets are scrubbed after cleaning, so that a
// control character inside one does not hide it, and before cutting, so
// that no part of one remains.
func (c *cleaner) line(s string, limit int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	s = cleantext.Line(s)
	for _, re := range c.secrets {
		s = re.ReplaceAllLiteralString(s, "***")
	}
	return cleantext.Cut(s, limit)
}

// err returns err with its text cleaned; errors.Is and errors.As still
// see err.
func (c *cleaner) err(err error) error {
	if err == nil {
		return nil
	}
	msg := c.line(err.Error(), maxErrorLen)
	if msg == err.Error() {
		return err
	}
	return &cleanError{msg: msg, err: err}
}

type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }
