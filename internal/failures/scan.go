package failures

import (
	"bytes"
	"math"
)

// The Detector's fast path. Running the matcher on every line of a 100 MB
// log is several times slower than grep; instead a block of complete lines
// is scanned with bytes.IndexByte (vectorised) for a handful of gate bytes,
// each with a cheap check of the bytes around it. Only a line that passes a
// gate goes through the matcher. The gates are a superset of the builtin
// rules: for a line without ESC (whose ANSI-free text is itself), every
// rule's keyword contains a gate byte whose check passes
// (FuzzGatesCoverMatch checks it):
//
//	ESC  any line with escape sequences (the rules see it without them)
//	':'  error: Error: fatal: Fatal: (also error[E0425]:, error TS2304:,
//	     fatal error:), panic:, Traceback (most recent call last):, .java:[
//	'E'  ERROR, ERR, EXIT, Exit, Error, Exception (E followed by R, X, r, x)
//	'A'  FATAL, FAIL (A after F; "[INFO]" makes F common)
//	'x'  exit, exited (x followed by "it")
//	'z'  non-zero (z after '-')
//	'p'  npm error (p between 'n' and "m error")
//	'S'  Segmentation fault
//	0xB1 失败 (the third byte of 失 followed by 败: the rarest place in it)
//
// Case matters: the rules are case-sensitive, and so are the gates.

// gate is one gate byte and its check; b[i] is the gate byte.
type gate struct {
	c     byte
	check func(b []byte, i int) bool
}

var gates = []gate{
	{esc, func([]byte, int) bool { return true }},
	{':', colonGate},
	{'E', func(b []byte, i int) bool {
		return nextIs(b, i, 'R') || nextIs(b, i, 'X') || nextIs(b, i, 'r') || nextIs(b, i, 'x')
	}},
	{'A', faGate},
	{'x', xitGate},
	{'z', zeroGate},
	{'p', npmGate},
	{'S', segGate},
	{0xb1, failGate},
}

func nextIs(b []byte, i int, c byte) bool { return i+1 < len(b) && b[i+1] == c }

func faGate(b []byte, i int) bool   { return i > 0 && b[i-1] == 'F' }
func xitGate(b []byte, i int) bool  { return bytes.HasPrefix(b[i+1:], []byte("it")) }
func zeroGate(b []byte, i int) bool { return i > 0 && b[i-1] == '-' }
func npmGate(b []byte, i int) bool {
	return i > 0 && b[i-1] == 'n' && bytes.HasPrefix(b[i+1:], []byte("m error"))
}
func segGate(b []byte, i int) bool  { return bytes.HasPrefix(b[i+1:], []byte("egmentation fault")) }
func failGate(b []byte, i int) bool { return i >= 2 && bytes.HasPrefix(b[i-2:], []byte("失败")) }

// keyMask is a set of line keys: finer gates, used on one line (ANSI-free)
// to pick the rules worth trying. Every rule names the key that all the
// lines it matches have (TestRuleKeys and FuzzMatcher check it).
type keyMask uint16

const (
	keyColon keyMask = 1 << iota // colonGate passes
	keyER                        // E followed by R: ERROR, ERR
	keyEX                        // EXIT
	keyEr                        // Error
	keyEx                        // Exit, Exception
	keyFA                        // FATAL, FAIL
	keyXit                       // exit
	keyZero                      // non-zero
	keyNpm                       // npm error
	keySeg                       // Segmentation fault
	keyFail                      // 失败
)

var keys = []struct {
	gate
	key keyMask
}{
	{gate{':', colonGate}, keyColon},
	{gate{'E', func(b []byte, i int) bool { return nextIs(b, i, 'R') }}, keyER},
	{gate{'E', func(b []byte, i int) bool { return nextIs(b, i, 'X') }}, keyEX},
	{gate{'E', func(b []byte, i int) bool { return nextIs(b, i, 'r') }}, keyEr},
	{gate{'E', func(b []byte, i int) bool { return nextIs(b, i, 'x') }}, keyEx},
	{gate{'A', faGate}, keyFA},
	{gate{'x', xitGate}, keyXit},
	{gate{'z', zeroGate}, keyZero},
	{gate{'p', npmGate}, keyNpm},
	{gate{'S', segGate}, keySeg},
	{gate{0xb1, failGate}, keyFail},
}

// lineKeys returns the keys that text has.
func lineKeys(text []byte) keyMask {
	var m keyMask
	for k := range keys {
		if passes(text, 0, &keys[k].gate) >= 0 {
			m |= keys[k].key
		}
	}
	return m
}

// passes returns the first index >= pos in b where g passes, or -1.
func passes(b []byte, pos int, g *gate) int {
	for pos < len(b) {
		j := bytes.IndexByte(b[pos:], g.c)
		if j < 0 {
			return -1
		}
		if g.check(b, pos+j) {
			return pos + j
		}
		pos += j + 1
	}
	return -1
}

// colonGate passes a ':' that may end "error:" and its kin, "panic:",
// "Traceback (most recent call last):" or start ".java:[". It may read
// bytes of the line before, which only adds candidates.
func colonGate(b []byte, i int) bool {
	if i+1 < len(b) && b[i+1] == '[' && bytes.HasSuffix(b[:i], []byte(".java")) {
		return true
	}
	j := i
	switch {
	case j > 0 && b[j-1] == ']': // error[E0425]:
		j--
		for j > 0 && isDigit(b[j-1]) {
			j--
		}
		if j < 2 || b[j-1] != 'E' || b[j-2] != '[' {
			return false
		}
		j -= 2
	case j > 0 && isDigit(b[j-1]): // error TS2304:, fatal error C1083:
		for j > 0 && isDigit(b[j-1]) && i-j < 7 {
			j--
		}
		k := j
		for k > 0 && b[k-1] >= 'A' && b[k-1] <= 'Z' && j-k < 5 {
			k--
		}
		if k == j || k == 0 || b[k-1] != ' ' {
			return false
		}
		j = k - 1
	}
	if j >= 4 {
		switch string(b[j-4 : j]) {
		case "rror", "RROR", "atal", "ATAL":
			return true
		}
	}
	return bytes.HasSuffix(b[:j], []byte("panic")) || bytes.HasSuffix(b[:j], []byte("last)"))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// gateScan finds candidate lines in a block. It remembers where each gate
// passes next, so that the block is scanned about once per gate, however
// many lines it holds.
type gateScan struct {
	next []int // next passing position of each gate at or after the last search; -1 stale, math.MaxInt none
}

func newGateScan() gateScan { return gateScan{next: make([]int, len(gates))} }

// reset forgets the previous block.
func (g *gateScan) reset() {
	for i := range g.next {
		g.next[i] = -1
	}
}

// find returns the smallest index >= pos in b where a gate passes, or -1.
// Successive calls on one block must not decrease pos.
func (g *gateScan) find(b []byte, pos int) int {
	best := math.MaxInt
	for k := range gates {
		n := g.next[k]
		if n < pos {
			if n = passes(b, pos, &gates[k]); n < 0 {
				n = math.MaxInt
			}
			g.next[k] = n
		}
		best = min(best, n)
	}
	if best == math.MaxInt {
		return -1
	}
	return best
}
