package codearts

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// stallError reports that the server sent nothing for too long.
type stallError time.Duration

func errStalled(d time.Duration) error { return stallError(d) }

func (e stallError) Error() string {
	return fmt.Sprintf("stalled: no data for %s", time.Duration(e))
}

// stallTimer is the part of *time.Timer the stall detection uses.
type stallTimer interface {
	Stop() bool
	Reset(d time.Duration) bool
}

func realAfterFunc(d time.Duration, f func()) stallTimer { return time.AfterFunc(d, f) }

// stallBody cancels the request when a Read waits longer than timeout for a
// byte. Only time spent inside Read counts, so a slow sink is not a stall.
type stallBody struct {
	body    io.ReadCloser
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timeout time.Duration
	timer   stallTimer // stopped; fires cancel(stallError) when it expires
}

func (b *stallBody) Read(p []byte) (int, error) {
	b.timer.Reset(b.timeout)
	n, err := b.body.Read(p)
	b.timer.Stop()
	if err != nil && !errors.Is(err, io.EOF) {
		var stall stallError
		if cause := context.Cause(b.ctx); errors.As(cause, &stall) {
			return n, stall
		}
	}
	return n, err
}

func (b *stallBody) Close() error {
	err := b.body.Close()
	b.timer.Stop()
	b.cancel(nil)
	return err
}

// gzipBody decompresses a gzip response body lazily (on the first Read, so
// that RoundTrip does not block on the body). The gzip trailer (CRC and
// length) is checked at the end, so a cut stream is an error, not an EOF.
type gzipBody struct {
	body io.ReadCloser
	zr   *gzip.Reader
	err  error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.zr == nil && g.err == nil {
		g.zr, g.err = gzip.NewReader(g.body)
		if errors.Is(g.err, io.EOF) {
			g.err = fmt.Errorf("gzip: %w", io.ErrUnexpectedEOF)
		}
	}
	if g.err != nil {
		return 0, g.err
	}
	return g.zr.Read(p)
}

func (g *gzipBody) Close() error { return g.body.Close() }
