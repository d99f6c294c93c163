package failures

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf8"
)

// Default excerpt options, the defaults of the context-lines and
// max-excerpt-lines inputs.
const (
	DefaultContext    = 3
	DefaultMaxLines   = 40
	DefaultMaxLineLen = 500
)

// Options bound the excerpt, and so the Detector's memory.
type Options struct {
	// Context is how many lines are shown before and after each failure
	// line. 0 shows failure lines alone; a negative value means
	// DefaultContext.
	Context int
	// MaxLines is the most lines the excerpt (all hunks together) and the
	// tail hold; 0 or less means DefaultMaxLines.
	MaxLines int
	// MaxLineLen is the most bytes of a line's cleaned text kept in an
	// excerpt; a longer line is cut on a UTF-8 boundary and ends with the
	// marker " … [cut N bytes]". 0 or less means DefaultMaxLineLen.
	MaxLineLen int
}

// DefaultOptions returns the options used when the inputs are not set.
func DefaultOptions() Options {
	return Options{Context: DefaultContext, MaxLines: DefaultMaxLines, MaxLineLen: DefaultMaxLineLen}
}

// normalized applies the defaults.
func (o Options) normalized() Options {
	if o.Context < 0 {
		o.Context = DefaultContext
	}
	if o.MaxLines <= 0 {
		o.MaxLines = DefaultMaxLines
	}
	if o.MaxLineLen <= 0 {
		o.MaxLineLen = DefaultMaxLineLen
	}
	return o
}

// ErrWriteAfterResult is returned by a Write that follows Result without a
// Reset in between: Result ended the stream.
var ErrWriteAfterResult = errors.New("failures: write after Result")

// ringLine is a line kept for context before a failure and for the tail.
type ringLine struct {
	num  int64
	raw  []byte // first rawCap bytes of the line, reused between lines
	full int64  // length of the whole line
}

// Detector finds failure lines in a log as it is written to it, in one pass
// over the bytes, and keeps the excerpt. Its memory is bounded by the
// Options, never by the size of the log or of a line: max(MaxLines,
// Context) recent lines of at most 2*MaxLineLen+256 bytes each, at most
// maxCandidates blocks of at most MaxLines lines each, and the first
// MatchWindow bytes of an unfinished line. A Detector is not safe for
// concurrent use; its Matcher may be shared.
type Detector struct {
	m        *Matcher
	o        Options
	ringSize int // max(2*MaxLines, Context): lines kept for context and tail
	rawCap   int // bytes of a line kept for its excerpt text
	partCap  int // bytes of an unfinished line kept: enough to match and to show it

	ring     []ringLine // the last lines seen, oldest at ringHead once full
	ringHead int

	part    []byte // first partCap bytes of the unfinished line (after its last bare '\r')
	partLen int64  // its length so far; 0 when the last byte written was '\n'
	partAny bool   // a byte of the unfinished line was written (it may be empty after a '\r')
	partCRs int    // '\r's at the end of what was written of it

	scratch []byte // ANSI-free copy of a line for the matcher
	find    gateScan
	every   bool // process every line (no gate): user patterns, and the tests' reference

	res  Result
	loc  locator
	done bool // Result was called
}

// NewDetector returns a Detector that uses m to recognise failure lines and
// keeps an excerpt bounded by o (zero fields get their defaults, except
// Context: see Options). A nil m means the built-in patterns only.
func NewDetector(m *Matcher, o Options) *Detector {
	if m == nil {
		m = &Matcher{}
	}
	o = o.normalized()
	d := &Detector{
		m:        m,
		o:        o,
		ringSize: max(2*o.MaxLines, o.Context),
		rawCap:   rawCap(o.MaxLineLen),
		every:    m.extra != nil, // user patterns have no pre-filter
	}
	d.partCap = max(MatchWindow, d.rawCap)
	d.find = newGateScan()
	d.loc.o = o
	return d
}

// Reset forgets everything written so far, to scan a log again from its
// first byte (the download is retried). Results returned before are not
// changed.
func (d *Detector) Reset() {
	d.ring = d.ring[:0]
	d.ringHead = 0
	d.part = d.part[:0]
	d.partLen = 0
	d.partAny = false
	d.partCRs = 0
	d.res = Result{}
	d.loc = locator{o: d.o}
	d.done = false
}

// Write scans p, the next bytes of the log. Lines may be split across
// Writes anywhere, even inside a UTF-8 sequence or "\r\n": the Result does
// not depend on how the log was split. Write never fails, except after
// Result (ErrWriteAfterResult).
func (d *Detector) Write(p []byte) (int, error) {
	if d.done {
		return 0, ErrWriteAfterResult
	}
	n := len(p)
	d.res.Bytes += int64(n)
	if d.partAny {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			d.appendPart(p)
			return n, nil
		}
		d.appendPart(p[:i])
		d.finishPart()
		p = p[i+1:]
	}
	last := bytes.LastIndexByte(p, '\n')
	if last >= 0 {
		d.block(p[:last+1])
	}
	if last+1 < len(p) {
		d.appendPart(p[last+1:])
	}
	return n, nil
}

// Result ends the stream: it counts a last line that has no newline, and
// returns what the pass found. Calling it again returns the same Result;
// call Reset before writing again. Tail is filled only when no line
// matched: it is meant for a stage whose status is failed while its log has
// no failure line (the Detector does not know the status).
func (d *Detector) Result() Result {
	if !d.done {
		if d.partAny {
			d.finishPart()
		}
		d.loc.close()
		d.done = true
	}
	r := d.res
	d.loc.excerpt(&r)
	if r.Matches == 0 {
		r.Tail, r.TailCommand = d.tail()
	}
	return r
}

// tail returns the output of the last command (from its "$ cmd" or step
// start line) when that line is among the last MaxLines lines, else the
// last lines of the log; at most MaxLines lines.
func (d *Detector) tail() ([]Line, bool) {
	n := min(len(d.ring), d.o.MaxLines)
	from := n // oldest line to show, as a ringAt index
	cmd := false
	for k := 1; k <= n; k++ {
		if l := d.ringAt(k); isMarkerText(l.raw, &d.scratch) {
			from, cmd = k, true
			break
		}
	}
	out := make([]Line, 0, from)
	for k := from; k > 0; k-- {
		l := d.ringAt(k)
		out = append(out, Line{Number: l.num, Text: cleanLine(l.raw, l.full, d.o.MaxLineLen)})
	}
	return out, cmd
}

// isMarkerText reports whether a line (its kept bytes) starts a command.
func isMarkerText(raw []byte, scratch *[]byte) bool {
	t := visible(raw)
	if bytes.IndexByte(t, esc) >= 0 {
		*scratch = stripANSI((*scratch)[:0], t)
		t = *scratch
	}
	body, _ := splitPrefix(t)
	return isMarker(body[leadingBlanks(body):], body)
}

// sinceCommand keeps of before (the lines above a summary, oldest first)
// those from the last command's start on, at most MaxLines-1 that are not
// blank; the runner's bookkeeping lines are dropped.
// It also returns the number of the command's start line, 0 when it is
// not among them.
func (d *Detector) sinceCommand(before []Line) ([]Line, int64) {
	from, n := len(before), 0
	for i := len(before) - 1; i >= 0 && n < d.o.MaxLines-1; i-- {
		from = i
		if !isBlankText(before[i].Text) {
			n++
		}
		if isMarkerText([]byte(before[i].Text), &d.scratch) {
			return before[i:], before[i].Number
		}
	}
	return before[from:], 0
}

// appendPart adds b (bytes of the unfinished line, without '\n') to it,
// keeping its first partCap bytes after its last bare '\r': what a
// terminal would show.
func (d *Detector) appendPart(b []byte) {
	if len(b) == 0 {
		return
	}
	d.partAny = true
	// A '\r' followed by more of the line returns the carriage: what was
	// before it is overwritten. A '\r' that ends b may be a CR LF's.
	core := bytes.TrimRight(b, "\r")
	crs := len(b) - len(core)
	if len(core) > 0 {
		if d.partCRs > 0 {
			d.part, d.partLen = d.part[:0], 0
		}
		if i := bytes.LastIndexByte(core, '\r'); i >= 0 {
			d.part, d.partLen = d.part[:0], 0
			b = b[i+1:]
		}
		d.partCRs = 0
	}
	if room := d.partCap - len(d.part); room > 0 {
		d.part = append(d.part, b[:min(room, len(b))]...)
	}
	d.partLen += int64(len(b))
	d.partCRs += crs
}

// finishPart handles the unfinished line once its end is known.
func (d *Detector) finishPart() {
	if d.partCRs > 0 { // a CR LF ending, or '\r's that return to an empty line: not shown
		d.partLen -= int64(d.partCRs)
		if len(d.part) > int(d.partLen) {
			d.part = d.part[:d.partLen]
		}
	}
	d.line(d.part, d.partLen, nil, 0)
	d.push(d.res.Lines, d.part, d.partLen)
	d.part = d.part[:0]
	d.partLen = 0
	d.partAny = false
	d.partCRs = 0
}

// block handles b, complete lines that begin at a line start and end with
// '\n'. Lines that no gate (scan.go) lets through are only counted, unless
// a failure report is open or context is due; the others go through line.
func (d *Detector) block(b []byte) {
	first := d.res.Lines
	d.find.reset()
	for pos := 0; pos < len(b); {
		start := pos
		if !d.every && d.loc.cur == nil && d.loc.after == 0 {
			h := d.find.find(b, pos)
			if h < 0 {
				d.res.Lines += int64(bytes.Count(b[pos:], []byte{'\n'}))
				break
			}
			start = pos + bytes.LastIndexByte(b[pos:h], '\n') + 1
			d.res.Lines += int64(bytes.Count(b[pos:start], []byte{'\n'}))
		}
		end := start + bytes.IndexByte(b[start:], '\n')
		raw := visible(b[start:end])
		d.line(raw, int64(len(raw)), b, start)
		pos = end + 1
	}
	d.pushLast(b, d.res.Lines-first)
}

// line handles one line: raw is the line or its first bytes (what a
// terminal shows of it), full its length. When the line is inside a block,
// b is the block and start the line's index in it, so that context before
// it can be read from b; otherwise b is nil.
func (d *Detector) line(raw []byte, full int64, b []byte, start int) {
	d.res.Lines++
	num := d.res.Lines
	c, f := d.m.classifyLine(raw, full, &d.scratch, d.loc.cur != nil || d.loc.after > 0)
	if c.tier > tierNone && !c.quiet {
		d.res.Matches++
		if c.user {
			d.res.UserMatches++
			if d.res.UserMatches == 1 {
				d.res.FirstUser = Line{Number: num, Text: cleanLine(raw, full, d.o.MaxLineLen), Match: true, User: true}
			}
		}
	}
	text := lineText{raw, full, d.o.MaxLineLen}
	if d.loc.cur != nil && d.loc.extend(num, text, c, f) {
		return
	}
	if c.tier == tierNone {
		if d.loc.after > 0 {
			d.loc.after--
			if !f.blank && !f.noise && !f.marker && !f.boiler {
				d.loc.addAfter(num, text.String())
			}
		}
		return
	}
	d.loc.after = 0
	if !d.loc.hasRoom(c) {
		return // counted only: the reports of its tier are all kept already
	}
	var before []Line
	var cmd int64
	if c.above {
		// The line above is the failure line.
		if !d.loc.hasRoom(c) {
			return
		}
		before = d.linesBefore(num, max(1, d.o.Context), b, start)
		if n := len(before); n > 0 && !isBlankText(before[n-1].Text) && before[n-1].Number > d.loc.lastLine {
			before[n-1].Match = true
			d.loc.marked++
		}
		d.loc.open(num, text.String(), f.body, c, f, before, 0)
		return
	}
	if want := d.loc.wantBefore(num, c); want > 0 {
		before = d.linesBefore(num, want, b, start)
		if c.tier == tierSummary {
			before, cmd = d.sinceCommand(before)
		}
	}
	d.loc.open(num, text.String(), f.body, c, f, before, cmd)
}

// lineText is a line's excerpt text, made only when it is shown.
type lineText struct {
	raw    []byte
	full   int64
	maxLen int
}

func (t lineText) String() string { return cleanLine(t.raw, t.full, t.maxLen) }

// linesBefore returns up to want lines before line num, oldest first: from
// the block b (lines before start) and, above the block, from the ring.
func (d *Detector) linesBefore(num int64, want int, b []byte, start int) []Line {
	out := make([]Line, 0, want) // nearest first
	end := start                 // b[:end] ends with the '\n' of the line above
	for len(out) < want && end > 0 {
		s := bytes.LastIndexByte(b[:end-1], '\n') + 1
		raw := visible(b[s : end-1])
		out = append(out, Line{Number: num - int64(len(out)) - 1, Text: cleanLine(raw, int64(len(raw)), d.o.MaxLineLen)})
		end = s
	}
	for k := 1; len(out) < want && k <= len(d.ring); k++ {
		l := d.ringAt(k)
		out = append(out, Line{Number: l.num, Text: cleanLine(l.raw, l.full, d.o.MaxLineLen)})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// pushLast keeps the last of the n lines of block b in the ring. The last
// line of b is line d.res.Lines. It walks forward with bytes.IndexByte
// (vectorised) rather than back with bytes.LastIndexByte (byte by byte).
func (d *Detector) pushLast(b []byte, n int64) {
	keep := min(n, int64(d.ringSize))
	s := 0
	if keep < n {
		s = lastLinesStart(b, keep)
	}
	for num := d.res.Lines - keep + 1; s < len(b); num++ {
		e := s + bytes.IndexByte(b[s:], '\n')
		raw := visible(b[s:e])
		d.push(num, raw, int64(len(raw)))
		s = e + 1
	}
}

// lastLinesStart returns where the last keep lines of b start; b ends with
// '\n' and has more than keep lines. The ring is short and a block long:
// the newlines are counted (vectorised) in a window at the end, grown until
// it holds more than keep of them, and only the window's surplus lines are
// stepped over one by one.
func lastLinesStart(b []byte, keep int64) int {
	w := min(len(b), int(keep)*256)
	c := int64(bytes.Count(b[len(b)-w:], []byte{'\n'}))
	for c <= keep && w < len(b) {
		w = min(len(b), 2*w)
		c = int64(bytes.Count(b[len(b)-w:], []byte{'\n'}))
	}
	s := len(b) - w
	for k := c - keep; k > 0; k-- {
		s += bytes.IndexByte(b[s:], '\n') + 1
	}
	return s
}

// push keeps line num (its first rawCap bytes) in the ring, dropping the
// oldest line when the ring is full.
func (d *Detector) push(num int64, raw []byte, full int64) {
	raw = raw[:min(len(raw), d.rawCap)]
	if n := len(d.ring); n < d.ringSize {
		if n < cap(d.ring) { // a slot kept by Reset: reuse its buffer
			d.ring = d.ring[:n+1]
		} else {
			d.ring = append(d.ring, ringLine{})
		}
		l := &d.ring[n]
		l.num, l.raw, l.full = num, append(l.raw[:0], raw...), full
		return
	}
	l := &d.ring[d.ringHead]
	l.num, l.raw, l.full = num, append(l.raw[:0], raw...), full
	d.ringHead = (d.ringHead + 1) % len(d.ring)
}

// ringAt returns the k-th newest line of the ring (k=1: the newest).
func (d *Detector) ringAt(k int) *ringLine {
	n := len(d.ring)
	return &d.ring[(d.ringHead+n-k)%n]
}

// classifyLine analyses a line of which raw holds the first bytes (what a
// terminal shows) and full is the length, the same way whether the line
// came whole or in pieces.
func (m *Matcher) classifyLine(raw []byte, full int64, scratch *[]byte, inReport bool) (class, facts) {
	if full > int64(len(raw)) || len(raw) > MatchWindow {
		raw = raw[:min(len(raw), MatchWindow)]
	} else {
		raw = bytes.TrimRight(raw, "\r")
	}
	if bytes.IndexByte(raw, esc) >= 0 {
		*scratch = stripANSI((*scratch)[:0], raw)
		raw = *scratch
	}
	return m.analyse(raw, inReport)
}

// rawCap is how many bytes of a line are kept to show it: enough for
// maxLen bytes of text after ANSI sequences are removed, in all but
// pathological lines.
func rawCap(maxLen int) int { return 2*maxLen + 256 }

// cutMarker ends a line cut in an excerpt.
const cutMarker = " … [cut "

// cleanLine is the excerpt text of a line: raw is its first bytes and full
// its length. ANSI escape sequences and a trailing '\r' are removed, other
// control characters become spaces, invalid UTF-8 becomes U+FFFD, and the
// text is cut to maxLen bytes on a rune boundary, with a marker saying how
// many bytes of the line were not shown. Only the first rawCap(maxLen)
// bytes of raw are read, so that a line gives the same text whether it
// came whole or as a kept prefix.
func cleanLine(raw []byte, full int64, maxLen int) string {
	raw = raw[:min(len(raw), rawCap(maxLen))]
	complete := int64(len(raw)) == full
	if complete {
		raw = bytes.TrimRight(raw, "\r")
	}
	out := make([]byte, 0, min(len(raw), maxLen)+32)
	i := 0
loop:
	for i < len(raw) {
		c := raw[i]
		switch {
		case c == esc:
			i = skipEscape(raw, i)
			continue
		case c < utf8.RuneSelf:
			if c < 0x20 && c != '\t' || c == 0x7f {
				c = ' '
			}
			if len(out)+1 > maxLen {
				break loop
			}
			out = append(out, c)
			i++
			continue
		}
		if !complete && !utf8.FullRune(raw[i:]) {
			break // a rune cut by the kept prefix: the line is cut here
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r >= 0x80 && r <= 0x9f {
			r = ' ' // C1 controls
		}
		if len(out)+utf8.RuneLen(r) > maxLen {
			break
		}
		out = utf8.AppendRune(out, r)
		i += size
	}
	cut := full - int64(i) // bytes of the line not shown
	if complete {
		cut = int64(len(raw) - i) // a trailing '\r' removed is not cut text
	}
	if cut > 0 {
		out = append(out, cutMarker...)
		out = strconv.AppendInt(out, cut, 10)
		out = append(out, " bytes]"...)
	}
	return string(out)
}
