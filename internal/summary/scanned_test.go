package summary

import (
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

// The golden summaries of logs scanned by the real failure locator, end
// to end: short logs written after what each tool prints, with CodeArts'
// line prefix.

const scanTS = "[2024/09/24 11:19:57.266 GMT+08:00] "

// codeartsLog prefixes each line as CodeArts does, with the INFO level
// unless the line gives its own ("[ERROR] x").
func codeartsLog(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(scanTS)
		if !strings.HasPrefix(l, "[") {
			b.WriteString("[INFO] ")
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

// scannedRun is a record whose stage2 (status) has the given log, scanned
// with the default options.
func scannedRun(name, status, log string) *report.Run {
	run := allGreenRun()
	st := &run.Stages[1]
	st.Name, st.Status = name, status
	d := failures.NewDetector(nil, failures.DefaultOptions())
	_, _ = d.Write([]byte(log))
	st.Scan = d.Result()
	st.Bytes = st.Scan.Bytes
	st.Duration = 48 * time.Second
	if status != "SUCCESS" {
		run.Record.Final = "FAILED"
	}
	return run
}

// scanPytestRun: a pytest failure report, root cause first, then the summary.
func scanPytestRun() *report.Run {
	return scannedRun("Python Test", "FAILED", codeartsLog(
		"[Python:test] : 该步骤开始执行。",
		"$ python -m pytest -q",
		"..F.",
		"=================================== FAILURES ===================================",
		"_________________________________ test_total _________________________________",
		"",
		"    def test_total():",
		">       assert total([1, 2]) == 4",
		"E       assert 3 == 4",
		"E        +  where 3 = total([1, 2])",
		"",
		"tests/test_cart.py:7: AssertionError",
		"=========================== short test summary info ============================",
		"FAILED tests/test_cart.py::test_total - assert 3 == 4",
		"1 failed, 3 passed in 0.12s",
		"exit code 1",
	))
}

// scanCommandOutputRun: only "exit code 1" matched: the failed command's
// output, its last line marked.
func scanCommandOutputRun() *report.Run {
	return scannedRun("Docs Check", "FAILED", codeartsLog(
		"[Shell:check] : 该步骤开始执行。",
		"$ ./tools/check-docs.sh",
		"checking 41 commands",
		"man/git-sync.md is required for bin/git-sync",
		"exit code 1",
	))
}

// scanNoMatchRun: nothing matched, the status says FAILED: the output of
// the last command.
func scanNoMatchRun() *report.Run {
	return scannedRun("Deploy", "FAILED", codeartsLog(
		"[Shell:deploy] : 该步骤开始执行。",
		"$ ./deploy.sh staging",
		"Connecting to 10.0.0.12:22 ...",
		"Connection reset by peer",
		"Giving up after 3 attempts",
	))
}

// scanMavenRun: Maven's compiler errors, each once although Maven prints
// them twice, without its help lines.
func scanMavenRun() *report.Run {
	return scannedRun("Maven Build", "FAILED", codeartsLog(
		"[Maven:build] : 该步骤开始执行。",
		"$ mvn -B package",
		"Compiling 42 source files with javac [debug release 17] to target/classes",
		"-------------------------------------------------------------",
		"[ERROR] COMPILATION ERROR : ",
		"-------------------------------------------------------------",
		"[ERROR] /src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist",
		"[ERROR] /src/main/java/com/example/OrderService.java:[27,13] cannot find symbol",
		"  symbol:   class InvoiceClient",
		"  location: class com.example.OrderService",
		"2 errors ",
		"-------------------------------------------------------------",
		"BUILD FAILURE",
		"Total time:  14.532 s",
		"[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile (default-compile) on project order-service: Compilation failure: Compilation failure: ",
		"[ERROR] /src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist",
		"[ERROR] /src/main/java/com/example/OrderService.java:[27,13] cannot find symbol",
		"[ERROR]   symbol:   class InvoiceClient",
		"[ERROR]   location: class com.example.OrderService",
		"[ERROR] -> [Help 1]",
		"[ERROR] ",
		"[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.",
		"[ERROR] Re-run Maven using the -X switch to enable full debug logging.",
		"exit code 1",
	))
}
