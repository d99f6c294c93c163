// Package srcloc finds the source position that a line of build output
// names (a compiler diagnostic, a test failure, a stack frame) and maps the
// build machine's path onto the checked-out repository, so that an
// annotation can point at the line of code on a pull request's diff.
//
// Find is pure: it only reads the text it is given, which is remote and
// hostile. Resolve reads nothing but the file system it is handed, and only
// ever returns a path that fs.ValidPath accepts: relative, without "." or
// ".." elements, so it cannot name anything outside that file system.
package srcloc

import (
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Location is a position in a source file as a build tool printed it.
type Location struct {
	// Path is the file as printed, e.g. "/opt/buildagent/workspace/x/src/a.go"
	// or `C:\agent\_work\1\s\Foo.cs`: a build machine's path, not yet
	// checked against the repository (see Resolve).
	Path    string
	Line    int // 1-based
	Col     int // 1-based; 0 when the tool did not print one
	EndLine int // 0 unless the tool printed a range
	// Start and End are the byte offsets of the whole location in the
	// text (path, line and column with their punctuation), so a caller can
	// take the message that follows it.
	Start, End int
}

// MaxPerLine is the most locations Find returns for one line: a line that
// names more is a list, not a diagnostic.
const MaxPerLine = 4

// Bounds of a plausible position; anything larger is another number (a
// port, a size, a time) that happens to follow a name with a dot in it.
const (
	maxLine = 10_000_000
	maxCol  = 100_000
)

// A path is a run of characters that are not blanks, quotes, brackets,
// separators or wildcards, ending in an extension that starts with a letter
// (so that the "15:44:18.200" of a timestamp is no path), or one of the
// well-known files without an extension. An optional "file://" or Windows
// drive comes first.
const (
	pathChar = "[^\\s:\"'()\\[\\]<>,;|*?=`{}：，（）]"
	path     = `((?:file://)?(?:[A-Za-z]:[\\/])?` +
		`(?:` + pathChar + `*\.[A-Za-z][A-Za-z0-9_+-]{0,15}` +
		`|(?:` + pathChar + `*[\\/])?(?:[Mm]akefile|GNUmakefile|Dockerfile|Containerfile|Jenkinsfile|Rakefile|Gemfile|Vagrantfile|Podfile|BUILD|WORKSPACE)))`
	num = `(\d{1,9})`
)

// format is one way tools print a position. The groups of re are, in
// order: path, line, then col, endLine, and the range's end column when the
// format has them.
type format struct {
	name string
	re   *regexp.Regexp
	// hasCol and hasEnd say which optional groups re has.
	hasCol, hasEnd bool
}

// formats are tried on every line; where two match at the same place the
// earlier, more specific one wins.
var formats = []format{
	// javac through Maven: "[ERROR] /w/src/main/java/A.java:[11,40] msg".
	{name: "maven", re: regexp.MustCompile(path + `:\[` + num + `(?:,` + num + `)?\]`), hasCol: true},
	// ghc's span: "src/A.hs:(12,5)-(14,7): error:".
	{name: "ghc span", re: regexp.MustCompile(path + `:\(` + num + `,` + num + `\)-\(` + num + `,\d{1,9}\)`), hasCol: true, hasEnd: true},
	// tsc, MSBuild (csc, vbc), some linters: "src/a.ts(12,3): error TS2322",
	// "Foo.cs(12,5,12,9): error CS1002".
	{name: "parenthesised", re: regexp.MustCompile(path + `\(` + num + `(?:,` + num + `(?:,` + num + `,\d{1,9})?)?\)\s*:`), hasCol: true, hasEnd: true},
	// Old Kotlin compiler: "e: /w/src/A.kt: (12, 5): Unresolved reference".
	{name: "kotlin", re: regexp.MustCompile(path + `: \(` + num + `, ` + num + `\)`), hasCol: true},
	// Python tracebacks: `  File "/w/pkg/a.py", line 12, in f`.
	{name: "python", re: regexp.MustCompile(`File "([^"\n]{1,1000})", line ` + num)},
	// PHP: "PHP Parse error: ... in /w/x.php on line 12".
	{name: "php", re: regexp.MustCompile(`\bin ` + path + ` on line ` + num)},
	// Perl: "syntax error at /w/x.pl line 12, near".
	{name: "perl", re: regexp.MustCompile(`\bat ` + path + ` line ` + num + `\b`)},
	// The common form: gcc, clang, go, rustc ("  --> src/lib.rs:4:5"),
	// javac ("A.java:11: error:"), scalac, ghc, swiftc, erlc, elixirc,
	// pytest, RSpec, Ruby ("from /w/x.rb:12:in"), Node stack frames
	// ("(/w/a.js:12:5)"), make ("Makefile:12: ***"). The position must end
	// the token, so that "host.example.com:443/path" is not one.
	{name: "colon", re: regexp.MustCompile(path + `:` + num + `(?::` + num + `)?(?:[:\s),-]|$)`), hasCol: true},
}

// Find returns the positions named in one line of build output, leftmost
// first, at most MaxPerLine. It never fails: text that names no position
// gives nil.
func Find(text string) []Location {
	if !strings.ContainsAny(text, "0123456789") {
		return nil // fast path: most lines of a log name no position
	}
	var found []Location
	for _, f := range formats {
		for _, m := range f.re.FindAllStringSubmatchIndex(text, MaxPerLine) {
			if loc, ok := f.location(text, m); ok {
				found = append(found, loc)
			}
		}
	}
	// Leftmost first; at the same place the more specific format, which
	// was appended first (SortStableFunc keeps that order).
	slices.SortStableFunc(found, func(a, b Location) int { return a.Start - b.Start })
	out := found[:0]
	end := -1
	for _, l := range found {
		if l.Start < end {
			continue // inside a position already taken
		}
		out = append(out, l)
		end = l.End
		if len(out) == MaxPerLine {
			break
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// location builds a Location from the submatch indexes m of f.re.
func (f format) location(text string, m []int) (Location, bool) {
	group := func(i int) string {
		if 2*i+1 >= len(m) || m[2*i] < 0 {
			return ""
		}
		return text[m[2*i]:m[2*i+1]]
	}
	loc := Location{Path: group(1), Start: m[0], End: m[1]}
	var ok bool
	if loc.Line, ok = position(group(2), maxLine); !ok {
		return Location{}, false
	}
	if f.hasCol {
		loc.Col, _ = position(group(3), maxCol)
	}
	if f.hasEnd {
		if end, ok := position(group(4), maxLine); ok && end >= loc.Line {
			loc.EndLine = end
		}
	}
	if f.name == "colon" {
		// The character after the position was matched to see that the
		// position ends there; it belongs to the message.
		loc.End = lastGroupEnd(m)
	}
	if strings.TrimLeft(loc.Path, "./\\") == "" {
		return Location{}, false
	}
	return loc, true
}

// lastGroupEnd is where the last group that matched ends.
func lastGroupEnd(m []int) int {
	end := -1
	for i := 2; i+1 < len(m); i += 2 {
		if m[i+1] > end {
			end = m[i+1]
		}
	}
	return end
}

// position parses a 1-based line or column no larger than limit.
func position(s string, limit int) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > limit {
		return 0, false
	}
	return n, true
}

// MaxStats bounds the files Resolve looks up for one path: the suffixes of
// a path no deeper than this are all tried, a deeper path's longest ones
// are skipped (no repository nests its sources that deep under a build
// machine's prefix).
const MaxStats = 24

// Resolve maps a path printed on the build machine to a regular file of
// fsys, the repository's working tree: "/opt/buildagent/workspace/1f2e/src/a.go",
// "./src/a.go", `C:\agent\_work\1\s\src\a.go` and "src/a.go" all give
// "src/a.go" when fsys holds it. The build machine's workspace prefix is
// not known, so the suffixes of the path are tried from the longest, and
// the first that names a regular file wins; elements up to the last ".."
// are dropped, so the result is always relative and inside fsys (fsys must
// itself refuse symbolic links that leave it, as os.Root's FS does). It
// makes at most MaxStats calls to fs.Stat.
func Resolve(fsys fs.FS, p string) (string, bool) {
	if fsys == nil || p == "" || len(p) > 4096 || strings.ContainsRune(p, 0) {
		return "", false
	}
	p = strings.TrimPrefix(p, "file://")
	p = strings.ReplaceAll(p, `\`, "/")
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		p = p[2:] // a Windows drive
	}
	var elems []string
	for _, e := range strings.Split(p, "/") {
		switch e {
		case "", ".":
		case "..":
			elems = elems[:0] // nothing before it can be trusted to be in the tree
		default:
			elems = append(elems, e)
		}
	}
	if len(elems) > MaxStats {
		elems = elems[len(elems)-MaxStats:]
	}
	for i := range elems {
		rel := strings.Join(elems[i:], "/")
		if !fs.ValidPath(rel) {
			continue
		}
		if fi, err := fs.Stat(fsys, rel); err == nil && fi.Mode().IsRegular() {
			return rel, true
		}
	}
	return "", false
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
