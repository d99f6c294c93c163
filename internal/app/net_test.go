package app

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
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

// loginPage is what an SSO or proxy in front of the endpoint answers: 200,
// text/html, a title with hostile bytes in it.
const loginPage = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>Sign in \x1b]0;pwned\x07&ndash; Contoso\n SSO ::error::x</title>\n" +
	"<script>var next = \"/v4/task-log\";</script><style>body{margin:0}</style></head>\n" +
	"<body><form method=\"post\" action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"pw\"></form></body></html>\n"

// TestHTMLPageIsNotALog: a 200 text/html answer (a login page of an SSO or
// proxy) is an error that names what came back, like a JSON error body: not
// retried (it will not turn into a log), no <task>.log file.
func TestHTMLPageIsNotALog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/task-log") && r.URL.Query().Get("task_name") == "stage2" {
			pages.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(loginPage))
			return
		}
		h.fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.endpoint = srv.URL + prefix
	h.inputs(map[string]string{})
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3 (a log could not be obtained)\n%s", code, h.stdout.String())
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,stage3.log,summary.md" {
		t.Errorf("files = %s (the login page was saved as a log)", got)
	}
	if n := pages.Load(); n != 1 {
		t.Errorf("the login page was asked for %d times, want 1 (retrying cannot help)", n)
	}
	var logs []logEntry
	json.Unmarshal([]byte(h.outputs()["logs"]), &logs)
	if len(logs) != 3 {
		t.Fatalf("logs output = %s", h.outputs()["logs"])
	}
	msg := logs[1].Error
	for _, want := range []string{"HTTP 200", "text/html", `titled "Sign in `, `– Contoso SSO ::error::x"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %s: %q", want, msg)
		}
	}
	if strings.ContainsAny(msg, "\x1b\x07\n") || strings.Contains(msg, "<form") {
		t.Errorf("the error carries the page's raw bytes: %q", msg)
	}
}
