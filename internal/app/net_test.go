package app

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// reencode serves the fake's answers, but sends the task-log body of the
// stages in enc with that Content-Encoding, encoded as it says (gzip or
// deflate; anything else is sent as the fake wrote it).
func reencode(t *testing.T, h *harness, enc map[string]string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, ok := enc[r.URL.Query().Get("task_name")]
		if !ok || !strings.HasSuffix(r.URL.Path, "/task-log") {
			h.fake.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.fake.ServeHTTP(rec, r)
		var body bytes.Buffer
		switch strings.ToLower(e) {
		case "gzip", "x-gzip":
			zw := gzip.NewWriter(&body)
			zw.Write(rec.Body.Bytes())
			zw.Close()
		case "deflate":
			zw, _ := flate.NewWriter(&body, flate.DefaultCompression)
			zw.Write(rec.Body.Bytes())
			zw.Close()
		default:
			body.Write(rec.Body.Bytes())
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Encoding", e)
		w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
		w.WriteHeader(rec.Code)
		w.Write(body.Bytes())
	}))
	t.Cleanup(srv.Close)
	h.endpoint = srv.URL + prefix
}

// TestContentEncodings: x-gzip is gzip (RFC 9110, section 8.4.1.3); an
// encoding the client did not ask for is an error, retried, then reported
// with what came back, and never saved as if it were the log.
func TestContentEncodings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	h.fake.AddRecord(testRecord, st...)
	reencode(t, h, map[string]string{"stage1": "x-gzip", "stage2": "deflate", "stage3": "br"})
	h.inputs(map[string]string{})
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3 (two logs could not be obtained)\n%s", code, h.stdout.String())
	}
	if got := h.file("stage1.log"); got != string(st[0].Log) {
		t.Errorf("x-gzip not decoded: stage1.log = %q", got)
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,summary.md" {
		t.Errorf("files = %s (a body in an encoding not asked for was saved)", got)
	}
	for _, s := range []struct{ task, enc string }{{"stage2", "deflate"}, {"stage3", "br"}} {
		if n := h.fake.Requests(s.task); n < 2 {
			t.Errorf("%s: %d request(s), want retries", s.task, n)
		}
		if want := `Content-Encoding "` + s.enc + `"`; !strings.Contains(h.summary(), want) {
			t.Errorf("summary does not say %s for %s:\n%s", want, s.task, h.summary())
		}
	}
}
