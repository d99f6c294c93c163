package codearts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

func tasks(stages []Stage) []string {
	var out []string
	for _, s := range stages {
		out = append(out, s.Task)
	}
	return out
}

func TestRecordOrdersAndFiltersStages(t *testing.T) {
	t.Parallel()
	// Ten stages so that a string sort would put stage10 before stage2.
	var specs []fakecodearts.StageSpec
	for i := 1; i <= 10; i++ {
		specs = append(specs, fakecodearts.StageSpec{Name: "Step " + string(rune('A'+i-1)), Duration: time.Duration(i) * time.Second})
	}
	specs[1].Status = "FAILED"
	e := newEnv(t, nil, specs...)
	rec, err := e.client.Record(context.Background(), testRecord)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"stage1", "stage2", "stage3", "stage4", "stage5", "stage6", "stage7", "stage8", "stage9", "stage10"}
	if got := tasks(rec.Stages); !reflect.DeepEqual(got, want) {
		t.Errorf("Stages = %v", got)
	}
	wantAll := append(append([]string{"initial"}, want...), "final")
	if got := tasks(rec.All); !reflect.DeepEqual(got, wantAll) {
		t.Errorf("All = %v", got)
	}
	s2 := rec.Stages[1]
	if s2.Name != "Step B" || s2.Status != "FAILED" || s2.Sequence != 2 || s2.Duration != 2*time.Second || s2.Start == "" || s2.Finish == "" {
		t.Errorf("stage2 = %+v", s2)
	}
	if !rec.Finished() {
		t.Error("a record with every stage done is not Finished")
	}
}

func TestRecordFinishedFollowsPolls(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil,
		fakecodearts.StageSpec{Statuses: []string{"RUNNING", "SUCCESS"}},
		fakecodearts.StageSpec{Statuses: []string{"PENDING", "RUNNING", "FAILED"}},
	)
	var got []bool
	for range 4 {
		rec, err := e.client.Record(context.Background(), testRecord)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.Finished())
	}
	if want := []bool{false, false, true, true}; !reflect.DeepEqual(got, want) {
		t.Errorf("Finished over polls = %v, want %v", got, want)
	}
	if e.fake.StagesRequests() != 4 {
		t.Errorf("StagesRequests = %d", e.fake.StagesRequests())
	}
}

func TestRecordFinished(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		all  []string // statuses of initial, stage1, …, final
		want bool
	}{
		{"empty", nil, false},
		{"all done", []string{"SUCCESS", "FAILED", "ABORTED", "UNKNOWN"}, true},
		{"one running", []string{"SUCCESS", "RUNNING", "SUCCESS", "RUNNING"}, false},
		{"one empty", []string{"SUCCESS", "SUCCESS", "", ""}, false},
		{"unknown value", []string{"SUCCESS", "SOMETHING_NEW"}, true},
		// A stage after a failed one never runs: final decides.
		{"final failed, later stage empty", []string{"SUCCESS", "FAILED", "", "FAILED"}, true},
		{"final failed, later stage INIT", []string{"SUCCESS", "FAILED", "INIT", "FAILED"}, true},
		{"final done, a stage still running", []string{"SUCCESS", "SUCCESS", "RUNNING", "SUCCESS"}, true},
		{"final running", []string{"SUCCESS", "FAILED", "INIT", "RUNNING"}, false},
		{"final empty", []string{"SUCCESS", "FAILED", "INIT", " "}, false},
	}
	for _, tc := range tests {
		var r Record
		for i, s := range tc.all {
			task := fmt.Sprintf("stage%d", i)
			switch {
			case i == 0:
				task = "initial"
			case i == len(tc.all)-1 && len(tc.all) > 2:
				task = "final"
			}
			r.All = append(r.All, Stage{Task: task, Status: s})
		}
		if got := r.Finished(); got != tc.want {
			t.Errorf("%s: Finished = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRecordErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		faults   []fakecodearts.Fault
		record   string
		wantOK   bool
		attempts int // server full-stages requests
		status   int
		code     string
	}{
		{name: "503 then fine", faults: []fakecodearts.Fault{{Status: 503, Code: "CB.00060100"}}, wantOK: true, attempts: 2},
		{name: "truncated then fine", faults: []fakecodearts.Fault{{Truncate: true}}, wantOK: true, attempts: 2},
		{name: "gzip", faults: []fakecodearts.Fault{{Gzip: true, Chunked: true}}, wantOK: true, attempts: 1},
		{name: "status error", faults: []fakecodearts.Fault{{JSON200: true, Code: "CB.00060200", Msg: "bad record"}}, attempts: 1, status: 200, code: "CB.00060200"},
		{name: "401", faults: []fakecodearts.Fault{{Status: 401, Code: "APIGW.0307", Msg: "token must be updated"}}, attempts: 1, status: 401, code: "APIGW.0307"},
		{name: "unknown record", record: "00000000-0000-0000-0000-000000000000", attempts: 1, status: 404, code: "CB.00060214"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil, fakecodearts.StageSpec{}, fakecodearts.StageSpec{})
			if len(tc.faults) > 0 {
				e.fake.FailStages(testRecord, tc.faults...)
			}
			if tc.record != "" {
				e.fake.AddMissingRecord(tc.record)
			}
			id := tc.record
			if id == "" {
				id = testRecord
			}
			rec, err := e.client.Record(context.Background(), id)
			if n := e.fake.StagesRequests(); n != tc.attempts {
				t.Errorf("server saw %d requests, want %d", n, tc.attempts)
			}
			if tc.wantOK {
				if err != nil || len(rec.Stages) != 2 {
					t.Errorf("Record = %+v, %v", rec, err)
				}
				return
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tc.status || apiErr.Code != tc.code {
				t.Fatalf("err = %v, want HTTP %d %s", err, tc.status, tc.code)
			}
			if !strings.Contains(err.Error(), tc.code) {
				t.Errorf("message %q lacks the code", err)
			}
		})
	}
}

func TestParseRecordBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		stages  []string
		all     []string
		errCode string
		errMsg  string
	}{
		{
			name:   "strings for numbers and missing names",
			body:   `{"status":"success","error":null,"result":{"build_stages":{"final":{"sequence":"9","status":"SUCCESS"},"stage2":{"sequence":"2","duration":"1500"},"initial":{"sequence":0},"stage1":{"execution_stage_name":"stage1","sequence":1,"duration":5120.0}}}}`,
			stages: []string{"stage1", "stage2"},
			all:    []string{"initial", "stage1", "stage2", "final"},
		},
		{name: "error object", body: `{"status":"error","error":{"error_code":"CB.00060200","error_msg":"bad"},"result":null}`, errCode: "CB.00060200", errMsg: "bad"},
		{name: "error string", body: `{"status":"success","error":"record is gone"}`, errMsg: "record is gone"},
		{name: "flat error", body: `{"error_code":"CB.00060214","error_msg":"nope"}`, errCode: "CB.00060214", errMsg: "nope"},
		{name: "status error only", body: `{"status":"error"}`, errMsg: "without details"},
		{name: "no result", body: `{"status":"success","error":null}`, errMsg: "no result.build_stages"},
		{name: "html page", body: `<html><body>maintenance</body></html>`, errMsg: "unexpected full-stages response"},
	}
	c, err := New(Options{Endpoint: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"rid"}}}
			rec, apiErr := c.parseRecord(resp, []byte(tc.body))
			if tc.errMsg != "" || tc.errCode != "" {
				if apiErr == nil {
					t.Fatalf("no error for %s", tc.body)
				}
				if apiErr.Code != tc.errCode || !strings.Contains(apiErr.Message, tc.errMsg) || apiErr.RequestID != "rid" {
					t.Errorf("APIError = %+v", apiErr)
				}
				return
			}
			if apiErr != nil {
				t.Fatal(apiErr)
			}
			if !reflect.DeepEqual(tasks(rec.Stages), tc.stages) || !reflect.DeepEqual(tasks(rec.All), tc.all) {
				t.Errorf("Stages %v All %v", tasks(rec.Stages), tasks(rec.All))
			}
			if rec.Stages[0].Duration != 5120*time.Millisecond || rec.Stages[1].Duration != 1500*time.Millisecond {
				t.Errorf("durations %s %s", rec.Stages[0].Duration, rec.Stages[1].Duration)
			}
		})
	}
}

func TestRecordRefusesHugeBodies(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat(" ", 1<<20))
		for range 20 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(ts.Close)
	c, err := New(Options{Endpoint: ts.URL, Transport: ts.Client().Transport, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Sleep: noWait})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Record(context.Background(), testRecord); err == nil || !strings.Contains(err.Error(), "larger than") || calls.Load() != 1 {
		t.Errorf("requests = %d, err = %v; want one request and a size error", calls.Load(), err)
	}
}

// TestRecordReadsTheDocumentedExample: the full-stages answer exactly as
// Huawei's documentation prints it (replayed by the fake) gives the stages
// it shows, in order, without initial and final.
func TestRecordReadsTheDocumentedExample(t *testing.T) {
	t.Parallel()
	doc, err := fakecodearts.Example("full-stages.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, nil, fakecodearts.StageSpec{}, fakecodearts.StageSpec{})
	e.fake.ReplayFullStages(testRecord, doc)
	rec, err := e.client.Record(context.Background(), testRecord)
	if err != nil {
		t.Fatal(err)
	}
	want := []Stage{
		{Task: "stage1", Name: "Code CheckOut", Status: "SUCCESS", Sequence: 1, Duration: 5120 * time.Millisecond, Start: "2024-09-24T03:18:49.000+00:00", Finish: "..."},
		{Task: "stage2", Name: "Maven", Status: "FAILED", Sequence: 2},
	}
	if !reflect.DeepEqual(rec.Stages, want) {
		t.Errorf("stages = %+v\nwant     %+v", rec.Stages, want)
	}
	var tasks []string
	for _, s := range rec.All {
		tasks = append(tasks, s.Task)
	}
	sort.Strings(tasks)
	if strings.Join(tasks, ",") != "final,initial,stage1,stage2" {
		t.Errorf("all entries = %+v", rec.All)
	}
	if rec.Finished() {
		t.Error("the example's final entry has no status, yet the record is finished")
	}
}
