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
	r := &reader{src: src, keep: s.longest - 1, next: make([]int, len(s.patterns)), patterns: s.patterns}
	for _, p := range s.patterns {
		r.pats = append(r.pats, newNeedle(p, nil))
	}
	return r
}

// resampleEvery is how many chunks pass between choices of the search
// bytes, so that a log whose content changes keeps fast searches.
const resampleEvery = 256

// choose picks each pattern's search byte from the byte frequencies of
// sample (a part of the log).
func (r *reader) choose(sample []byte) {
	var freq [256]int
	for _, c := range sample[:min(len(sample), 2*chunkSize)] {
		freq[c]++
	}
	for i, p := range r.patterns {
		r.pats[i] = newNeedle(p, &freq)
	}
}

// needle is a pattern with the byte it is searched by: one that is rare in
// the log being read, so that bytes.IndexByte (vectorised) skips most of
// it and few candidates need a full comparison. Searching by the first
// byte instead (bytes.Index) falls back to Rabin-Karp when that byte is
// common, ten times slower with a dozen patterns.
type needle struct {
	pat  []byte
	off  int  // offset of the search byte in pat
	rare byte // pat[off]
}

// newNeedle searches p by its byte least frequent in freq, a histogram of
// a sample of the log (nil: the first byte).
func newNeedle(p string, freq *[256]int) needle {
	n := needle{pat: []byte(p)}
	if freq != nil {
		for i := range len(p) {
			if freq[p[i]] < freq[p[n.off]] {
				n.off = i
			}
		}
	}
	n.rare = p[n.off]
	return n
}

// index returns the first position of the pattern in b, or -1.
func (n needle) index(b []byte) int {
	from := 0
	for {
		if len(b)-from < len(n.pat) {
			return -1
		}
		j := bytes.IndexByte(b[from+n.off:len(b)-len(n.pat)+n.off+1], n.rare)
		if j < 0 {
			return -1
		}
		start := from + j
		if bytes.Equal(b[start:start+len(n.pat)], n.pat) {
			return start
		}
		from = start + 1
	}
}

type reader struct {
	src      io.Reader
	pats     []needle // longest first
	patterns []string
	chunks   int // processed, for resampling
	keep     int
	in       []byte // bytes read from src and not yet examined
	out      []byte // redacted bytes not yet handed out
	off      int    // out[:off] has been handed out
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
	if r.chunks%resampleEvery == 0 {
		r.choose(r.in)
	}
	r.chunks++
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
				if j := pat.index(r.in[i:]); j >= 0 {
					r.next[k] = i + j
				}
			}
			// Leftmost wins; at the same place the longer (earlier) one.
			if q := r.next[k]; q >= 0 && (pos < 0 || q < pos) {
				pos, length = q, len(pat.pat)
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
