package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

const testJob = "68491d9bc97b4774adb93e29b46d2dc6"

// jobInputs are the inputs of a job-mode run (no record-id).
func jobInputs(extra map[string]string) map[string]string {
	in := map[string]string{"record-id": "", "job-id": testJob}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// strict fails the test for any request the fake was not set up for.
func strict(t *testing.T, h *harness) {
	t.Helper()
	t.Cleanup(func() {
		for _, u := range h.fake.Unexpected() {
			t.Errorf("the fake was not set up for: %s", u)
		}
	})
}

// doneStages are the stages of a finished build with logs.
func doneStages(status2 string) []fakecodearts.StageSpec {
	log2 := "[INFO] compiling\n[INFO] BUILD SUCCESS\n"
	if status2 == "FAILED" {
		log2 = "[INFO] compiling\n[ERROR] Foo.java:[11,40] package x does not exist\n"
	}
	return []fakecodearts.StageSpec{
		{Name: "Code CheckOut", Duration: 5 * time.Second, Log: []byte("[INFO] checkout ok\n")},
		{Name: "Maven Build", Status: status2, Duration: 48 * time.Second, Log: []byte(log2)},
	}
}

// runningThen is a stage timeline: RUNNING for n full-stages polls, then end.
func runningThen(n int, end string) []string {
	s := make([]string, 0, n+1)
	for range n {
		s = append(s, "RUNNING")
	}
	return append(s, end)
}

func TestJobModeLatestBuild(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	h.fake.AddJob(testJob, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{
		{Number: 8, Stages: doneStages("FAILED")},
		{Number: 9, Stages: doneStages("SUCCESS")},
	}})
	h.inputs(jobInputs(nil))
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	recID, _, _, _ := h.fake.RecordOf(testJob, 9)
	out := h.outputs()
	if out["build-number"] != "9" {
		t.Errorf("build-number = %q", out["build-number"])
	}
	if !strings.Contains(h.summary(), "#9 of job `"+testJob+"` (record `"+recID+"`)") {
		t.Errorf("the heading does not name the job and build:\n%s", h.summary())
	}
	if got := strings.Join(h.savedFiles(), ","); !strings.Contains(got, "stage1.log") || !strings.Contains(got, "stage2.log") {
		t.Errorf("saved %s", got)
	}
	if len(h.fake.Executions(testJob)) != 0 {
		t.Error("a build was started without run-build")
	}
}

func TestJobModeGivenBuildNumberFallsBackToID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	h.fake.AddJob(testJob, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{
		{Number: 41, RecordUnderID: true, BuildNoString: true, Stages: doneStages("FAILED")},
		{Number: 42, Stages: doneStages("SUCCESS")},
	}})
	h.inputs(jobInputs(map[string]string{"build-number": "41", "fail-on-build-failure": "true"}))
	if code := h.run(); code != 1 {
		t.Fatalf("exit %d, want 1 (the build failed)\n%s", code, h.stdout.String())
	}
	_, id, _, _ := h.fake.RecordOf(testJob, 41)
	if !strings.Contains(h.stdout.String(), "is record "+id+" (record-info's id)") {
		t.Errorf("the run does not say which ID was the record's:\n%s", h.stdout.String())
	}
	if h.outputs()["failed-tasks"] != "stage2" || h.outputs()["build-number"] != "41" {
		t.Errorf("outputs = %v", h.outputs())
	}
}

func TestJobModeUnknownBuildNumberExits3(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	h.fake.AddJob(testJob, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{{Number: 1, Stages: doneStages("")}}})
	h.inputs(jobInputs(map[string]string{"build-number": "77"}))
	// The lookup's budget is time: on the real clock a loaded machine
	// spends it in one request.
	h.fakeClock(nil)
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	var msg string
	for _, c := range h.commands() {
		if c.Name == "error" {
			msg += c.Data + "\n"
		}
	}
	if !strings.Contains(msg, "build #77 of job "+testJob) || !strings.Contains(msg, "no record") {
		t.Errorf("the error does not name the job and the number: %q", msg)
	}
	polls := 0
	for _, r := range h.fake.Seen() {
		if strings.HasSuffix(r.Path, "/record-info") {
			polls++
		}
	}
	if polls < 2 || polls > 12 {
		t.Errorf("record-info asked %d times: want a few tries, not a long wait", polls)
	}
}

// liveJob is a build that run-build starts: no record for its first two
// record-info polls, stages that run for a few full-stages polls, and a
// real-time log in three pieces cut in the middle of lines, one of them
// trying workflow commands.
func liveJob(end string) fakecodearts.JobSpec {
	stages := doneStages(end)
	// The first full-stages answer (when the record is found) says
	// running, the next one that the build ended: the last piece of the
	// log then comes after the end.
	stages[0].Statuses = runningThen(1, "SUCCESS")
	stages[1].Statuses = runningThen(1, end)
	return fakecodearts.JobSpec{Starts: []fakecodearts.BuildSpec{{
		Number:      43,
		NoRecordFor: 2,
		Stages:      stages,
		LogPieces: []string{
			"[2026/12/01 10:00:01] live line one\n[2026/12/01 10:00:02] live li",
			"ne two\n::set-output name=x::y\n##[error]boom\n\x1b[31mred\x1b[0m live line three\n",
			"[2026/12/01 10:00:09] live line four\nlive line five without end",
		},
	}}}
}

var liveLines = []string{
	"[2026/12/01 10:00:01] live line one",
	"[2026/12/01 10:00:02] live line two",
	"::set-output name=x::y",
	"##[error]boom",
	"red live line three",
	"[2026/12/01 10:00:09] live line four",
	"live line five without end",
}

func TestRunBuildFollowedToSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	h.fake.AddJob(testJob, liveJob("SUCCESS"))
	h.inputs(jobInputs(map[string]string{
		"run-build":        "true",
		"build-parameters": "codeBranch=main\nflags=-x=1 -y\n",
		"build-commit":     "0123456789abcdef0123456789abcdef01234567",
	}))
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	ex := h.fake.Executions(testJob)
	if len(ex) != 1 || ex[0].Started != 43 || ex[0].Commit != "0123456789abcdef0123456789abcdef01234567" ||
		fmt.Sprint(ex[0].Parameters) != "[{codeBranch main} {flags -x=1 -y}]" {
		t.Fatalf("executions = %+v", ex)
	}
	infos := 0
	for _, r := range h.fake.Seen() {
		if strings.HasSuffix(r.Path, "/43/record-info") {
			infos++
		}
	}
	if infos != 3 {
		t.Errorf("record-info asked %d times, want 3 (two answers without a record, then the record)", infos)
	}
	out := h.stdout.String()
	if !strings.Contains(out, "Build #43 has no record yet (HTTP 404 CB.00060214); asking again") {
		t.Errorf("the wait for the record is not shown:\n%s", out)
	}
	// Each line of the build's own log exactly once, whole, cleaned.
	for _, l := range liveLines {
		if n := strings.Count(out, l+"\n"); n != 1 {
			t.Errorf("live line %q printed %d times", l, n)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("an escape sequence reached the job log")
	}
	// Never a command: the runner sees only the tool's own.
	for _, c := range h.commands() {
		if strings.EqualFold(c.Name, "set-output") || strings.Contains(c.Data, "boom") || strings.Contains(c.Props, "name=x") {
			t.Errorf("the build's log became a live command: %+v", c)
		}
	}
	// Stage starts and ends, in order.
	i1, i2 := strings.Index(out, "▶ stage2 (Maven Build) RUNNING"), strings.Index(out, "■ stage2 (Maven Build) SUCCESS in 48s")
	if i1 < 0 || i2 < i1 {
		t.Errorf("stage2's start and end are not shown in order:\n%s", out)
	}
	if strings.Count(out, "▶ stage2 (Maven Build) RUNNING") != 1 {
		t.Error("stage2's start printed more than once")
	}
	// A stage's lines come before its end, as a reader expects: the log
	// that arrived with (and after) the poll that saw the end is printed
	// first.
	for _, l := range liveLines {
		if i := strings.Index(out, l+"\n"); i > i2 {
			t.Errorf("live line %q printed after stage2's end:\n%s", l, out)
		}
	}
	recID, _, _, _ := h.fake.RecordOf(testJob, 43)
	if o := h.outputs(); o["build-number"] != "43" || o["build-status"] != "SUCCESS" || o["record-id"] != recID {
		t.Errorf("outputs = %v", o)
	}
}

func TestRunBuildFollowedToFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("FAILED")
	// A throttled poll while following: more failures than the client's
	// own retries, so the follow itself must go on.
	// The first full-stages request (finding the record) is served; the
	// follow's first poll then meets throttling beyond the client's own
	// retries (RetryMax 5: six attempts), and the second poll one more.
	faults := []fakecodearts.Fault{{}, {Status: 400, Code: "CB.00060211", Msg: "too many requests"}}
	for range 6 {
		faults = append(faults, fakecodearts.Fault{Status: 429, Code: "APIGW.0308", Msg: "The throttling threshold has been reached", RetryAfter: "0"})
	}
	spec.Starts[0].StagesFaults = faults
	h.fake.AddJob(testJob, spec)
	h.inputs(jobInputs(map[string]string{"run-build": "true", "fail-on-build-failure": "true"}))
	if code := h.run(); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, h.stdout.String())
	}
	out := h.stdout.String()
	if !strings.Contains(out, "■ stage2 (Maven Build) FAILED") {
		t.Errorf("the failure is not shown as it happens:\n%s", out)
	}
	if !strings.Contains(out, "full-stages: attempt 6 failed") && !strings.Contains(out, "APIGW.0308") {
		t.Errorf("the throttled poll did not happen:\n%s", out)
	}
	if o := h.outputs(); o["failed-tasks"] != "stage2" || o["build-status"] != "FAILED" {
		t.Errorf("outputs = %v", o)
	}
	if !strings.Contains(h.summary(), "#43 of job") {
		t.Errorf("summary heading:\n%s", h.summary())
	}
}

func TestRunBuildStartFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	h.fake.AddJob(testJob, fakecodearts.JobSpec{
		Starts:        []fakecodearts.BuildSpec{{}},
		ExecuteFaults: []fakecodearts.Fault{{Status: 500, Code: "CB.00060101", Msg: "internal error"}},
	})
	h.inputs(jobInputs(map[string]string{"run-build": "true"}))
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if n := len(h.fake.Executions(testJob)); n != 1 {
		t.Errorf("execute sent %d times, want once", n)
	}
	if !strings.Contains(h.stdout.String(), "CB.00060101") {
		t.Errorf("Huawei's code is not shown:\n%s", h.stdout.String())
	}
}

func TestLiveLogErrorIsSaidOnceAndStagesGoOn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("SUCCESS")
	spec.Starts[0].LogFaults = []fakecodearts.Fault{{Status: 403, Code: "CB.00060200", Msg: "no permission"}}
	h.fake.AddJob(testJob, spec)
	h.inputs(jobInputs(map[string]string{"run-build": "true"}))
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	out := h.stdout.String()
	if n := strings.Count(out, "live log is not available"); n != 1 {
		t.Errorf("the live log's failure said %d times", n)
	}
	if !strings.Contains(out, "■ stage2 (Maven Build) SUCCESS") {
		t.Errorf("the stages were not followed:\n%s", out)
	}
	if n := h.fake.LogRequests(testJob, 43); n != 1 {
		t.Errorf("a permanent live-log failure was asked again: %d requests", n)
	}
}

func TestFollowBoundedByWaitTimeoutExits3(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("SUCCESS")
	spec.Starts[0].Stages[1].Statuses = []string{"RUNNING"} // never ends
	h.fake.AddJob(testJob, spec)
	h.inputs(jobInputs(map[string]string{"run-build": "true", "wait-timeout": "1s"}))
	// On the real clock a loaded machine can spend the second in the
	// record lookup, before there is anything to download.
	h.fakeClock(nil)
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if !strings.Contains(h.summary(), "still running") {
		t.Errorf("summary:\n%s", h.summary())
	}
	if got := strings.Join(h.savedFiles(), ","); !strings.Contains(got, "stage1.log") {
		t.Errorf("what exists was not downloaded: %s", got)
	}
}

func TestCancelStopsTheBuildOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("SUCCESS")
	spec.Starts[0].Stages[1].Statuses = []string{"RUNNING"} // runs until stopped
	h.fake.AddJob(testJob, spec)
	h.inputs(jobInputs(map[string]string{"run-build": "true"}))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{
			LookupEnv:    func(k string) (string, bool) { v, ok := h.env[k]; return v, ok },
			Stdout:       &h.stdout,
			Stderr:       &h.stderr,
			Version:      "test",
			PollInterval: 10 * time.Millisecond,
			RetryWait:    5 * time.Millisecond,
		})
	}()
	// Cancel (as SIGTERM does) once the build is being followed.
	for h.fake.LogRequests(testJob, 43) < 2 {
		select {
		case code := <-done:
			t.Fatalf("exit %d before the cancel\n%s", code, h.stdout.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second): // a generous bound, not a measurement
		t.Fatal("no exit after the cancel")
	}
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if n := h.fake.Stops(testJob, 43); n != 1 {
		t.Errorf("%d stop calls, want exactly 1", n)
	}
	if !strings.Contains(h.summary(), "stopped on cancel") {
		t.Errorf("summary:\n%s", h.summary())
	}
	// Each stage says why it has no log, not a bare "not saved".
	if strings.Contains(h.summary(), "the log was not saved") || !strings.Contains(h.summary(), "not downloaded\\: the workflow was cancelled") {
		t.Errorf("the stages do not say why they have no log:\n%s", h.summary())
	}
	recID, _, _, _ := h.fake.RecordOf(testJob, 43)
	if out := h.outputs(); out["build-number"] != "43" || out["build-status"] != "ABORTED" || out["record-id"] != recID {
		t.Errorf("outputs = %v", out)
	}
}

func TestCancelDoesNotStopABuildNotStartedHere(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	h.fake.AddJob(testJob, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{{
		Number: 5, Stages: []fakecodearts.StageSpec{{Statuses: []string{"RUNNING"}}}, LogPieces: []string{"x\n"},
	}}})
	h.inputs(jobInputs(map[string]string{"build-number": "5"}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{
			LookupEnv:    func(k string) (string, bool) { v, ok := h.env[k]; return v, ok },
			Stdout:       &h.stdout,
			Stderr:       &h.stderr,
			PollInterval: 10 * time.Millisecond,
			RetryWait:    5 * time.Millisecond,
		})
	}()
	for h.fake.LogRequests(testJob, 5) < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if n := h.fake.Stops(testJob, 5); n != 0 {
		t.Errorf("a build this step did not start was stopped (%d calls)", n)
	}
}

func TestJobModeBadInputMakesNoRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, input string
		in          map[string]string
	}{
		{"both record and job", "job-id", map[string]string{"job-id": testJob}},
		{"neither", "record-id", map[string]string{"record-id": ""}},
		{"short job id", "job-id", jobInputs(map[string]string{"job-id": "68491d9b"})},
		{"job id with a dash", "job-id", jobInputs(map[string]string{"job-id": "68491d9b-97b4774adb93e29b46d2dc6"})},
		{"build number zero", "build-number", jobInputs(map[string]string{"build-number": "0"})},
		{"build number with #", "build-number", jobInputs(map[string]string{"build-number": "#42"})},
		{"build number without job", "build-number", map[string]string{"build-number": "4"}},
		{"run-build without job", "run-build", map[string]string{"run-build": "true"}},
		{"run-build with a number", "build-number", jobInputs(map[string]string{"run-build": "true", "build-number": "4"})},
		{"parameters without run-build", "build-parameters", jobInputs(map[string]string{"build-parameters": "a=b"})},
		{"commit without run-build", "build-commit", jobInputs(map[string]string{"build-commit": "abc"})},
		{"parameter without =", "build-parameters", jobInputs(map[string]string{"run-build": "true", "build-parameters": "a=b\njustaname"})},
		{"parameter without name", "build-parameters", jobInputs(map[string]string{"run-build": "true", "build-parameters": "=value"})},
		{"run-build not a bool", "run-build", jobInputs(map[string]string{"run-build": "maybe"})},
		{"stop-on-cancel not a bool", "stop-on-cancel", jobInputs(map[string]string{"run-build": "true", "stop-on-cancel": "sometimes"})},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddJob(testJob, fakecodearts.JobSpec{Starts: []fakecodearts.BuildSpec{{}}})
			h.inputs(tt.in)
			if code := h.run(); code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, h.stdout.String())
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
			if len(msgs) != 1 || !strings.Contains(msgs[0], "input "+tt.input+":") {
				t.Errorf("want one error naming %s, got %q", tt.input, msgs)
			}
		})
	}
}

func TestCLIJobModeProgressOnStderr(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	h.fake.AddJob(testJob, liveJob("SUCCESS"))
	h.env = map[string]string{"CODEARTS_TOKEN": testToken}
	out := filepath.Join(t.TempDir(), "logs")
	code := h.run("--job-id", testJob, "--run-build", "--build-parameters", "codeBranch=main", "--endpoint", h.endpoint, "--path", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stderr.String())
	}
	if !strings.Contains(h.stderr.String(), "■ stage2 (Maven Build) SUCCESS") || !strings.Contains(h.stderr.String(), liveLines[0]) {
		t.Errorf("the live follow is not on stderr:\n%s", h.stderr.String())
	}
	if strings.Contains(h.stdout.String()+h.stderr.String(), "::") && !strings.Contains(h.stderr.String(), "::set-output name=x::y") {
		t.Errorf("workflow commands printed outside Actions")
	}
	if !strings.Contains(h.stdout.String(), "CodeArts build #43 of job "+testJob) {
		t.Errorf("terminal summary:\n%s", h.stdout.String())
	}
}

func TestFollowEndedByAPermanentFailureIsNotASuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("SUCCESS")
	spec.Starts[0].Stages[1].Statuses = []string{"RUNNING"}
	// Found, then refused for good while following.
	spec.Starts[0].StagesFaults = []fakecodearts.Fault{{}, {Status: 403, Code: "APIGW.0310", Msg: "project unavailable"}}
	h.fake.AddJob(testJob, spec)
	h.inputs(jobInputs(map[string]string{"run-build": "true"}))
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, h.stdout.String())
	}
	if !strings.Contains(h.summary(), "APIGW.0310") {
		t.Errorf("the summary does not say why the follow stopped:\n%s", h.summary())
	}
}

func TestEndlessHasMoreDataDoesNotHoldTheEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("SUCCESS")
	spec.Starts[0].AlwaysMore = true
	h.fake.AddJob(testJob, spec)
	h.inputs(jobInputs(map[string]string{"run-build": "true"}))
	if code := h.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.stdout.String())
	}
	// One call a poll while following (two polls), three to finish the log
	// after the end, and one that brings nothing: not maxDrain more.
	if n := h.fake.LogRequests(testJob, 43); n > 6 {
		t.Errorf("%d real-time-log requests for a three-piece log", n)
	}
	for _, l := range liveLines {
		if strings.Count(h.stdout.String(), l+"\n") != 1 {
			t.Errorf("live line %q not printed once", l)
		}
	}
}

func TestFollowEndsAtSixHours(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("SUCCESS")
	spec.Starts[0].Stages[1].Statuses = []string{"RUNNING"} // never ends
	h.fake.AddJob(testJob, spec)
	clock := h.fakeClock(nil)
	h.inputs(jobInputs(map[string]string{"run-build": "true"})) // wait-timeout 0: until it ends
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	if clock.slept < 6*time.Hour-time.Minute || clock.slept > 6*time.Hour+time.Minute {
		t.Errorf("followed for %s, want 6h", clock.slept)
	}
	if !strings.Contains(h.summary(), "still running") {
		t.Errorf("summary:\n%s", h.summary())
	}
}

// TestCLIInterruptIsNotAWorkflowCancel: Ctrl-C while the CLI follows a
// build it started stops the build, and the message says the run was
// interrupted, not that a workflow was cancelled.
func TestCLIInterruptIsNotAWorkflowCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	strict(t, h)
	spec := liveJob("SUCCESS")
	spec.Starts[0].Stages[1].Statuses = []string{"RUNNING"} // runs until stopped
	h.fake.AddJob(testJob, spec)
	env := map[string]string{"CODEARTS_TOKEN": testToken}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{
			Args:         []string{"--job-id", testJob, "--run-build", "--endpoint", h.endpoint, "--path", filepath.Join(t.TempDir(), "logs")},
			LookupEnv:    func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			Stdout:       &h.stdout,
			Stderr:       &h.stderr,
			Version:      "test",
			PollInterval: 10 * time.Millisecond,
			RetryWait:    5 * time.Millisecond,
		})
	}()
	for h.fake.LogRequests(testJob, 43) < 2 {
		select {
		case code := <-done:
			t.Fatalf("exit %d before the interrupt\n%s", code, h.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second): // a generous bound, not a measurement
		t.Fatal("no exit after the interrupt")
	}
	if code != 3 || h.fake.Stops(testJob, 43) != 1 {
		t.Errorf("exit %d, %d stop calls; want 3 and 1", code, h.fake.Stops(testJob, 43))
	}
	all := h.stderr.String() + h.stdout.String()
	if !strings.Contains(all, "stopped on cancel: the run was interrupted, and build #43") || strings.Contains(all, "workflow") {
		t.Errorf("the message should say the run was interrupted:\n%s", all)
	}
}
