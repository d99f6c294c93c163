package download

import (
	"bytes"
	"io"
)

// Redacted replaces every secret in redacted text.
const Redacted = "***"

// minSecret is the shortest secret that is replaced in logs: a shorter one
// would mangle ordinary text (and is refused as a credential anyway).
const minSecret = 4

// redactReader replaces secrets in a stream, so that a token a server
// echoes into a log never reaches the saved file, the scan or an excerpt.
// It holds back len(longest secret)-1 bytes so a secret split across reads
// is still found; memory is bounded by one read plus that tail.
type redactReader struct {
	src     io.Reader
	secrets [][]byte
	keep    int
	buf     []byte // redacted bytes not yet handed out
	chunk   []byte
	err     error // from src, returned once buf is drained
}

// newRedactReader wraps src; with no secret long enough it returns src.
func newRedactReader(src io.Reader, secrets []string) io.Reader {
	r := &redactReader{src: src}
	for _, s := range secrets {
		if len(s) >= minSecret {
			r.secrets = append(r.secrets, []byte(s))
			r.keep = max(r.keep, len(s)-1)
		}
	}
	if len(r.secrets) == 0 {
		return src
	}
	return r
}

func (r *redactReader) Read(p []byte) (int, error) {
	for {
		avail := len(r.buf) - r.keep
		if r.err != nil {
			avail = len(r.buf)
		}
		if avail > 0 {
			n := copy(p, r.buf[:avail])
			r.buf = r.buf[:copy(r.buf, r.buf[n:])]
			return n, nil
		}
		if r.err != nil {
			return 0, r.err
		}
		if r.chunk == nil {
			r.chunk = make([]byte, max(len(p), 32<<10))
		}
		n, err := r.src.Read(r.chunk)
		if n > 0 {
			r.buf = append(r.buf, r.chunk[:n]...)
			for _, s := range r.secrets {
				if bytes.Contains(r.buf, s) {
					r.buf = bytes.ReplaceAll(r.buf, s, []byte(Redacted))
				}
			}
		}
		if err != nil {
			r.err = err
		}
	}
}
