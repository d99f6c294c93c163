package ghaction

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
	"github.com/codearts-tools/codearts-logs/internal/ghaction/runnertest"
)

func newCommands(t *testing.T, env map[string]string) (*Commands, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["GITHUB_ACTIONS"]; !ok {
		env["GITHUB_ACTIONS"] = "true"
	}
	return New(&out, func(k string) string { return env[k] }), &out
}

var hostile = []string{
	"::set-output name=pwned::yes",
	"  ::add-mask::visible-secret",
	"prefix ##[error]legacy injected",
	"##[set-env name=PWNED]1",
	"::stop-commands::guess",
	"::endgroup::",
	"::error title=x::injected annotation",
	"::add-matcher::/tmp/m.json",
}

func TestQuoteKeepsRemoteTextInert(t *testing.T) {
	t.Parallel()
	r, out := newCommands(t, nil)
	r.Quote(strings.Join(hostile, "\n"))
	r.Printf("after")
	cmds := runnertest.Parse(out.String())
	for _, c := range cmds {
		switch c.Name {
		case "add-mask", "stop-commands":
			if strings.Contains(c.Data, "visible-secret") || c.Data == "guess" {
				t.Errorf("log text became a live command: %+v", c)
			}
		default:
			t.Errorf("live command from quoted text: %+v", c)
		}
	}
	// Every hostile line is still shown verbatim.
	for _, h := range hostile {
		if !strings.Contains(out.String(), h+"\n") {
			t.Errorf("line %q not printed verbatim", h)
		}
	}
	// The random token is masked before it is used, once per Commands: 400
	// quoted blocks must not add 400 masks.
	masks := runnertest.Masks(cmds)
	if len(masks) != 1 || !strings.Contains(out.String(), "::stop-commands::"+masks[0]) {
		t.Fatalf("stop token not masked first: %v\n%s", masks, out)
	}
	r.Quote("x")
	if m2 := runnertest.Masks(runnertest.Parse(out.String())); len(m2) != 1 || strings.Count(out.String(), "::stop-commands::"+masks[0]) != 2 {
		t.Errorf("a second quoted block added a mask or a token: %v\n%s", m2, out)
	}
}

func TestQuoteOutsideActionsIsPlain(t *testing.T) {
	t.Parallel()
	r, out := newCommands(t, map[string]string{"GITHUB_ACTIONS": ""})
	r.Quote("::set-output name=a::b")
	if out.String() != "::set-output name=a::b\n" {
		t.Errorf("got %q", out)
	}
	r.AddMask("secret")
	if strings.Contains(out.String(), "add-mask") {
		t.Errorf("mask printed outside Actions: %q", out)
	}
}

func TestAnnotationEscapesRemoteText(t *testing.T) {
	t.Parallel()
	r, out := newCommands(t, nil)
	r.Error(Annotation{Title: "stage1 (Build, a::b)", Message: "line1\n::set-output name=x::y\r\n100%"})
	cmds := runnertest.Parse(out.String())
	if len(cmds) != 1 || cmds[0].Name != "error" {
		t.Fatalf("want exactly one error command, got %+v\n%s", cmds, out)
	}
	if cmds[0].Data != "line1\n::set-output name=x::y\n100%" {
		t.Errorf("message = %q", cmds[0].Data)
	}
	if !strings.Contains(cmds[0].Props, "title=stage1 (Build%2C a%3A%3Ab)") {
		t.Errorf("title not escaped: %q", cmds[0].Props)
	}
}

func TestAnnotationPointsAtCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a    Annotation
		want map[string]string // properties as the runner reads them
	}{
		{"line and column", Annotation{Title: "t", File: "src/a.go", Line: 12, Col: 3},
			map[string]string{"title": "t", "file": "src/a.go", "line": "12", "col": "3"}},
		{"a range has no column", Annotation{Title: "t", File: "src/A.hs", Line: 12, Col: 5, EndLine: 14},
			map[string]string{"title": "t", "file": "src/A.hs", "line": "12", "endLine": "14"}},
		{"no line without a file", Annotation{Title: "t", Line: 12, Col: 3},
			map[string]string{"title": "t"}},
		{"escaped properties", Annotation{Title: "a,b:c%d\re\nf", File: "dir,x/a:b%25.go\r\n", Line: 1},
			map[string]string{"title": "a,b:c%d e f", "file": "dir,x/a:b%25.go", "line": "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, out := newCommands(t, nil)
			r.Error(tc.a)
			cmds := runnertest.Parse(out.String())
			if len(cmds) != 1 || cmds[0].Name != "error" {
				t.Fatalf("want one error command, got %+v\n%s", cmds, out)
			}
			if got := cmds[0].Properties(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("properties = %v, want %v\n%s", got, tc.want, out)
			}
		})
	}
}

func TestMaskMultiline(t *testing.T) {
	t.Parallel()
	r, out := newCommands(t, nil)
	r.AddMask("line-one\r\nline-two")
	masks := runnertest.Masks(runnertest.Parse(out.String()))
	want := map[string]bool{"line-one\r\nline-two": true, "line-one": true, "line-two": true}
	for _, m := range masks {
		delete(want, m)
	}
	if len(want) != 0 {
		t.Errorf("masks %q missing %v", masks, want)
	}
}

// parseOutputs reads a GITHUB_OUTPUT file the way the runner does.
func parseOutputs(t *testing.T, data string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		if lines[i] == "" {
			continue
		}
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			k, v, _ := strings.Cut(lines[i], "=")
			out[k] = v
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("unterminated heredoc for %s", name)
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func TestSetOutputsRandomDelimiter(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "output")
	r, _ := newCommands(t, map[string]string{"GITHUB_OUTPUT": file})
	evil := "x\n_GitHubActionsFileCommandDelimeter_\ninjected<<EOF\npwned\nEOF"
	if err := r.SetOutputs([][2]string{{"logs", evil}, {"path", "/p"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	got := parseOutputs(t, string(data))
	if got["logs"] != evil || got["path"] != "/p" || len(got) != 2 {
		t.Errorf("outputs = %q", got)
	}
}

func TestFileCommandsReturnErrors(t *testing.T) {
	t.Parallel()
	r, _ := newCommands(t, map[string]string{
		"GITHUB_OUTPUT":       filepath.Join(t.TempDir(), "missing", "out"),
		"GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "missing", "sum"),
	})
	if err := r.SetOutputs([][2]string{{"a", "b"}}); err == nil {
		t.Error("SetOutputs: no error for an unwritable file")
	}
	if err := r.AddStepSummary("# x"); err == nil {
		t.Error("AddStepSummary: no error for an unwritable file")
	}
}

func TestGroup(t *testing.T) {
	t.Parallel()
	r, out := newCommands(t, nil)
	r.Group("stage3: 2 failure lines", func() { r.Printf("inside") })
	cmds := runnertest.Parse(out.String())
	if len(cmds) != 2 || cmds[0].Name != "group" || cmds[1].Name != "endgroup" {
		t.Errorf("commands = %+v", cmds)
	}
}

// TestRemoteTextIsCleanedOnEveryPath: whatever builds an annotation, a
// group or a quoted block, no escape sequence or BiDi control gets out, and
// a title is cut.
func TestRemoteTextIsCleanedOnEveryPath(t *testing.T) {
	t.Parallel()
	hostile := "x\x1b]0;title\x07\x1b[2J\u202Ey\u2066z\u2069\x7f\u0085w"
	for _, active := range []string{"true", ""} {
		r, out := newCommands(t, map[string]string{"GITHUB_ACTIONS": active})
		r.Error(Annotation{Title: hostile + strings.Repeat("T", 10_000), Message: hostile + "\n" + strings.Repeat("M", 10_000)})
		r.Warning(Annotation{Message: hostile})
		r.Group(hostile, func() { r.Quote(hostile + "\n\tindented " + hostile) })
		r.Printf("final %s", hostile)
		for _, c := range out.String() {
			if c != '\n' && c != '\t' && cleantext.IsUnsafe(c) {
				t.Errorf("active=%q: %U in the output:\n%q", active, c, out)
				break
			}
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if len(line) > 5000 {
				t.Errorf("active=%q: a line of %d bytes", active, len(line))
			}
		}
		if active == "true" {
			for _, c := range runnertest.Parse(out.String()) {
				if c.Name == "error" && utf8.RuneCountInString(c.Properties()["title"]) > MaxTitle {
					t.Errorf("title of %d characters", utf8.RuneCountInString(c.Properties()["title"]))
				}
			}
		}
	}
}
