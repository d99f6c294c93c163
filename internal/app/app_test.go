package app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/config"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts/akskcheck"
)

const (
	okLog = "[2023/12/21 15:44:18.793 GMT+08:00] [INFO] [Maven构建:external_post_maven] : 该步骤开始执行。\n" +
		"[2023/12/21 15:44:18.744 GMT+08:00] [INFO] BUILD SUCCESS\n" +
		"[2023/12/21 15:44:18.744 GMT+08:00] [INFO] Total time: 5.408 s\n"
	failLog = "[2023/12/21 15:44:18.100 GMT+08:00] [INFO] Compiling 12 source files\n" +
		"[2023/12/21 15:44:18.200 GMT+08:00] [ERROR] /src/main/java/com/example/OrderService.java:[11,40] package com.example.billing does not exist\n" +
		"[2023/12/21 15:44:18.300 GMT+08:00] [INFO] BUILD FAILURE\n" +
		"[2023/12/21 15:44:18.400 GMT+08:00] exit code 1\n"
)

func threeStages() []fakecodearts.StageSpec {
	return []fakecodearts.StageSpec{
		{Task: "stage1", Name: "Code CheckOut", Status: "SUCCESS", Sequence: 1, Log: []byte(okLog)},
		{Task: "stage2", Name: "Npm Test", Status: "SUCCESS", Sequence: 2, Log: []byte(okLog + okLog)},
		{Task: "stage3", Name: "Maven Build", Status: "FAILED", Sequence: 3, Log: []byte(failLog)},
	}
}

func TestActionDiscoversStagesAndReports(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	for _, s := range threeStages() {
		if got := h.file(s.Task + ".log"); got != string(s.Log) {
			t.Errorf("%s.log differs from the server's log", s.Task)
		}
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,stage2.log,stage3.log,summary.md" {
		t.Errorf("files = %s (no temporary files may remain)", got)
	}

	out := h.outputs()
	if out["path"] != h.dir() {
		t.Errorf("path output = %q", out["path"])
	}
	if out["failed-tasks"] != "stage3" {
		t.Errorf("failed-tasks = %q", out["failed-tasks"])
	}
	var logs []logEntry
	if err := json.Unmarshal([]byte(out["logs"]), &logs); err != nil {
		t.Fatalf("logs output: %v: %s", err, out["logs"])
	}
	if len(logs) != 3 || logs[2].Task != "stage3" || logs[2].Name != "Maven Build" || logs[2].Status != "FAILED" ||
		logs[2].Failures != 3 || logs[2].Lines != 4 || logs[0].Bytes != int64(len(okLog)) ||
		logs[0].File != filepath.Join(h.dir(), "stage1.log") || logs[0].Error != "" {
		t.Errorf("logs output = %+v", logs)
	}

	sum := h.summary()
	for _, want := range []string{testRecord, "Code CheckOut", "Maven Build", "OrderService.java:[11,40]"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if disk := h.file("summary.md"); !strings.Contains(disk, "Maven Build") {
		t.Errorf("summary.md lacks the table")
	}
	// One progress line per stage and a final line.
	for _, task := range []string{"stage1", "stage2", "stage3"} {
		if !strings.Contains(h.stdout.String(), "  "+task+" ") {
			t.Errorf("no progress line for %s", task)
		}
	}
	if !strings.Contains(h.stdout.String(), "3 of 3 stage log(s) saved") {
		t.Errorf("no final line:\n%s", h.stdout.String())
	}
	// The failed stage gets one annotation with its first failure line.
	var errs int
	for _, c := range h.commands() {
		if c.Name == "error" {
			errs++
			if !strings.Contains(c.Props, "stage3") || !strings.Contains(c.Data, "OrderService.java") {
				t.Errorf("annotation = %+v", c)
			}
		}
	}
	if errs != 1 {
		t.Errorf("%d error annotations, want 1", errs)
	}
	h.assertNoSecret(testToken)
	// The fake was called under its prefix with the right parameters.
	for _, r := range h.fake.Seen() {
		if !strings.HasPrefix(r.Path, prefix+"/") {
			t.Errorf("request outside the endpoint's path: %s", r.Path)
		}
		if strings.Contains(r.Path, "task-log") && r.Query.Get("log_level") != "INFO" {
			t.Errorf("log_level = %q", r.Query.Get("log_level"))
		}
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "codearts-logs/test") {
			t.Errorf("User-Agent = %q", ua)
		}
	}
}

func TestListedTasksKeepOrderAndLevel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{"task-names": "stage3, stage1\nstage3", "log-level": "debug"})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	var logs []logEntry
	json.Unmarshal([]byte(h.outputs()["logs"]), &logs)
	if len(logs) != 2 || logs[0].Task != "stage3" || logs[1].Task != "stage1" || logs[0].Name != "Maven Build" {
		t.Errorf("logs = %+v", logs)
	}
	if h.fake.Requests("stage2") != 0 {
		t.Error("an unlisted stage was downloaded")
	}
	for _, r := range h.fake.Seen() {
		if strings.Contains(r.Path, "task-log") && r.Query.Get("log_level") != "DEBUG" {
			t.Errorf("log_level = %q, want DEBUG", r.Query.Get("log_level"))
		}
	}
}

func TestBadInputMakesNoRequest(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"record-id":        {"record-id": "../../etc"},
		"task-names":       {"task-names": "stage1,../../x"},
		"endpoint":         {"endpoint": "http://example.com/api"},
		"concurrency":      {"concurrency": "100"},
		"failure-patterns": {"failure-patterns": "([a-"},
		"token":            {"token": ""},
	}
	for input, in := range cases {
		t.Run(input, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddRecord(testRecord, threeStages()...)
			h.inputs(in)
			if code := h.run(); code != 2 {
				t.Fatalf("exit %d, want 2", code)
			}
			if n := len(h.fake.Seen()); n != 0 {
				t.Errorf("%d requests made before validation", n)
			}
			var msgs []string
			for _, c := range h.commands() {
				if c.Name == "error" {
					msgs = append(msgs, c.Data)
				}
			}
			if len(msgs) != 1 || !strings.Contains(msgs[0], "input "+input) {
				t.Errorf("want one error naming %s, got %q", input, msgs)
			}
			if _, err := os.Stat(h.dir()); err == nil {
				t.Error("output folder created for a bad input")
			}
		})
	}
}

func TestMissingStageIsReportedOthersSaved(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st[1].Faults = []fakecodearts.Fault{{Status: 404, Code: "CB.00060214", Msg: "URL not found"}}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"fail-on-build-failure": "true"})
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3 (a log is missing wins over a build failure)\n%s", code, h.stdout.String())
	}
	if h.fake.Requests("stage2") != 1 {
		t.Errorf("404 retried: %d requests", h.fake.Requests("stage2"))
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,stage3.log,summary.md" {
		t.Errorf("files = %s", got)
	}
	sum := h.summary()
	if !strings.Contains(sum, "CB.00060214") || !strings.Contains(sum, "404") {
		t.Errorf("summary lacks the error code:\n%s", sum)
	}
	var logs []logEntry
	json.Unmarshal([]byte(h.outputs()["logs"]), &logs)
	if logs[1].Error == "" || logs[1].File != "" {
		t.Errorf("logs[1] = %+v", logs[1])
	}
}

func TestFailOnBuildFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{"fail-on-build-failure": "true"})
	if code := h.run(); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}

func TestRetriedFaultsRecover(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st[0].Faults = []fakecodearts.Fault{{Status: 503, Code: "CB.00060100", Msg: "network busy"}, {Truncate: true}}
	st[1].Faults = []fakecodearts.Fault{{Status: 400, Code: "CB.00060211", Msg: "too many requests"}, {Reset: true}, {Gzip: true}}
	st[2].Faults = []fakecodearts.Fault{{Status: 429, Code: "APIGW.0308", RetryAfter: "0"}, {Chunked: true}}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	for _, s := range st {
		if got := h.file(s.Task + ".log"); got != string(s.Log) {
			t.Errorf("%s.log not byte-exact after retries", s.Task)
		}
	}
	if !strings.Contains(h.stdout.String(), "retrying in") {
		t.Error("retries were silent")
	}
	h.assertNoSecret(testToken)
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{Latency: 30 * time.Millisecond})
	var specs []fakecodearts.StageSpec
	for i := 1; i <= 12; i++ {
		specs = append(specs, fakecodearts.StageSpec{Task: fmt.Sprintf("stage%d", i), Sequence: i, Log: []byte(okLog)})
	}
	h.fake.AddRecord(testRecord, specs...)
	h.inputs(map[string]string{"concurrency": "3"})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if m := h.fake.MaxInFlight(); m > 3 || m < 2 {
		t.Errorf("max in flight = %d, want 3 (at most the concurrency)", m)
	}
	if len(h.savedFiles()) != 13 {
		t.Errorf("files = %v", h.savedFiles())
	}
}

func TestDeadlineHonoured(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st[2].Faults = []fakecodearts.Fault{{Stall: 30 * time.Second}}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"timeout": "1s"})
	start := time.Now()
	code := h.run()
	if code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("the 1s deadline was not honoured")
	}
	if _, err := os.Stat(filepath.Join(h.dir(), "stage3.log")); err == nil {
		t.Error("a partial stage3.log was left")
	}
	if !strings.Contains(h.summary(), "stage3") || !strings.Contains(h.summary(), "timeout (1s) was reached") {
		t.Errorf("summary lacks the timed-out stage and why:\n%s", h.summary())
	}
}

// TestUploadAfterTimeout: the logs saved before the run's timeout are still
// uploaded (the upload has its own budget).
func TestUploadAfterTimeout(t *testing.T) {
	t.Parallel()
	var creates atomic.Int32
	results := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/CreateArtifact") {
			creates.Add(1)
		}
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer results.Close()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st[2].Faults = []fakecodearts.Fault{{Stall: 30 * time.Second}}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"timeout": "1s"})
	h.env["ACTIONS_RESULTS_URL"] = results.URL + "/"
	h.env["ACTIONS_RUNTIME_TOKEN"] = runtimeToken()
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if creates.Load() == 0 {
		t.Error("nothing was uploaded after the downloads' timeout")
	}
}

// TestStageListDoesNotEatTheDeadline: with task-names listed, an endpoint
// whose full-stages call hangs leaves time for the downloads.
func TestStageListDoesNotEatTheDeadline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.fake.FailStages(testRecord, fakecodearts.Fault{Stall: time.Minute}, fakecodearts.Fault{Stall: time.Minute}, fakecodearts.Fault{Stall: time.Minute})
	// The stage list may take a quarter of the timeout (5 s here); the
	// rest is the download's, with room for a loaded CI machine.
	h.inputs(map[string]string{"task-names": "stage1", "timeout": "20s"})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, h.stdout.String())
	}
	if h.file("stage1.log") != okLog {
		t.Error("stage1.log differs")
	}
}

func TestAuthFailureStopsAllStagesWithOneMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	var specs []fakecodearts.StageSpec
	for i := 1; i <= 8; i++ {
		specs = append(specs, fakecodearts.StageSpec{Task: fmt.Sprintf("stage%d", i), Sequence: i, Log: []byte(okLog)})
	}
	h.fake.AddRecord(testRecord, specs...)
	h.inputs(map[string]string{"token": "wrong-token-value-123", "task-names": "stage1 stage2 stage3 stage4 stage5 stage6 stage7 stage8"})
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	var errs []string
	for _, c := range h.commands() {
		if c.Name == "error" {
			errs = append(errs, c.Data)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "APIGW.0301") || !strings.Contains(errs[0], "IAM token") {
		t.Errorf("want one authentication error naming the credential and code, got %q", errs)
	}
	total := 0
	for i := 1; i <= 8; i++ {
		total += h.fake.Requests(fmt.Sprintf("stage%d", i))
	}
	if total > 4 {
		t.Errorf("%d task-log requests after an authentication failure", total)
	}
	h.assertNoSecret("wrong-token-value-123")
}

func TestServerEchoingTheTokenLeaksNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st[0].Faults = []fakecodearts.Fault{{EchoToken: true, Status: 403, Code: "APIGW.0310"}}
	// A careless server also echoes it in a display name, a status and the
	// logs themselves, split across lines and next to a failure line.
	st[1].Name = "Npm " + testToken
	st[1].Status = "FAILED " + testToken
	st[2].Log = []byte(failLog + "[ERROR] login with " + testToken + " refused\n" + strings.Repeat("x", 100) + testToken + "\n")
	h.fake.AddRecord(testRecord, st...)
	h.fake.ScriptFinal(testRecord, "FAILED") // the fake gives no meaning to a status with a token in it
	h.inputs(map[string]string{"context-lines": "5"})
	h.run()
	h.assertNoSecret(testToken)
	if log := h.file("stage3.log"); !strings.Contains(log, "[ERROR] login with *** refused") {
		t.Errorf("the echoed token was not replaced in the saved log:\n%s", log)
	}
}

func TestHostileLogTextIsInert(t *testing.T) {
	t.Parallel()
	hostile := "[2023/12/21 15:44:18.100 GMT+08:00] [ERROR] build failed\n" +
		"::set-output name=failed-tasks::none\n" +
		"::add-mask::[ERROR]\n" +
		"  ::error title=pwned::injected\n" +
		"[INFO] ##[set-env name=PWNED]1\n" +
		"::stop-commands::abc\n" +
		"::endgroup::\n" +
		"[ERROR] <script>alert(1)</script> | col | `tick`\n" +
		"exit code 1\n"
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord,
		fakecodearts.StageSpec{Task: "stage1", Name: "::warning::x <img src=x onerror=alert(1)>", Status: "FAILED", Sequence: 1, Log: []byte(hostile)})
	h.inputs(map[string]string{})
	h.run()
	if !strings.Contains(h.stdout.String(), "::set-output name=failed-tasks::none") {
		t.Fatal("the excerpt was not printed to the log")
	}
	groups := 0
	for _, c := range h.commands() {
		switch c.Name {
		case "add-mask":
			if strings.Contains(c.Data, "ERROR") {
				t.Errorf("log text masked: %+v", c)
			}
		case "stop-commands", "error", "warning":
		case "group":
			groups++
		case "endgroup":
			groups--
		default:
			t.Errorf("log text became a live command: %+v", c)
		}
		if c.Name == "stop-commands" && c.Data == "abc" {
			t.Errorf("log text paused commands: %+v", c)
		}
	}
	if groups != 0 {
		t.Errorf("groups unbalanced by log text")
	}
	if h.outputs()["failed-tasks"] != "stage1" {
		t.Errorf("failed-tasks = %q", h.outputs()["failed-tasks"])
	}
	// Outside code fences (where HTML is shown literally) no tag from the
	// log or the display name survives unescaped.
	outside := outsideFences(h.summary())
	for _, tag := range []string{"<script", "<img"} {
		if regexp.MustCompile(`(^|[^\\])` + tag).MatchString(outside) {
			t.Errorf("raw %s in the summary:\n%s", tag, h.summary())
		}
	}
	if !strings.Contains(h.summary(), "[ERROR] <script>alert(1)</script> | col | `tick`") {
		t.Errorf("the excerpt does not show the log line verbatim:\n%s", h.summary())
	}
}

func TestWaitUntilFinished(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st[2].Statuses = []string{"RUNNING", "RUNNING", "RUNNING", "FAILED"}
	st[1].Statuses = []string{"RUNNING", "SUCCESS"}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"wait-timeout": "30s"})
	h.fakeClock(nil)
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	if n := h.fake.StagesRequests(); n < 4 {
		t.Errorf("%d full-stages polls, want at least 4", n)
	}
	if !strings.Contains(h.stdout.String(), "Waiting for the record to finish") {
		t.Error("waiting was silent")
	}
	if h.outputs()["failed-tasks"] != "stage3" {
		t.Errorf("the report must use the last poll's statuses: failed-tasks = %q", h.outputs()["failed-tasks"])
	}
}

func TestWaitTimesOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	st[2].Statuses = []string{"RUNNING"}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"wait-timeout": "300ms"})
	h.fakeClock(nil)
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if len(h.savedFiles()) != 4 {
		t.Errorf("what exists must still be downloaded: %v", h.savedFiles())
	}
	if !strings.Contains(h.summary(), "wait-timeout") {
		t.Errorf("summary does not say the record was still running:\n%s", h.summary())
	}
}

func TestAKSKFromEnvironmentOnly(t *testing.T) {
	t.Parallel()
	const ak, sk, project = "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", "77b6a44cba5143ab91d13ab9a8ff44fd"
	verify := func(r *http.Request) error {
		return akskcheck.Verify(r, func(k string) (string, bool) { return sk, k == ak }, project, time.Now(), 15*time.Minute)
	}
	h := newHarness(t, fakecodearts.Options{Verify: verify})
	st := threeStages()
	st[0].Faults = []fakecodearts.Fault{{Status: 503, Code: "CB.00060100"}}
	h.fake.AddRecord(testRecord, st...)
	h.inputs(map[string]string{"token": ""})
	h.env["HUAWEI_CLOUD_ACCESS_KEY_ID"] = ak
	h.env["HUAWEI_CLOUD_SECRET_ACCESS_KEY"] = sk
	h.env["HUAWEI_CLOUD_PROJECT_ID"] = project
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	if h.fake.Requests("stage1") != 2 {
		t.Errorf("the retried request must carry a fresh valid signature: %d requests", h.fake.Requests("stage1"))
	}
	for _, r := range h.fake.Seen() {
		if r.Header.Get("X-Project-Id") != project || r.Header.Get("X-Auth-Token") != "" {
			t.Errorf("headers = %v", r.Header)
		}
	}
	h.assertNoSecret(sk)

	// A wrong secret key is refused with APIGW.0301 and one message.
	h2 := newHarness(t, fakecodearts.Options{Verify: verify})
	h2.fake.AddRecord(testRecord, threeStages()...)
	h2.inputs(map[string]string{"token": ""})
	h2.env["HUAWEI_CLOUD_ACCESS_KEY_ID"] = ak
	h2.env["HUAWEI_CLOUD_SECRET_ACCESS_KEY"] = "Wrong0SecretKey0Value0Here0123456789abcd"
	if code := h2.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if !strings.Contains(h2.summary(), "APIGW.0301") || !strings.Contains(h2.summary(), "AK/SK") {
		t.Errorf("summary lacks the auth failure:\n%s", h2.summary())
	}
	h2.assertNoSecret("Wrong0SecretKey0Value0Here0123456789abcd")
}

func TestNoArtifactServiceWarnsOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{})
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	warnings := 0
	for _, c := range h.commands() {
		if c.Name == "warning" && strings.Contains(c.Data, "upload-artifact") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("%d warnings about the missing artifact service, want 1", warnings)
	}
}

func TestCLIUsesFlagsAndEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.env = map[string]string{"CODEARTS_TOKEN": testToken}
	out := filepath.Join(t.TempDir(), "logs")
	code := h.run("--record-id", testRecord, "--endpoint", h.endpoint, "--path", out, "--task-names", "stage3")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stderr.String())
	}
	if b, err := os.ReadFile(filepath.Join(out, "stage3.log")); err != nil || string(b) != failLog {
		t.Fatalf("stage3.log: %v", err)
	}
	if strings.Contains(h.stdout.String(), "::") {
		t.Errorf("workflow commands printed outside Actions:\n%s", h.stdout.String())
	}
	if !strings.Contains(h.stdout.String(), "OrderService.java") {
		t.Errorf("terminal summary lacks the excerpt:\n%s", h.stdout.String())
	}
}

func TestCLIRefusesSecretFlags(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.env = map[string]string{}
	if code := h.run("--record-id", testRecord, "--token", "abc"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(h.stderr.String(), "CODEARTS_TOKEN") {
		t.Errorf("stderr = %s", h.stderr.String())
	}
	if len(h.fake.Seen()) != 0 {
		t.Error("requests were made")
	}
}

// outsideFences drops fenced code blocks from Markdown.
func outsideFences(md string) string {
	var b strings.Builder
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && strings.HasPrefix(trimmed, "```"):
			fence = trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
		case fence != "" && strings.TrimRight(trimmed, " ") == fence:
			fence = ""
		case fence == "":
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func runtimeToken() string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." +
		enc.EncodeToString([]byte(`{"scp":"Actions.Results:run-1:job-1"}`)) + ".sig"
}

func TestArtifactFailureExits3AndKeepsFiles(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	results := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "upstream busy", http.StatusServiceUnavailable)
	}))
	defer results.Close()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{})
	h.env["ACTIONS_RESULTS_URL"] = results.URL + "/"
	h.env["ACTIONS_RUNTIME_TOKEN"] = runtimeToken()
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if calls.Load() < 2 {
		t.Errorf("the artifact service was called %d times: no retry", calls.Load())
	}
	if len(h.savedFiles()) != 4 {
		t.Errorf("files not kept: %v", h.savedFiles())
	}
	if !strings.Contains(h.summary(), "503") {
		t.Errorf("the summary does not say the upload failed:\n%s", h.summary())
	}
	if _, ok := h.outputs()["artifact-id"]; ok {
		t.Error("artifact-id set for a failed upload")
	}
	h.assertNoSecret(runtimeToken(), testToken)
}

// TestArtifactErrorKeepsCause: an upload that gives up says, in the
// summary and the annotation, what the service answered, cleaned and
// without the signed URL's sig; it does not wait out the timeout for a
// retry that would come after it (retry waits of a minute, a timeout of
// 10 s).
func TestArtifactErrorKeepsCause(t *testing.T) {
	t.Parallel()
	const sig = "Zm9vYmFy%2Bc2lnbmF0dXJl%3D"
	const sigPlain = "Zm9vYmFy+c2lnbmF0dXJl="
	tests := []struct {
		name   string
		create func(w http.ResponseWriter, blobURL string)
		want   string
	}{
		{name: "twirp", create: func(w http.ResponseWriter, _ string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"code":"internal","msg":"boom\u001b[31m"}`)
		}, want: "CreateArtifact: HTTP 500 internal: boom (1 attempt; the next retry would pass the deadline)"},
		{name: "blob", create: func(w http.ResponseWriter, blobURL string) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"ok":true,"signed_upload_url":%q}`, blobURL)
		}, want: "upload block 0: HTTP 500 InternalError: disk on fire *** (1 attempt; the next retry would pass the deadline)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.HasSuffix(r.URL.Path, "/CreateArtifact"):
					tt.create(w, srv.URL+"/blob/logs.zip?sv=2023-11-03&sig="+sig)
				case r.Method == http.MethodPut && r.URL.Path == "/blob/logs.zip":
					w.Header().Set("Content-Type", "application/xml")
					w.WriteHeader(http.StatusInternalServerError)
					io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>InternalError</Code><Message>disk on fire `+sigPlain+`</Message></Error>`)
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddRecord(testRecord, threeStages()...)
			h.inputs(map[string]string{"timeout": "10s"})
			h.env["ACTIONS_RESULTS_URL"] = srv.URL + "/"
			h.env["ACTIONS_RUNTIME_TOKEN"] = runtimeToken()
			h.retryWait = time.Minute
			if code := h.run(); code != 3 {
				t.Fatalf("exit %d, want 3", code)
			}
			// The summary escapes Markdown with backslashes.
			if !strings.Contains(strings.ReplaceAll(h.summary(), `\`, ""), tt.want) {
				t.Errorf("the summary does not say %q:\n%s", tt.want, h.summary())
			}
			var annotated bool
			for _, c := range h.commands() {
				annotated = annotated || c.Name == "error" && strings.Contains(c.Data, tt.want)
			}
			if !annotated {
				t.Errorf("no error annotation says %q:\n%s", tt.want, h.stdout.String())
			}
			if strings.Contains(h.stdout.String()+h.summary(), "\x1b") {
				t.Error("the service's escape sequence reached the job log or the summary")
			}
			h.assertNoSecret(runtimeToken(), sig, sigPlain)
		})
	}
}

func TestEmptyArtifactNameSkipsUpload(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	results := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer results.Close()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{"artifact-name": ""})
	h.env["ACTIONS_RESULTS_URL"] = results.URL + "/"
	h.env["ACTIONS_RUNTIME_TOKEN"] = runtimeToken()
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if calls.Load() != 0 {
		t.Errorf("artifact service called %d times with an empty artifact-name", calls.Load())
	}
}

func TestFilesGetTheWorkspaceOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, as the Docker action runs")
	}
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.inputs(map[string]string{"path": "deep/logs"})
	if err := os.Chown(h.ws, 4321, 4321); err != nil {
		t.Fatal(err)
	}
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, p := range []string{"deep", "deep/logs", "deep/logs/stage1.log", "deep/logs/summary.md"} {
		fi, err := os.Stat(filepath.Join(h.ws, p))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 4321 || st.Gid != 4321 {
			t.Errorf("%s owned by %d:%d, want the workspace's 4321", p, st.Uid, st.Gid)
		}
	}
}

func TestOutputDirInContainer(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Dir: "/github/workspace/out/logs"}
	if got := cfg.OutputDir(config.Source{BaseDir: "/github/workspace/"}, true); got != "out/logs" {
		t.Errorf("in the container: %q, want the workspace-relative path", got)
	}
	if got := cfg.OutputDir(config.Source{BaseDir: "/home/runner/work/x"}, true); got != cfg.Dir {
		t.Errorf("outside a container: %q", got)
	}
	if got := cfg.OutputDir(config.Source{BaseDir: "/github/workspace"}, false); got != cfg.Dir {
		t.Errorf("CLI: %q", got)
	}
}

func TestCLIHelpAndBoolFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"--record-id", testRecord, "--help"}, {"demo", "--help"}, {"help"}} {
		h := newHarness(t, fakecodearts.Options{})
		h.env = map[string]string{}
		if code := h.run(args...); code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		if !strings.Contains(h.stdout.String(), "--record-id") || !strings.Contains(h.stdout.String(), "Exit codes") {
			t.Errorf("%v: usage not printed:\n%s", args, h.stdout.String())
		}
	}
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	h.env = map[string]string{"CODEARTS_TOKEN": testToken}
	out := filepath.Join(t.TempDir(), "logs")
	if code := h.run("--record-id", testRecord, "--endpoint", h.endpoint, "--path", out, "--fail-on-build-failure"); code != 1 {
		t.Errorf("--fail-on-build-failure alone: exit %d, want 1", code)
	}
}
