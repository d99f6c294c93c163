package artifact

import (
	"archive/zip"
	"context"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestZip64 zips a log of over 4 GiB, which needs zip64 sizes in the data
// descriptor and the central directory, followed by a small log whose entry
// must still be found where the central directory says. Reading 4 GiB twice
// takes about a minute under the race detector, so it runs only when
// CODEARTS_ZIP64=1; .ci/run sets it for a run without -race.
func TestZip64(t *testing.T) {
	if os.Getenv("CODEARTS_ZIP64") != "1" {
		t.Skip("set CODEARTS_ZIP64=1 to zip a 4 GiB log (.ci/run does)")
	}
	dir := t.TempDir()
	const big = 1<<32 + 3<<20 + 7 // past 4 GiB, not a whole number of segments
	f, err := os.Create(filepath.Join(dir, "stage1.log"))
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: it reads as zeros and takes no disk space. Its last
	// bytes are text, so a wrong length or CRC would show.
	tail := []byte("[ERROR] the last line\n")
	if _, err := f.WriteAt(tail, big-int64(len(tail))); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	small := []byte("stage2 ok\n")
	if err := os.WriteFile(filepath.Join(dir, "stage2.log"), small, 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := collectFiles(dir, nil)
	if err != nil {
		t.Fatal(err)
	}

	zipPath := filepath.Join(t.TempDir(), "logs.zip")
	out, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	err = writeZip(context.Background(), out, files, zipConfig{workers: 2, segSize: segmentSize, level: 1, tempDir: t.TempDir()})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 2 {
		t.Fatalf("%d entries, want 2", len(zr.File))
	}
	var wantCRC uint32
	zeros := make([]byte, 1<<20)
	for left := int64(big - len(tail)); left > 0; left -= int64(len(zeros)) {
		wantCRC = crc32.Update(wantCRC, crc32.IEEETable, zeros[:min(left, int64(len(zeros)))])
	}
	wantCRC = crc32.Update(wantCRC, crc32.IEEETable, tail)
	for i, want := range []struct {
		name string
		size uint64
		crc  uint32
	}{
		{"stage1.log", big, wantCRC},
		{"stage2.log", uint64(len(small)), crc32.ChecksumIEEE(small)},
	} {
		e := zr.File[i]
		if e.Name != want.name || e.UncompressedSize64 != want.size || e.CRC32 != want.crc {
			t.Errorf("entry %d: %s, %d bytes, CRC %08x; want %s, %d bytes, CRC %08x",
				i, e.Name, e.UncompressedSize64, e.CRC32, want.name, want.size, want.crc)
		}
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		// archive/zip checks the size and the CRC when the entry ends.
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil || uint64(n) != want.size {
			t.Errorf("reading %s: %d bytes, %v; want %d bytes", e.Name, n, err, want.size)
		}
	}

	// Info-ZIP, which is what most people unzip with, checks the data
	// descriptors and the zip64 records on its own terms.
	if _, err := exec.LookPath("unzip"); err != nil {
		t.Fatal("unzip not found: install it (apt-get install -y unzip)")
	}
	if b, err := exec.Command("unzip", "-tq", zipPath).CombinedOutput(); err != nil {
		t.Errorf("unzip -tq: %v\n%s", err, b)
	}
}
