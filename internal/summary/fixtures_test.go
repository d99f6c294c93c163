package summary

import (
	"errors"
	"fmt"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/codearts"
	"github.com/codearts-tools/codearts-logs/internal/failures"
	"github.com/codearts-tools/codearts-logs/internal/report"
)

const recordID = "0c3b5a7e-1d2f-4e6a-9b8c-7d6e5f4a3b2c"

// downloadErr is a download error as the pipeline hands it over: the text
// that is shown, and, when status is not 0, the server's answer inside.
func downloadErr(text string, status int, code string) error {
	if status == 0 && code == "" {
		return textErr(text)
	}
	return &shownError{text: text, err: &codearts.APIError{Status: status, Code: code}}
}

// textErr is an error with this text, nil for "".
func textErr(text string) error {
	if text == "" {
		return nil
	}
	return errors.New(text)
}

type shownError struct {
	text string
	err  error
}

func (e *shownError) Error() string { return e.text }
func (e *shownError) Unwrap() error { return e.err }

// okStage is a successful, saved stage with a clean log.
func okStage(n int, name string, bytes, lines int64, d time.Duration) report.Stage {
	task := fmt.Sprintf("stage%d", n)
	return report.Stage{
		Task: task, Name: name, Status: "SUCCESS", Duration: d,
		File: task + ".log", Bytes: bytes, Elapsed: 300 * time.Millisecond, Attempts: 1,
		Scan: failures.Result{Bytes: bytes, Lines: lines},
	}
}

// numbered makes log lines from..to with the given texts, marking the
// lines listed in match.
func numbered(from int64, texts []string, match ...int64) []failures.Line {
	out := make([]failures.Line, len(texts))
	for i, t := range texts {
		n := from + int64(i)
		out[i] = failures.Line{Number: n, Text: t}
		for _, m := range match {
			if m == n {
				out[i].Match = true
			}
		}
	}
	return out
}

func allGreenRun() *report.Run {
	return &report.Run{
		RecordID: recordID,
		LogLevel: "INFO",
		Dir:      "/github/workspace/codearts-build-logs",
		Stages: []report.Stage{
			okStage(1, "Checkout", 2_150, 31, 4*time.Second),
			okStage(2, "Maven Build", 1_482_337, 20_412, 3*time.Minute+12*time.Second),
			okStage(3, "Upload to OBS", 912, 14, 1500*time.Millisecond),
		},
		Artifact: &report.Artifact{
			Name: "codearts-build-logs-" + recordID, ID: 1234567,
			URL:  "https://github.com/octo/app/actions/runs/42/artifacts/1234567",
			Size: 301_772,
		},
		Record:  report.RecordState{Known: true, Finished: true, Initial: "SUCCESS", Final: "SUCCESS"},
		Elapsed: 7*time.Second + 400*time.Millisecond,
	}
}

func oneFailedRun() *report.Run {
	run := allGreenRun()
	st := &run.Stages[1]
	st.Status = "FAILED"
	first := numbered(1201, []string{
		"[INFO] Compiling 42 source files to /workspace/target/classes",
		"[INFO] -------------------------------------------------------------",
		"[ERROR] COMPILATION ERROR :",
		"[INFO] -------------------------------------------------------------",
		"[ERROR] /workspace/src/main/java/com/example/App.java:[17,9] cannot find symbol",
		"  symbol:   class Strng",
		"  location: class com.example.App",
	}, 1203, 1205)
	second := numbered(1388, []string{
		"[INFO] Total time:  01:02 min",
		"[INFO] ------------------------------------------------------------------------",
		"[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile (default-compile) on project app: Compilation failure",
		"[ERROR] -> [Help 1]",
	}, 1390, 1391)
	st.Scan = failures.Result{
		Bytes: st.Bytes, Lines: 20_412, Matches: 7, Shown: 4,
		Hunks: []failures.Hunk{{Lines: first}, {Lines: second}},
		First: first[2],
	}
	run.Stages[2].Status = "CANCELED"
	run.Record.Final = "FAILED"
	return run
}

func tailRun() *report.Run {
	run := allGreenRun()
	st := &run.Stages[2]
	st.Name = "Deploy"
	st.Status = "FAILED"
	st.Scan.Lines = 14
	st.Scan.Tail = numbered(9, []string{
		"+ ./deploy.sh --env staging",
		"Connecting to 10.0.0.12:22 ...",
		"Uploading app.jar (12.4 MB)",
		"Connection reset by peer",
		"Giving up after 3 attempts",
		"",
	})
	return run
}

func errorsRun() *report.Run {
	run := allGreenRun()
	run.Incomplete = "the record was still running when wait-timeout (30m) elapsed"
	run.Stages[1].Status = "RUNNING"
	run.Record = report.RecordState{Known: true, Initial: "SUCCESS", Final: "PENDING"}
	run.Stages = append(run.Stages, report.Stage{
		Task: "stage4", Name: "Package", Status: "SUCCESS", Duration: 47 * time.Second,
		Attempts: 1,
		Err:      downloadErr("download stage4: HTTP 404, CB.00060211: the build log does not exist", 404, "CB.00060211"),
	}, report.Stage{
		Task: "stage5", Name: "Notify", Status: "SUCCESS", Duration: 2 * time.Second,
		Attempts: 5,
		Err:      downloadErr("download stage5: HTTP 503 after 5 attempts: service unavailable", 503, ""),
	})
	return run
}

func fatalRun() *report.Run {
	return &report.Run{
		RecordID:        recordID,
		LogLevel:        "DEBUG",
		Fatal:           errors.New("authenticate: HTTP 401, APIGW.0301: incorrect IAM authentication information: the token is expired"),
		ArtifactSkipped: "no log was saved",
		Elapsed:         900 * time.Millisecond,
	}
}

func stagesErrRun() *report.Run {
	run := oneFailedRun()
	run.StagesErr = errors.New("list stages: HTTP 500, CB.00000001: internal error")
	run.Record = report.RecordState{}
	for i := range run.Stages {
		run.Stages[i].Name = ""
		run.Stages[i].Status = ""
		run.Stages[i].Duration = 0
	}
	run.Artifact = nil
	run.ArtifactErr = errors.New("upload artifact: create artifact: HTTP 409: an artifact with this name already exists")
	return run
}

// Hostile remote text, used in the golden file, the cmark-gfm checks and
// the fuzz seeds.
var (
	hostileNames = []string{
		"a|b|c",
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"</details></summary></td></tr></table>",
		"multi\nline\r\nname\rend",
		"`tick` ``two`` ```three```",
		"[link](javascript:alert(1)) ![img](x.png)",
		"**bold** _it_ ~~gone~~ $x^2$ :smile: #1 www.evil.com http://evil.com a@b.com",
		"\x1b[31mred\x1b[0m \u202egnp.exe\u202c bell\a nul\x00 del\x7f",
		"&amp; &lt;b&gt; &#60; \\| \\`",
		"# not a heading",
		"- not a list",
	}
	hostileLines = []string{
		"```",
		"````",
		"~~~",
		"</code></pre><script>alert(1)</script>",
		"<details><summary>x</summary>",
		"::set-output name=x::y",
		"##[error]legacy command",
		"[link](javascript:x)",
		"| a | b |",
		"&lt;not decoded&gt;",
		"tab\there",
		"carriage\rreturn",
		"\x1b[1;31merror:\x1b[0m coloured",
	}
)

func hostileRun() *report.Run {
	run := &report.Run{
		RecordID: "rec|<script>alert(1)</script>`x`",
		LogLevel: "INFO<b>",
		Fatal:    errors.New("token <script>alert(1)</script> | expired\n\n# injected heading"),
		Artifact: &report.Artifact{Name: "art|<img src=x onerror=alert(1)>", URL: "javascript:alert(1)"},
	}
	for i, name := range hostileNames {
		task := fmt.Sprintf("stage%d", i+1)
		st := report.Stage{
			Task: task, Name: name, Status: "FAILED|x</td>", Duration: time.Duration(i+1) * time.Second,
			File: task + ".log", Bytes: 1000, Attempts: 1,
			Scan: failures.Result{
				Bytes: 1000, Lines: int64(len(hostileLines)), Matches: 1, Shown: 1,
				Hunks: []failures.Hunk{{Lines: numbered(1, hostileLines, 4)}},
			},
		}
		if i%4 == 3 {
			st.File = ""
			st.Scan = failures.Result{}
			st.Err = downloadErr("download "+task+": <b>bad</b> | `request`\n::error::injected", 400, "CB.<x>|")
		}
		run.Stages = append(run.Stages, st)
	}
	run.Stages = append(run.Stages, report.Stage{
		Task: "stage<13>|", Name: "hostile task name", Status: "SUCCESS",
		File: "stage<13>|.log", Bytes: 10, Scan: failures.Result{Bytes: 10, Lines: 1},
	})
	return run
}

// trimmedRun has more failed excerpts than a small budget holds.
func trimmedRun() *report.Run {
	run := &report.Run{RecordID: recordID, LogLevel: "INFO", Elapsed: time.Minute}
	for i := 1; i <= 6; i++ {
		st := okStage(i, fmt.Sprintf("Test shard %d", i), 50_000, 800, time.Duration(i)*10*time.Second)
		st.Status = "FAILED"
		var texts []string
		for j := 0; j < 30; j++ {
			texts = append(texts, fmt.Sprintf("--- FAIL: TestShard%d/case_%02d (0.01s): expected 200, got 500", i, j))
		}
		st.Scan.Matches = 30
		st.Scan.Shown = 30
		st.Scan.Hunks = []failures.Hunk{{Lines: numbered(100, texts, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129)}}
		run.Stages = append(run.Stages, st)
	}
	return run
}

// suspiciousRun is a successful record whose logs have lines the built-in
// patterns flag (a compiler feature probe): notes, not failures.
func suspiciousRun() *report.Run {
	run := allGreenRun()
	st := &run.Stages[1]
	probe := numbered(118, []string{
		"checking for blosc.h ...",
		"/tmp/tmpx8f2/conftest.c:1:10: fatal error: blosc.h: No such file or directory",
		"compilation terminated.",
	}, 119)
	st.Scan = failures.Result{Bytes: st.Bytes, Lines: st.Scan.Lines, Matches: 4, Shown: 1,
		Hunks: []failures.Hunk{{Lines: probe}}, First: probe[1]}
	return run
}

// recordFailedRun is a record whose final entry failed while every stage
// says SUCCESS.
func recordFailedRun() *report.Run {
	run := allGreenRun()
	run.Record.Final = "ABORTED"
	return run
}

// neverRanRun is a record that was never scheduled: its one stage has no
// status and no log.
func neverRanRun() *report.Run {
	run := allGreenRun()
	run.Stages = []report.Stage{{Task: "stage1", Name: "Build", FromRecord: true, NotRun: true, Attempts: 1,
		Err: downloadErr("task-log stage1: HTTP 404 CB.00060214: The log was not found", 404, "CB.00060214")}}
	run.Record = report.RecordState{Known: true, Finished: true, Initial: "SCHEDULE_FAILURE", Final: "FAILED"}
	run.Artifact = nil
	run.ArtifactSkipped = "no log was saved"
	return run
}

// notRunRun: the stages after the failed one never ran.
func notRunRun() *report.Run {
	run := oneFailedRun()
	run.Stages[2].Status = ""
	run.Stages[2].FromRecord, run.Stages[2].NotRun = true, true
	run.Stages[2].File, run.Stages[2].Bytes, run.Stages[2].Duration = "", 0, 0
	run.Stages[2].Err = downloadErr("task-log stage3: HTTP 404 CB.00060214: The log was not found", 404, "CB.00060214")
	return run
}
