// Package secret is the one place that knows the run's secrets: which
// inputs and environment variables hold them (the inventory), how the
// runner is told to mask them, and how they are removed from text and
// streams, in the forms a server may echo them back (as is, URL-encoded,
// base64 or JSON-escaped).
//
// A Set is built once per run, before anything is printed, and passed to
// whatever writes server-provided text: the saved logs, error messages,
// display names and statuses, the summary, the outputs and the artifact.
package secret

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// RunnerEnv are the environment variables that hold the runner's own
// secrets (the artifact service's token). The secret inputs and their
// environment fallbacks are declared with the inputs, in config.Inputs.
var RunnerEnv = []string{"ACTIONS_RUNTIME_TOKEN"}

// Redacted replaces every secret in redacted text.
const Redacted = "***"

// MinLen is the shortest secret (or encoded form of one) that is redacted:
// a shorter one would mangle ordinary text, and no credential is that short
// (config refuses such values anyway).
const MinLen = 4

// Set holds the secrets of one run and every form in which they are
// redacted. The zero value and a nil *Set hold no secret. A Set is not
// changed after New, so it is safe for concurrent use.
type Set struct {
	values   []string // as given (trimmed), for the runner's masks
	patterns []string // every form to redact, longest first
	longest  int
	replacer *strings.Replacer
}

// FromRun returns the Set of a run: the values of the secret inputs (and
// of their environment fallbacks) and the RunnerEnv variables. Values that
// fail validation belong to it too: they must not be printed either.
func FromRun(inputValues []string, getenv func(string) string) *Set {
	vals := append([]string(nil), inputValues...)
	for _, k := range RunnerEnv {
		vals = append(vals, getenv(k))
	}
	return New(vals...)
}

// New returns the Set of the given secrets; empty values are ignored and
// values are trimmed of surrounding white space, as inputs are.
func New(secrets ...string) *Set {
	s := &Set{}
	seenVal := map[string]bool{}
	seenPat := map[string]bool{}
	addPattern := func(p string) {
		if len(p) >= MinLen && !seenPat[p] {
			seenPat[p] = true
			s.patterns = append(s.patterns, p)
		}
	}
	for _, v := range secrets {
		v = strings.TrimSpace(v)
		if v == "" || seenVal[v] {
			continue
		}
		seenVal[v] = true
		s.values = append(s.values, v)
		forms := []string{v}
		// A multi-line value can come back one line at a time; the runner
		// masks each line too.
		if strings.ContainsAny(v, "\r\n") {
			forms = append(forms, strings.FieldsFunc(v, func(c rune) bool { return c == '\r' || c == '\n' })...)
		}
		for _, f := range forms {
			for _, p := range Encodings(strings.TrimSpace(f)) {
				addPattern(p)
			}
		}
	}
	// Longest first: where two forms match at the same place, the longer
	// one is replaced whole.
	sort.SliceStable(s.patterns, func(i, j int) bool { return len(s.patterns[i]) > len(s.patterns[j]) })
	if len(s.patterns) > 0 {
		s.longest = len(s.patterns[0])
		olds := make([]string, 0, 2*len(s.patterns))
		for _, p := range s.patterns {
			olds = append(olds, p, Redacted)
		}
		s.replacer = strings.NewReplacer(olds...)
	}
	return s
}

// Encodings returns v and the forms in which a server or a build script may
// echo it: URL-encoded (query form with '+' for a space and path form with
// %20, upper- and lower-case hex), JSON-escaped (with and without HTML
// escapes, and with escaped slashes), and base64 (standard and URL
// alphabets). For base64 it gives the characters that encode v alone at each
// of the three byte alignments, so that v is found whole or inside a longer
// base64 text (such as "user:" + v, or v followed by a newline), padded or
// not; that is what the GitHub runner masks for its own secrets.
func Encodings(v string) []string {
	if v == "" {
		return nil
	}
	forms := []string{v}
	q := url.QueryEscape(v)
	p := url.PathEscape(v)
	forms = append(forms, q, p, lowerHex(q), lowerHex(p), strings.ReplaceAll(q, "+", "%20"))
	for _, html := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(v) // a string always encodes
		j := strings.TrimSuffix(b.String(), "\n")
		j = j[1 : len(j)-1]
		forms = append(forms, j, strings.ReplaceAll(j, "/", `\/`))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		forms = append(forms, base64Forms(enc, []byte(v))...)
	}
	return forms
}

// base64Forms returns, for each alignment of v inside a longer byte string
// (v starting at a multiple of 3, or 1 or 2 bytes after one), the base64
// characters that depend on v's bytes only.
func base64Forms(enc *base64.Encoding, v []byte) []string {
	var out []string
	for shift := range 3 {
		buf := make([]byte, shift+len(v))
		copy(buf[shift:], v)
		e := enc.EncodeToString(buf)
		// Characters are 6 bits each: skip those holding any of the shift's
		// bits, keep those made only of v's bits.
		first := (shift*8 + 5) / 6
		last := (shift + len(v)) * 8 / 6
		if last > first {
			out = append(out, e[first:last])
		}
	}
	return out
}

// lowerHex writes the %XX escapes of a URL-encoded string in lower case
// (both are valid, and some encoders use it).
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for k := i + 1; k <= i+2; k++ {
				if b[k] >= 'A' && b[k] <= 'F' {
					b[k] += 'a' - 'A'
				}
			}
			i += 2
		}
	}
	return string(b)
}

// Values returns the secrets as given (trimmed), for the runner's masks.
func (s *Set) Values() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.values...)
}

// Empty reports whether the set holds nothing to redact.
func (s *Set) Empty() bool { return s == nil || len(s.patterns) == 0 }

// Redact replaces every secret, in every form Encodings gives, by ***.
func (s *Set) Redact(text string) string {
	if s.Empty() || len(text) < MinLen {
		return text
	}
	return s.replacer.Replace(text)
}

// Masker is what tells the runner to hide a value in the job log
// (ghaction.Writer's AddMask).
type Masker interface{ AddMask(secret string) }

// Mask tells the runner about every secret, to be called before anything
// else is printed. Only the values are masked: what the tool prints itself
// is redacted first, and the runner's secret masker adds encodings of its
// own (value encoders in actions/runner's SecretMasker) for the job log.
func (s *Set) Mask(m Masker) {
	for _, v := range s.Values() {
		m.AddMask(v)
	}
}

// Error returns err with its text redacted once, here, where it arises:
// what renders it later (the summary, the outputs, the job log) needs no
// Set, and errors.Is and errors.As still see the whole chain. A nil err
// stays nil.
func (s *Set) Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: s.Redact(err.Error()), err: err}
}

// redactedError is an error whose text has been redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
