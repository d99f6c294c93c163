package actartifact

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nektos/act/pkg/artifacts"
)

// DiskFS is the WriteFS (and fs.FS) act's artifact server stores artifacts
// with; it takes the absolute paths act builds, as act's own implementation
// does.
type DiskFS struct{}

// Open opens a stored file for reading.
func (DiskFS) Open(name string) (fs.File, error) { return os.Open(name) }

// OpenWritable creates (or truncates) a file, with its folders.
func (DiskFS) OpenWritable(name string) (artifacts.WritableFile, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(name, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
}

// OpenAppendable opens a file for appending blocks, with its folders.
func (DiskFS) OpenAppendable(name string) (artifacts.WritableFile, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}
