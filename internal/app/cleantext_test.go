package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/codearts-tools/codearts-logs/internal/cleantext"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// hostileText holds what can recolour, retitle, clear or reorder a log
// viewer or a terminal: an OSC window title, a clear-screen, C0 and C1
// controls, DEL, and BiDi overrides and isolates.
const hostileText = "Build \x1b]0;pwned\x07\x1b[2J\x1b[31mred\u202Eevil\u202C \u2066iso\u2069 \u200f\u061c\x7f\u009b2J\x00\x08end"

// unsafeRunes lists the characters of out that a reader must never get
// raw: every control character but the line breaks and tabs the tool
// writes itself, and the BiDi controls.
func unsafeRunes(out string) []string {
	var bad []string
	for _, r := range out {
		if r != '\n' && r != '\t' && cleantext.IsUnsafe(r) {
			bad = append(bad, string(r))
		}
	}
	return bad
}

func hostileStages() []fakecodearts.StageSpec {
	st := threeStages()
	st[0].Faults = []fakecodearts.Fault{{Status: 404, Code: "CB.00060214", Msg: "not found: " + hostileText}}
	st[1].Name = hostileText + strings.Repeat("N", 100_000) // a 100 KB display name
	st[1].Status = "FAILED\x1b[2J\u202E"
	st[1].Log = []byte(failLog + "[ERROR] " + hostileText + "\n")
	st[2].Name = hostileText
	return st
}

// TestRemoteControlCharactersNeverReachTheLog: display names, statuses
// and error bodies with escape sequences and BiDi controls reach the job
// log (annotations, excerpt groups, progress and the final line) cleaned,
// and an annotation's title is cut.
func TestRemoteControlCharactersNeverReachTheLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, hostileStages()...)
	h.fake.ScriptFinal(testRecord, "FAILED") // the fake gives hostile statuses no meaning
	h.inputs(map[string]string{})
	if code := h.run(); code != 3 {
		t.Errorf("exit %d, want 3 (stage1 was not downloaded)", code)
	}
	if bad := unsafeRunes(h.stdout.String()); len(bad) > 0 {
		t.Errorf("%d control or BiDi characters in the job log, e.g. %q", len(bad), bad[0])
	}
	errors := 0
	for _, c := range h.commands() {
		if c.Name != "error" {
			continue
		}
		errors++
		title := c.Properties()["title"]
		if n := utf8.RuneCountInString(title); n > 200 {
			t.Errorf("annotation title of %d characters: %.80q…", n, title)
		}
		if n := utf8.RuneCountInString(c.Data); n > 4096 {
			t.Errorf("annotation message of %d characters", n)
		}
	}
	if errors < 3 {
		t.Errorf("%d error annotations, want one per failed or missing stage", errors)
	}
	for _, line := range strings.Split(h.stdout.String(), "\n") {
		if len(line) > 20_000 {
			t.Errorf("a job-log line of %d bytes: %.80q…", len(line), line)
		}
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(h.outputs()["logs"]), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		for _, k := range []string{"name", "status", "error"} {
			if bad := unsafeRunes(fmt.Sprint(e[k])); len(bad) > 0 {
				t.Errorf("logs output: %s of %s holds %q", k, e["task"], bad)
			}
		}
	}
	if !strings.Contains(h.stdout.String(), "Build red") {
		t.Errorf("the display name's text is not shown:\n%.2000s", h.stdout.String())
	}
}

// TestCLIErrorLineIsClean: on a terminal the error: lines, progress and
// the printed summary carry no escape sequence from the server either.
func TestCLIErrorLineIsClean(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, hostileStages()...)
	h.fake.ScriptFinal(testRecord, "FAILED") // the fake gives hostile statuses no meaning
	h.env = map[string]string{"CODEARTS_TOKEN": testToken}
	out := t.TempDir()
	h.run("--record-id", testRecord, "--endpoint", h.endpoint, "--path", out)
	if !strings.Contains(h.stderr.String(), "error: ") {
		t.Fatalf("no error line on stderr:\n%s", h.stderr.String())
	}
	for name, text := range map[string]string{"stderr": h.stderr.String(), "stdout": h.stdout.String()} {
		if bad := unsafeRunes(text); len(bad) > 0 {
			t.Errorf("%d control or BiDi characters on %s, e.g. %q", len(bad), name, bad[0])
		}
	}
}
