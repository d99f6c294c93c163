package fakecodearts

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	rec   = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"
	token = "fake-token"
)

var sample = []byte(strings.Repeat("[2023/12/21 15:44:18.744 GMT+08:00] [INFO] BUILD SUCCESS\n", 100))

func taskURL(task, level string) string {
	u := "/p/v4/" + rec + "/task-log?task_name=" + task
	if level != "" {
		u += "&log_level=" + level
	}
	return u
}

// serve runs one request through the handler, without a network.
func serve(s *Server, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

type apiErr struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func decodeErr(t *testing.T, body []byte) apiErr {
	t.Helper()
	var e apiErr
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return e
}

// complaints is a Reporter that keeps what the fake reports, for tests
// that make mistakes on purpose.
type complaints struct {
	mu   sync.Mutex
	msgs []string
}

func (c *complaints) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

func (c *complaints) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func (c *complaints) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.msgs) == 0 {
		return ""
	}
	return c.msgs[len(c.msgs)-1]
}

// TestRoutingAuthAndValidation: the gateway's and the service's answers,
// and which requests the fake reports as not set up.
func TestRoutingAuthAndValidation(t *testing.T) {
	t.Parallel()
	var got complaints
	s := New(Options{T: &got, Prefix: "p/", Token: token})
	const missing = "00000000-0000-0000-0000-000000000000"
	s.AddRecord(rec, StageSpec{Log: sample}, StageSpec{Task: "stage4", NoLog: true})
	s.AddMissingRecord(missing)
	auth := map[string]string{"X-Auth-Token": token}
	tests := []struct {
		name       string
		method     string
		target     string
		hdr        map[string]string
		status     int
		code       string
		unexpected bool
	}{
		{"ok", "GET", taskURL("stage1", ""), auth, 200, "", false},
		{"no prefix", "GET", "/v4/" + rec + "/task-log?task_name=stage1", auth, 404, "APIGW.0101", true},
		{"other prefix", "GET", "/px/v4/" + rec + "/task-log?task_name=stage1", auth, 404, "APIGW.0101", true},
		{"unknown operation", "GET", "/p/v4/" + rec + "/download-log", auth, 404, "APIGW.0101", true},
		{"POST", "POST", taskURL("stage1", ""), auth, 404, "APIGW.0101", true},
		{"no token", "GET", taskURL("stage1", ""), nil, 401, "APIGW.0301", false},
		{"wrong token", "GET", taskURL("stage1", ""), map[string]string{"X-Auth-Token": "nope"}, 401, "APIGW.0301", false},
		{"signature without verifier", "GET", taskURL("stage1", ""), map[string]string{"Authorization": "SDK-HMAC-SHA256 x"}, 401, "APIGW.0301", false},
		{"bad record id", "GET", "/p/v4/ABC/task-log?task_name=stage1", auth, 400, "CB.00060200", true},
		{"no task", "GET", "/p/v4/" + rec + "/task-log", auth, 400, "CB.00060200", true},
		{"bad level", "GET", taskURL("stage1", "info"), auth, 400, "CB.00060200", true},
		{"stage without a log", "GET", taskURL("stage4", ""), auth, 404, "CB.00060214", false},
		{"missing record", "GET", "/p/v4/" + missing + "/task-log?task_name=stage1", auth, 404, "CB.00060214", false},
		{"unknown task", "GET", taskURL("stage2", ""), auth, 404, "FAKE.UNEXPECTED", true},
		{"unknown record", "GET", "/p/v4/11111111-0000-0000-0000-000000000000/task-log?task_name=stage1", auth, 404, "FAKE.UNEXPECTED", true},
		{"stages", "GET", "/p/v1/record/" + rec + "/full-stages", auth, 200, "", false},
		{"stages missing record", "GET", "/p/v1/record/" + missing + "/full-stages", auth, 404, "CB.00060214", false},
		{"stages unknown record", "GET", "/p/v1/record/11111111-0000-0000-0000-000000000000/full-stages", auth, 404, "FAKE.UNEXPECTED", true},
		{"stages bad id", "GET", "/p/v1/record/x/full-stages", auth, 400, "CB.00060200", true},
		{"stages no token", "GET", "/p/v1/record/" + rec + "/full-stages", nil, 401, "APIGW.0301", false},
	}
	for _, tc := range tests {
		before := got.count()
		w := serve(s, tc.method, tc.target, tc.hdr)
		if reported := got.count() - before; reported != map[bool]int{false: 0, true: 1}[tc.unexpected] {
			t.Errorf("%s: %d complaints, want unexpected = %v (last: %q)", tc.name, reported, tc.unexpected, got.last())
		}
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, w.Code, tc.status, w.Body)
			continue
		}
		rid := w.Header().Get("X-Request-Id")
		if rid == "" {
			t.Errorf("%s: no X-Request-Id", tc.name)
		}
		if tc.code != "" {
			e := decodeErr(t, w.Body.Bytes())
			if e.Code != tc.code || e.Msg == "" || e.RequestID != rid {
				t.Errorf("%s: error body %+v, want code %s and request id %s", tc.name, e, tc.code, rid)
			}
		}
	}
	if n := s.Requests("stage1"); n != 8 {
		t.Errorf("Requests(stage1) = %d, want 8 (routed task-log requests naming it, refused or not)", n)
	}
	if n := s.StagesRequests(); n != 5 {
		t.Errorf("StagesRequests = %d, want 5", n)
	}
	if n := len(s.Unexpected()); n != got.count() {
		t.Errorf("Unexpected() has %d entries, the reporter got %d", n, got.count())
	}
}

func TestVerifyAndOpenServer(t *testing.T) {
	t.Parallel()
	var got *http.Request
	s := New(Options{T: t, Prefix: "/p", Verify: func(r *http.Request) error {
		got = r
		if r.Header.Get("Authorization") != "good" {
			return errors.New("signature mismatch")
		}
		return nil
	}})
	s.AddRecord(rec, StageSpec{Log: sample})
	if w := serve(s, "GET", taskURL("stage1", ""), map[string]string{"Authorization": "good"}); w.Code != 200 || got == nil {
		t.Errorf("signed request: %d", w.Code)
	}
	w := serve(s, "GET", taskURL("stage1", ""), map[string]string{"Authorization": "bad"})
	if e := decodeErr(t, w.Body.Bytes()); w.Code != 401 || !strings.Contains(e.Msg, "signature mismatch") {
		t.Errorf("bad signature: %d %+v", w.Code, e)
	}
	// Token auth is refused when no token was configured.
	if w := serve(s, "GET", taskURL("stage1", ""), map[string]string{"X-Auth-Token": ""}); w.Code != 401 {
		t.Errorf("no credentials: %d", w.Code)
	}
	open := New(Options{T: t, Prefix: "/p"})
	open.AddRecord(rec, StageSpec{Log: sample})
	if w := serve(open, "GET", taskURL("stage1", ""), nil); w.Code != 200 {
		t.Errorf("open server: %d", w.Code)
	}
}

func TestTaskLogBodies(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Log: sample}, StageSpec{Task: "build", LogGen: GeneratedLog(10000), LogSize: 10000}, StageSpec{LogGen: GeneratedLog(5000)})
	w := serve(s, "GET", taskURL("stage1", "INFO"), nil)
	if !bytes.Equal(w.Body.Bytes(), sample) || w.Header().Get("Content-Type") != "application/octet-stream" || w.Header().Get("Content-Length") != strconv.Itoa(len(sample)) {
		t.Errorf("INFO: %d bytes, headers %v", w.Body.Len(), w.Header())
	}
	w = serve(s, "GET", taskURL("stage1", "DEBUG"), nil)
	if !bytes.HasPrefix(w.Body.Bytes(), []byte("[DEBUG] ")) || !bytes.HasSuffix(w.Body.Bytes(), sample) {
		t.Errorf("DEBUG body does not start with [DEBUG] lines: %q", w.Body.Bytes()[:40])
	}
	w = serve(s, "GET", taskURL("build", ""), nil)
	if w.Body.Len() != 10000 || w.Header().Get("Content-Length") != "10000" {
		t.Errorf("generated: %d bytes, Content-Length %q", w.Body.Len(), w.Header().Get("Content-Length"))
	}
	w = serve(s, "GET", taskURL("stage3", ""), nil)
	if w.Body.Len() != 5000 || w.Header().Get("Content-Length") != "" {
		t.Errorf("generated without size: %d bytes, Content-Length %q", w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestGeneratedLog(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{0, 1, 99, 64 << 10, 3<<20 + 17} {
		var a, b bytes.Buffer
		if err := GeneratedLog(size)(&a); err != nil {
			t.Fatal(err)
		}
		_ = GeneratedLog(size)(&b)
		if int64(a.Len()) != size || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("size %d: wrote %d bytes, deterministic = %v", size, a.Len(), bytes.Equal(a.Bytes(), b.Bytes()))
		}
		lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
		seen := map[string]bool{}
		for _, l := range lines {
			if seen[l] {
				t.Fatalf("size %d: line repeated: %q", size, l)
			}
			seen[l] = true
		}
	}
}

func TestFullStagesDocument(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec,
		StageSpec{Name: "Code CheckOut", Duration: 5120 * time.Millisecond},
		StageSpec{Name: "Maven", Statuses: []string{"RUNNING", "FAILED"}, Duration: 2 * time.Second},
	)
	type entry struct {
		Name       string `json:"execution_stage_name"`
		Display    string `json:"display_name"`
		Sequence   int    `json:"sequence"`
		Status     string `json:"status"`
		StatusCode int    `json:"status_code"`
		Start      string `json:"start_time"`
		Finish     string `json:"finish_time"`
		Duration   int64  `json:"duration"`
	}
	var doc struct {
		Status string          `json:"status"`
		Error  json.RawMessage `json:"error"`
		Result struct {
			BuildStages map[string]entry `json:"build_stages"`
		} `json:"result"`
	}
	poll := func() {
		t.Helper()
		w := serve(s, "GET", "/p/v1/record/"+rec+"/full-stages", nil)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("status %d, type %q", w.Code, w.Header().Get("Content-Type"))
		}
		doc.Result.BuildStages = nil
		if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
	}
	poll()
	st := doc.Result.BuildStages
	if doc.Status != "success" || string(doc.Error) != "null" || len(st) != 4 {
		t.Fatalf("document: %+v", doc)
	}
	if e := st["stage1"]; e.Display != "Code CheckOut" || e.Sequence != 1 || e.Status != "SUCCESS" || e.StatusCode != 5 || e.Duration != 5120 || e.Start == "" || e.Finish == "" {
		t.Errorf("stage1 = %+v", e)
	}
	if e := st["stage2"]; e.Status != "RUNNING" || e.Finish != "" {
		t.Errorf("stage2 while running = %+v", e)
	}
	if st["initial"].Sequence != 0 || st["initial"].Status != "SUCCESS" || st["final"].Sequence != 3 || st["final"].Status != "PENDING" {
		t.Errorf("initial/final = %+v %+v", st["initial"], st["final"])
	}
	poll()
	poll()
	st = doc.Result.BuildStages
	if st["stage2"].Status != "FAILED" || st["stage2"].Duration != 2000 || st["final"].Status != "FAILED" {
		t.Errorf("after polls: stage2 %+v final %+v", st["stage2"], st["final"])
	}
}

// rawClient does not decompress, so the wire format can be checked.
func rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableCompression: true}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p", Token: token})
	big := bytes.Repeat(sample, 20)
	s.AddRecord(rec, StageSpec{Log: big, Faults: []Fault{
		{Status: 503, Code: "CB.00060100", Msg: "busy", RetryAfter: "3"},
		{Status: 502, HTML: true, Msg: "bad <gateway>"},
		{JSON200: true, Code: "CB.00060211", Msg: "slow down"},
		{Truncate: true},
		{Gzip: true},
		{Chunked: true},
		{RedirectTo: "https://elsewhere.example/log"},
		{EchoToken: true},
		{Reset: true},
	}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	c := rawClient()
	get := func() (*http.Response, []byte, error) {
		req, _ := http.NewRequest("GET", ts.URL+taskURL("stage1", ""), nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := c.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}

	resp, body, _ := get()
	if e := decodeErr(t, body); resp.StatusCode != 503 || e.Code != "CB.00060100" || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("503 fault: %d %+v %v", resp.StatusCode, e, resp.Header)
	}
	resp, body, _ = get()
	if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "bad &lt;gateway&gt;") {
		t.Errorf("HTML fault: %d %q", resp.StatusCode, body)
	}
	resp, body, _ = get()
	if e := decodeErr(t, body); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || e.Code != "CB.00060211" {
		t.Errorf("JSON200 fault: %d %q", resp.StatusCode, body)
	}
	resp, body, err := get()
	if !errors.Is(err, io.ErrUnexpectedEOF) || resp == nil || resp.ContentLength != int64(len(big)) || len(body) != len(big)/2 {
		t.Errorf("Truncate fault: err %v, got %d of %d bytes", err, len(body), len(big))
	}
	resp, body, _ = get()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Gzip fault: %v %v", err, resp.Header)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, big) {
		t.Errorf("Gzip fault: body differs (%v)", err)
	}
	resp, body, _ = get()
	if resp.ContentLength != -1 || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" || !bytes.Equal(body, big) {
		t.Errorf("Chunked fault: length %d, encoding %v", resp.ContentLength, resp.TransferEncoding)
	}
	resp, _, _ = get()
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "https://elsewhere.example/log" {
		t.Errorf("Redirect fault: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body, _ = get()
	if resp.StatusCode != 401 || !strings.Contains(string(body), token) {
		t.Errorf("EchoToken fault: %d %q", resp.StatusCode, body)
	}
	if _, _, err = get(); err == nil {
		t.Error("Reset fault: the body arrived whole")
	}
	resp, body, _ = get()
	if resp.StatusCode != 200 || !bytes.Equal(body, big) {
		t.Errorf("after the faults: %d, %d bytes", resp.StatusCode, len(body))
	}
	if s.Requests("stage1") != 10 {
		t.Errorf("Requests = %d", s.Requests("stage1"))
	}
}

func TestStallFault(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Log: sample, Faults: []Fault{{Stall: 300 * time.Millisecond}}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	start := time.Now()
	resp, err := rawClient().Get(ts.URL + taskURL("stage1", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(body, sample) {
		t.Fatalf("stalled body: %v, %d bytes", err, len(body))
	}
	if elapsed := time.Since(start); elapsed < 300*time.Millisecond {
		t.Errorf("no stall: %s", elapsed)
	}
}

func TestFailStages(t *testing.T) {
	t.Parallel()
	var got complaints
	s := New(Options{T: &got, Prefix: "/p"})
	if s.FailStages(rec, Fault{Status: 500}) || got.count() != 1 {
		t.Errorf("FailStages on an unknown record: reported success or no complaint (%d)", got.count())
	}
	s.AddRecord(rec, StageSpec{})
	s.FailStages(rec, Fault{Status: 500, Code: "CB.00060101"}, Fault{JSON200: true, Code: "CB.00060200", Msg: "bad"})
	target := "/p/v1/record/" + rec + "/full-stages"
	if w := serve(s, "GET", target, nil); w.Code != 500 {
		t.Errorf("first: %d", w.Code)
	}
	w := serve(s, "GET", target, nil)
	var doc struct {
		Status string `json:"status"`
		Error  apiErr `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || w.Code != 200 || doc.Status != "error" || doc.Error.Code != "CB.00060200" {
		t.Errorf("second: %d %s", w.Code, w.Body)
	}
	if w := serve(s, "GET", target, nil); w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"success"`) {
		t.Errorf("third: %d %s", w.Code, w.Body)
	}
}

func TestConcurrencyAccounting(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p", Latency: 200 * time.Millisecond})
	s.AddRecord(rec, StageSpec{Log: sample}, StageSpec{Log: sample}, StageSpec{Log: sample})
	var wg sync.WaitGroup
	for i := 1; i <= 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(s, "GET", taskURL("stage"+strconv.Itoa(i), ""), nil)
		}()
	}
	wg.Wait()
	if s.MaxInFlight() != 3 {
		t.Errorf("MaxInFlight = %d, want 3", s.MaxInFlight())
	}
	serve(s, "GET", taskURL("stage1", ""), nil)
	if s.MaxInFlight() != 3 || s.Requests("stage1") != 2 {
		t.Errorf("MaxInFlight = %d, Requests = %d", s.MaxInFlight(), s.Requests("stage1"))
	}
}

func TestSeenIsCappedAndCopied(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{Log: sample})
	for i := range maxSeen + 5 {
		serve(s, "GET", taskURL("stage1", "")+"&i="+strconv.Itoa(i), map[string]string{"User-Agent": "ua"})
	}
	seen := s.Seen()
	if len(seen) != maxSeen || seen[0].Query.Get("i") != "5" || seen[len(seen)-1].Query.Get("i") != strconv.Itoa(maxSeen+4) {
		t.Fatalf("Seen: %d entries, first %q", len(seen), seen[0].RawQuery)
	}
	seen[0].Header.Set("User-Agent", "changed")
	if s.Seen()[0].Header.Get("User-Agent") != "ua" {
		t.Error("Seen returned shared headers")
	}
}

func BenchmarkGeneratedLog(b *testing.B) {
	const size = 64 << 20
	b.SetBytes(size)
	for b.Loop() {
		if err := GeneratedLog(size)(sha256.New()); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFailingGeneratorCutsTheConnection(t *testing.T) {
	t.Parallel()
	s := New(Options{T: t, Prefix: "/p"})
	s.AddRecord(rec, StageSpec{LogGen: func(w io.Writer) error {
		_, _ = w.Write(sample)
		return errors.New("generator broke")
	}})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	resp, err := rawClient().Get(ts.URL + taskURL("stage1", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("a failed generator produced a body that looks complete")
	}
}

// TestNoStatusStage: a stage that never ran has an empty status; after a
// failed stage the final entry is FAILED, as CodeArts leaves such a record.
func TestNoStatusStage(t *testing.T) {
	t.Parallel()
	s := New(Options{Prefix: "/p", T: t})
	s.AddRecord(rec, StageSpec{Name: "Build", Status: "FAILED"}, StageSpec{Name: "Deploy", NoStatus: true, Status: "SUCCESS", NoLog: true})
	var doc struct {
		Result struct {
			BuildStages map[string]struct {
				Status string `json:"status"`
			} `json:"build_stages"`
		} `json:"result"`
	}
	w := serve(s, "GET", "/p/v1/record/"+rec+"/full-stages", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	st := doc.Result.BuildStages
	if st["stage2"].Status != "" || st["stage1"].Status != "FAILED" || st["final"].Status != "FAILED" {
		t.Errorf("entries: %+v", st)
	}
}
