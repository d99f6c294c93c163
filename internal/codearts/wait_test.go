package codearts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/retry"
)

func running() Record {
	return Record{Stages: []Stage{{Task: "stage1", Status: "RUNNING"}},
		All: []Stage{{Task: "initial", Status: "SUCCESS"}, {Task: "stage1", Status: "RUNNING"}, {Task: "final", Status: ""}}}
}

func finishedRec() Record {
	return Record{Stages: []Stage{{Task: "stage1", Status: "SUCCESS"}},
		All: []Stage{{Task: "initial", Status: "SUCCESS"}, {Task: "stage1", Status: "SUCCESS"}, {Task: "final", Status: "SUCCESS"}}}
}

var (
	errInternal  = fmt.Errorf("full-stages: after 6 attempts: %w", &APIError{Status: 500, Code: "CB.00060101", Message: "internal error"})
	errThrottled = fmt.Errorf("full-stages: %w", &APIError{Status: 400, Code: "CB.00060211", Message: "too many requests"})
	errAuth      = fmt.Errorf("full-stages: %w", &APIError{Status: 401, Code: "APIGW.0301", Message: "bad token"})
	errNotFound  = fmt.Errorf("full-stages: %w", &APIError{Status: 404, Code: "CB.00060214", Message: "not found"})
)

// script answers the polls one by one; the last answer sticks.
type answer struct {
	rec Record
	err error
}

func script(answers ...answer) (Fetch, *int) {
	n := 0
	return func(context.Context) (Record, error) {
		a := answers[min(n, len(answers)-1)]
		n++
		return a.rec, a.err
	}, &n
}

func TestWaitKeepsPollingThroughTransientErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answers   []answer
		budget    time.Duration
		wantPolls int
		finished  bool
		seen      bool
		wantErr   error
	}{
		{"500 on every retry mid-wait, then recovery",
			[]answer{{rec: running()}, {err: errInternal}, {err: errInternal}, {err: errThrottled}, {rec: finishedRec()}},
			10 * time.Minute, 5, true, true, nil},
		{"the first call fails, then the record is seen",
			[]answer{{err: errInternal}, {rec: running()}, {rec: finishedRec()}},
			10 * time.Minute, 3, true, true, nil},
		{"failing until the budget ends keeps the last record",
			[]answer{{rec: running()}, {err: errInternal}},
			time.Minute, 0, false, true, errInternal},
		{"never answering",
			[]answer{{err: errInternal}},
			time.Minute, 0, false, false, errInternal},
		{"auth refusal stops at once",
			[]answer{{rec: running()}, {err: errAuth}, {rec: finishedRec()}},
			10 * time.Minute, 2, false, true, errAuth},
		{"not found stops at once",
			[]answer{{err: errNotFound}, {rec: finishedRec()}},
			10 * time.Minute, 1, false, false, errNotFound},
		{"no budget: one poll",
			[]answer{{rec: running()}, {rec: finishedRec()}},
			0, 1, false, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			fetch, calls := script(tc.answers...)
			var polls []Poll
			res := Wait(context.Background(), fetch, WaitOptions{
				Budget: tc.budget, Interval: 5 * time.Second, Now: clock.Now, Sleep: clock.Sleep,
				Progress: func(p Poll) { polls = append(polls, p) },
			})
			if tc.wantPolls > 0 && res.Polls != tc.wantPolls {
				t.Errorf("polls = %d, want %d", res.Polls, tc.wantPolls)
			}
			if res.Polls != *calls || len(polls) != *calls {
				t.Errorf("Polls %d, fetch calls %d, progress calls %d: want equal", res.Polls, *calls, len(polls))
			}
			if res.Finished != tc.finished || res.Seen != tc.seen {
				t.Errorf("finished %v seen %v, want %v %v", res.Finished, res.Seen, tc.finished, tc.seen)
			}
			if !errors.Is(res.Err, tc.wantErr) && !(res.Err == nil && tc.wantErr == nil) {
				t.Errorf("err = %v, want %v", res.Err, tc.wantErr)
			}
			if tc.seen && len(res.Record.Stages) == 0 {
				t.Error("the last record seen was lost")
			}
			var slept time.Duration
			for _, d := range clock.sleeps {
				slept += d
			}
			if slept > tc.budget {
				t.Errorf("slept %s, more than the budget %s", slept, tc.budget)
			}
			if !tc.finished && Transient(tc.wantErr) && slept != tc.budget {
				t.Errorf("slept %s: a transient failure must not end the wait before the budget (%s)", slept, tc.budget)
			}
		})
	}
}

func TestWaitPollsGently(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(0, 0)}
	fetch, _ := script(answer{rec: running()})
	res := Wait(context.Background(), fetch, WaitOptions{Budget: 3 * time.Minute, Now: clock.Now, Sleep: clock.Sleep})
	want := []time.Duration{5 * time.Second, 7500 * time.Millisecond, 11250 * time.Millisecond, 16875 * time.Millisecond, 25312500 * time.Microsecond, 30 * time.Second, 30 * time.Second, 30 * time.Second, 24062500 * time.Microsecond}
	if fmt.Sprint(clock.sleeps) != fmt.Sprint(want) {
		t.Errorf("pauses %v, want %v (5 s ×1.5 up to 30 s, the last one cut at the budget)", clock.sleeps, want)
	}
	if res.Finished || !res.Seen || res.Polls != len(want)+1 {
		t.Errorf("result %+v", res)
	}
}

func TestWaitStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	clock := &fakeClock{now: time.Unix(0, 0)}
	fetch, calls := script(answer{rec: running()})
	res := Wait(ctx, fetch, WaitOptions{Budget: time.Hour, Now: clock.Now, Sleep: clock.Sleep,
		Progress: func(p Poll) {
			if p.N == 2 {
				cancel()
			}
		}})
	if *calls != 2 || !errors.Is(res.Err, context.Canceled) && res.Err != nil {
		t.Errorf("calls %d err %v: want 2 polls, then stop", *calls, res.Err)
	}
}

func TestTransient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{errInternal, true},
		{errThrottled, true},
		{fmt.Errorf("x: %w", &APIError{Status: 429, Code: "APIGW.0308"}), true},
		{fmt.Errorf("x: %w", &bodyError{err: errors.New("connection reset by peer")}), true},
		{&retry.DeadlineError{Wait: time.Second, Last: errInternal}, true},
		{errAuth, false},
		{errNotFound, false},
		{fmt.Errorf("x: %w", &APIError{Status: 200, Message: "unexpected full-stages response"}), false},
		{fmt.Errorf("x: %w", &APIError{Status: http.StatusNotImplemented}), false},
		{context.Canceled, false},
		{&retry.StoppedError{Cause: context.Canceled, Last: errInternal}, false},
		{&hostNotFoundError{host: "x", err: errors.New("no such host")}, false},
	}
	for _, tc := range tests {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestWaitRecordAgainstTheFake: the client's real errors (500 after its own
// retries) are treated as transient by the wait.
func TestWaitRecordAgainstTheFake(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.RetryMax = 1 },
		fakecodearts.StageSpec{Task: "stage1", Statuses: []string{"RUNNING", "SUCCESS"}, Log: testLog})
	boom := fakecodearts.Fault{Status: 500, Code: "CB.00060101", Msg: "internal error"}
	// The first call and its retry fail; so does the second poll.
	e.fake.FailStages(testRecord, boom, boom, boom, boom)
	clock := &fakeClock{now: time.Unix(0, 0)}
	var errs int
	res := e.client.WaitRecord(context.Background(), testRecord, WaitOptions{Budget: time.Hour, Now: clock.Now, Sleep: clock.Sleep,
		Progress: func(p Poll) {
			if p.Err != nil {
				errs++
			}
		}})
	if !res.Finished || res.Err != nil || errs != 2 {
		t.Fatalf("finished %v err %v after %d failed polls: want finished after 2 failed polls", res.Finished, res.Err, errs)
	}
}
