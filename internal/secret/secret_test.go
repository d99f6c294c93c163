package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

// token has characters that every encoding changes: '+', '/', '=', '&',
// '<', a space and a quote.
const token = `MIIT+ab/cd=ef&g<h> i"j-0123456789`

// echoes are the ways a server or a build script may print the token back.
func echoes(v string) map[string]string {
	js, _ := json.Marshal(v)
	jsPlain := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(js))
	b64 := func(e *base64.Encoding, s string) string { return e.EncodeToString([]byte(s)) }
	out := map[string]string{
		"raw":                   v,
		"query escape":          url.QueryEscape(v),
		"query escape lower":    regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(v), strings.ToLower),
		"query escape %20":      strings.ReplaceAll(url.QueryEscape(v), "+", "%20"),
		"path escape":           url.PathEscape(v),
		"json":                  string(js),
		"json without html":     jsPlain,
		"json escaped slash":    strings.ReplaceAll(string(js), "/", `\/`),
		"base64 std":            b64(base64.StdEncoding, v),
		"base64 url":            b64(base64.URLEncoding, v),
		"base64 raw url":        b64(base64.RawURLEncoding, v),
		"base64 with newline":   b64(base64.StdEncoding, v+"\n"),
		"base64 basic auth":     b64(base64.StdEncoding, "user:"+v),
		"base64 after 1 byte":   b64(base64.StdEncoding, "x"+v+"tail"),
		"base64 after 2 bytes":  b64(base64.StdEncoding, "xy"+v+"tail"),
		"base64 url after 2":    b64(base64.URLEncoding, "xy"+v),
		"base64 bearer in json": b64(base64.StdEncoding, `{"auth":"`+v+`"}`),
	}
	return out
}

// leaks reports whether text still holds the token in any echoed form, or
// a long enough piece of one.
func leaks(text, v string) (string, bool) {
	for name, e := range echoes(v) {
		core := e
		if len(core) > 24 {
			core = core[len(core)/2-8 : len(core)/2+8]
		}
		if strings.Contains(text, core) {
			return name, true
		}
	}
	return "", false
}

func TestRedactEveryEncoding(t *testing.T) {
	t.Parallel()
	s := New(token, "", "  ")
	for name, e := range echoes(token) {
		in := "before " + e + " after"
		got := s.Redact(in)
		if what, bad := leaks(got, token); bad {
			t.Errorf("%s: %q still holds the token (%s form)", name, got, what)
		}
		if !strings.HasPrefix(got, "before ") || !strings.Contains(got, Redacted) {
			t.Errorf("%s: %q", name, got)
		}
	}
	if got := s.Redact("nothing secret here"); got != "nothing secret here" {
		t.Errorf("ordinary text changed: %q", got)
	}
}

func TestShortValuesAreNotRedacted(t *testing.T) {
	t.Parallel()
	s := New("ab", "")
	if !s.Empty() {
		t.Fatal("a 2-byte value must not be redacted: it would mangle ordinary text")
	}
	if got := s.Redact("x ab y"); got != "x ab y" {
		t.Errorf("got %q", got)
	}
	var nilSet *Set
	if nilSet.Redact("x") != "x" || !nilSet.Empty() || nilSet.Values() != nil {
		t.Error("a nil Set must hold nothing")
	}
}

func TestMultiLineValueRedactsEachLine(t *testing.T) {
	t.Parallel()
	s := New("first-line-1234\r\nsecond-line-5678")
	got := s.Redact("a first-line-1234 b second-line-5678 c")
	if got != "a *** b *** c" {
		t.Errorf("got %q", got)
	}
}

func TestFromRunInventory(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ACTIONS_RUNTIME_TOKEN": "runtime-token-value", "HOME": "/home/user", "GITHUB_TOKEN": ""}
	s := FromRun([]string{" tok-input-value ", "sk-env-value", ""}, func(k string) string { return env[k] })
	want := []string{"tok-input-value", "sk-env-value", "runtime-token-value"}
	if got := s.Values(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("values = %q, want %q", got, want)
	}
	if got := s.Redact("/home/user"); got != "/home/user" {
		t.Errorf("a value outside the inventory was redacted: %q", got)
	}
	var masked []string
	s.Mask(maskFunc(func(v string) { masked = append(masked, v) }))
	if strings.Join(masked, ",") != strings.Join(want, ",") {
		t.Errorf("masked %q", masked)
	}
}

type maskFunc func(string)

func (f maskFunc) AddMask(v string) { f(v) }

// readAll reads r with reads of size n (0: one byte at a time).
func readAll(t *testing.T, r io.Reader, n int) string {
	t.Helper()
	if n == 0 {
		b, err := io.ReadAll(iotest.OneByteReader(r))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var out bytes.Buffer
	buf := make([]byte, n)
	for {
		k, err := r.Read(buf)
		out.Write(buf[:k])
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestReaderAcrossChunkBoundaries(t *testing.T) {
	t.Parallel()
	s := New(token)
	var in strings.Builder
	in.WriteString("start ")
	for _, e := range echoes(token) {
		in.WriteString(e + " | " + e + e + "\n")
	}
	in.WriteString(token)
	want := s.Redact(in.String())
	if _, bad := leaks(want, token); bad {
		t.Fatal("Redact itself leaks")
	}
	for _, size := range []int{0, 1, 2, 3, 7, 19, 64, 4096, 1 << 20} {
		// Slow sources too: the source hands out a few bytes at a time.
		for _, src := range []io.Reader{strings.NewReader(in.String()), iotest.HalfReader(strings.NewReader(in.String())), iotest.OneByteReader(strings.NewReader(in.String()))} {
			if got := readAll(t, s.Reader(src), size); got != want {
				t.Fatalf("reads of %d: got\n%q\nwant\n%q", size, got, want)
			}
		}
	}
}

func TestReaderIsBounded(t *testing.T) {
	t.Parallel()
	s := New(token)
	// 10 MiB between the halves of a token (not a secret then), then a
	// log of another alphabet and the token whole: found after the reader
	// re-chose its search bytes.
	b64 := base64.StdEncoding.EncodeToString([]byte(token))
	r := s.Reader(io.MultiReader(strings.NewReader(token[:10]), strings.NewReader(strings.Repeat("x", 10<<20)), strings.NewReader(token[10:]),
		strings.NewReader(strings.Repeat(b64[:20]+" ", 400_000)), strings.NewReader(" "+b64)))
	got := readAll(t, r, 4096)
	if want := 10 + 10<<20 + len(token) - 10 + 21*400_000 + 4; len(got) != want || !strings.HasSuffix(got, " ***") {
		t.Errorf("length %d, want %d; ends %q", len(got), want, got[len(got)-20:])
	}
	rr := r.(*reader)
	if cap(rr.in) > 2*chunkSize+len(token) || cap(rr.out) > 2*chunkSize+len(token) {
		t.Errorf("buffers grew to %d and %d bytes", cap(rr.in), cap(rr.out))
	}
}

func TestReaderKeepsErrorsAndPassesThrough(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	s := New("tok-secret")
	got, err := io.ReadAll(s.Reader(io.MultiReader(strings.NewReader("abc tok-secret"), iotest.ErrReader(boom))))
	if !errors.Is(err, boom) || string(got) != "abc ***" {
		t.Errorf("got %q, %v", got, err)
	}
	src := strings.NewReader("x")
	if New("ab", "").Reader(src) != io.Reader(src) {
		t.Error("no usable secret: the reader must be returned as is")
	}
}

func FuzzReaderEqualsRedact(f *testing.F) {
	f.Add("xx MIIT+ab/cd=ef yy TUlJVCthYi9jZD1lZg==", 3)
	f.Fuzz(func(t *testing.T, text string, size int) {
		s := New("MIIT+ab/cd=ef")
		size = 1 + abs(size)%64
		if got, want := readAll(t, s.Reader(iotest.HalfReader(strings.NewReader(text))), size), s.Redact(text); got != want {
			t.Errorf("stream %q != string %q", got, want)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestErrorRedactsTextAndKeepsTheChain(t *testing.T) {
	cause := errors.New("cause")
	s := New(token)
	err := s.Error(fmt.Errorf("server said %q: %w", url.QueryEscape(token), cause))
	if strings.Contains(err.Error(), url.QueryEscape(token)) || !strings.Contains(err.Error(), Redacted) {
		t.Errorf("Error() = %q, want the token redacted", err)
	}
	if !errors.Is(err, cause) {
		t.Errorf("errors.Is(err, cause) = false: the chain was lost")
	}
	if s.Error(nil) != nil {
		t.Errorf("Error(nil) != nil")
	}
}
