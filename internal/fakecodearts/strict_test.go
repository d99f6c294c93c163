package fakecodearts

import (
	"encoding/json"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddRecordNeverReplaces: a second AddRecord of one ID is a reported
// mistake and the first record keeps answering.
func TestAddRecordNeverReplaces(t *testing.T) {
	t.Parallel()
	var got complaints
	s := New(Options{T: &got, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Log: []byte("first\n")})
	s.AddRecord(rec, StageSpec{Log: []byte("second\n")})
	if got.count() != 1 || !strings.Contains(got.last(), "added twice") {
		t.Errorf("complaints = %q", got.msgs)
	}
	if w := serve(s, "GET", taskURL("stage1", ""), nil); w.Body.String() != "first\n" {
		t.Errorf("served %q, want the first record's log", w.Body)
	}
	s.AddRecord(rec+"x", StageSpec{})
	s.AddRecord("2cc26382-b2cb-4234-8eb0-b37d362f4d4d", StageSpec{Task: "a"}, StageSpec{Task: "a"})
	if got.count() != 3 {
		t.Errorf("a bad record ID and a duplicate task: %d complaints, want 3: %q", got.count(), got.msgs)
	}
	defer func() {
		if recover() == nil {
			t.Error("without a Reporter, a record added twice did not panic")
		}
	}()
	demo := New(Options{})
	demo.AddRecord(rec)
	demo.AddRecord(rec)
}

// stagesDoc fetches a full-stages answer and returns its entries' statuses.
func stagesDoc(t *testing.T, s *Server) map[string]string {
	t.Helper()
	w := serve(s, "GET", "/p/v1/record/"+rec+"/full-stages", nil)
	var doc struct {
		Result struct {
			BuildStages map[string]struct {
				Status string `json:"status"`
			} `json:"build_stages"`
		} `json:"result"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	out := map[string]string{}
	for k, v := range doc.Result.BuildStages {
		out[k] = v.Status
	}
	return out
}

// TestTimeline: the final entry follows the stages' scripts: the build is
// over once no script changes and nothing runs; stages waiting after a
// failure never ran; a script or an unknown status needs ScriptFinal.
func TestTimeline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stages []StageSpec
		final  []string // the final entry on successive polls
	}{
		{"all succeed", []StageSpec{{}, {Status: "SUCCESS"}}, []string{"SUCCESS", "SUCCESS"}},
		{"runs, then fails", []StageSpec{{}, {Statuses: []string{"INIT", "RUNNING", "FAILED"}}}, []string{"PENDING", "PENDING", "FAILED", "FAILED"}},
		{"runs forever", []StageSpec{{Status: "RUNNING"}}, []string{"PENDING", "PENDING", "PENDING"}},
		{"later stages never ran", []StageSpec{{Status: "FAILED"}, {Status: "INIT"}}, []string{"FAILED"}},
		{"aborted", []StageSpec{{Status: "ABORTED"}}, []string{"FAILED"}},
		{"waits, nothing failed", []StageSpec{{}, {Status: "QUEUED"}}, []string{"PENDING"}},
	}
	for _, tc := range tests {
		s := New(Options{T: t, Prefix: "/p"})
		s.AddRecord(rec, tc.stages...)
		for i, want := range tc.final {
			if got := stagesDoc(t, s)["final"]; got != want {
				t.Errorf("%s: poll %d: final %s, want %s", tc.name, i+1, got, want)
			}
		}
	}

	var got complaints
	s := New(Options{T: &got, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Status: "WEIRD"})
	stagesDoc(t, s)
	if got.count() != 1 || !strings.Contains(got.last(), "ScriptFinal") {
		t.Errorf("an unknown status without ScriptFinal: complaints %q", got.msgs)
	}

	s = New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Status: "WEIRD"})
	s.ScriptInitial(rec, "SUCCESS", "SCHEDULE_FAILURE")
	s.ScriptFinal(rec, "RUNNING", "FAILED")
	first, second := stagesDoc(t, s), stagesDoc(t, s)
	if first["initial"] != "SUCCESS" || first["final"] != "RUNNING" || second["initial"] != "SCHEDULE_FAILURE" || second["final"] != "FAILED" || second["stage1"] != "WEIRD" {
		t.Errorf("scripted: %v then %v", first, second)
	}
}

// TestNoClientRules: the fake imports nothing of the client or the signer
// it checks, so it cannot agree with them by construction.
func TestNoClientRules(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("*.go")
	sub, _ := filepath.Glob("*/*.go")
	for _, f := range append(files, sub...) {
		pf, err := parser.ParseFile(gotoken.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pf.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if strings.HasSuffix(p, "/internal/codearts") || strings.HasSuffix(p, "/internal/aksk") {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}

// TestBuildRecordsNeverReplace: a job's build whose record ID is taken is
// a reported mistake, as AddRecord's is.
func TestBuildRecordsNeverReplace(t *testing.T) {
	t.Parallel()
	var got complaints
	s := New(Options{T: &got, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Log: []byte("record's\n")})
	s.AddJob("68491d9bc97b4774adb93e29b46d2dc6", JobSpec{Builds: []BuildSpec{{Number: 1, RecordID: rec, Stages: []StageSpec{{Log: []byte("build's\n")}}}}})
	if got.count() != 1 || !strings.Contains(got.last(), "already added") {
		t.Errorf("complaints = %q", got.msgs)
	}
	if w := serve(s, "GET", taskURL("stage1", ""), nil); w.Body.String() != "record's\n" {
		t.Errorf("served %q, want the first record's log", w.Body)
	}
}
