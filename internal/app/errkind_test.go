package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// TestEachFailureIsReportedAsItWas: each kind of download failure reaches
// the job log, the summary and the logs output with the HTTP status and
// Huawei code the server answered (a 403 stays a 403, also when its code
// says the credentials were refused) and with what its kind decides: a
// refused credential stops the other stages with one message, a timeout
// says which deadline it was.
func TestEachFailureIsReportedAsItWas(t *testing.T) {
	t.Parallel()
	attempts := codearts.DefaultRetryMax + 1
	repeat := func(f fakecodearts.Fault) []fakecodearts.Fault {
		out := make([]fakecodearts.Fault, attempts)
		for i := range out {
			out[i] = f
		}
		return out
	}
	tests := []struct {
		name    string
		faults  []fakecodearts.Fault
		timeout string
		jobLog  string // in stage2's progress line
		summary string // in stage2's line of Download errors
		err     string // in stage2's error in the logs output
		auth    bool   // the run stops: stage3 is not downloaded
	}{
		{"401 APIGW.0301", []fakecodearts.Fault{{Status: 401, Code: "APIGW.0301", Msg: "Incorrect IAM authentication information"}}, "",
			"NOT SAVED after 1 attempt(s) (HTTP 401 APIGW.0301)", "HTTP 401, `APIGW.0301`: ", "HTTP 401 APIGW.0301: Incorrect IAM authentication information", true},
		// This one also echoes the token back, as a careless gateway might.
		{"403 APIGW.0301", []fakecodearts.Fault{{Status: 403, Code: "APIGW.0301", Msg: "Incorrect IAM authentication information", EchoToken: true}}, "",
			"NOT SAVED after 1 attempt(s) (HTTP 403 APIGW.0301)", "HTTP 403, `APIGW.0301`: ", "HTTP 403 APIGW.0301: Incorrect IAM authentication information", true},
		{"403 APIGW.0310", []fakecodearts.Fault{{Status: 403, Code: "APIGW.0310", Msg: "The project is unavailable"}}, "",
			"NOT SAVED after 1 attempt(s) (HTTP 403 APIGW.0310)", "HTTP 403, `APIGW.0310`: ", "HTTP 403 APIGW.0310: The project is unavailable", false},
		{"404 CB.00060214", []fakecodearts.Fault{{Status: 404, Code: "CB.00060214", Msg: "URL not found"}}, "",
			"NOT SAVED after 1 attempt(s) (HTTP 404 CB.00060214)", "HTTP 404, `CB.00060214`: ", "HTTP 404 CB.00060214: URL not found", false},
		{"timeout", []fakecodearts.Fault{{Stall: time.Minute}}, "1s",
			"NOT SAVED after 1 attempt(s) in", "(Npm Test): the run's timeout (1s) was reached\\: task-log stage2", "the run's timeout (1s) was reached: task-log stage2", false},
		{"throttled after retries", repeat(fakecodearts.Fault{Status: 429, Code: "APIGW.0308", Msg: "Too many requests", RetryAfter: "0"}), "",
			"NOT SAVED after 6 attempt(s) (HTTP 429 APIGW.0308)", "HTTP 429, `APIGW.0308`: ", "task-log stage2: after 6 attempts: HTTP 429 APIGW.0308: Too many requests", false},
		{"reset after retries", repeat(fakecodearts.Fault{Reset: true}), "",
			"NOT SAVED after 6 attempt(s) in", "(Npm Test): task-log stage2\\: after 6 attempts\\: reading the response body", "task-log stage2: after 6 attempts: reading the response body", false},
		{"HTML page", []fakecodearts.Fault{{Status: 200, HTML: true, Msg: "Sign in"}}, "",
			"NOT SAVED after 1 attempt(s) (HTTP 200)", "HTTP 200: ", "an HTML page (text/html; charset=utf-8) titled", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			st := threeStages()
			st[1].Faults = tc.faults
			h.fake.AddRecord(testRecord, st...)
			in := map[string]string{"concurrency": "1", "task-names": "stage1 stage2 stage3"}
			if tc.timeout != "" {
				in["timeout"] = tc.timeout
			}
			h.inputs(in)
			if code := h.run(); code != 3 {
				t.Fatalf("exit %d, want 3\n%s", code, h.stdout.String())
			}
			if out := h.stdout.String(); !strings.Contains(out, "  stage2     "+tc.jobLog) {
				t.Errorf("job log lacks %q:\n%s", tc.jobLog, out)
			}
			sum := h.summary()
			line := ""
			for _, l := range strings.Split(sum, "\n") {
				if strings.HasPrefix(l, "- `stage2` (Npm Test): ") {
					line = l
				}
			}
			if !strings.Contains(line, tc.summary) {
				t.Errorf("summary's download error for stage2 = %q, want it to contain %q\n%s", line, tc.summary, sum)
			}
			var logs []logEntry
			if err := json.Unmarshal([]byte(h.outputs()["logs"]), &logs); err != nil || len(logs) != 3 {
				t.Fatalf("logs output: %v, %d entries", err, len(logs))
			}
			if !strings.Contains(logs[1].Error, tc.err) || logs[1].File != "" {
				t.Errorf("logs[1] = %+v, want the error %q and no file", logs[1], tc.err)
			}
			if logs[0].Error != "" {
				t.Errorf("stage1, downloaded before the failure, has the error %q", logs[0].Error)
			}
			n := h.fake.Requests("stage3")
			skipped := logs[2].Error == "not downloaded: authentication failed"
			if skipped != tc.auth || (tc.auth && n != 0) || (!tc.auth && tc.timeout == "" && n == 0) {
				t.Errorf("stage3: %d requests, error %q; want it stopped by the credentials: %v", n, logs[2].Error, tc.auth)
			}
			if fatal := strings.Contains(sum, "**Run stopped:** authentication failed with the IAM token"); fatal != tc.auth {
				t.Errorf("summary says the run stopped for the credentials: %v, want %v\n%s", fatal, tc.auth, sum)
			}
			h.assertNoSecret(testToken)
		})
	}
}

// TestStageListFailureSuggestsTaskNamesOnlyWhenItCanHelp: when the stage
// list cannot be had and no task-names were given, the run stops; it
// suggests task-names when the failure is the list's own (an error answer
// after the retries), not when every request would meet it (a login page
// in front of the endpoint).
func TestStageListFailureSuggestsTaskNamesOnlyWhenItCanHelp(t *testing.T) {
	t.Parallel()
	busy := make([]fakecodearts.Fault, codearts.DefaultRetryMax+1)
	for i := range busy {
		busy[i] = fakecodearts.Fault{Status: 503, Code: "CB.00060100", Msg: "network busy"}
	}
	tests := []struct {
		name    string
		faults  []fakecodearts.Fault
		suggest bool
	}{
		{"503 after retries", busy, true},
		{"HTML page", []fakecodearts.Fault{{Status: 200, HTML: true, Msg: "Sign in"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddRecord(testRecord, threeStages()...)
			h.fake.FailStages(testRecord, tc.faults...)
			h.inputs(map[string]string{})
			if code := h.run(); code != 3 {
				t.Fatalf("exit %d, want 3\n%s", code, h.stdout.String())
			}
			sum := h.summary()
			if !strings.Contains(sum, "**Run stopped:** cannot list the stages of the record") {
				t.Fatalf("summary does not say the run stopped on the stage list:\n%s", sum)
			}
			if got := strings.Contains(sum, "pass task-names to download known stages anyway"); got != tc.suggest {
				t.Errorf("suggests task-names: %v, want %v\n%s", got, tc.suggest, sum)
			}
		})
	}
}
