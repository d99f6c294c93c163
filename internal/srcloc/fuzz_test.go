package srcloc

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func FuzzFind(f *testing.F) {
	for _, s := range []string{
		"[ERROR] /w/src/A.java:[11,40] package x does not exist",
		"pkg/a.go:12:3: undefined: x",
		`  File "/w/x.py", line 12, in f`,
		"src/a.ts(12,3): error TS2322",
		"  --> src/lib.rs:4:5",
		"src/Lib.hs:(12,5)-(14,7): error:",
		"e: /w/A.kt: (12, 5): x",
		"in /w/x.php on line 12",
		"at /w/X.pm line 12, near",
		`C:\w\Foo.cs(12,5,14,9): error CS1002`,
		"../../etc/passwd:1:",
		"a.c:3:1: from b.h:9:2: c.h:1:1: d.h:2:2: e.h:3:3:",
		"\tat com.x.Foo.bar(Foo.java:12)",
		"\tat java.base/java.lang.X.y(X.java:1)",
	} {
		f.Add(s)
	}
	repo := fstest.MapFS{"src/A.java": {}, "pkg/a.go": {}, "x.py": {}, "m/src/main/java/com/x/Foo.java": {}}
	f.Fuzz(func(t *testing.T, text string) {
		locs := Find(text)
		if len(locs) > MaxPerLine {
			t.Fatalf("%d locations", len(locs))
		}
		end := 0
		for _, l := range locs {
			if l.Start < end || l.End < l.Start || l.End > len(text) {
				t.Fatalf("bad offsets %d..%d after %d in %q", l.Start, l.End, end, text)
			}
			end = l.End
			if l.Path == "" || !strings.Contains(text[l.Start:l.End], l.Path) {
				t.Fatalf("path %q not within %q", l.Path, text[l.Start:l.End])
			}
			if l.Line < 1 || l.Line > maxLine || l.Col < 0 || l.Col > maxCol || (l.EndLine != 0 && l.EndLine < l.Line) {
				t.Fatalf("bad position %+v", l)
			}
			if rel, ok := NewTree(repo).Resolve(l); ok {
				if !fs.ValidPath(rel) || strings.HasPrefix(rel, "/") || strings.Contains("/"+rel+"/", "/../") {
					t.Fatalf("Resolve(%q) = %q leaves the tree", l.Path, rel)
				}
			}
		}
	})
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/opt/buildagent/workspace/1/pkg/a.go", "../../pkg/a.go", `C:\a\pkg\a.go`, "file:///x/pkg/a.go", "pkg/./a.go", "/"} {
		f.Add(s)
	}
	repo := fstest.MapFS{"pkg/a.go": {}, "a.go": {}}
	f.Fuzz(func(t *testing.T, p string) {
		rel, ok := Resolve(repo, p)
		if !ok {
			return
		}
		if rel != "pkg/a.go" && rel != "a.go" {
			t.Fatalf("Resolve(%q) = %q, not a file of the tree", p, rel)
		}
	})
}
