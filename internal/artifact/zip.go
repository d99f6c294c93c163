package artifact

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
)

// ErrNoFiles is returned (wrapped) when the folder to upload holds no file.
var ErrNoFiles = errors.New("no files to upload")

const (
	// compressionLevel is a klauspost/compress level. upload-artifact
	// deflates at zlib level 6. Measured single-threaded on 64 MiB of build
	// logs: klauspost 6 is 4x faster than gzip -6 but 4.8 % larger; 8 uses
	// the same CPU as gzip -6 and is 2.1 % smaller (also smaller on dpkg/apt
	// logs and Go source; 2.4 % larger on `go list -json` output); 9 is
	// smaller on everything but costs 1.6x the CPU. Level 8 keeps the zip
	// no bigger than upload-artifact's for logs while the parallel workers
	// make it faster from two cores on.
	compressionLevel = 8
	// segmentSize is the unit of parallel compression: a large file is cut
	// into segments compressed independently and concatenated, as pigz does.
	// Losing the 32 KiB window at each boundary costs well under 0.1 %.
	segmentSize = 4 << 20
	uint32max   = 1<<32 - 1
	// flagDataDescriptor marks an entry whose CRC and sizes follow its data.
	flagDataDescriptor = 0x8
	// flagUTF8 marks an entry whose name is UTF-8 (APPNOTE 4.4.4 bit 11).
	flagUTF8 = 0x800
)

// entry is one regular file to put in the zip.
type entry struct {
	path string // on disk
	name string // in the zip: relative to the folder, forward slashes
	size int64
	mode fs.FileMode
	mod  time.Time
	// info is the file's Lstat when listed: what is opened for reading must
	// be this very file (os.SameFile), not whatever replaced it since.
	info fs.FileInfo
}

func newEntry(path, name string, info fs.FileInfo) entry {
	return entry{path: path, name: name, size: info.Size(), mode: info.Mode().Perm(), mod: info.ModTime(), info: info}
}

// collectFiles lists the files to zip, in lexical order of their names in
// the zip. With names nil, they are the regular files under dir, nested
// folders included; with names non-nil, exactly those files (see
// namedFile). Symbolic links are never followed: walking skips them (and
// anything else that is not a regular file), and a named file that is or
// lies under one is an error. A link in the workspace such as
// x.log -> /proc/self/environ must not put the job's secrets in the zip.
func collectFiles(dir string, names []string) ([]entry, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("artifact folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("artifact folder %s is not a directory", dir)
	}
	var files []entry
	if names != nil {
		files, err = namedFiles(dir, names)
	} else {
		files, err = walkFiles(dir)
	}
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoFiles, dir)
	}
	return files, nil
}

// walkFiles lists the regular files under dir by their Lstat: symbolic
// links (to files or folders), devices, pipes and sockets are skipped.
func walkFiles(dir string) ([]entry, error) {
	var files []entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info() // Lstat: a link is not followed
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, newEntry(p, filepath.ToSlash(rel), info))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list artifact folder: %w", err)
	}
	return files, nil
}

// namedFiles lists the named files (see namedFile), each once, sorted.
func namedFiles(dir string, names []string) ([]entry, error) {
	files := make([]entry, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		e, err := namedFile(dir, name)
		if err != nil {
			return nil, err
		}
		if !seen[e.name] {
			seen[e.name] = true
			files = append(files, e)
		}
	}
	slices.SortFunc(files, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return files, nil
}

// namedFile checks one name of Options.Files: relative to dir, with forward
// or OS slashes, no ".." and not absolute; every folder on the way a real
// folder and the file itself a regular file, none of them a symbolic link.
func namedFile(dir, name string) (entry, error) {
	bad := func(format string, args ...any) (entry, error) {
		return entry{}, fmt.Errorf("artifact file %q: %s", name, fmt.Sprintf(format, args...))
	}
	if name == "" {
		return bad("empty name")
	}
	rel := filepath.FromSlash(name)
	if slices.Contains(strings.Split(filepath.ToSlash(rel), "/"), "..") {
		return bad("contains .., only files inside the artifact folder may be uploaded")
	}
	if filepath.IsAbs(rel) || !filepath.IsLocal(rel) {
		return bad("is not a path relative to the artifact folder")
	}
	parts := strings.Split(filepath.ToSlash(filepath.Clean(rel)), "/")
	p := dir
	for i, part := range parts {
		p = filepath.Join(p, part)
		info, err := os.Lstat(p)
		if err != nil {
			return bad("%v", err)
		}
		last := i == len(parts)-1
		switch {
		case info.Mode()&fs.ModeSymlink != 0 && last:
			return bad("is a symbolic link, which is not followed")
		case info.Mode()&fs.ModeSymlink != 0:
			return bad("%s is a symbolic link, which is not followed", strings.Join(parts[:i+1], "/"))
		case !last && !info.IsDir():
			return bad("%s is not a folder", strings.Join(parts[:i+1], "/"))
		case last && !info.Mode().IsRegular():
			return bad("is not a regular file")
		case last:
			return newEntry(p, strings.Join(parts, "/"), info), nil
		}
	}
	return bad("is not a file") // unreachable: parts is never empty
}

// openListed opens a listed file for reading, refusing it unless it is
// still the regular file that was listed: a file replaced since (by a link
// to /proc/self/environ, say) is not read. The Lstat before opening keeps
// a swapped-in link or pipe from being opened at all; the Stat of the open
// file closes the window between the two.
func openListed(e entry) (*os.File, error) {
	changed := fmt.Errorf("zip: %s changed after it was listed (replaced by a link or another file): not read", e.path)
	info, err := os.Lstat(e.path)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	if !info.Mode().IsRegular() || !os.SameFile(e.info, info) {
		return nil, changed
	}
	f, err := os.Open(e.path)
	if err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	info, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("zip: %w", err)
	}
	if !info.Mode().IsRegular() || !os.SameFile(e.info, info) {
		f.Close()
		return nil, changed
	}
	return f, nil
}

// segJob is one segment of one file to compress.
type segJob struct {
	file int // index in the file list
	seg  int // index of the segment in its file
	f    entry
	off  int64
	n    int64
	last bool // last segment of its file: end the deflate stream
	res  *segResult
}

// segResult is a compressed segment, ready when done is closed.
type segResult struct {
	done chan struct{}
	tmp  string // compressed bytes
	crc  uint32 // CRC-32 of the uncompressed bytes
	raw  int64  // uncompressed bytes read
	comp int64  // compressed bytes written
	err  error
}

// zipConfig says how to compress.
type zipConfig struct {
	workers int    // parallel compressors
	segSize int64  // bytes per segment
	level   int    // deflate level
	tempDir string // where the pieces go; "" = os.TempDir()
}

// writeZip writes a zip of files to dst. Segments are compressed by workers
// into temporary files under a private folder, at most about 2×workers ahead
// of the writer, which copies them in order; memory use does not depend on
// the total size.
func writeZip(ctx context.Context, dst io.Writer, files []entry, cfg zipConfig) (err error) {
	tmpDir, err := os.MkdirTemp(cfg.tempDir, "codearts-artifact-")
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		if rmErr := os.RemoveAll(tmpDir); rmErr != nil && err == nil {
			err = fmt.Errorf("zip: remove temporary folder: %w", rmErr)
		}
	}()

	jobs := make(chan segJob)
	order := make(chan segJob, 2*cfg.workers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		produceSegments(ctx, files, cfg.segSize, jobs, order)
	}()
	for range cfg.workers {
		fw, err := flate.NewWriter(io.Discard, cfg.level)
		if err != nil {
			return fmt.Errorf("zip: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			compressSegments(ctx, fw, tmpDir, jobs)
		}()
	}
	return copySegments(ctx, dst, files, order)
}

// produceSegments cuts every file into segments and hands each one both to
// the workers and, in order, to the writer.
func produceSegments(ctx context.Context, files []entry, segSize int64, jobs, order chan<- segJob) {
	for i, f := range files {
		nseg := int((f.size + segSize - 1) / segSize)
		if nseg == 0 {
			nseg = 1 // an empty file still needs an (empty) deflate stream
		}
		for s := range nseg {
			off := int64(s) * segSize
			n := min(f.size-off, segSize)
			if s == nseg-1 {
				// Read whatever the file holds now, so that a log still
				// growing is not cut mid-line without notice.
				n = -1
			}
			j := segJob{file: i, seg: s, f: f, off: off, n: n, last: s == nseg-1,
				res: &segResult{done: make(chan struct{})}}
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}
}

// compressSegments is a worker: it deflates segments into temporary files.
func compressSegments(ctx context.Context, fw *flate.Writer, tmpDir string, jobs <-chan segJob) {
	buf := make([]byte, 256<<10)
	bw := bufio.NewWriterSize(io.Discard, 256<<10)
	for j := range jobs {
		if err := ctx.Err(); err != nil {
			j.res.err = err
		} else {
			j.res.err = compressSegment(fw, bw, buf, tmpDir, j)
		}
		close(j.res.done)
	}
}

func compressSegment(fw *flate.Writer, bw *bufio.Writer, buf []byte, tmpDir string, j segJob) error {
	in, err := openListed(j.f)
	if err != nil {
		return err
	}
	defer in.Close()
	var r io.Reader = io.NewSectionReader(in, j.off, 1<<62)
	if j.n >= 0 {
		r = io.NewSectionReader(in, j.off, j.n)
	}
	out, err := os.CreateTemp(tmpDir, "segment-")
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	j.res.tmp = out.Name()
	bw.Reset(out)
	cw := &countWriter{w: bw}
	fw.Reset(cw)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			j.res.crc = crc32.Update(j.res.crc, crc32.IEEETable, buf[:n])
			j.res.raw += int64(n)
			if _, err := fw.Write(buf[:n]); err != nil {
				out.Close()
				return fmt.Errorf("zip: compress %s: %w", j.f.path, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			out.Close()
			return fmt.Errorf("zip: read %s: %w", j.f.path, rerr)
		}
	}
	// A non-final segment ends with a sync flush: byte-aligned and not
	// final, so the next segment's blocks can follow it directly.
	if j.last {
		err = fw.Close()
	} else {
		err = fw.Flush()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("zip: compress %s: %w", j.f.path, err)
	}
	j.res.comp = cw.n
	return nil
}

// copySegments is the writer: it builds the zip from the segments in order.
func copySegments(ctx context.Context, dst io.Writer, files []entry, order <-chan segJob) error {
	zw := zip.NewWriter(dst)
	var (
		fh        *zip.FileHeader
		w         io.Writer
		crc       uint32
		raw, comp int64
		written   int
	)
	for j := range order {
		if j.seg == 0 {
			fh = newHeader(files[j.file])
			var err error
			if w, err = zw.CreateRaw(fh); err != nil {
				return fmt.Errorf("zip: %w", err)
			}
			crc, raw, comp = 0, 0, 0
		}
		select {
		case <-j.res.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if j.res.err != nil {
			return j.res.err
		}
		if err := copyFile(w, j.res.tmp); err != nil {
			return err
		}
		crc = crc32Combine(crc, j.res.crc, j.res.raw)
		raw += j.res.raw
		comp += j.res.comp
		if j.last {
			finishHeader(fh, crc, raw, comp)
			written++
		}
	}
	if written != len(files) {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("zip: wrote %d of %d files", written, len(files))
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	return nil
}

// copyFile appends a compressed segment to the zip and removes it.
func copyFile(w io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	_, err = io.Copy(w, struct{ io.Reader }{f}) // hide WriteTo: no sendfile attempts
	f.Close()
	if err != nil {
		return fmt.Errorf("zip: write: %w", err)
	}
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("zip: %w", err)
	}
	return nil
}

// newHeader makes the header of a raw deflate entry whose CRC and sizes are
// written in a data descriptor after its data. CreateRaw does none of what
// CreateHeader does for names and times, so it is done here the same way.
func newHeader(e entry) *zip.FileHeader {
	fh := &zip.FileHeader{
		Name:     e.name,
		Method:   zip.Deflate,
		Flags:    flagDataDescriptor,
		Modified: e.mod,
	}
	fh.SetMode(e.mode)
	fh.CreatorVersion = fh.CreatorVersion&0xff00 | 20
	fh.ReaderVersion = 20
	if e.size >= uint32max {
		fh.ReaderVersion = 45 // zip64
	}
	if needsUTF8Flag(e.name) {
		fh.Flags |= flagUTF8
	}
	//lint:ignore SA1019 CreateRaw writes these fields as they are; it does not derive them from Modified.
	fh.ModifiedDate, fh.ModifiedTime = msDosTime(e.mod)
	// Extended timestamp (0x5455), modification time only, as Info-ZIP and
	// archive/zip write it.
	var ext [9]byte
	binary.LittleEndian.PutUint16(ext[0:], 0x5455)
	binary.LittleEndian.PutUint16(ext[2:], 5)
	ext[4] = 1
	binary.LittleEndian.PutUint32(ext[5:], uint32(e.mod.Unix()))
	fh.Extra = ext[:]
	return fh
}

// finishHeader records the CRC and sizes once the data is written. The
// zip.Writer keeps fh (CreateRaw stores its argument) and writes them in
// the data descriptor and the central directory.
func finishHeader(fh *zip.FileHeader, crc uint32, raw, comp int64) {
	fh.CRC32 = crc
	fh.UncompressedSize64 = uint64(raw)
	fh.CompressedSize64 = uint64(comp)
	// The data descriptor of an entry without zip64 is written from the
	// 32-bit fields, which only CreateHeader keeps in step.
	fh.UncompressedSize = uint32(min(uint64(raw), uint32max)) //lint:ignore SA1019 see above
	fh.CompressedSize = uint32(min(uint64(comp), uint32max))  //lint:ignore SA1019 see above
	if fh.UncompressedSize64 >= uint32max || fh.CompressedSize64 >= uint32max {
		fh.ReaderVersion = 45
	}
}

// needsUTF8Flag reports whether name is valid UTF-8 outside ASCII (the
// rule archive/zip's CreateHeader applies).
func needsUTF8Flag(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// msDosTime converts t to MS-DOS date and time fields; dates outside
// 1980–2107 are clamped.
func msDosTime(t time.Time) (date, tm uint16) {
	switch {
	case t.Year() < 1980:
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, t.Location())
	case t.Year() > 2107:
		t = time.Date(2107, 12, 31, 23, 59, 58, 0, t.Location())
	}
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}

// crc32Combine returns the CRC-32 (IEEE) of A‖B from crc1 = CRC(A),
// crc2 = CRC(B) and len2 = len(B), as zlib's crc32_combine does: it applies
// len2 zero bytes to crc1 with GF(2) matrix squaring.
func crc32Combine(crc1, crc2 uint32, len2 int64) uint32 {
	if len2 <= 0 {
		return crc1
	}
	var even, odd [32]uint32
	odd[0] = crc32.IEEE // the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd)
		if len2&1 != 0 {
			crc1 = gf2Times(&even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(&odd, &even)
		if len2&1 != 0 {
			crc1 = gf2Times(&odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
