package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkFolder checks, before any request, that the output folder can be
// used: it is a folder or can be created as one (no file in its place or
// in a parent's), and, in the action, that it does not leave the
// workspace through a symbolic link (the folder or a parent being a link
// to somewhere else). The resolved path is what counts: the files would
// land there.
func (c *Config) checkFolder(base string, inWorkspace bool) error {
	// The deepest part of the path that exists: below it nothing exists,
	// so nothing can be a link.
	existing := c.Dir
	for {
		if _, err := os.Lstat(existing); err == nil {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return nil // nothing exists: MkdirAll reports what is wrong
		}
		existing = parent
	}
	resolved, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return bad("path", "%q cannot be used: %s is a symbolic link that leads nowhere (%v)", clip(c.Path), existing, err)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return bad("path", "%q cannot be used: %v", clip(c.Path), err)
	}
	switch {
	case !fi.IsDir() && existing == c.Dir:
		return bad("path", "%q names a file, not a folder: name a folder for the logs (it is created when missing)", clip(c.Path))
	case !fi.IsDir():
		return bad("path", "%q cannot be created: %s is a file, not a folder", clip(c.Path), existing)
	}
	// Outside the workspace (or when it does not exist yet) there is no
	// link below it to check.
	if inWorkspace && within(base, existing) {
		ws, err := filepath.EvalSymlinks(base)
		if err != nil {
			ws = base
		}
		if !within(ws, resolved) {
			return bad("path", "%q leads out of the workspace through a symbolic link (%s resolves to %s): name a real folder inside the workspace", clip(c.Path), existing, resolved)
		}
	}
	return checkWritable(c.Path, resolved)
}

// checkWritable creates and removes a file in dir, the deepest folder of
// the path that exists: the logs (or the folders above them) are created
// there. A folder this user cannot write (a system folder, a read-only
// mount) is bad input, found before the downloads rather than after them.
func checkWritable(path, dir string) error {
	f, err := os.CreateTemp(dir, ".codearts-logs-probe-*")
	if err != nil {
		reason := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			reason = pe.Err // the probe's own name says nothing to the user
		}
		return bad("path", "%q cannot be written (%s: %v): name a folder this user can write to", clip(path), dir, reason)
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return bad("path", "%q cannot be used: %v", clip(path), err)
	}
	return nil
}

// within reports whether path is dir or lies below it (lexically).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
