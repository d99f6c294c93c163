package failures

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// benchLine is one template of the synthetic CodeArts log used by the
// benchmarks and by .ci/bench-detect.sh. %s is replaced by a random token.
type benchLine struct {
	weight int
	text   string
}

// cleanBenchLines are lines seen in successful CodeArts builds (Maven, npm,
// jest, gcc, docker, the CodeArts step markers). None of them is a failure
// line: the clean log must yield no match, with this detector and with the
// grep -E equivalent in .ci/bench-detect.sh.
var cleanBenchLines = []benchLine{
	{30, "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/org/apache/commons/commons-%s/3.12.0/commons-%s-3.12.0.pom"},
	{30, "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/springframework/spring-%s/6.1.2/spring-%s-6.1.2.jar (1.9 MB at 4.2 MB/s)"},
	{6, "[INFO] --- maven-compiler-plugin:3.11.0:compile (default-compile) @ order-%s ---"},
	{4, "[INFO] Compiling 87 source files with javac [debug release 17] to target/classes"},
	{8, "[INFO] Tests run: 12, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.%s s - in com.example.order.%sServiceTest"},
	{3, "[INFO] BUILD SUCCESS"},
	{3, "[INFO] Total time:  01:02 min"},
	{3, "[INFO] ------------------------------------------------------------------------"},
	{4, "[WARNING] /codearts/workspace/src/main/java/com/example/%s/Legacy.java:[41,17] deprecated API is used; error-prone checks are disabled"},
	{4, "[INFO] [Maven构建:external_post_maven] : 该步骤开始执行。"},
	{4, "[INFO] [Maven构建:external_post_maven] : 该步骤执行完成。"},
	{3, "[INFO] 正在下载依赖 %s，请稍候……"},
	{10, "npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it. Check out lru-cache if you want a good and tested way to coalesce async requests by a key value, which is much more comprehensive and powerful."},
	{4, "npm WARN deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported (%s)"},
	{4, "added 1324 packages, and audited 1325 packages in 21s"},
	{2, "found 0 vulnerabilities"},
	{6, "\x1b[32m✓\x1b[39m \x1b[2mrenders the order list for customer %s (12 ms)\x1b[22m"},
	{4, "\x1b[0m\x1b[7m\x1b[1m\x1b[32m PASS \x1b[39m\x1b[22m\x1b[27m\x1b[0m \x1b[2msrc/components/\x1b[22m\x1b[1m%s.test.tsx\x1b[22m"},
	{2, "Tests:       42 passed, 42 total"},
	{3, "> eslint . --ext .ts,.tsx --max-warnings=0 --rule no-console:error"},
	{6, "gcc -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -I include -c src/errors.c -o build/%s.o"},
	{3, "$ docker stop --time=1 8db533bf%s"},
	{3, "Step 4/12 : RUN npm ci --no-audit --no-fund"},
	{3, "remote: Counting objects: 100%% (412/412), done."},
	{3, "Receiving objects: 100%% (1187/1187), 2.31 MiB | 8.42 MiB/s, done."},
	{2, "Process finished with exit code 0"},
	{2, "handled 0 errors and 0 warnings in module %s"},
	{1, "[INFO] classpath: /root/.m2/repository/" + strings.Repeat("org/apache/maven/plugins/maven-surefire-common/3.2.2/maven-surefire-common-3.2.2.jar:/root/.m2/repository/", 30) + "%s.jar"},
}

// failureBenchLines are injected into the "with failures" log.
var failureBenchLines = []benchLine{
	{3, "[ERROR] /codearts/workspace/src/main/java/com/example/OrderService.java:[11,40] package com.example.%s does not exist"},
	{1, "[INFO] BUILD FAILURE"},
	{2, "npm ERR! code ELIFECYCLE"},
	{1, "main.c:3:5: error: implicit declaration of function '%s'"},
	{1, "fatal: repository 'https://codehub.example.com/%s.git/' not found"},
	{1, "Traceback (most recent call last):"},
	{1, "\x1b[31mERROR\x1b[0m: failed to solve: process \"/bin/sh -c make\" did not complete successfully: exit code: 2"},
	{1, "[ERROR] [Maven构建:external_post_maven] : 该步骤执行失败。"},
}

// pickBench chooses a template by weight.
func pickBench(r *rand.Rand, lines []benchLine, total int) string {
	n := r.IntN(total)
	for _, l := range lines {
		if n < l.weight {
			return l.text
		}
		n -= l.weight
	}
	return lines[len(lines)-1].text
}

func benchWeight(lines []benchLine) int {
	t := 0
	for _, l := range lines {
		t += l.weight
	}
	return t
}

// writeBenchLog writes a deterministic synthetic CodeArts log of about size
// bytes: timestamped lines, Maven/npm/jest/gcc output, Chinese markers and
// some ANSI colours. With failures, about one line in every failEvery is a
// failure line (failEvery <= 0: none).
func writeBenchLog(w io.Writer, size int64, failEvery int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	cleanTotal := benchWeight(cleanBenchLines)
	failTotal := benchWeight(failureBenchLines)
	words := []string{"billing", "order", "payment", "lang3", "core", "context", "beans", "inventory", "用户", "report"}
	ts := time.Date(2023, 12, 21, 15, 44, 18, 793e6, time.FixedZone("GMT+08:00", 8*3600))
	var written int64
	for written < size {
		ts = ts.Add(time.Duration(r.IntN(50)) * time.Millisecond)
		tmpl := pickBench(r, cleanBenchLines, cleanTotal)
		if failEvery > 0 && r.IntN(failEvery) == 0 {
			tmpl = pickBench(r, failureBenchLines, failTotal)
		}
		word := words[r.IntN(len(words))]
		text := strings.ReplaceAll(tmpl, "%s", word)
		text = strings.ReplaceAll(text, "%%", "%")
		level := "[INFO] "
		if strings.HasPrefix(text, "[") {
			level = ""
		}
		n, err := fmt.Fprintf(bw, "[%s GMT+08:00] %s%s\n", ts.Format("2006/01/02 15:04:05.000"), level, text)
		if err != nil {
			return fmt.Errorf("write bench log: %w", err)
		}
		written += int64(n)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write bench log: %w", err)
	}
	return nil
}
