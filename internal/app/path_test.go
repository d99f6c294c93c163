package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// TestOutputFolderIsCheckedBeforeAnyRequest: a `path` that leaves the
// workspace through a symbolic link (itself or a parent), names a file, or
// sits under a file is refused with exit 2, naming path, before any
// request (not after the whole wait); a link that stays inside the
// workspace is fine.
func TestOutputFolderIsCheckedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, path string
		setup      func(t *testing.T, ws string)
		wantInMsg  string
	}{
		{"link out of the workspace", "logs", func(t *testing.T, ws string) {
			must(t, os.Symlink(t.TempDir(), filepath.Join(ws, "logs")))
		}, "leads out of the workspace"},
		{"parent links out", "out/logs", func(t *testing.T, ws string) {
			must(t, os.Symlink(t.TempDir(), filepath.Join(ws, "out")))
		}, "leads out of the workspace"},
		{"relative link out", "up/logs", func(t *testing.T, ws string) {
			must(t, os.Symlink("..", filepath.Join(ws, "up")))
		}, "leads out of the workspace"},
		{"dangling link", "gone", func(t *testing.T, ws string) {
			must(t, os.Symlink(filepath.Join(t.TempDir(), "missing"), filepath.Join(ws, "gone")))
		}, "leads nowhere"},
		{"a file", "notes.txt", func(t *testing.T, ws string) {
			must(t, os.WriteFile(filepath.Join(ws, "notes.txt"), []byte("x"), 0o644))
		}, "names a file"},
		{"under a file", "notes.txt/logs", func(t *testing.T, ws string) {
			must(t, os.WriteFile(filepath.Join(ws, "notes.txt"), []byte("x"), 0o644))
		}, "is a file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			st := threeStages()
			st[2].Statuses = []string{"RUNNING"} // a wait would last the whole wait-timeout
			h.fake.AddRecord(testRecord, st...)
			tc.setup(t, h.ws)
			h.inputs(map[string]string{"path": tc.path, "wait-timeout": "10m"})
			if code := h.run(); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if n := len(h.fake.Seen()); n != 0 {
				t.Errorf("%d requests made before the folder was checked", n)
			}
			var msgs []string
			for _, c := range h.commands() {
				if c.Name == "error" {
					msgs = append(msgs, c.Data)
				}
			}
			if len(msgs) != 1 || !strings.Contains(msgs[0], "input path") || !strings.Contains(msgs[0], tc.wantInMsg) {
				t.Errorf("want one error naming path (%q), got %q", tc.wantInMsg, msgs)
			}
		})
	}

	t.Run("link inside the workspace", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, fakecodearts.Options{})
		h.fake.AddRecord(testRecord, threeStages()...)
		must(t, os.Mkdir(filepath.Join(h.ws, "real"), 0o755))
		must(t, os.Symlink("real", filepath.Join(h.ws, "logs")))
		h.inputs(map[string]string{"path": "logs"})
		if code := h.run(); code != 0 {
			t.Errorf("exit %d, want 0\n%s", code, h.stdout.String())
		}
		if _, err := os.Stat(filepath.Join(h.ws, "real", "stage1.log")); err != nil {
			t.Errorf("log not saved through the link: %v", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
