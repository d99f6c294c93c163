// Package ghaction speaks the GitHub Actions runner's protocol safely: masks,
// groups, annotations, quoted remote text, step outputs and the job summary.
//
// It wraps go-githubactions for what that library does well (input names,
// command escaping) and replaces what it does unsafely: file commands that
// panic, and outputs written with a fixed heredoc delimiter.
package ghaction

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/sethvargo/go-githubactions"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
)

// Commands issues workflow commands on an output stream and file commands
// through the files the runner names in the environment. (It is the step's
// side of the protocol, not the runner.)
type Commands struct {
	mu     sync.Mutex
	w      io.Writer
	getenv func(string) string
	gha    *githubactions.Action
	// Active is true inside a GitHub Actions job (GITHUB_ACTIONS=true):
	// commands are printed only then; on a terminal they would be noise.
	Active bool
	// stopToken pauses command processing around quoted text: one random
	// token per Commands, masked once, so 400 quoted blocks add one mask,
	// not 400. Remote text never sees the job log, so it cannot learn it.
	stopToken string
}

// New returns a Commands writing commands to w.
func New(w io.Writer, getenv func(string) string) *Commands {
	return &Commands{
		w:      w,
		getenv: getenv,
		gha:    githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(getenv)),
		Active: getenv("GITHUB_ACTIONS") == "true",
	}
}

// AddMask asks the runner to hide a secret (and each of its lines) in every
// later line of the log. It does nothing outside Actions.
func (r *Commands) AddMask(secret string) {
	if !r.Active || strings.TrimSpace(secret) == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gha.AddMask(secret)
	// The runner masks each line of a multi-line value too, but a value
	// with \r\n line ends would keep its \r: mask the trimmed lines as well.
	if strings.ContainsAny(secret, "\r\n") {
		for _, line := range strings.FieldsFunc(secret, func(c rune) bool { return c == '\r' || c == '\n' }) {
			if strings.TrimSpace(line) != "" {
				r.gha.AddMask(line)
			}
		}
	}
}

// MaxTitle is the most characters of an annotation's or a group's title:
// a title is read at a glance (a 100 KB display name would otherwise make a
// 100 KB command line).
const MaxTitle = 200

// MaxMessage is the most characters of an annotation's message, within the
// runner's limit of 4096.
const MaxMessage = 4000

// Printf prints a line of the tool's own text (never remote text: use
// Quote). The arguments may hold names from the server: the line is
// cleaned of control characters and escape sequences all the same.
func (r *Commands) Printf(format string, args ...any) {
	line := cleantext.Lines(fmt.Sprintf(format, args...))
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.w, line+"\n")
}

// Group runs fn inside a collapsed log group titled title (cleaned, cut to
// MaxTitle). Outside Actions it prints the title as a heading.
func (r *Commands) Group(title string, fn func()) {
	title = cleantext.Shorten(title, MaxTitle)
	if r.Active {
		r.mu.Lock()
		r.gha.Group(title)
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			r.gha.EndGroup()
			r.mu.Unlock()
		}()
	} else {
		r.Printf("== %s", title)
	}
	fn()
}

// Quote prints remote text (log lines, server messages) so that the runner
// cannot take any of it as a workflow command: in Actions it is wrapped in
// ::stop-commands:: with the Commands' random token, which is masked before
// its first use so that the log cannot guess it. Each line is cleaned of
// control characters, escape sequences and bidirectional controls first.
func (r *Commands) Quote(text string) {
	if text == "" {
		return
	}
	text = cleantext.Lines(text)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.Active {
		io.WriteString(r.w, text)
		return
	}
	if r.stopToken == "" {
		r.stopToken = randomToken()
		r.gha.AddMask(r.stopToken)
	}
	fmt.Fprintf(r.w, "::stop-commands::%s\n", r.stopToken)
	io.WriteString(r.w, text)
	fmt.Fprintf(r.w, "::%s::\n", r.stopToken)
}

// Annotation is an error annotation. Title and Message may hold remote
// text: go-githubactions escapes properties and message, so neither can
// start another command.
type Annotation struct {
	Title   string
	Message string
	// File, relative to the repository's root, puts the annotation on that
	// file's lines in a pull request's diff; Line, Col and EndLine (1-based)
	// count only with File, and 0 leaves them out.
	File    string
	Line    int64
	Col     int64
	EndLine int64
}

// MaxAnnotations is how many error annotations a step may show; the runner
// drops the rest.
const MaxAnnotations = 10

// Error issues an ::error annotation (or prints "error: ..." outside Actions).
func (r *Commands) Error(a Annotation) { r.annotate("error", a) }

// Warning issues a ::warning annotation (or prints "warning: ...").
func (r *Commands) Warning(a Annotation) { r.annotate("warning", a) }

// Notice issues a ::notice annotation (or prints "notice: ...").
func (r *Commands) Notice(a Annotation) { r.annotate("notice", a) }

// annotate cleans whatever built the annotation: the title becomes one
// line of at most MaxTitle characters, the message keeps its line breaks
// and at most MaxMessage characters, and neither keeps a control
// character, an escape sequence or a bidirectional control.
func (r *Commands) annotate(level string, a Annotation) {
	a.Title = cleantext.Shorten(a.Title, MaxTitle)
	a.File = cleantext.Line(a.File)
	msg := a.Message
	if len(msg) > 8*MaxMessage {
		msg = msg[:8*MaxMessage] // cut before cleaning: messages may be megabytes
	}
	msg = cleantext.Cut(strings.TrimRight(cleantext.Lines(msg), " \n"), MaxMessage)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.Active {
		if a.Title != "" {
			fmt.Fprintf(r.w, "%s: %s: %s\n", level, oneLine(a.Title), oneLine(msg))
		} else {
			fmt.Fprintf(r.w, "%s: %s\n", level, oneLine(msg))
		}
		return
	}
	fields := map[string]string{}
	if a.Title != "" {
		fields["title"] = a.Title
	}
	if a.File != "" {
		// Property names as the runner reads them (actions/runner,
		// IssueCommandExtension): file, line, endLine, col.
		fields["file"] = a.File
		if a.Line > 0 {
			fields["line"] = fmt.Sprint(a.Line)
			// The runner keeps a column only on a one-line annotation.
			switch {
			case a.EndLine > a.Line:
				fields["endLine"] = fmt.Sprint(a.EndLine)
			case a.Col > 0:
				fields["col"] = fmt.Sprint(a.Col)
			}
		}
	}
	g := r.gha.WithFieldsMap(fields)
	// Pass the message as an argument, never as the format.
	switch level {
	case "error":
		g.Errorf("%s", msg)
	case "warning":
		g.Warningf("%s", msg)
	default:
		g.Noticef("%s", msg)
	}
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// SetOutputs writes step outputs to $GITHUB_OUTPUT, each as a heredoc with
// a fresh random delimiter that the value cannot contain (remote data can
// otherwise inject outputs). It returns an error rather than panicking when
// the file cannot be written; outside Actions (no GITHUB_OUTPUT) it does
// nothing.
func (r *Commands) SetOutputs(outputs [][2]string) error {
	path := r.getenv("GITHUB_OUTPUT")
	if path == "" {
		return nil
	}
	var b strings.Builder
	for _, kv := range outputs {
		delim := "ghadelimiter_" + randomToken()
		for strings.Contains(kv[1], delim) {
			delim = "ghadelimiter_" + randomToken()
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", kv[0], delim, kv[1], delim)
	}
	if err := appendFile(path, b.String()); err != nil {
		return &FileError{Variable: "GITHUB_OUTPUT", Path: path, Err: err}
	}
	return nil
}

// AddStepSummary appends Markdown to $GITHUB_STEP_SUMMARY; it does nothing
// when the variable is unset.
func (r *Commands) AddStepSummary(markdown string) error {
	path := r.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	if err := appendFile(path, markdown); err != nil {
		return &FileError{Variable: "GITHUB_STEP_SUMMARY", Path: path, Err: err}
	}
	return nil
}

// FileError is a file command that could not be written: the step's
// outputs or summary are then missing, which later steps must not take for
// "no output".
type FileError struct {
	Variable string // GITHUB_OUTPUT or GITHUB_STEP_SUMMARY
	Path     string
	Err      error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("cannot write %s (%s): %v", e.Variable, e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func randomToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	return hex.EncodeToString(b[:])
}
