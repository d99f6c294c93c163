package codearts

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

func TestAwaitRecordAsksUntilTheBuildHasOne(t *testing.T) {
	t.Parallel()
	e := newJobEnv(t, nil, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{
		{Number: 3, NoRecordFor: 2, Stages: []fakecodearts.StageSpec{{Name: "Build"}}},
		{Number: 4, NoRecordFor: 1000},
	}})
	clock := &fakeClock{now: time.Unix(0, 0)}
	notYet := 0
	opts := AwaitOptions{Within: time.Minute, Interval: 5 * time.Second, Now: clock.Now, Sleep: clock.Sleep,
		NotYet: func(error) { notYet++ }}
	res, err := e.client.AwaitRecord(context.Background(), testJob, 3, opts)
	recID, _, _, _ := e.fake.RecordOf(testJob, 3)
	if err != nil || res.ID != recID || len(res.Record.Stages) != 1 {
		t.Fatalf("AwaitRecord = %+v, %v; want record %s", res, err, recID)
	}
	if want := []time.Duration{5 * time.Second, 7500 * time.Millisecond}; !reflect.DeepEqual(clock.sleeps, want) || notYet != 1 {
		t.Errorf("sleeps %v, NotYet called %d times; want %v and once", clock.sleeps, notYet, want)
	}

	// A build that never gets one: asked until Within is spent, no longer.
	clock.sleeps = nil
	opts.Within = 20 * time.Second
	_, err = e.client.AwaitRecord(context.Background(), testJob, 4, opts)
	var apiErr *APIError
	if err == nil || !strings.Contains(err.Error(), "still none after 4 tries in 20s") || !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Errorf("err = %v, want the last 404 after 4 tries", err)
	}
	var slept time.Duration
	for _, d := range clock.sleeps {
		slept += d
	}
	if slept != 20*time.Second {
		t.Errorf("slept %v (%v), want the 20s budget", slept, clock.sleeps)
	}
}

func TestRecordStatus(t *testing.T) {
	t.Parallel()
	rec := func(final string, stages ...string) Record {
		var r Record
		for i, s := range stages {
			st := Stage{Task: "stage" + string(rune('1'+i)), Status: s}
			r.Stages, r.All = append(r.Stages, st), append(r.All, st)
		}
		if final != "" {
			r.All = append(r.All, Stage{Task: "final", Status: final})
		}
		return r
	}
	for _, tc := range []struct {
		rec  Record
		want string
	}{
		{rec("ABORTED", "SUCCESS", "SUCCESS"), "ABORTED"},
		{rec("", "SUCCESS", "FAILED"), "FAILED"},
		{rec("", "SUCCESS", "SUCCESS"), "SUCCESS"},
		{rec("RUNNING", "SUCCESS", "RUNNING"), "RUNNING"},
	} {
		if got := RecordStatus(tc.rec); got != tc.want {
			t.Errorf("RecordStatus(%+v) = %q, want %q", tc.rec, got, tc.want)
		}
	}
}
