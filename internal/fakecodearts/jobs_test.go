package fakecodearts

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const testJob = "68491d9bc97b4774adb93e29b46d2dc6"

// call sends one request with the fake's token and decodes the JSON answer.
func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, srv.URL+"/p"+path, rd)
	req.Header.Set("X-Auth-Token", "tok")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, doc
}

func newJobServer(t *testing.T, spec JobSpec) (*Server, *httptest.Server) {
	fake := New(Options{Prefix: "/p", Token: "tok"})
	fake.AddJob(testJob, spec)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, srv
}

func result(doc map[string]any) map[string]any {
	r, _ := doc["result"].(map[string]any)
	return r
}

func TestStartedBuildTimeline(t *testing.T) {
	fake, srv := newJobServer(t, JobSpec{Starts: []BuildSpec{{
		Number:      12,
		NoRecordFor: 2,
		Stages:      []StageSpec{{Name: "Build", Statuses: []string{"RUNNING", "RUNNING", "SUCCESS"}}},
		LogPieces:   []string{"a\nb", "c\n"},
	}}})
	code, doc := call(t, srv, "POST", "/v1/job/execute", `{"job_id":"`+testJob+`","parameter":[{"name":"k","value":"v"}],"scm":{"build_commit_id":"abc"}}`)
	if code != 200 || doc["actual_build_number"] != "12" {
		t.Fatalf("execute: %d %v", code, doc)
	}
	for i := range 2 {
		if code, doc := call(t, srv, "GET", "/v1/record/"+testJob+"/12/record-info", ""); code != 404 || doc["error_code"] != "CB.00060214" {
			t.Fatalf("record-info %d: %d %v", i, code, doc)
		}
	}
	_, doc = call(t, srv, "GET", "/v1/record/"+testJob+"/12/record-info", "")
	rid, _ := result(doc)["build_record_id"].(string)
	if result(doc)["status"] != "RUNNING" || result(doc)["commit"] != "abc" || len(rid) != 36 {
		t.Fatalf("record-info: %v", doc)
	}
	// Statuses move with full-stages polls.
	var finals []string
	for range 3 {
		_, doc = call(t, srv, "GET", "/v1/record/"+rid+"/full-stages", "")
		st := result(doc)["build_stages"].(map[string]any)["final"].(map[string]any)
		finals = append(finals, st["status"].(string))
	}
	if strings.Join(finals, ",") != "PENDING,PENDING,SUCCESS" {
		t.Errorf("final over polls: %v", finals)
	}
	_, doc = call(t, srv, "GET", "/v1/record/"+testJob+"/12/record-info", "")
	if result(doc)["status"] != "SUCCESS" {
		t.Errorf("record-info after the last poll: %v", doc)
	}
	// The log grows one piece a request, served by offset.
	_, doc = call(t, srv, "GET", "/v3/jobs/"+testJob+"/12/real-time-log?offset=0&length=100", "")
	if r := result(doc); r["content"] != "a\nb" || r["offset"] != 3.0 || r["has_more_data"] != true {
		t.Errorf("first piece: %v", doc)
	}
	_, doc = call(t, srv, "GET", "/v3/jobs/"+testJob+"/12/real-time-log?offset=3&length=100", "")
	if r := result(doc); r["content"] != "c\n" || r["offset"] != 5.0 || r["has_more_data"] != false {
		t.Errorf("second piece: %v", doc)
	}
	if ex := fake.Executions(testJob); len(ex) != 1 || ex[0].Commit != "abc" || ex[0].Parameters[0].Name != "k" {
		t.Errorf("executions: %+v", ex)
	}
	if u := fake.Unexpected(); len(u) != 0 {
		t.Errorf("unexpected: %v", u)
	}
}

func TestStopAbortsTheBuild(t *testing.T) {
	fake, srv := newJobServer(t, JobSpec{Builds: []BuildSpec{{Number: 3, Stages: []StageSpec{
		{Statuses: []string{"SUCCESS"}}, {Statuses: []string{"RUNNING"}}, {Statuses: []string{"INIT"}},
	}}}})
	if code, doc := call(t, srv, "POST", "/v3/jobs/"+testJob+"/3/stop", ""); code != 200 || doc["success"] != true {
		t.Fatalf("stop: %d %v", code, doc)
	}
	_, doc := call(t, srv, "GET", "/v1/record/"+testJob+"/3/record-info", "")
	if result(doc)["status"] != "ABORTED" {
		t.Errorf("after stop: %v", doc)
	}
	if code, _ := call(t, srv, "POST", "/v3/jobs/"+testJob+"/3/stop", ""); code != 400 {
		t.Errorf("stopping a stopped build: %d", code)
	}
	if fake.Stops(testJob, 3) != 2 {
		t.Errorf("stops = %d", fake.Stops(testJob, 3))
	}
	_, doc = call(t, srv, "GET", "/v1/job/"+testJob+"/running-status", "")
	if r := result(doc); r["last_build_no"] != "3" || r["is_running"] != false {
		t.Errorf("running-status: %v", doc)
	}
}

func TestRequestsNotSetUpAreNoted(t *testing.T) {
	fake, srv := newJobServer(t, JobSpec{})
	other := strings.Repeat("a", 32)
	call(t, srv, "GET", "/v1/job/"+other+"/running-status", "")
	call(t, srv, "POST", "/v1/job/execute", `{"job_id":"`+testJob+`"}`)
	call(t, srv, "POST", "/v1/job/execute", `{"job_id":"`+testJob+`","extra":1}`)
	if code, _ := call(t, srv, "GET", "/v1/record/"+testJob+"/5/record-info", ""); code != 404 {
		t.Errorf("unknown build: %d", code)
	}
	if u := fake.Unexpected(); len(u) != 3 {
		t.Errorf("unexpected = %q, want 3 entries (an unknown build is a normal 404)", u)
	}
}
