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
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// Package is the folder of a JVM stack frame's class
	// ("com/example" for "at com.example.Foo.bar(Foo.java:12)"): Path is
	// then a bare file name, found in the repository's source roots (see
	// Tree).
	Package string
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

// Find returns the positions named in one line of build output, leftmost
// first, at most MaxPerLine. It never fails: text that names no position
// gives nil.
//
// It looks at each number in the line and at what precedes it, which is
// faster than trying one regular expression per format on every line, and
// understands:
//
//	/w/src/A.java:[11,40]          javac through Maven
//	src/A.hs:(12,5)-(14,7)         ghc's span
//	src/a.ts(12,3): Foo.cs(12,5,14,9):  tsc, MSBuild (csc, vbc)
//	/w/src/A.kt: (12, 5)           the old Kotlin compiler
//	File "/w/pkg/a.py", line 12    Python tracebacks
//	in /w/x.php on line 12         PHP
//	at /w/X.pm line 12             Perl
//	path:line[:col]                gcc, clang, go, rustc ("--> src/lib.rs:4:5"),
//	                               javac, scalac, ghc, swiftc, erlc, elixirc,
//	                               pytest, RSpec, Ruby ("from /w/x.rb:12:in"),
//	                               Node stack frames, make ("Makefile:12: ***")
//
// A path ends in an extension that starts with a letter (so that the
// "15:44:18.200" of a timestamp is no path) or is one of the well-known
// files without one (Makefile, Dockerfile, ...); it may start with a
// Windows drive or "file://".
func Find(text string) []Location {
	var out []Location
	for i := 0; i < len(text) && len(out) < MaxPerLine; i++ {
		if !isDigit(text[i]) || i > 0 && isDigit(text[i-1]) {
			continue
		}
		loc, ok := positionAt(text, i)
		if !ok || len(out) > 0 && loc.Start < out[len(out)-1].End {
			continue
		}
		out = append(out, loc)
		i = loc.End - 1
	}
	return out
}

// positionAt reads the position whose line number starts at text[i].
func positionAt(text string, i int) (Location, bool) {
	loc, nums, end, ok := readPosition(text, i)
	if !ok || len(nums) == 0 {
		return Location{}, false
	}
	if loc.Line, ok = bounded(nums[0], maxLine); !ok {
		return Location{}, false
	}
	if len(nums) > 1 {
		loc.Col, _ = bounded(nums[1], maxCol)
	}
	if len(nums) > 2 && nums[2] >= loc.Line {
		loc.EndLine, _ = bounded(nums[2], maxLine)
	}
	loc.End = end
	return loc, true
}

// readPosition recognises the format of the position whose line number
// starts at text[i] by what precedes it, and reads its path (loc.Path,
// loc.Start, loc.Package), its numbers (line, then column and end line when
// printed) and where it ends; the numbers are not checked yet.
func readPosition(text string, i int) (loc Location, nums []int, end int, ok bool) {
	before := text[:i]
	switch {
	case strings.HasSuffix(before, ":["): // A.java:[11,40]
		loc.Path, loc.Start, ok = pathBefore(text, i-2)
		nums, end = numbers(text, i, ",", 2)
		ok = ok && len(nums) > 0 && strings.HasPrefix(text[end:], "]")
		end++
	case strings.HasSuffix(before, ":("): // A.hs:(12,5)-(14,7)
		loc.Path, loc.Start, ok = pathBefore(text, i-2)
		nums, end, ok = ghcSpan(text, i, ok)
	case strings.HasSuffix(before, ": ("): // A.kt: (12, 5)
		loc.Path, loc.Start, ok = pathBefore(text, i-3)
		nums, end = numbers(text, i, ", ", 2)
		ok = ok && len(nums) == 2 && strings.HasPrefix(text[end:], ")")
		end++
	case strings.HasSuffix(before, "("): // a.ts(12,3):
		loc.Path, loc.Start, ok = pathBefore(text, i-1)
		nums, end, ok = msbuildNumbers(text, i, ok)
	case strings.HasSuffix(before, ":"): // a.go:12:3
		loc.Path, loc.Start, ok = pathBefore(text, i-1)
		nums, end = numbers(text, i, ":", 2)
		// The position must end the token: "example.com:443/x" is none.
		ok = ok && (end == len(text) || strings.IndexByte(": \t),-", text[end]) >= 0)
		if ok && loc.Start > 0 && text[loc.Start-1] == '(' {
			loc.Package = jvmPackage(text[:loc.Start-1], loc.Path)
		}
	case strings.HasSuffix(before, `", line `): // File "a.py", line 12
		loc.Path, loc.Start, ok = pythonFile(text, i-len(`", line `))
		nums, end = numbers(text, i, "", 1)
	case strings.HasSuffix(before, " on line "): // in x.php on line 12
		loc.Path, loc.Start, ok = pathBefore(text, i-len(" on line "))
		ok = ok && wordBefore(text, loc.Start, "in ")
		loc.Start -= len("in ")
		nums, end = numbers(text, i, "", 1)
	case strings.HasSuffix(before, " line "): // at X.pm line 12
		loc.Path, loc.Start, ok = pathBefore(text, i-len(" line "))
		ok = ok && wordBefore(text, loc.Start, "at ")
		loc.Start -= len("at ")
		nums, end = numbers(text, i, "", 1)
	}
	return loc, nums, end, ok
}

// ghcSpan reads the numbers of ghc's span "(12,5)-(14,7)" from its first
// digit at text[i]: line, column and end line (not the end column). pathOK
// says whether the path before it was one.
func ghcSpan(text string, i int, pathOK bool) (nums []int, end int, ok bool) {
	nums, end = numbers(text, i, ",", 2)
	ok = pathOK && len(nums) == 2 && strings.HasPrefix(text[end:], ")-(")
	if ok {
		var endNums []int
		endNums, end = numbers(text, end+3, ",", 2)
		ok = len(endNums) == 2 && strings.HasPrefix(text[end:], ")")
		end++
		if ok {
			nums = append(nums, endNums[0])
		}
	}
	return nums, end, ok
}

// msbuildNumbers reads the numbers of tsc's "(12,3):" and MSBuild's
// "(12,5,14,9):" from the first digit at text[i], through the colon that
// must follow: line, column and end line (not the end column). pathOK says
// whether the path before it was one.
func msbuildNumbers(text string, i int, pathOK bool) (nums []int, end int, ok bool) {
	nums, end = numbers(text, i, ",", 4)
	ok = pathOK && len(nums) != 3 && strings.HasPrefix(text[end:], ")")
	end++
	if ok {
		rest := strings.TrimLeft(text[end:], " \t")
		ok = strings.HasPrefix(rest, ":")
		end = len(text) - len(rest) + 1
	}
	if len(nums) == 4 {
		nums = nums[:3] // line, col, end line; not the end column
	}
	return nums, end, ok
}

// pythonFile reads the file of a traceback's `File "a.py", line 12` whose
// closing quote is at text[q]: the path and where the location starts.
func pythonFile(text string, q int) (string, int, bool) {
	open := strings.LastIndex(text[:q], `File "`)
	if open < 0 || strings.ContainsAny(text[open+6:q], "\"\n") || open+6 == q {
		return "", 0, false
	}
	return text[open+6 : q], open, true
}

// numbers reads up to most decimal numbers separated by sep from text[i:],
// and returns them with the offset after the last one. A number too long
// to be a position stops the reading.
func numbers(text string, i int, sep string, most int) ([]int, int) {
	var nums []int
	end := i
	for len(nums) < most {
		j := i
		for j < len(text) && isDigit(text[j]) && j-i < 10 {
			j++
		}
		if j == i || j-i == 10 {
			break
		}
		n, _ := strconv.Atoi(text[i:j])
		nums = append(nums, n)
		end = j
		if sep == "" || !strings.HasPrefix(text[j:], sep) {
			break
		}
		i = j + len(sep)
	}
	return nums, end
}

// bounded accepts a 1-based position no larger than limit.
func bounded(n, limit int) (int, bool) {
	if n < 1 || n > limit {
		return 0, false
	}
	return n, true
}

// pathBefore reads the path that ends at text[end], back to a character no
// path has (a blank, a quote, a bracket, a separator). It returns the path
// and where it starts.
func pathBefore(text string, end int) (string, int, bool) {
	start := end
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:start])
		if !isPathRune(r) {
			break
		}
		start -= size
	}
	// A Windows drive ("C:\x") or a file URL ("file:///x").
	if start >= 2 && text[start-1] == ':' && start < end && (text[start] == '\\' || text[start] == '/') &&
		isLetter(text[start-2]) && (start == 2 || !isPathRune(rune(text[start-3]))) {
		start -= 2
	} else if strings.HasSuffix(text[:start], "file:") && strings.HasPrefix(text[start:end], "//") {
		start -= len("file:")
	}
	p := text[start:end]
	return p, start, isSourcePath(p)
}

// wordBefore tells whether word ends at text[i] and starts a word.
func wordBefore(text string, i int, word string) bool {
	if !strings.HasSuffix(text[:i], word) {
		return false
	}
	j := i - len(word)
	return j == 0 || !isLetter(text[j-1]) && !isDigit(text[j-1]) && text[j-1] != '_'
}

// isPathRune tells whether r may be part of a path as tools print it.
func isPathRune(r rune) bool {
	switch r {
	case ':', '"', '\'', '(', ')', '[', ']', '<', '>', ',', ';', '|', '*', '?', '=', '`', '{', '}',
		'：', '，', '（', '）', utf8.RuneError:
		return false
	}
	return !unicode.IsSpace(r) && !unicode.IsControl(r)
}

// jvmPackage returns the package folder of a JVM stack frame whose
// qualified method ends before: "\tat com.example.Foo$1.bar" gives
// "com/example", for a file name of a JVM language; "" for anything else.
// A module or class loader prefix ("java.base/", "app//") is dropped.
func jvmPackage(before, file string) string {
	switch file[strings.LastIndexByte(file, '.')+1:] {
	case "java", "kt", "scala", "groovy":
	default:
		return ""
	}
	start := len(before)
	for start > 0 && isJVMNameByte(before[start-1]) {
		start--
	}
	if start > 0 && before[start-1] == '/' {
		// "java.base/java.lang.X.y": the module; keep what follows it.
	} else if start > 0 && !unicode.IsSpace(rune(before[start-1])) {
		return ""
	}
	elems := strings.Split(before[start:], ".")
	if len(elems) < 3 { // package, class, method
		return ""
	}
	pkg := elems[:len(elems)-2]
	for _, e := range pkg {
		if e == "" || !isLetter(e[0]) || strings.ContainsAny(e, "$<>") {
			return ""
		}
	}
	return strings.Join(pkg, "/")
}

func isJVMNameByte(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '$' || c == '.' || c == '<' || c == '>'
}

// wellKnown are source files without an extension that tools name.
var wellKnown = map[string]bool{
	"Makefile": true, "makefile": true, "GNUmakefile": true, "Dockerfile": true, "Containerfile": true,
	"Jenkinsfile": true, "Rakefile": true, "Gemfile": true, "Vagrantfile": true, "Podfile": true,
	"BUILD": true, "WORKSPACE": true,
}

// isSourcePath tells whether p looks like a source file: its last element
// has an extension that starts with a letter, or is a well-known name.
func isSourcePath(p string) bool {
	base := p[strings.LastIndexAny(p, `/\`)+1:]
	if wellKnown[base] {
		return true
	}
	dot := strings.LastIndexByte(base, '.')
	if dot < 0 || strings.TrimLeft(p, "./\\") == "" {
		return false
	}
	ext := base[dot+1:]
	if ext == "" || len(ext) > 16 || !isLetter(ext[0]) {
		return false
	}
	// "repo.example.org:443" and "//keyserver.ubuntu.com:80" name hosts.
	if strings.HasPrefix(p, "//") || !strings.ContainsAny(p, `/\`) && hostSuffix[ext] {
		return false
	}
	for i := 0; i < len(ext); i++ {
		if c := ext[i]; !isLetter(c) && !isDigit(c) && c != '_' && c != '+' && c != '-' {
			return false
		}
	}
	return true
}

// hostSuffix are top-level domains that no source file ends with.
var hostSuffix = map[string]bool{"com": true, "org": true, "net": true, "io": true, "cn": true, "edu": true, "gov": true}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

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

// A Tree maps positions found in a build log onto a repository's working
// tree. A path is looked up by its longest existing suffix (Resolve). A
// bare file name that is not at the root ("a_test.go:12" from go test,
// "at FooTest.java:42" from Gradle) and a JVM stack frame
// ("at com.x.FooTest.t(FooTest.java:42)") are looked up by name in an index
// of the tree, built once by a bounded walk when first needed: the file is
// used only when one file of the tree has that name (and that package).
// A Tree is not safe for concurrent use.
type Tree struct {
	fsys    fs.FS
	byName  map[string][]string // file name → paths; nil value: too many to choose
	indexed bool
}

// NewTree returns a Tree over fsys, which must refuse paths and symbolic
// links that lead outside it (os.Root's FS does).
func NewTree(fsys fs.FS) *Tree { return &Tree{fsys: fsys} }

// Bounds of the walk that indexes the tree by file name: the shallowest
// entries first, so a large repository's own sources are in and deep
// fixtures are not.
const (
	maxIndexEntries = 20000 // directory entries read
	maxIndexDepth   = 16
	maxSameName     = 8 // more files of one name cannot be told apart
)

// Resolve returns the file of the tree that loc names, relative to the
// tree's root, if there is one.
func (t *Tree) Resolve(loc Location) (string, bool) {
	if t == nil || t.fsys == nil {
		return "", false
	}
	if rel, ok := Resolve(t.fsys, loc.Path); ok {
		return rel, true
	}
	name := strings.TrimPrefix(strings.TrimPrefix(loc.Path, "./"), ".\\")
	if strings.ContainsAny(name, `/\`) || !fs.ValidPath(name) {
		return "", false // a path with folders names its place: Resolve had it
	}
	if !t.indexed {
		t.indexed = true
		t.byName = indexNames(t.fsys)
	}
	match := ""
	for _, p := range t.byName[name] {
		if loc.Package != "" && !strings.HasSuffix("/"+p, "/"+loc.Package+"/"+name) {
			continue
		}
		if match != "" {
			return "", false // two files: no guessing
		}
		match = p
	}
	return match, match != ""
}

// indexNames lists the regular files of fsys by name, breadth-first within
// the bounds above, skipping hidden folders, dependencies and build outputs.
func indexNames(fsys fs.FS) map[string][]string {
	index := map[string][]string{}
	queue := []string{"."}
	entries := 0
	for depth := 0; depth < maxIndexDepth && len(queue) > 0; depth++ {
		var next []string
		for _, dir := range queue {
			list, err := fs.ReadDir(fsys, dir)
			if err != nil {
				continue
			}
			for _, e := range list {
				if entries++; entries > maxIndexEntries {
					return index
				}
				name := e.Name()
				p := name
				if dir != "." {
					p = dir + "/" + name
				}
				switch {
				case e.IsDir():
					if !strings.HasPrefix(name, ".") && !skipDir[name] {
						next = append(next, p)
					}
				case e.Type().IsRegular():
					paths, seen := index[name]
					switch {
					case seen && paths == nil: // already too many
					case len(paths) == maxSameName:
						index[name] = nil
					default:
						index[name] = append(paths, p)
					}
				}
			}
		}
		queue = next
	}
	return index
}

// skipDir are folders that hold no sources of the project's own.
var skipDir = map[string]bool{"node_modules": true, "target": true, "build": true, "vendor": true, "out": true, "bin": true, "dist": true, "__pycache__": true}
