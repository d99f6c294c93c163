package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCommitReplacesWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "stage1.log")
	if err := os.WriteFile(path, []byte("previous complete log\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half of a first attempt")
	if err := f.Restart(); err != nil {
		t.Fatal(err)
	}
	f.WriteString("new log\n")
	// Before Commit the old file is still what readers see.
	if b, _ := os.ReadFile(path); string(b) != "previous complete log\n" {
		t.Fatalf("final name changed before commit: %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // no-op after commit
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "new log\n" {
		t.Fatalf("after commit: %q %v", b, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v", fi.Mode())
	}
	assertOnly(t, dir, "stage1.log")
}

func TestAbortLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "stage2.log"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	f.Abort()
	assertOnly(t, dir)
}

func TestMkdirAllAndWriteFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := MkdirAll(dir, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "summary.md"), []byte("# hi\n"), nil); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "summary.md")
}

func TestOwnerApplied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing owners needs root (the Docker action runs as root)")
	}
	t.Parallel()
	root := t.TempDir()
	owner := &Owner{UID: 1234, GID: 2345}
	dir := filepath.Join(root, "x", "y")
	if err := MkdirAll(dir, owner); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "f"), []byte("z"), owner); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(root, "x"), dir, filepath.Join(dir, "f")} {
		uid, gid := ownerOf(t, p)
		if uid != 1234 || gid != 2345 {
			t.Errorf("%s owned by %d:%d", p, uid, gid)
		}
	}
	if uid, _ := ownerOf(t, root); uid == 1234 {
		t.Errorf("existing folder %s was re-owned", root)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("folder holds %v, want %v", got, names)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("folder holds %v, want %v", got, names)
		}
	}
}
