package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/report"
	"github.com/codearts-tools/codearts-logs/internal/srcloc"
)

// codeartsLine is a log line as CodeArts prints it.
func codeartsLine(level, text string) string {
	if level != "" {
		level = "[" + level + "] "
	}
	return "[2024/09/24 11:19:48.200 GMT+08:00] " + level + text + "\n"
}

// stageErrors runs a record whose failed stage3 has log, with the files
// of the map in the workspace, and returns the properties of each error
// annotation as the runner reads them, with its message under "message".
func stageErrors(t *testing.T, name, log string, files map[string]string, links map[string]string) []map[string]string {
	t.Helper()
	h := newHarness(t, fakecodearts.Options{})
	for p, body := range files {
		p = filepath.Join(h.ws, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range links {
		if err := os.Symlink(target, filepath.Join(h.ws, link)); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	h.fake.AddRecord(testRecord,
		fakecodearts.StageSpec{Task: "stage1", Name: "Code CheckOut", Status: "SUCCESS", Log: []byte(okLog)},
		fakecodearts.StageSpec{Task: "stage3", Name: name, Status: "FAILED", Log: []byte(log)},
	)
	h.inputs(map[string]string{})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	var out []map[string]string
	for _, c := range h.commands() {
		if c.Name == "error" {
			p := c.Properties()
			p["message"] = c.Data
			out = append(out, p)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d error annotations, want 1:\n%s", len(out), h.stdout.String())
	}
	return out
}

const mavenLog = "[2024/09/24 11:19:48.100 GMT+08:00] [INFO] Compiling 12 source files to /opt/buildagent/workspace/7f3a9c/target/classes\n" +
	"[2024/09/24 11:19:48.200 GMT+08:00] [ERROR] /opt/buildagent/workspace/7f3a9c/src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist\n" +
	"[2024/09/24 11:19:48.300 GMT+08:00] [INFO] BUILD FAILURE\n"

func TestAnnotationPointsAtTheCode(t *testing.T) {
	t.Parallel()
	src := map[string]string{"src/main/java/com/example/OrderService.java": "package com.example;\n"}
	tests := []struct {
		name, stage, log string
		want             map[string]string // properties; "" = must be absent
	}{
		{"maven on a codearts agent", "Maven Build", mavenLog, map[string]string{
			"file": "src/main/java/com/example/OrderService.java", "line": "11", "col": "40", "endLine": "",
			"title": "stage3 (Maven Build): OrderService.java:11: package com.example.billing does not exist",
		}},
		{"no display name", "", mavenLog, map[string]string{
			"file":  "src/main/java/com/example/OrderService.java",
			"title": "stage3: OrderService.java:11: package com.example.billing does not exist",
		}},
		{"maven heading before the error", "Maven Build",
			codeartsLine("ERROR", "COMPILATION ERROR : ") +
				codeartsLine("INFO", "-------------------------------------------------------------") +
				codeartsLine("ERROR", "/home/build/order-service/src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist"),
			map[string]string{
				"file": "src/main/java/com/example/OrderService.java", "line": "11", "col": "40",
				"title": "stage3 (Maven Build): OrderService.java:11: package com.example.billing does not exist",
			}},
		{"heading without a position", "Maven Build",
			codeartsLine("ERROR", "COMPILATION ERROR : ") + codeartsLine("INFO", "BUILD FAILURE"),
			map[string]string{"file": "", "title": "stage3 (Maven Build): COMPILATION ERROR"}},
		{"rustc position on the line below", "Cargo Build",
			codeartsLine("", "   Compiling demo v0.1.0 (/home/build/demo)") +
				codeartsLine("", "error[E0425]: cannot find value `x` in this scope") +
				codeartsLine("", "  --> src/lib.rs:4:5") +
				codeartsLine("", "   |") +
				codeartsLine("", "4  |     x") +
				codeartsLine("", "error: could not compile `demo` (lib) due to 1 previous error"),
			map[string]string{
				"file": "src/lib.rs", "line": "4", "col": "5",
				"title": "stage3 (Cargo Build): lib.rs:4: error[E0425]: cannot find value `x` in this scope",
			}},
		{"gcc on a Windows agent", "CMake Build",
			codeartsLine("", `C:\agent\_work\1\s\pkg\a.c:12:3: error: 'x' undeclared (first use in this function)`),
			map[string]string{
				"file": "pkg/a.c", "line": "12", "col": "3",
				"title": "stage3 (CMake Build): a.c:12: error: 'x' undeclared (first use in this function)",
			}},
		{"go test: the message follows the position on the line below", "Go Test",
			codeartsLine("", "=== RUN   TestTotals") +
				codeartsLine("", "--- FAIL: TestTotals (0.00s)") +
				codeartsLine("", "    order_test.go:12: total = 2, want 3") +
				codeartsLine("", "FAIL") +
				codeartsLine("", "FAIL\texample.com/shop/pkg\t0.004s"),
			map[string]string{
				"file": "pkg/order_test.go", "line": "12", "col": "",
				"title": "stage3 (Go Test): order_test.go:12: total = 2, want 3",
			}},
		{"exunit: the frame of the assertion, with the root cause's words", "Mix Test",
			codeartsLine("", "  1) test totals (ShopTest)") +
				codeartsLine("", "     test/shop_test.exs:12") +
				codeartsLine("", "     Assertion with == failed") +
				codeartsLine("", "     stacktrace:") +
				codeartsLine("", "       test/shop_test.exs:14: (test)"),
			map[string]string{"file": "test/shop_test.exs", "line": "14", "title": "stage3 (Mix Test): shop_test.exs:14: Assertion with == failed"}},
		{"not in the workspace", "Maven Build",
			codeartsLine("ERROR", "/opt/buildagent/workspace/7f3a9c/src/main/java/com/example/Missing.java:[3,1] cannot find symbol"),
			map[string]string{
				"file": "", "line": "", "col": "",
				"title": "stage3 (Maven Build): Missing.java:3: cannot find symbol",
			}},
		{"no position", "Npm Test",
			codeartsLine("", "npm ERR! code ELIFECYCLE"),
			map[string]string{"file": "", "line": "", "title": "stage3 (Npm Test): npm ERR! code ELIFECYCLE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"src/lib.rs": "pub fn f() {}\n", "pkg/a.c": "int f(void);\n", "pkg/order_test.go": "package pkg\n", "test/shop_test.exs": "\n"}
			for k, v := range src {
				files[k] = v
			}
			got := stageErrors(t, tc.stage, tc.log, files, nil)[0]
			for k, want := range tc.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q (all: %q)", k, got[k], want, got)
				}
			}
		})
	}
}

// TestAnnotationOnAJUnitFailure: the position is the first frame of the
// project's own code, below the assertion library's frames, found in the
// Maven module's test sources.
func TestAnnotationOnAJUnitFailure(t *testing.T) {
	t.Parallel()
	log := codeartsLine("INFO", "Running com.example.OrderServiceTest") +
		codeartsLine("ERROR", "Tests run: 1, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.05 s <<< FAILURE! -- in com.example.OrderServiceTest") +
		codeartsLine("", "org.opentest4j.AssertionFailedError: expected: <3> but was: <2>") +
		codeartsLine("", "\tat org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)") +
		codeartsLine("", "\tat org.junit.jupiter.api.AssertEquals.failNotEqual(AssertEquals.java:197)") +
		codeartsLine("", "\tat org.junit.jupiter.api.Assertions.assertEquals(Assertions.java:531)") +
		codeartsLine("", "\tat com.example.OrderServiceTest.totals(OrderServiceTest.java:42)") +
		codeartsLine("", "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)")
	h := newHarness(t, fakecodearts.Options{})
	p := filepath.Join(h.ws, "order-service", "src", "test", "java", "com", "example", "OrderServiceTest.java")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("package com.example;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fake.AddRecord(testRecord, fakecodearts.StageSpec{Task: "stage3", Name: "Maven Test", Status: "FAILED", Log: []byte(log)})
	h.inputs(map[string]string{"context-lines": "8"})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	var props []map[string]string
	for _, c := range h.commands() {
		if c.Name == "error" {
			props = append(props, c.Properties())
		}
	}
	if len(props) != 1 || props[0]["file"] != "order-service/src/test/java/com/example/OrderServiceTest.java" || props[0]["line"] != "42" ||
		props[0]["title"] != "stage3 (Maven Test): OrderServiceTest.java:42: org.opentest4j.AssertionFailedError: expected: <3> but was: <2>" {
		t.Errorf("annotations = %q", props)
	}
}

func TestAnnotationMessageKeepsTheWholeLine(t *testing.T) {
	t.Parallel()
	long := "/home/build/app/pkg/a.go:12:3: error: " + strings.Repeat("very long message ", 20) + "END"
	got := stageErrors(t, "Go Build", codeartsLine("", long)+codeartsLine("", "exit code 1"), map[string]string{"pkg/a.go": "package pkg\n"}, nil)[0]
	if !strings.Contains(got["message"], "END") || !strings.Contains(got["message"], "stage3.log line 1: ") {
		t.Errorf("message = %q, want the whole root-cause line", got["message"])
	}
	if strings.Contains(got["message"], "GMT+08:00") || !strings.HasPrefix(got["message"], "stage3.log line 1: /home/build/app/pkg/a.go:12:3: error: ") {
		t.Errorf("message = %q, want the line without CodeArts' timestamp", got["message"])
	}
	if n := len([]rune(got["title"])); n > 140 || !strings.HasSuffix(got["title"], "…") {
		t.Errorf("title has %d characters: %q", n, got["title"])
	}
}

// TestAnnotationNeverLeavesTheWorkspace: a log names files outside the
// workspace, by "..", by an absolute path, and through a symbolic link in
// the workspace; none of them may become the annotation's file.
func TestAnnotationNeverLeavesTheWorkspace(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.go"), []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("../", 40)
	for _, p := range []string{
		deep + filepath.ToSlash(strings.TrimPrefix(outside, "/")) + "/secret.go",
		"../../etc/passwd",
		deep + "etc/passwd",
		"/etc/passwd",
		"link/secret.go",
		"./link/secret.go",
	} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			log := codeartsLine("ERROR", p+":1: error: boom")
			got := stageErrors(t, "Build", log, map[string]string{"in.go": "package x\n"}, map[string]string{"link": outside})[0]
			if got["file"] != "" || got["line"] != "" {
				t.Errorf("annotation points at %q line %q, outside the workspace", got["file"], got["line"])
			}
		})
	}
}

// FuzzFailureAnnotation: whatever a log's failure lines hold, the title
// names the stage, and a file, when set, is one of the tree's.
func FuzzFailureAnnotation(f *testing.F) {
	f.Add("[ERROR] /w/src/A.java:[11,40] package x does not exist", "  --> src/lib.rs:4:5")
	f.Add("error[E0425]: cannot find value", "\tat com.x.T.t(T.java:3)")
	f.Add("../../etc/passwd:1: error: boom", "File \"a.py\", line 2, in f")
	tree := srcloc.NewTree(fstest.MapFS{"src/A.java": {}, "src/lib.rs": {}, "m/src/test/java/com/x/T.java": {}, "a.py": {}})
	files := map[string]bool{"": true, "src/A.java": true, "src/lib.rs": true, "m/src/test/java/com/x/T.java": true, "a.py": true}
	f.Fuzz(func(t *testing.T, root, next string) {
		first := failures.Line{Number: 7, Text: root, Match: true}
		s := &report.Stage{Task: "stage3", Name: "Build", Status: "FAILED", File: "stage3.log", Scan: failures.Result{
			Matches: 1, First: first,
			Hunks: []failures.Hunk{{Lines: []failures.Line{first, {Number: 8, Text: next}}}},
		}}
		a := failureAnnotation(s, tree)
		if !strings.HasPrefix(a.Title, "stage3 (Build): ") || !files[a.File] {
			t.Fatalf("annotation %+v", a)
		}
		if a.File != "" && a.Line < 1 {
			t.Fatalf("file without a line: %+v", a)
		}
	})
}
