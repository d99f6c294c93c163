package secret

import (
	"bytes"
	"io"
)

// chunkSize is how much Reader reads from its source at a time.
const chunkSize = 32 << 10

// Reader returns a reader that yields src with every secret form replaced
// by ***, so that a token a server echoes into a log never reaches the saved
// file, the failure scan or an excerpt. A form split across reads is still
// found: the reader holds back the longest form's length minus one byte
// until more arrives, so memory stays bounded by one read plus that tail.
// With nothing to redact it returns src itself.
func (s *Set) Reader(src io.Reader) io.Reader {
	if s.Empty() {
		return src
	}
	r := &reader{src: src, keep: s.longest - 1, next: make([]int, len(s.patterns))}
	for _, p := range s.patterns {
		r.pats = append(r.pats, []byte(p))
	}
	return r
}

type reader struct {
	src  io.Reader
	pats [][]byte // longest first
	keep int
	in   []byte // bytes read from src and not yet examined
	out  []byte // redacted bytes not yet handed out
	off  int    // out[:off] has been handed out
	// next caches, per pattern, where it next occurs in in (-1: nowhere),
	// so that each pattern is searched about once per chunk.
	next  []int
	chunk []byte
	err   error // from src, returned once everything is handed out
}

func (r *reader) Read(p []byte) (int, error) {
	for r.off == len(r.out) {
		r.out, r.off = r.out[:0], 0
		if r.err != nil {
			if len(r.in) > 0 {
				r.process(true)
				continue
			}
			return 0, r.err
		}
		if r.chunk == nil {
			r.chunk = make([]byte, max(len(p), chunkSize))
		}
		n, err := r.src.Read(r.chunk)
		r.in = append(r.in, r.chunk[:n]...)
		if err != nil {
			r.err = err
			continue
		}
		if len(r.in) > r.keep {
			r.process(false)
		}
	}
	n := copy(p, r.out[r.off:])
	r.off += n
	return n, nil
}

// process moves what can be decided from in to out, redacted: everything
// when the source has ended, else all but the last keep bytes. A form that
// starts before that cut is wholly inside in (no form is longer than
// keep+1 bytes), so it is matched exactly; one that starts after waits for
// more bytes.
func (r *reader) process(final bool) {
	cut := len(r.in) - r.keep
	if final {
		cut = len(r.in)
	}
	for i := range r.next {
		r.next[i] = -2 // not searched yet
	}
	i := 0
	for i < cut {
		pos, length := -1, 0
		for k, pat := range r.pats {
			if r.next[k] == -2 || (r.next[k] >= 0 && r.next[k] < i) {
				r.next[k] = -1
				if j := bytes.Index(r.in[i:], pat); j >= 0 {
					r.next[k] = i + j
				}
			}
			// Leftmost wins; at the same place the longer (earlier) one.
			if q := r.next[k]; q >= 0 && (pos < 0 || q < pos) {
				pos, length = q, len(pat)
			}
		}
		if pos < 0 || pos >= cut {
			r.out = append(r.out, r.in[i:cut]...)
			i = cut
			break
		}
		r.out = append(r.out, r.in[i:pos]...)
		r.out = append(r.out, Redacted...)
		i = pos + length
	}
	r.in = r.in[:copy(r.in, r.in[i:])]
}
