// Package download fetches stage logs concurrently. Each log is streamed
// from the HTTP body to <dir>/<task>.log through a temporary file and a
// rename, while the failure detector reads the same bytes: one pass, flat
// memory, and never a partial file under the final name.
package download

import (
	"bufio"
	"context"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/atomicfile"
	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/secret"
)

// LogSource downloads one stage log; *codearts.Client implements it. sink
// is called once per attempt and must start from scratch each time.
type LogSource interface {
	TaskLog(ctx context.Context, recordID, task, level string, sink func(body io.Reader) error) (attempts int, err error)
}

// Options configures All.
type Options struct {
	Source      LogSource
	RecordID    string
	Level       string
	Dir         string // existing output folder
	Concurrency int
	Matcher     *failures.Matcher // nil: no failure scan
	Detect      failures.Options
	Owner       *atomicfile.Owner
	// Secrets are replaced by *** in error text and in the log bytes
	// themselves, before they reach the file or the scan: a server echoing
	// a credential into a log must not put it on disk, in an excerpt or in
	// the artifact. nil redacts nothing.
	Secrets *secret.Set
	// Done is called (from the stage's goroutine, one call at a time) as
	// each stage finishes, for progress output.
	Done func(report.Stage)
}

// ErrAuth marks stages that were not attempted (or were stopped) because
// another stage hit an authentication failure: errors.Is finds it in their
// Err, and codearts.KindOf says KindAuth.
var ErrAuth = errors.New("authentication failed")

// ErrSkipped is the Err of a stage not downloaded because of another
// stage's authentication failure. It does not wrap that stage's error: the
// HTTP status and code belong to the stage that received them.
var ErrSkipped error = skippedError{}

type skippedError struct{}

func (skippedError) Error() string       { return "not downloaded: " + ErrAuth.Error() }
func (skippedError) Unwrap() error       { return ErrAuth }
func (skippedError) Kind() codearts.Kind { return codearts.KindAuth }

// localError is a failure of this machine's side (the log file), with the
// text of its cause.
type localError struct {
	msg string
	err error
}

func (e *localError) Error() string       { return e.msg }
func (e *localError) Unwrap() error       { return e.err }
func (e *localError) Kind() codearts.Kind { return codearts.KindLocal }

// All downloads every stage and returns them in the given order, with
// File, Bytes, Scan, Elapsed and Attempts filled in or Err set. A failing
// stage does not stop the others, except an authentication failure: the
// same credentials would fail for every stage, so the rest are cancelled
// and the first stage's error (as in its Err) is returned as authErr.
func All(ctx context.Context, stages []report.Stage, o Options) (out []report.Stage, authErr error) {
	out = make([]report.Stage, len(stages))
	copy(out, stages)
	n := o.Concurrency
	if n < 1 {
		n = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu   sync.Mutex // guards authErr and Done calls
		wg   sync.WaitGroup
		work = make(chan int)
	)
	for w := 0; w < n && w < len(stages); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				mu.Lock()
				stop := authErr != nil
				mu.Unlock()
				if stop {
					out[i].Err = ErrSkipped
				} else {
					fetch(ctx, &out[i], o)
					mu.Lock()
					switch {
					case codearts.IsAuthError(out[i].Err):
						if authErr == nil {
							authErr = out[i].Err
							cancel()
						}
					case authErr != nil && errors.Is(out[i].Err, context.Canceled):
						// Stopped by the cancel above (set before it): say
						// why, instead of "context canceled"; genuine errors
						// of its own (a 404) are kept.
						out[i].Err = ErrSkipped
					}
					mu.Unlock()
				}
				if o.Done != nil {
					mu.Lock()
					o.Done(out[i])
					mu.Unlock()
				}
			}
		}()
	}
	for i := range out {
		work <- i
	}
	close(work)
	wg.Wait()
	return out, authErr
}

// copyBufSize is large enough that syscalls and scan calls are amortised,
// small enough that memory stays flat with 32 parallel downloads.
const copyBufSize = 256 << 10

// scanDepth is how many chunks may wait for the scanner: memory per stage
// is at most (scanDepth+2) * copyBufSize.
const scanDepth = 4

// copyAndScan copies body to w and feeds the same bytes to det (when not
// nil) on another goroutine, so the scan overlaps the network and disk
// instead of adding to them. Chunks are recycled through a small pool, so
// memory stays bounded whatever the size of the log.
func copyAndScan(w io.Writer, body io.Reader, det *failures.Detector) (int64, error) {
	if det == nil {
		return io.CopyBuffer(w, body, make([]byte, copyBufSize))
	}
	det.Reset()
	free := make(chan []byte, scanDepth+1)
	for i := 0; i < scanDepth+1; i++ {
		free <- make([]byte, copyBufSize)
	}
	full := make(chan []byte, scanDepth)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		for chunk := range full {
			det.Write(chunk)
			free <- chunk[:cap(chunk)]
		}
	}()
	defer func() {
		close(full)
		<-scanned // det is complete (or idle) when copyAndScan returns
	}()

	var n int64
	for {
		buf := <-free
		m, rerr := body.Read(buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				free <- buf
				return n, werr
			}
			n += int64(m)
			full <- buf[:m]
		} else {
			free <- buf
		}
		switch {
		case rerr == io.EOF:
			return n, nil
		case rerr != nil:
			return n, rerr
		}
	}
}

// fetch downloads one stage into st, setting st.Err (redacted, its chain
// kept for the caller to classify) when it fails.
func fetch(ctx context.Context, st *report.Stage, o Options) {
	start := time.Now()
	defer func() { st.Elapsed = time.Since(start) }()
	name := st.Task + ".log"
	f, err := atomicfile.Create(filepath.Join(o.Dir, name), o.Owner)
	if err != nil {
		st.Err = o.Secrets.Error(&localError{msg: "cannot create the log file: " + err.Error(), err: err})
		return
	}
	defer f.Abort()

	// A nil Matcher turns the scan off (benchmarks measure its cost).
	var det *failures.Detector
	if o.Matcher != nil {
		det = failures.NewDetector(o.Matcher, o.Detect)
	}
	bw := bufio.NewWriterSize(f, copyBufSize)
	var written int64
	attempts, err := o.Source.TaskLog(ctx, o.RecordID, st.Task, o.Level, func(body io.Reader) error {
		if err := f.Restart(); err != nil {
			return err
		}
		bw.Reset(f)
		var err error
		written, err = copyAndScan(bw, o.Secrets.Reader(body), det)
		if err != nil {
			return err
		}
		return bw.Flush()
	})
	st.Attempts = attempts
	if err == nil {
		if cerr := f.Commit(); cerr != nil {
			err = &localError{msg: cerr.Error(), err: cerr}
		}
	}
	if err != nil {
		st.Err = o.Secrets.Error(err)
		return
	}
	st.File = name
	st.Bytes = written
	if det != nil {
		st.Scan = det.Result()
	} else {
		st.Scan.Bytes = written
	}
}
