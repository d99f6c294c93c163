// Package atomicfile writes files so that a reader never sees half of one:
// content goes to a temporary file in the same folder, which is synced and
// renamed over the final name only when complete (ratchet's internal/atomic).
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is a file being written. Commit makes it visible under its final
// name; Abort (or a failed Commit) removes it. Exactly one of them must be
// called; calling Abort after Commit is a no-op, so `defer f.Abort()` is safe.
type File struct {
	*os.File
	final string
	done  bool
	owner *Owner
}

// Owner is the uid/gid given to created files and folders; nil keeps the
// process's own.
type Owner struct{ UID, GID int }

// Create starts writing path. The temporary file is hidden (a leading dot)
// and unique, so concurrent writers never collide.
func Create(path string, owner *Owner) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.part")
	if err != nil {
		return nil, err
	}
	return &File{File: f, final: path, owner: owner}, nil
}

// Restart empties the file to write it again from the beginning (a retried
// download).
func (f *File) Restart() error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return f.Truncate(0)
}

// Commit syncs, closes and renames the file to its final name, with mode
// 0644 and the owner given to Create.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: commit after close")
	}
	f.done = true
	tmp := f.Name()
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil && f.owner != nil {
		err = os.Lchown(tmp, f.owner.UID, f.owner.GID)
	}
	if err == nil {
		err = os.Rename(tmp, f.final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save %s: %w", filepath.Base(f.final), err)
	}
	return nil
}

// Abort closes and removes the temporary file, leaving any previous file
// under the final name untouched.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, owner *Owner) error {
	f, err := Create(path, owner)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit()
}

// MkdirAll creates dir and its missing parents, giving each folder it
// creates (and only those) the owner.
func MkdirAll(dir string, owner *Owner) error {
	dir = filepath.Clean(dir)
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if owner != nil {
		for _, d := range created {
			if err := os.Lchown(d, owner.UID, owner.GID); err != nil {
				return err
			}
		}
	}
	return nil
}
