package fakecodearts

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

// shape maps every member of a JSON document to its JSON type, by path;
// the members of build_stages are keyed by their own key, since the
// documentation and the fake do not show the same stages.
func shape(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			out[path] = "object"
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case nil:
			out[path] = "null"
		default:
			out[path] = reflect.TypeOf(x).Kind().String()
		}
	}
	walk("", v)
	return out
}

// TestAnswersHaveTheDocumentedShape: every member of Huawei's documented
// full-stages answer and error body is in the fake's answers, with the
// same JSON type.
func TestAnswersHaveTheDocumentedShape(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Name: "Code CheckOut"}, StageSpec{Name: "Maven", Status: "FAILED"})
	s.AddRecord("3cc26382-b2cb-4234-8eb0-b37d362f4d4c", StageSpec{NoLog: true})
	fake := shape(t, serve(s, "GET", "/p/v1/record/"+rec+"/full-stages", nil).Body.Bytes())
	fakeErr := shape(t, serve(s, "GET", "/p/v4/3cc26382-b2cb-4234-8eb0-b37d362f4d4c/task-log?task_name=stage1", nil).Body.Bytes())
	for file, got := range map[string]map[string]string{"full-stages.json": fake, "error.json": fakeErr} {
		doc, err := Example(file)
		if err != nil {
			t.Fatal(err)
		}
		want := shape(t, doc)
		var paths []string
		for p := range want {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			if want[p] == "null" && got[p] == "" {
				t.Errorf("%s: member %s is missing from the fake's answer", file, p)
			} else if want[p] != "null" && got[p] != want[p] {
				t.Errorf("%s: member %s is %q in the fake's answer, %q in the documentation", file, p, got[p], want[p])
			}
		}
	}
}

// TestReplayFullStages: the documented answer is served as it is.
func TestReplayFullStages(t *testing.T) {
	t.Parallel()
	doc, err := Example("full-stages.json")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Name: "Code CheckOut"}, StageSpec{Name: "Maven", Status: "FAILED"})
	s.ReplayFullStages(rec, doc)
	if w := serve(s, "GET", "/p/v1/record/"+rec+"/full-stages", nil); w.Code != 200 || w.Body.String() != string(doc) {
		t.Errorf("%d %s", w.Code, w.Body)
	}
}
