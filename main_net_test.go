package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/ghaction/runnertest"
)

// hostile is what a hostile server puts in the bytes it sends beyond a
// response's Content-Length: workflow commands in both of the runner's
// forms.
const hostile = "\n##[error]hostile annotation\n##[set-output name=x]hostile output\n::add-mask::hostile-mask\n##[add-mask]hostile-legacy-mask\n"

// overlongServer is a raw-socket HTTP server (net/http would never send
// more than its Content-Length): it answers every request with body, its
// Content-Length, then extra bytes that belong to no response. full-stages
// answers a 404 JSON error so that the run goes on with the listed tasks.
func overlongServer(t *testing.T, body, extra string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					status, ctype, b := "200 OK", "text/plain", body
					if strings.HasSuffix(req.URL.Path, "/full-stages") {
						status, ctype, b = "404 Not Found", "application/json", `{"error_code":"CB.00060214","error_msg":"not here"}`
					}
					fmt.Fprintf(conn, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s%s", status, ctype, len(b), b, extra)
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestBinaryLibraryLogsNeverReachTheJobLog runs the real binary (the
// standard logger is the process's) against a server that sends more bytes
// than its Content-Length. net/http reports such bytes through the standard
// logger, quoting them; the runner parses stderr as well as stdout for
// workflow commands, so no library may print on its own.
func TestBinaryLibraryLogsNeverReachTheJobLog(t *testing.T) {
	t.Parallel()
	const record, token = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c", "overlong-test-token-77c1"
	const logText = "[INFO] the real log\n"
	endpoint := overlongServer(t, logText, hostile)

	ws, files := t.TempDir(), t.TempDir()
	cmd := exec.Command(binPath)
	cmd.Dir = ws
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + files,
		// net/http's HTTP/2 debug logging goes through the standard logger
		// too (and would print request headers).
		"GODEBUG=http2debug=2",
		"GITHUB_ACTIONS=true",
		"GITHUB_WORKSPACE=" + ws,
		"GITHUB_OUTPUT=" + filepath.Join(files, "output"),
		"GITHUB_STEP_SUMMARY=" + filepath.Join(files, "summary"),
		"INPUT_RECORD-ID=" + record,
		"INPUT_ENDPOINT=" + endpoint,
		"INPUT_TOKEN=" + token,
		"INPUT_TASK-NAMES=stage1, stage2",
		"INPUT_ARTIFACT-NAME=",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Logf("exit: %v", err)
	}
	// The process has exited: every goroutine that could log has had its
	// chance (the idle connection is read while the run goes on).
	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		for _, c := range runnertest.Parse(out) {
			if strings.Contains(c.Data+c.Props+c.Name, "hostile") {
				t.Errorf("%s line %d: the server's bytes became a live workflow command %s: %q", name, c.Line, c.Name, c.Data)
			}
		}
		if strings.Contains(out, "hostile") || strings.Contains(out, "Unsolicited") {
			t.Errorf("%s carries a library's log line with the server's bytes:\n%s", name, out)
		}
	}
	// In the action the program prints only to stdout: anything on stderr
	// was printed by a library on its own (go-retryablehttp's default logger
	// prints every request URL there, for one).
	if stderr.Len() > 0 {
		t.Errorf("stderr is not empty:\n%s", stderr.String())
	}
	if b, err := os.ReadFile(filepath.Join(ws, "codearts-build-logs", "stage1.log")); err != nil || string(b) != logText {
		t.Errorf("stage1.log = %q, %v; want the Content-Length bytes only\nstdout:\n%s", b, err, stdout.String())
	}
}
