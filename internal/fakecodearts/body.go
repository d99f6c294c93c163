package fakecodearts

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// source is a response body: its length (-1 when unknown) and how to write it.
type source struct {
	size  int64
	write func(w io.Writer) error
}

func bytesSource(b []byte) source {
	return source{size: int64(len(b)), write: func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}}
}

// logSource is the task-log body of a stage. DEBUG logs start with extra
// "[DEBUG]" lines so that tests can tell the levels apart.
func logSource(sp StageSpec, recordID, level string) source {
	prefix := ""
	if level == "DEBUG" {
		prefix = fmt.Sprintf("[DEBUG] log_level=DEBUG record_id=%s task_name=%s\n[DEBUG] agent: fake-codearts\n", recordID, sp.Task)
	}
	if sp.LogGen != nil {
		size := int64(-1)
		if sp.LogSize > 0 {
			size = sp.LogSize + int64(len(prefix))
		}
		return source{size: size, write: func(w io.Writer) error {
			if _, err := io.WriteString(w, prefix); err != nil {
				return err
			}
			return sp.LogGen(w)
		}}
	}
	if prefix == "" {
		return bytesSource(sp.Log) // read-only: shared by concurrent requests
	}
	return bytesSource(append([]byte(prefix), sp.Log...))
}

// maxInMemoryGzip is the largest body compressed in memory (to send a
// Content-Length); larger or unknown-size bodies are compressed on the fly
// and sent chunked.
const maxInMemoryGzip = 16 << 20

// chunkSize is the piece size of Chunked responses.
const chunkSize = 4096

// errAborted stops writing a body whose connection was cut on purpose.
var errAborted = errors.New("connection cut by fault")

// writeBody sends a 200 with src, encoded and broken as f says.
func writeBody(w http.ResponseWriter, r *http.Request, f Fault, src source, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	wire := src
	if f.Gzip {
		h.Set("Content-Encoding", "gzip")
		if src.size >= 0 && src.size <= maxInMemoryGzip {
			var buf bytes.Buffer
			gz := gzip.NewWriter(&buf)
			if err := src.write(gz); err != nil {
				http.Error(w, "generating the log failed", http.StatusInternalServerError)
				return
			}
			if err := gz.Close(); err != nil {
				http.Error(w, "compressing the log failed", http.StatusInternalServerError)
				return
			}
			wire = bytesSource(buf.Bytes())
		} else {
			wire = source{size: -1, write: func(w io.Writer) error {
				gz := gzip.NewWriter(w)
				if err := src.write(gz); err != nil {
					return err
				}
				return gz.Close()
			}}
		}
	}
	if wire.size >= 0 && !f.Chunked {
		h.Set("Content-Length", strconv.FormatInt(wire.size, 10))
	}
	w.WriteHeader(http.StatusOK)

	bw := &breakingWriter{w: w, rc: http.NewResponseController(w), cut: -1, chunked: f.Chunked}
	if f.Truncate || f.Reset || f.Stall > 0 {
		// Break the body halfway, or at its end when its length is unknown.
		bw.cut = max(wire.size/2, 0)
		if wire.size < 0 {
			bw.cut = -1
		}
		bw.mishap = func() error {
			_ = bw.rc.Flush()
			switch {
			case f.Reset:
				abort(w, true)
				return errAborted
			case f.Truncate:
				abort(w, false)
				return errAborted
			default:
				t := time.NewTimer(f.Stall)
				defer t.Stop()
				select {
				case <-t.C:
					return nil
				case <-r.Context().Done():
					return r.Context().Err()
				}
			}
		}
	}
	if err := wire.write(bw); err != nil {
		// Cut on purpose, or the client is gone: nothing more to do. Any
		// other failure (a LogGen error) must not look like a complete
		// body, so the connection is cut.
		if !errors.Is(err, errAborted) && r.Context().Err() == nil {
			abort(w, false)
		}
		return
	}
	if bw.mishap != nil && !bw.fired {
		bw.fired = true
		_ = bw.mishap()
	}
}

// breakingWriter writes a body, runs mishap once when cut bytes have been
// written, and flushes every piece when chunked.
type breakingWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	written int64
	cut     int64 // -1: at the end
	mishap  func() error
	fired   bool
	chunked bool
}

func (b *breakingWriter) Write(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		piece := p
		if b.mishap != nil && !b.fired && b.cut >= 0 {
			left := b.cut - b.written
			if left == 0 {
				b.fired = true
				if err := b.mishap(); err != nil {
					return total, err
				}
				continue
			}
			if int64(len(piece)) > left {
				piece = piece[:left]
			}
		}
		if b.chunked && len(piece) > chunkSize {
			piece = piece[:chunkSize]
		}
		n, err := b.w.Write(piece)
		total += n
		b.written += int64(n)
		if err != nil {
			return total, err
		}
		if b.chunked {
			if err := b.rc.Flush(); err != nil {
				return total, err
			}
		}
		p = p[n:]
	}
	return total, nil
}

// abort closes the client connection in the middle of the response: with a
// TCP reset when rst is set, else with an orderly close. Where hijacking is
// impossible (HTTP/2) it falls back to http.ErrAbortHandler.
func abort(w http.ResponseWriter, rst bool) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = nc.NetConn()
	}
	if tc, ok := raw.(*net.TCPConn); ok && rst {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// GeneratedLog returns a StageSpec.LogGen that writes exactly size bytes of
// deterministic CodeArts-like log lines, so tests can download huge logs
// without holding them in memory, and compute the expected content (or its
// hash) by calling the generator again. Every line is unique (it carries its
// number); the last line may be cut short to fit size.
func GeneratedLog(size int64) func(w io.Writer) error {
	return func(w io.Writer) error {
		buf := make([]byte, 0, 64<<10)
		var line int64
		left := size
		for left > 0 {
			buf = buf[:0]
			for len(buf) < cap(buf)-200 {
				line++
				buf = append(buf, "[2024/09/24 03:18:49.000 GMT+08:00] [INFO] [Maven:build] line "...)
				buf = strconv.AppendInt(buf, line, 10)
				buf = append(buf, ": Downloaded from central: https://repo.example.com/maven2/org/example/artifact.jar\n"...)
			}
			n := min(int64(len(buf)), left)
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			left -= n
		}
		return nil
	}
}

// GeneratedLogSHA256 returns the hex SHA-256 of GeneratedLog(size)'s output,
// computed by streaming it, so a test can check a huge download byte for byte
// without keeping either copy.
func GeneratedLogSHA256(size int64) string {
	h := sha256.New()
	_ = GeneratedLog(size)(h) // a hash never fails to write
	return hex.EncodeToString(h.Sum(nil))
}
