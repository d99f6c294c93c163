package failures

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
)

// The Detector's fast path. Running the matcher on every line of a 100 MB
// log is several times slower than grep; instead a block of complete lines
// is scanned for a handful of gate bytes, each with a cheap check of the
// bytes around it, and only a line that passes a gate goes through the
// matcher. Rare gate bytes are found with bytes.IndexByte (vectorised);
// the two common ones (':' and 'p') with denseScan, 8 bytes at a time.
//
// The gates are a superset of the built-in rules: for a line without ESC
// (whose ANSI-free text is itself), every rule's keyword contains a gate
// byte whose check passes (TestRuleKeysAndGates and FuzzMatcher check it):
//
//	ESC  any line with escape sequences (the rules see it without them)
//	':'  error: Error: fatal: Fatal: (also error[E0425]:, error TS2304:,
//	     fatal error:), panic:, Traceback (most recent call last):, .java:[,
//	     make: ***, make[1]: ***, Error response from daemon:, non-zero code:
//	     (never a ':' followed by a digit: see colonEnd)
//	'E'  ERR (ERROR, npm ERR!, ERR_PNPM_), EXIT, Exit, Exception in thread "
//	'A'  FATAL, FAIL (A after F; "[INFO]" makes F common)
//	'x'  exit, exited, non-zero exit status (x followed by "it")
//	'p'  npm error (p between 'n' and "m error")
//	0xB1 失败 (the third byte of 失 followed by 败: the rarest place in it)
//
// Case matters: the rules are case-sensitive, and so are the gates. A new
// rule needs a gate and a key.

// gate is one gate byte and its check; b[i] is the gate byte.
type gate struct {
	c     byte
	check func(b []byte, i int) bool
}

var gates = []gate{
	{esc, func([]byte, int) bool { return true }},
	{'E', func(b []byte, i int) bool { return erGate(b, i) || exGate(b, i) || exitGate(b, i) }},
	{'A', func(b []byte, i int) bool { return faGate(b, i) || assertGate(b, i) }},
	{'x', xitGate},
	{0xb1, failGate},
	{'!', bangGate},
	{'*', starGate},
	{0xe2, symGate},
}

// The gates of ':' and 'p' are not in gates: their bytes are common (':'
// is in every timestamp, 'p' in every URL), and one bytes.IndexByte call
// per occurrence would cost more than the search. denseScan finds them.

// The checks of 'E': what follows the E of ERR, EXIT, and Exit or
// "Exception in thread". "Error:" needs no 'E' check: the ':' gate has it,
// and Maven's "Errors: 0" stays out.
func erGate(b []byte, i int) bool { return bytes.HasPrefix(b[i+1:], []byte("RR")) }
func exGate(b []byte, i int) bool { return bytes.HasPrefix(b[i+1:], []byte("XIT")) }
func exitGate(b []byte, i int) bool {
	return bytes.HasPrefix(b[i+1:], []byte("xit")) || bytes.HasPrefix(b[i+1:], []byte(`xception in thread "`))
}

func faGate(b []byte, i int) bool  { return i > 0 && b[i-1] == 'F' }
func xitGate(b []byte, i int) bool { return bytes.HasPrefix(b[i+1:], []byte("it")) }
func npmGate(b []byte, i int) bool {
	return i > 0 && b[i-1] == 'n' && bytes.HasPrefix(b[i+1:], []byte("m error"))
}
func failGate(b []byte, i int) bool { return i >= 2 && bytes.HasPrefix(b[i-2:], []byte("失败")) }

// The checks of the rarer gates: ExUnit's "Assertion with", rake's
// "aborted!", CMake's "errors occurred!", Elixir's "** (", the crosses and bullets of test runners
// (U+2717, U+2716, U+2715, U+274C, U+25CF: all start with 0xE2). Each
// gate byte costs a vectorised pass over every block; a command's start
// ("$ cmd", CodeArts' step start) is looked for only among the lines kept,
// when a summary or the tail needs it.
func assertGate(b []byte, i int) bool { return bytes.HasPrefix(b[i:], []byte("Assertion with ")) }
func bangGate(b []byte, i int) bool {
	return i >= 7 && string(b[i-7:i]) == "aborted" || i >= 8 && string(b[i-8:i]) == "occurred"
}
func starGate(b []byte, i int) bool { return bytes.HasPrefix(b[i:], []byte("** (")) }
func symGate(b []byte, i int) bool {
	if i+2 >= len(b) {
		return false
	}
	switch string(b[i+1 : i+3]) {
	case "\x9c\x97", "\x9c\x96", "\x9c\x95", "\x9d\x8c", "\x97\x8f":
		return true
	}
	return false
}

// keyMask is a set of line keys: finer gates, used on one line (ANSI-free)
// to pick the rules worth trying. Every rule names the key that all the
// lines it matches have (TestRuleKeysAndGates and FuzzMatcher check it).
type keyMask uint32

const (
	keyErrorColon keyMask = 1 << iota // error: and kin (colonKeys)
	keyPanic                          // panic:
	keyTraceback                      // Traceback (most recent call last):
	keyMake                           // make: ***
	keyNonZero                        // non-zero code:
	keyDaemon                         // Error response from daemon:
	keyJavac                          // .java:[
	keyER                             // ERR
	keyEX                             // EXIT
	keyEx                             // Exit, Exception in thread "
	keyFA                             // FATAL, FAIL
	keyXit                            // exit
	keyNpm                            // npm error
	keyFail                           // 失败
	keyFailure                        // Failure:, Failures:, failures:, errors:
	keyItem                           // "1) name:" at the end of a line
	keyAssert                         // Assertion with
	keyStar                           // ** (
	keySym                            // ✗ ✖ ✕ ❌ ●
	keyBang                           // aborted!
	keyCMake                          // (message):
	keyExc                            // Exception:
	keyLoc                            // :12: or :12:3: before a message
	keyShell                          // : command not found, : No such file or directory, : Permission denied
	keyGHC                            // <no location info>:
	keyRustNote                       // note: run with `RUST_BACKTRACE=1`
)

// keyCheck is one key of a gate byte and the check that finds it.
type keyCheck struct {
	check func(b []byte, i int) bool
	key   keyMask
}

// byteKeys are the keys found by a gate byte other than ':': one pass
// over the line per byte, each occurrence checked for all its keys.
var byteKeys = []struct {
	c      byte
	checks []keyCheck
}{
	{'E', []keyCheck{{erGate, keyER}, {exGate, keyEX}, {exitGate, keyEx}}},
	{'A', []keyCheck{{faGate, keyFA}, {assertGate, keyAssert}}},
	{'x', []keyCheck{{xitGate, keyXit}}},
	{'p', []keyCheck{{npmGate, keyNpm}}},
	{0xb1, []keyCheck{{failGate, keyFail}}},
	{'*', []keyCheck{{starGate, keyStar}}},
	{0xe2, []keyCheck{{symGate, keySym}}},
	{'!', []keyCheck{{bangGate, keyBang}}},
}

// lineKeys returns the keys that text has.
func lineKeys(text []byte) keyMask {
	var m keyMask
	for i := 0; i < len(text); i++ {
		j := bytes.IndexByte(text[i:], ':')
		if j < 0 {
			break
		}
		i += j
		m |= colonKeys(text, i)
	}
	for k := range byteKeys {
		c, checks := byteKeys[k].c, byteKeys[k].checks
		for i := 0; i < len(text); i++ {
			j := bytes.IndexByte(text[i:], c)
			if j < 0 {
				break
			}
			i += j
			for _, kc := range checks {
				if kc.check(text, i) {
					m |= kc.key
				}
			}
		}
	}
	return m
}

// denseScan returns the first index >= pos in b where a dense gate passes,
// or -1. It reads 8 bytes at a time and flags, with has-zero-byte tricks,
// a ':' not followed by a digit (the colons of timestamps are skipped) and
// a 'p' after an 'n': a common byte then costs a few instructions instead
// of a function call.
func denseScan(b []byte, pos int) int {
	const lo, hi, low7 = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	i := pos
	if i == 0 {
		if j := denseCheck(b, 0); j >= 0 {
			return j
		}
		i = 1
	}
	if i+16 <= len(b) {
		// One load a word: the bytes before and after each byte come
		// from the neighbouring words by shifts.
		rest := b[i:]
		cur := binary.LittleEndian.Uint64(rest)
		before := uint64(b[i-1])
		for len(rest) >= 16 {
			nxt := binary.LittleEndian.Uint64(rest[8:16])
			next := cur>>8 | nxt<<56 // byte k: the byte after rest[k]
			prev := cur<<8 | before  // byte k: the byte before rest[k]
			colon := cur ^ (':' * lo)
			colon = (colon - lo) &^ colon // may flag too much: checked below
			// Exact digit flags: (c&0x7f)+0x50 carries into bit 7 when
			// c >= '0', (c&0x7f)+0x46 when c > '9'; bytes >= 0x80 are
			// not digits.
			t := next & low7
			digit := (t + (0x80-'0')*lo) &^ (t + (0x7f-'9')*lo) &^ next
			p := cur ^ ('p' * lo)
			n := prev ^ ('n' * lo)
			if m := (colon&^digit | (p-lo)&^p&((n-lo)&^n)) & hi; m != 0 {
				at := len(b) - len(rest)
				for ; m != 0; m &= m - 1 {
					j := at + bits.TrailingZeros64(m)>>3
					if denseCheck(b, j) >= 0 {
						return j
					}
				}
			}
			before = cur >> 56
			cur = nxt
			rest = rest[8:]
		}
		i = len(b) - len(rest)
	}
	for ; i < len(b); i++ {
		if denseCheck(b, i) >= 0 {
			return i
		}
	}
	return -1
}

// denseCheck returns i when a dense gate passes at b[i], else -1.
func denseCheck(b []byte, i int) int {
	switch b[i] {
	case ':':
		if colonGate(b, i) {
			return i
		}
	case 'p':
		if npmGate(b, i) {
			return i
		}
	}
	return -1
}

// passes returns the first index >= pos in b where g passes, or -1.
func passes(b []byte, pos int, g *gate) int {
	for pos < len(b) {
		j := bytes.IndexByte(b[pos:], g.c)
		if j < 0 {
			return -1
		}
		i := pos + j
		if g.check(b, i) {
			return i
		}
		pos = i + 1
	}
	return -1
}

// colonGate passes a ':' that may end "error:" and its kin, "panic:",
// "Traceback (most recent call last):" or start ".java:[". It may read
// bytes of the line before, which only adds candidates.
func colonGate(b []byte, i int) bool { return colonKeys(b, i) != 0 }

// colonKeys returns the key of the keyword that the ':' at b[i] may end,
// or 0.
func colonKeys(b []byte, i int) keyMask {
	if i+1 < len(b) && isDigit(b[i+1]) {
		return 0 // see colonEnd
	}
	var m keyMask
	if i+1 < len(b) && b[i+1] == ' ' && i+2 < len(b) {
		switch c := b[i+2]; {
		case c == 'c' && bytes.HasPrefix(b[i+2:], []byte("command not found")),
			c == 'N' && bytes.HasPrefix(b[i+2:], []byte("No such file or directory")),
			c == 'P' && bytes.HasPrefix(b[i+2:], []byte("Permission denied")):
			m |= keyShell
		}
	}
	if i+1 == len(b) || b[i+1] == '\n' || b[i+1] == '\r' || b[i+1] == ' ' && (i+2 == len(b) || b[i+2] == '\n') {
		m |= itemKey(b, i)
	}
	return m | colonWordKeys(b, i)
}

// itemKey returns keyItem when the ':' at b[i] ends a line that starts
// with a number and ") " ("  1) Suite test:").
func itemKey(b []byte, i int) keyMask {
	s := bytes.LastIndexByte(b[:i], '\n') + 1
	l := b[s:i]
	// The CI prefix: skip to the last "] " of the first 64 bytes.
	if k := bytes.LastIndex(l[:min(len(l), 64)], []byte("] ")); k >= 0 {
		l = l[k+2:]
	}
	j := leadingBlanks(l)
	d := leadingDigits(l[j:])
	j += d
	if d > 0 && j+1 < len(l) && l[j] == ')' && l[j+1] == ' ' {
		return keyItem
	}
	return 0
}

// colonWordKeys returns the key of the keyword that ends right before the
// ':' at b[i], or 0.
func colonWordKeys(b []byte, i int) keyMask {
	if i+1 < len(b) && b[i+1] == '[' && bytes.HasSuffix(b[:i], []byte(".java")) {
		return keyJavac
	}
	j, m := keywordEnd(b, i)
	if m != 0 || j == 0 {
		return m
	}
	return wordKey(b, i, j)
}

// keywordEnd returns where the keyword before the ':' at b[i] ends, past a
// code or a number between them ("error[E0425]:", "error TS2304:",
// "fatal error C1083:"); or 0 and the key when what is there decides
// alone ("make[1]:", "a.go:12:3:"); or 0 and no key when nothing fits.
func keywordEnd(b []byte, i int) (int, keyMask) {
	j := i
	switch {
	case j > 0 && b[j-1] == ']': // error[E0425]:, make[1]:
		j--
		for j > 0 && isDigit(b[j-1]) {
			j--
		}
		switch {
		case j >= 2 && b[j-1] == 'E' && b[j-2] == '[':
			j -= 2
		case j >= 1 && b[j-1] == '[' && bytes.HasSuffix(b[:j-1], []byte("make")):
			return 0, keyMake
		default:
			return 0, 0
		}
	case j > 0 && isDigit(b[j-1]): // error TS2304:, fatal error C1083:, a.go:12:3:
		for j > 0 && isDigit(b[j-1]) && i-j < 7 {
			j--
		}
		if j > 0 && b[j-1] == ':' {
			return 0, keyLoc
		}
		k := j
		for k > 0 && b[k-1] >= 'A' && b[k-1] <= 'Z' && j-k < 5 {
			k--
		}
		if k == j || k == 0 || b[k-1] != ' ' {
			return 0, 0
		}
		j = k - 1
	}
	return j, 0
}

// wordKey returns the key of the keyword that ends at b[j], for the ':' at
// b[i], or 0. It switches on the keyword's last byte so that most colons
// (times, URLs, "key: value") cost one comparison.
func wordKey(b []byte, i, j int) keyMask {
	has := func(suffix string) bool { return len(suffix) <= j && string(b[j-len(suffix):j]) == suffix }
	switch b[j-1] {
	case 'r':
		if has("rror") {
			return keyErrorColon
		}
	case 'R':
		if has("RROR") {
			return keyErrorColon
		}
	case 'l':
		if has("atal") {
			return keyErrorColon
		}
	case 'L':
		if has("ATAL") {
			return keyErrorColon
		}
	case 'c':
		if has("panic") {
			return keyPanic
		}
	case '>':
		if has("<no location info>") {
			return keyGHC
		}
	case ')':
		if has("last)") { // Traceback (most recent call last):
			return keyTraceback
		}
		if has("(message)") { // CMake Error at CMakeLists.txt:46 (message):
			return keyCMake
		}
	case 'e':
		return wordKeyE(b, i, has)
	case 'n':
		if has("from daemon") {
			return keyDaemon
		}
		if has("Exception") {
			return keyExc
		}
	case 's':
		if has("-zero status") {
			return keyNonZero
		}
		if (has("ailures") || has("errors")) && eol(b, i) {
			return keyFailure
		}
	}
	return 0
}

// wordKeyE is wordKey for a keyword that ends in 'e'.
func wordKeyE(b []byte, i int, has func(string) bool) keyMask {
	switch {
	case has("make"):
		return keyMake
	case has("note") && (bytes.HasPrefix(b[i+1:], []byte(" run with `RUST_BACKTRACE")) || bytes.HasPrefix(b[i+1:], []byte(" Run with `RUST_BACKTRACE"))):
		return keyRustNote
	case has("ailure") && eol(b, i):
		return keyFailure
	case has("-zero code"):
		return keyNonZero
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// eol reports whether the ':' at b[i] ends its line (blanks may follow).
func eol(b []byte, i int) bool {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\n', '\r':
			return true
		case ' ', '\t':
		default:
			return false
		}
	}
	return true
}

// gateScan finds candidate lines in a block. It remembers where each gate
// passes next, so that the block is scanned about once per gate, however
// many lines it holds.
type gateScan struct {
	next  []int // next passing position of each gate at or after the last search; -1 stale, math.MaxInt none
	dense int   // the same for denseScan
}

func newGateScan() gateScan { return gateScan{next: make([]int, len(gates))} }

// reset forgets the previous block.
func (g *gateScan) reset() {
	for i := range g.next {
		g.next[i] = -1
	}
	g.dense = -1
}

// find returns the smallest index >= pos in b where a gate passes, or -1.
// Successive calls on one block must not decrease pos.
func (g *gateScan) find(b []byte, pos int) int {
	best := math.MaxInt
	if n := g.dense; n < pos {
		if n = denseScan(b, pos); n < 0 {
			n = math.MaxInt
		}
		g.dense = n
	}
	best = min(best, g.dense)
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
