package codearts

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

const testJob = "68491d9bc97b4774adb93e29b46d2dc6"

// newJobEnv is newEnv with a job added to the fake.
func newJobEnv(t *testing.T, tweak func(*Options), job fakecodearts.JobSpec) *env {
	t.Helper()
	e := newEnv(t, tweak)
	e.fake.AddJob(testJob, job)
	t.Cleanup(func() {
		for _, u := range e.fake.Unexpected() {
			t.Errorf("the fake was not set up for: %s", u)
		}
	})
	return e
}

func TestExecuteSendsParametersAndReadsTheNumber(t *testing.T) {
	t.Parallel()
	for _, wrapped := range []bool{false, true} {
		e := newJobEnv(t, nil, fakecodearts.JobSpec{
			Builds:        []fakecodearts.BuildSpec{{Number: 41}},
			Starts:        []fakecodearts.BuildSpec{{}},
			ResultWrapped: wrapped,
		})
		got, err := e.client.Execute(context.Background(), testJob, ExecuteOptions{
			Parameters: []Parameter{{"codeBranch", "main"}, {"x", "a=b c"}},
			Commit:     "0123abc",
		})
		if err != nil {
			t.Fatalf("wrapped=%v: %v", wrapped, err)
		}
		if got.BuildNumber != 42 {
			t.Errorf("wrapped=%v: BuildNumber = %d, want 42", wrapped, got.BuildNumber)
		}
		ex := e.fake.Executions(testJob)
		if len(ex) != 1 || ex[0].Commit != "0123abc" || len(ex[0].Parameters) != 2 || ex[0].Parameters[1].Value != "a=b c" {
			t.Errorf("executions = %+v", ex)
		}
	}
}

func TestExecuteIsNotRetriedOnceTheRequestMayHaveArrived(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    fakecodearts.Fault
		wantCode string
		maybe    bool // the message says a build may have started
	}{
		{"internal error", fakecodearts.Fault{Status: 500, Code: "CB.00060101", Msg: "internal error"}, "CB.00060101", false},
		{"throttled", fakecodearts.Fault{Status: 429, Code: "APIGW.0308", Msg: "throttled", RetryAfter: "0"}, "APIGW.0308", false},
		{"throttled as 400", fakecodearts.Fault{Status: 400, Code: "CB.00060211", Msg: "too many requests"}, "CB.00060211", false},
		{"connection cut", fakecodearts.Fault{Reset: true}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newJobEnv(t, nil, fakecodearts.JobSpec{
				Starts:        []fakecodearts.BuildSpec{{}},
				ExecuteFaults: []fakecodearts.Fault{tt.fault},
			})
			_, err := e.client.Execute(context.Background(), testJob, ExecuteOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if n := len(e.fake.Executions(testJob)); n != 1 {
				t.Errorf("execute sent %d times, want once", n)
			}
			var nr *NotRetriedError
			if !errors.As(err, &nr) {
				t.Errorf("error %v is not a *NotRetriedError", err)
			}
			var apiErr *APIError
			if tt.wantCode != "" && (!errors.As(err, &apiErr) || apiErr.Code != tt.wantCode) {
				t.Errorf("error %v does not keep %s", err, tt.wantCode)
			}
			if got := strings.Contains(err.Error(), "may have"); got != tt.maybe {
				t.Errorf("error %q: says a build may have started = %v, want %v", err, got, tt.maybe)
			}
		})
	}
}

func TestExecuteIsRetriedWhenTheConnectionWasRefused(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: the first dial is refused for real.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	var dials atomic.Int64
	e := newJobEnv(t, func(o *Options) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		var d net.Dialer
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				addr = dead
			}
			return d.DialContext(ctx, network, addr)
		}
		o.Transport = tr
	}, fakecodearts.JobSpec{Starts: []fakecodearts.BuildSpec{{Number: 7}}})
	got, err := e.client.Execute(context.Background(), testJob, ExecuteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.BuildNumber != 7 || len(e.fake.Executions(testJob)) != 1 || dials.Load() != 2 {
		t.Errorf("build %d, %d executions, %d dials", got.BuildNumber, len(e.fake.Executions(testJob)), dials.Load())
	}
}

func TestRunningStatusNamesTheLatestBuild(t *testing.T) {
	t.Parallel()
	e := newJobEnv(t, nil, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{
		{Number: 8}, {Number: 9, Stages: []fakecodearts.StageSpec{{Statuses: []string{"RUNNING"}}}},
	}})
	st, err := e.client.RunningStatus(context.Background(), testJob)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastBuildNumber != 9 || !st.Running {
		t.Errorf("status = %+v", st)
	}
}

func TestRecordInfoAndResolve(t *testing.T) {
	t.Parallel()
	e := newJobEnv(t, nil, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{
		{Number: 3, NoRecordFor: 2, BuildNoString: true, Stages: []fakecodearts.StageSpec{{Name: "Build"}}},
		{Number: 4, RecordUnderID: true, Stages: []fakecodearts.StageSpec{{Name: "Build"}}},
		{Number: 5, NoRecordFor: 1, NoRecord: fakecodearts.Fault{JSON200: true, Code: "CB.00060214", Msg: "no record"}},
	}})
	ctx := context.Background()
	for i := range 2 {
		_, err := e.client.RecordInfo(ctx, testJob, 3)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != 404 {
			t.Fatalf("poll %d: %v, want a 404 *APIError", i+1, err)
		}
	}
	info, err := e.client.RecordInfo(ctx, testJob, 3)
	if err != nil {
		t.Fatal(err)
	}
	recID, id, _, _ := e.fake.RecordOf(testJob, 3)
	if info.BuildNumber != 3 || info.BuildRecordID != recID || info.ID != id || info.Status != "SUCCESS" {
		t.Errorf("info = %+v", info)
	}
	res, err := e.client.ResolveRecord(ctx, info)
	if err != nil || res.ID != recID || res.Field != "build_record_id" || len(res.Record.Stages) != 1 {
		t.Errorf("resolve #3 = %+v, %v", res, err)
	}

	info4, err := e.client.RecordInfo(ctx, testJob, 4)
	if err != nil {
		t.Fatal(err)
	}
	res, err = e.client.ResolveRecord(ctx, info4)
	_, id4, served, _ := e.fake.RecordOf(testJob, 4)
	if err != nil || res.ID != id4 || served != id4 || res.Field != "id" {
		t.Errorf("resolve #4 = %+v, %v", res, err)
	}

	_, err = e.client.RecordInfo(ctx, testJob, 5)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 200 || apiErr.Code != "CB.00060214" {
		t.Errorf("error body with 200: %v", err)
	}
	if _, err := e.client.RecordInfo(ctx, testJob, 5); err != nil {
		t.Errorf("second poll of #5: %v", err)
	}
	if _, err := e.client.RecordInfo(ctx, testJob, 99); !errors.As(err, &apiErr) || apiErr.Status != 404 {
		t.Errorf("unknown build: %v", err)
	}
}

func TestStopIsSentOnce(t *testing.T) {
	t.Parallel()
	running := []fakecodearts.StageSpec{{Statuses: []string{"RUNNING"}}}
	e := newJobEnv(t, nil, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{
		{Number: 1, Stages: running},
		{Number: 2, Stages: running, StopFaults: []fakecodearts.Fault{{Status: 503, Code: "CB.00060100", Msg: "busy"}}},
	}})
	ctx := context.Background()
	if err := e.client.Stop(ctx, testJob, 1); err != nil {
		t.Fatal(err)
	}
	info, err := e.client.RecordInfo(ctx, testJob, 1)
	if err != nil || info.Status != "ABORTED" {
		t.Errorf("after stop: %+v, %v", info, err)
	}
	if err := e.client.Stop(ctx, testJob, 2); err == nil {
		t.Error("a 503 stop is no error")
	}
	if e.fake.Stops(testJob, 1) != 1 || e.fake.Stops(testJob, 2) != 1 {
		t.Errorf("stops = %d, %d; want 1 each", e.fake.Stops(testJob, 1), e.fake.Stops(testJob, 2))
	}
}

func TestLiveLogHandsOutWholeLinesOnce(t *testing.T) {
	t.Parallel()
	pieces := []string{"line 1\nline 2\nli", "ne 3\r\n", "line 4\nline 5 without end"}
	e := newJobEnv(t, nil, fakecodearts.JobSpec{Builds: []fakecodearts.BuildSpec{{
		Number: 1, LogPieces: pieces,
		// A gateway page (retried inside the call), then a refusal that
		// fails one Poll: neither may lose or repeat a line.
		LogFaults: []fakecodearts.Fault{{Status: 502, HTML: true, Msg: "bad gateway"}, {Status: 400, Code: "CB.00060200", Msg: "bad"}},
	}}})
	ll := e.client.NewLiveLog(testJob, 1)
	ll.Piece = 5 // several calls per piece, each cutting lines
	var got []string
	errorsSeen := 0
	for i := 0; i < 100; i++ {
		lines, more, err := ll.Poll(context.Background())
		if err != nil {
			errorsSeen++
			continue
		}
		got = append(got, lines...)
		if !more {
			break
		}
	}
	if last := ll.Flush(); last != "" {
		got = append(got, last)
	}
	want := []string{"line 1", "line 2", "line 3", "line 4", "line 5 without end"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %q, want %q", got, want)
	}
	if errorsSeen != 1 {
		t.Errorf("%d failed polls, want 1", errorsSeen)
	}
}

func TestLiveLogBoundsALineWithoutEnd(t *testing.T) {
	t.Parallel()
	ll := &LiveLog{}
	var n int
	for range 10 {
		for _, l := range ll.split(strings.Repeat("x", MaxLiveLine/3)) {
			n += len(l)
			if len(l) > MaxLiveLine {
				t.Fatalf("line of %d bytes", len(l))
			}
		}
	}
	if len(ll.partial) > MaxLiveLine || n+len(ll.Flush()) != 10*(MaxLiveLine/3) {
		t.Errorf("partial %d, handed out %d", len(ll.partial), n)
	}
}

func TestRealTimeLogRefusesAnOffsetThatWouldRepeat(t *testing.T) {
	t.Parallel()
	answers := []string{
		`{"status":"success","error":null,"result":{"content":"a\n","current_offset":10,"offset":5,"has_more_data":true}}`,
		`{"status":"success","error":null,"result":{"content":"a\n","current_offset":10,"offset":10,"has_more_data":true}}`,
		`{"status":"success","error":null,"result":{"content":"a\n"}}`,
		`{"status":"success","error":null,"result":null}`,
		`<html>gateway</html>`,
	}
	for _, a := range answers {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(a))
		}))
		c, err := New(Options{Endpoint: srv.URL, RetryMax: -1, Transport: srv.Client().Transport, StallTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.RealTimeLog(context.Background(), testJob, 1, 10, 0)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "unexpected real-time-log response") {
			t.Errorf("answer %s: %v", a, err)
		}
		srv.Close()
	}
}
