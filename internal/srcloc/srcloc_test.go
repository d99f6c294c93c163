package srcloc

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// codearts is the prefix CodeArts Build puts before every line of a log.
const codearts = "[2023/12/21 15:44:18.200 GMT+08:00] [INFO] "

func TestFind(t *testing.T) {
	t.Parallel()
	type want struct {
		path               string
		line, col, endLine int
		rest               string // what follows the position
	}
	tests := []struct {
		name, text string
		want       []want // empty: no position
	}{
		{"maven javac", "[2023/12/21 15:44:18.200 GMT+08:00] [ERROR] /opt/buildagent/workspace/7f3a/src/main/java/com/x/OrderService.java:[11,40] package com.example.billing does not exist",
			[]want{{"/opt/buildagent/workspace/7f3a/src/main/java/com/x/OrderService.java", 11, 40, 0, " package com.example.billing does not exist"}}},
		{"maven without column", "[ERROR] src/main/java/A.java:[7] cannot find symbol", []want{{"src/main/java/A.java", 7, 0, 0, " cannot find symbol"}}},
		{"go build", codearts + "pkg/a.go:12:3: undefined: x", []want{{"pkg/a.go", 12, 3, 0, ": undefined: x"}}},
		{"go build relative", "./main.go:5:2: imported and not used", []want{{"./main.go", 5, 2, 0, ": imported and not used"}}},
		{"go test", "    a_test.go:12: got 1, want 2", []want{{"a_test.go", 12, 0, 0, ": got 1, want 2"}}},
		{"python traceback", `  File "/home/build/app/pkg/x.py", line 12, in handler`, []want{{"/home/build/app/pkg/x.py", 12, 0, 0, ", in handler"}}},
		{"pytest", "tests/test_api.py:41: AssertionError", []want{{"tests/test_api.py", 41, 0, 0, ": AssertionError"}}},
		{"tsc", "src/a.ts(12,3): error TS2322: Type 'string' is not assignable", []want{{"src/a.ts", 12, 3, 0, " error TS2322: Type 'string' is not assignable"}}},
		{"msbuild range", `C:\agent\_work\1\s\src\Foo.cs(12,5,14,9): error CS1002: ; expected [C:\agent\_work\1\s\src\Foo.csproj]`,
			[]want{{`C:\agent\_work\1\s\src\Foo.cs`, 12, 5, 14, " error CS1002: ; expected [C:\\agent\\_work\\1\\s\\src\\Foo.csproj]"}}},
		{"rustc arrow", "  --> src/lib.rs:4:5", []want{{"src/lib.rs", 4, 5, 0, ""}}},
		{"rustc panic", "thread 'main' panicked at src/lib.rs:4:5:", []want{{"src/lib.rs", 4, 5, 0, ":"}}},
		{"gcc", "/home/build/proj/src/util.c:88:14: error: 'len' undeclared (first use in this function)", []want{{"/home/build/proj/src/util.c", 88, 14, 0, ": error: 'len' undeclared (first use in this function)"}}},
		{"gcc include chain", "In file included from /usr/include/stdio.h:27:0,", []want{{"/usr/include/stdio.h", 27, 0, 0, ","}}},
		{"javac", "src/com/x/Main.java:11: error: cannot find symbol", []want{{"src/com/x/Main.java", 11, 0, 0, ": error: cannot find symbol"}}},
		{"scalac sbt", "[error] /build/app/src/main/scala/A.scala:12:5: not found: value foo", []want{{"/build/app/src/main/scala/A.scala", 12, 5, 0, ": not found: value foo"}}},
		{"ghc", "src/Lib.hs:12:5: error:", []want{{"src/Lib.hs", 12, 5, 0, ": error:"}}},
		{"ghc column span", "src/Lib.hs:12:5-9: error:", []want{{"src/Lib.hs", 12, 5, 0, "-9: error:"}}},
		{"ghc line span", "src/Lib.hs:(12,5)-(14,7): error:", []want{{"src/Lib.hs", 12, 5, 14, ": error:"}}},
		{"swiftc", "/Users/ci/work/App/Sources/App/main.swift:3:7: error: cannot find 'x' in scope", []want{{"/Users/ci/work/App/Sources/App/main.swift", 3, 7, 0, ": error: cannot find 'x' in scope"}}},
		{"kotlin new", "e: file:///home/build/app/src/main/kotlin/A.kt:12:5 Unresolved reference: foo", []want{{"file:///home/build/app/src/main/kotlin/A.kt", 12, 5, 0, " Unresolved reference: foo"}}},
		{"kotlin old", "e: /home/build/app/src/main/kotlin/A.kt: (12, 5): Unresolved reference: foo", []want{{"/home/build/app/src/main/kotlin/A.kt", 12, 5, 0, ": Unresolved reference: foo"}}},
		{"php", "PHP Parse error:  syntax error, unexpected '}' in /var/www/app/src/x.php on line 12", []want{{"/var/www/app/src/x.php", 12, 0, 0, ""}}},
		{"perl", "syntax error at /build/lib/X.pm line 12, near \"}\"", []want{{"/build/lib/X.pm", 12, 0, 0, ", near \"}\""}}},
		{"ruby backtrace", "\tfrom /home/build/app/lib/x.rb:12:in `block in run'", []want{{"/home/build/app/lib/x.rb", 12, 0, 0, ":in `block in run'"}}},
		{"rspec", "# ./spec/models/user_spec.rb:25:in `block (2 levels)'", []want{{"./spec/models/user_spec.rb", 25, 0, 0, ":in `block (2 levels)'"}}},
		{"node stack", "    at Object.<anonymous> (/home/build/app/src/x.test.js:12:5)", []want{{"/home/build/app/src/x.test.js", 12, 5, 0, ")"}}},
		{"elixir", "** (CompileError) lib/foo.ex:12: undefined function bar/0", []want{{"lib/foo.ex", 12, 0, 0, ": undefined function bar/0"}}},
		{"erlc", "src/foo.erl:12: syntax error before: ')'", []want{{"src/foo.erl", 12, 0, 0, ": syntax error before: ')'"}}},
		{"make", "Makefile:12: *** missing separator.  Stop.", []want{{"Makefile", 12, 0, 0, ": *** missing separator.  Stop."}}},
		{"dockerfile in a folder", "docker/Dockerfile:3 unknown instruction", []want{{"docker/Dockerfile", 3, 0, 0, " unknown instruction"}}},
		{"two positions", "a.c:3:1: note: in expansion of macro from b.h:9:2:", []want{{"a.c", 3, 1, 0, ": note: in expansion of macro from b.h:9:2:"}, {"b.h", 9, 2, 0, ":"}}},

		// Numbers after names that are not positions.
		{"timestamp only", codearts + "BUILD FAILURE", nil},
		{"url with port", "Downloading from central: https://repo.maven.apache.org:443/maven2/x.pom", nil},
		{"version", "go version go1.26.8 linux/amd64", nil},
		{"host and port", "Connecting to melpa.org:443 failed", nil},
		{"url host and port", "gpg: keyserver receive failed from hkp://keyserver.ubuntu.com:80", nil},
		{"line zero", "a.go:0:1: x", nil},
		{"huge line", "a.go:99999999999:1: x", nil},
		{"no extension", "error: 12:3: bad", nil},
		{"bare dots", "..:12: x", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Find(tc.text)
			var gotW []want
			for _, l := range got {
				gotW = append(gotW, want{l.Path, l.Line, l.Col, l.EndLine, tc.text[l.End:]})
			}
			if fmt.Sprintf("%#v", gotW) != fmt.Sprintf("%#v", tc.want) {
				t.Errorf("Find(%q)\n got %+v\nwant %+v", tc.text, gotW, tc.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	repo := fstest.MapFS{
		"src/main/java/com/x/OrderService.java": {Data: []byte("class OrderService {}\n")},
		"pkg/a.go":                              {Data: []byte("package pkg\n")},
		"main.go":                               {Data: []byte("package main\n")},
		"src/Foo.cs":                            {Data: []byte("class Foo {}\n")},
		"etc/motd":                              {Data: []byte("inside the repository\n")},
		"gen/pkg/a.go":                          {Data: []byte("package pkg\n")},
		"lib":                                   {Mode: fs.ModeDir},
	}
	tests := []struct{ name, path, want string }{
		{"already relative", "pkg/a.go", "pkg/a.go"},
		{"dot slash", "./main.go", "main.go"},
		{"codearts agent workspace", "/opt/buildagent/workspace/7f3a/src/main/java/com/x/OrderService.java", "src/main/java/com/x/OrderService.java"},
		{"home build", "/home/build/order-service/pkg/a.go", "pkg/a.go"},
		{"windows agent", `C:\agent\_work\1\s\src\Foo.cs`, "src/Foo.cs"},
		{"file url", "file:///home/build/app/pkg/a.go", "pkg/a.go"},
		{"doubled slashes", "/w//pkg//a.go", "pkg/a.go"},
		{"out-of-tree build", "../src/../pkg/a.go", "pkg/a.go"},
		{"what precedes dot-dot is not the path", "gen/../pkg/a.go", "pkg/a.go"},
		{"not in the repository", "/usr/include/stdio.h", ""},
		{"a folder is not a file", "/w/lib", ""},
		{"escape by dot-dot", "../../../../../../../../etc/passwd", ""},
		{"absolute outside", "/etc/passwd", ""},
		{"dot-dot keeps only what follows", "../../etc/motd", "etc/motd"},
		{"nul byte", "pkg/a.go\x00", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Resolve(repo, tc.path)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("Resolve(%q) = %q, %v; want %q", tc.path, got, ok, tc.want)
			}
		})
	}
}

// countingFS counts the Stat calls Resolve makes.
type countingFS struct {
	fstest.MapFS
	stats *int
}

func (c countingFS) Stat(name string) (fs.FileInfo, error) {
	*c.stats++
	return c.MapFS.Stat(name)
}

func TestResolveBoundsLookups(t *testing.T) {
	t.Parallel()
	n := 0
	fsys := countingFS{fstest.MapFS{"a.go": {}}, &n}
	deep := ""
	for range 1000 {
		deep += "/d"
	}
	if _, ok := Resolve(fsys, deep+"/missing.go"); ok {
		t.Fatal("found a file that does not exist")
	}
	if n > MaxStats {
		t.Errorf("%d lookups for one path, want at most %d", n, MaxStats)
	}
	// The longest suffix that exists wins, and is looked up first.
	n = 0
	if got, _ := Resolve(fsys, "a.go"); got != "a.go" || n != 1 {
		t.Errorf("Resolve(a.go) = %q after %d lookups", got, n)
	}
}

// TestResolveStaysInTheRoot checks, on a real directory, that a path
// through a symbolic link leaving the workspace is not resolved when the
// workspace is opened with os.OpenRoot, as the program does.
func TestResolveStaysInTheRoot(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.go"), []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(ws, "link")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.WriteFile(filepath.Join(ws, "in.go"), []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if got, ok := Resolve(root.FS(), "/build/link/secret.go"); ok {
		t.Errorf("resolved %q through a link that leaves the workspace", got)
	}
	if got, ok := Resolve(root.FS(), "/build/in.go"); got != "in.go" || !ok {
		t.Errorf("Resolve(in.go) = %q, %v", got, ok)
	}
}

func TestFindJVMFrames(t *testing.T) {
	t.Parallel()
	tests := []struct{ text, path, pkg string }{
		{"\tat com.example.OrderServiceTest.totals(OrderServiceTest.java:42)", "OrderServiceTest.java", "com/example"},
		{"    at com.example.billing.Invoice$Line.<init>(Invoice.java:7) ~[classes/:?]", "Invoice.java", "com/example/billing"},
		{"\tat java.base/java.lang.reflect.Method.invoke(Method.java:568)", "Method.java", "java/lang/reflect"},
		{"\tat app//com.example.AppKt.main(App.kt:3)", "App.kt", "com/example"},
		{"\tat com.example.Foo.bar(Foo.scala:9)", "Foo.scala", "com/example"},
		{"    at Object.<anonymous> (/w/src/x.test.js:12:5)", "/w/src/x.test.js", ""}, // Node, not a JVM frame
		{"\tat Main.main(Main.java:3)", "Main.java", ""},                              // the default package
		{"see (Foo.java:3)", "Foo.java", ""},
	}
	for _, tc := range tests {
		locs := Find(tc.text)
		if len(locs) != 1 || locs[0].Path != tc.path || locs[0].Package != tc.pkg {
			t.Errorf("Find(%q) = %+v, want path %q package %q", tc.text, locs, tc.path, tc.pkg)
		}
	}
}

func TestTreeResolvesNamesAndFrames(t *testing.T) {
	t.Parallel()
	n := 0
	repo := countingFS{fstest.MapFS{
		"order-service/src/main/java/com/example/OrderService.java":     {},
		"order-service/src/test/java/com/example/OrderServiceTest.java": {},
		"app/src/main/kotlin/com/example/App.kt":                        {},
		"node_modules/x/src/main/java/com/example/Decoy.java":           {},
		"Main.java":                       {},
		"pkg/store/store_test.go":         {},
		"cmd/a/main.go":                   {},
		"cmd/b/main.go":                   {},
		"legacy/com/example/Invoice.java": {},
		"other/com/example/Invoice.java":  {},
		"billing/org/x/Invoice.java":      {},
	}, &n}
	tree := NewTree(repo)
	tests := []struct{ line, want string }{
		{"\tat com.example.OrderServiceTest.totals(OrderServiceTest.java:42)", "order-service/src/test/java/com/example/OrderServiceTest.java"},
		{"\tat com.example.OrderService.total(OrderService.java:11)", "order-service/src/main/java/com/example/OrderService.java"},
		{"\tat app//com.example.AppKt.main(App.kt:3)", "app/src/main/kotlin/com/example/App.kt"},
		{"\tat Main.main(Main.java:3)", "Main.java"},
		{"\tat org.junit.Assert.fail(Assert.java:89)", ""},
		{"\tat com.example.Decoy.x(Decoy.java:1)", ""},                             // under node_modules: not the project's
		{"\tat org.x.Invoice.total(Invoice.java:5)", "billing/org/x/Invoice.java"}, // the package tells them apart
		{"\tat com.example.Invoice.total(Invoice.java:5)", ""},                     // two of them: no guess
		{"    org.opentest4j.AssertionFailedError at OrderServiceTest.java:42", "order-service/src/test/java/com/example/OrderServiceTest.java"}, // Gradle
		{"    store_test.go:12: got 1, want 2", "pkg/store/store_test.go"},                                                                       // go test
		{"main.go:3:1: syntax error", ""},        // two main.go
		{"/w/elsewhere/store_test.go:12: x", ""}, // a path with folders is not looked up by name
	}
	for _, tc := range tests {
		locs := Find(tc.line)
		if len(locs) != 1 {
			t.Fatalf("Find(%q) = %+v", tc.line, locs)
		}
		got, ok := tree.Resolve(locs[0])
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tc.line, got, ok, tc.want)
		}
	}
	if n > 60 {
		t.Errorf("%d lookups for %d lines", n, len(tests))
	}
}

func TestTreeIndexIsBounded(t *testing.T) {
	t.Parallel()
	repo := fstest.MapFS{}
	for i := range maxIndexEntries + 100 {
		repo[fmt.Sprintf("d%05d/x.go", i)] = &fstest.MapFile{}
	}
	repo["zzz/deep/Only.java"] = &fstest.MapFile{}
	locs := Find("\tat Only.java:3")
	if _, ok := NewTree(repo).Resolve(locs[0]); ok {
		t.Errorf("found a file past the bound of the index")
	}
}
