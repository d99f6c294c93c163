// Package fakecodearts is an in-process imitation of the Huawei Cloud
// CodeArts Build API operations codearts-logs relies on:
//
//	GET {prefix}/v4/{record_id}/task-log?task_name=&log_level=
//	GET {prefix}/v1/record/{record_id}/full-stages
//
// and the job routes of jobs.go (start, latest build, record-info, stop,
// real-time log), each build playing a scripted timeline.
//
// It answers like the real service as described in codearts-api.md (error
// bodies, codes, the full-stages JSON with its "initial" and "final" entries)
// and can misbehave on demand (Fault): HTTP errors, HTML gateway pages, a 200
// carrying a JSON error, truncated, reset and stalled bodies, gzip and chunked
// encodings, redirects and a server that echoes the caller's token. The test
// suites of the whole project and the `codearts-logs demo` command use it, so
// it is production code: safe for concurrent use and never holding a large
// log in memory (StageSpec.LogGen streams).
package fakecodearts

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxSeen bounds the request history kept for Seen.
const maxSeen = 1000

// recordIDPattern is the record_id rule of the API reference.
var recordIDPattern = regexp.MustCompile(`^[0-9a-z-]{36}$`)

// Options configures a Server.
type Options struct {
	// Prefix is the mount path, e.g. "/codearts". Requests outside it are
	// answered 404 APIGW.0101, as a gateway does for an unknown API, so a
	// client that drops the endpoint's path fails loudly.
	Prefix string
	// Token is the accepted X-Auth-Token; "" means token authentication is
	// refused.
	Token string
	// Verify, when set, checks AK/SK-signed requests (those with an
	// Authorization header and no X-Auth-Token), e.g. a closure over
	// aksk.Verify. A non-nil error is answered 401 APIGW.0301 with its text.
	Verify func(r *http.Request) error
	// Latency delays every request (demo realism). The delay ends early when
	// the client goes away.
	Latency time.Duration
}

// StageSpec describes one build action ("stage") of a record.
type StageSpec struct {
	// Task is the sequence name; "" means "stage{N}" where N is the stage's
	// position in AddRecord (1-based).
	Task string
	// Name is the display name.
	Name string
	// Status is reported by full-stages; "" means SUCCESS.
	Status string
	// Sequence orders the stages; 0 means the position in AddRecord.
	Sequence int
	// Duration is reported in milliseconds by full-stages.
	Duration time.Duration

	// Log is the log body served by task-log (not copied: do not modify it
	// after AddRecord).
	Log []byte
	// LogGen, when set, replaces Log: it is called for every download and
	// streams the body to w, so a 1 GiB log needs no memory. LogSize is the
	// exact number of bytes it writes (sent as Content-Length), or 0 when
	// unknown (the body is then sent chunked).
	LogGen  func(w io.Writer) error
	LogSize int64

	// Faults are applied to successive task-log requests for this stage,
	// one per request; later requests are served normally.
	Faults []Fault
	// Statuses, when set, are the statuses reported on successive
	// full-stages requests for the record; the last one sticks.
	Statuses []string
}

// Fault is one misbehaviour applied to one request. The first matching group
// wins: RedirectTo, then EchoToken, then JSON200, then Status (an HTTP error);
// otherwise the normal body is sent, encoded as Gzip/Chunked say and broken
// as Truncate/Reset/Stall say.
type Fault struct {
	// Status, with Code and Msg, answers an HTTP error with the JSON body
	// {"error_code","error_msg","request_id"}, or an HTML page when HTML is
	// set. RetryAfter, when set, is sent as the Retry-After header.
	Status     int
	Code, Msg  string
	RetryAfter string
	HTML       bool
	// JSON200 answers 200 with Content-Type application/json and an error
	// body (Code and Msg; for full-stages also "status": "error").
	JSON200 bool
	// Truncate sends a full Content-Length (when the length is known), half
	// the body, then closes the connection.
	Truncate bool
	// Reset sends half the body, then resets the TCP connection.
	Reset bool
	// Stall sends half the body, then sends nothing for this long (or until
	// the client goes away), then the rest.
	Stall time.Duration
	// Gzip sends the body with Content-Encoding: gzip.
	Gzip bool
	// Chunked sends the body chunked, without Content-Length, in small
	// flushed pieces.
	Chunked bool
	// RedirectTo answers 302 with this Location.
	RedirectTo string
	// EchoToken answers an error (Status, default 401; Code, default
	// APIGW.0301) whose message contains the received X-Auth-Token and
	// Authorization headers, as a careless server might.
	EchoToken bool
}

// SeenRequest is one request as the server received it.
type SeenRequest struct {
	Method   string
	Path     string // escaped path, prefix included
	RawQuery string
	Query    url.Values
	Header   http.Header
}

// Server is the fake CodeArts service, an http.Handler safe for concurrent
// use. Create it with New.
type Server struct {
	opts   Options
	prefix string
	epoch  time.Time

	mu             sync.Mutex
	records        map[string]*record
	requests       map[string]int
	stagesRequests int
	inFlight       int
	maxInFlight    int
	seen           []SeenRequest
	nextID         uint64
	jobs           map[string]*job // see jobs.go
	unexpected     []string
}

type record struct {
	stages       []*stage
	polls        int
	stagesFaults []Fault
}

type stage struct {
	spec   StageSpec
	served int
}

// New returns a Server with no records.
func New(o Options) *Server {
	p := strings.TrimRight(o.Prefix, "/")
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return &Server{
		opts:     o,
		prefix:   p,
		epoch:    time.Now().UTC().Truncate(time.Second),
		records:  map[string]*record{},
		requests: map[string]int{},
	}
}

// AddRecord adds (or replaces) a build record with its stages.
func (s *Server) AddRecord(id string, stages ...StageSpec) {
	rec := &record{}
	for i, sp := range stages {
		if sp.Task == "" {
			sp.Task = "stage" + strconv.Itoa(i+1)
		}
		if sp.Sequence == 0 {
			sp.Sequence = i + 1
		}
		sp.Faults = append([]Fault(nil), sp.Faults...)
		sp.Statuses = append([]string(nil), sp.Statuses...)
		rec.stages = append(rec.stages, &stage{spec: sp})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[id] = rec
}

// FailStages makes successive full-stages requests for the record misbehave,
// one fault per request (then normal answers). The record must have been
// added; otherwise FailStages does nothing and returns false.
func (s *Server) FailStages(id string, faults ...Fault) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.records[id]
	if rec == nil {
		return false
	}
	rec.stagesFaults = append(rec.stagesFaults, faults...)
	return true
}

// Requests returns how many task-log requests named this task (any record,
// any outcome, redirects included).
func (s *Server) Requests(task string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[task]
}

// StagesRequests returns how many full-stages requests were received.
func (s *Server) StagesRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stagesRequests
}

// MaxInFlight returns the largest number of task-log requests that were
// being served at the same time.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// Seen returns a copy of the most recent requests (at most 1000), oldest
// first.
func (s *Server) Seen() []SeenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SeenRequest, len(s.seen))
	for i, r := range s.seen {
		r.Query = cloneValues(r.Query)
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ServeHTTP routes a request like the CodeArts API gateway: unknown paths
// 404 APIGW.0101, then authentication (401 APIGW.0301), then the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.remember(r)
	reqID := s.requestID()
	w.Header().Set("X-Request-Id", reqID)

	segs, ok := s.route(r)
	switch {
	case ok && len(segs) == 3 && segs[0] == "v4" && segs[2] == "task-log":
		task := r.URL.Query().Get("task_name")
		s.mu.Lock()
		s.requests[task]++
		s.inFlight++
		s.maxInFlight = max(s.maxInFlight, s.inFlight)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inFlight--
			s.mu.Unlock()
		}()
		if s.admit(w, r, reqID) {
			s.taskLog(w, r, reqID, segs[1])
		}
	case ok && len(segs) == 4 && segs[0] == "v1" && segs[1] == "record" && segs[3] == "full-stages":
		s.mu.Lock()
		s.stagesRequests++
		s.mu.Unlock()
		if s.admit(w, r, reqID) {
			s.fullStages(w, r, reqID, segs[2])
		}
	case s.serveJobs(w, r, reqID):
	default:
		writeError(w, http.StatusNotFound, "APIGW.0101", "The API does not exist or has not been published in the environment", reqID, "")
	}
}

// route strips the prefix and splits the escaped path into unescaped
// segments. Only GET is routed.
func (s *Server) route(r *http.Request) ([]string, bool) {
	if r.Method != http.MethodGet {
		return nil, false
	}
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, s.prefix+"/") {
		return nil, false
	}
	raw := strings.Split(strings.TrimPrefix(p, s.prefix+"/"), "/")
	segs := make([]string, len(raw))
	for i, seg := range raw {
		u, err := url.PathUnescape(seg)
		if err != nil || u == "" {
			return nil, false
		}
		segs[i] = u
	}
	return segs, true
}

func (s *Server) remember(r *http.Request) {
	sr := SeenRequest{
		Method:   r.Method,
		Path:     r.URL.EscapedPath(),
		RawQuery: r.URL.RawQuery,
		Query:    r.URL.Query(),
		Header:   r.Header.Clone(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) == maxSeen {
		copy(s.seen, s.seen[1:])
		s.seen = s.seen[:maxSeen-1]
	}
	s.seen = append(s.seen, sr)
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return fmt.Sprintf("fake-%016x", s.nextID)
}

// admit authenticates the request and applies Latency. It answers the
// request itself and returns false when the request must go no further.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, reqID string) bool {
	if err := s.authenticate(r); err != nil {
		writeError(w, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+err.Error(), reqID, "")
		return false
	}
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
	}
	return true
}

func (s *Server) authenticate(r *http.Request) error {
	if s.opts.Token == "" && s.opts.Verify == nil {
		return nil // an open server
	}
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		if s.opts.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.Token)) == 1 {
			return nil
		}
		return fmt.Errorf("token is invalid or expired")
	}
	if r.Header.Get("Authorization") != "" && s.opts.Verify != nil {
		return s.opts.Verify(r)
	}
	return fmt.Errorf("no credentials")
}

func (s *Server) taskLog(w http.ResponseWriter, r *http.Request, reqID, id string) {
	q := r.URL.Query()
	task := q.Get("task_name")
	level := q.Get("log_level")
	if level == "" {
		level = "INFO"
	}
	switch {
	case !recordIDPattern.MatchString(id):
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: record_id", reqID, "")
		return
	case task == "" || len(task) > 1000:
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: task_name", reqID, "")
		return
	case level != "INFO" && level != "DEBUG":
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: log_level", reqID, "")
		return
	}

	s.mu.Lock()
	var st *stage
	if rec := s.records[id]; rec != nil {
		for _, c := range rec.stages {
			if c.spec.Task == task {
				st = c
				break
			}
		}
	}
	var fault *Fault
	var spec StageSpec
	if st != nil {
		if st.served < len(st.spec.Faults) {
			f := st.spec.Faults[st.served]
			fault = &f
		}
		st.served++
		spec = st.spec
	}
	s.mu.Unlock()

	if st == nil {
		writeError(w, http.StatusNotFound, "CB.00060214", "The log was not found", reqID, "")
		return
	}
	src := logSource(spec, id, level)
	if fault != nil {
		if fault.JSON200 {
			writeJSON(w, http.StatusOK, map[string]string{"error_code": fault.Code, "error_msg": fault.Msg, "request_id": reqID})
			return
		}
		if s.misbehave(w, r, reqID, *fault) {
			return
		}
		writeBody(w, r, *fault, src, "application/octet-stream")
		return
	}
	writeBody(w, r, Fault{}, src, "application/octet-stream")
}

// misbehave answers the request with the fault's redirect or error, if it
// has one, and reports whether it did.
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request, reqID string, f Fault) bool {
	switch {
	case f.RedirectTo != "":
		http.Redirect(w, r, f.RedirectTo, http.StatusFound)
		return true
	case f.EchoToken:
		status, code := f.Status, f.Code
		if status == 0 {
			status = http.StatusUnauthorized
		}
		if code == "" {
			code = "APIGW.0301"
		}
		msg := fmt.Sprintf("%s token %q authorization %q", f.Msg, r.Header.Get("X-Auth-Token"), r.Header.Get("Authorization"))
		writeError(w, status, code, strings.TrimSpace(msg), reqID, f.RetryAfter)
		return true
	case f.Status != 0:
		if f.HTML {
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(f.Status)
			fmt.Fprintf(w, "<html>\n<head><title>%d %s</title><style>body{font:12px}</style></head>\n<body>\n<center><h1>%d %s</h1></center>\n<hr><center>%s</center>\n</body>\n</html>\n",
				f.Status, http.StatusText(f.Status), f.Status, http.StatusText(f.Status), htmlEscape(f.Msg))
			return true
		}
		writeError(w, f.Status, f.Code, f.Msg, reqID, f.RetryAfter)
		return true
	}
	return false
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// stageJSON is one entry of full-stages' build_stages map.
type stageJSON struct {
	ID                 string `json:"id"`
	ExecutionStageName string `json:"execution_stage_name"`
	DisplayName        string `json:"display_name"`
	Sequence           int    `json:"sequence"`
	Status             string `json:"status"`
	StatusCode         int    `json:"status_code"`
	StartTime          string `json:"start_time"`
	FinishTime         string `json:"finish_time"`
	Duration           int64  `json:"duration"`
	BuildDuration      int64  `json:"build_duration"`
	PendingDuration    int64  `json:"pending_duration"`
}

const timeLayout = "2006-01-02T15:04:05.000+00:00"

func (s *Server) fullStages(w http.ResponseWriter, r *http.Request, reqID, id string) {
	if !recordIDPattern.MatchString(id) {
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: record_id", reqID, "")
		return
	}
	s.mu.Lock()
	rec := s.records[id]
	var fault *Fault
	var specs []StageSpec
	poll := 0
	if rec != nil {
		if len(rec.stagesFaults) > 0 {
			f := rec.stagesFaults[0]
			rec.stagesFaults = rec.stagesFaults[1:]
			fault = &f
		} else {
			poll = rec.polls
			rec.polls++
		}
		for _, st := range rec.stages {
			specs = append(specs, st.spec)
		}
	}
	s.mu.Unlock()
	if rec == nil {
		writeError(w, http.StatusNotFound, "CB.00060214", "The build record was not found", reqID, "")
		return
	}
	if fault != nil {
		if fault.JSON200 {
			writeJSON(w, http.StatusOK, map[string]any{
				"status": "error",
				"error":  map[string]string{"error_code": fault.Code, "error_msg": fault.Msg},
				"result": nil,
			})
			return
		}
		if s.misbehave(w, r, reqID, *fault) {
			return
		}
	}

	stages := map[string]stageJSON{}
	at := s.epoch
	allDone, anyFailed := true, false
	last := 0
	for _, sp := range specs {
		status := sp.Status
		if len(sp.Statuses) > 0 {
			status = sp.Statuses[min(poll, len(sp.Statuses)-1)]
		}
		if status == "" {
			status = "SUCCESS"
		}
		done := finished(status)
		allDone = allDone && done
		anyFailed = anyFailed || strings.Contains(status, "FAIL") || status == "ABORTED"
		e := stageJSON{
			ID:                 fmt.Sprintf("%s-%s", id[:min(8, len(id))], sp.Task),
			ExecutionStageName: sp.Task,
			DisplayName:        sp.Name,
			Sequence:           sp.Sequence,
			Status:             status,
			StatusCode:         statusCode(status),
			StartTime:          at.Format(timeLayout),
			PendingDuration:    120,
		}
		if done {
			e.Duration = sp.Duration.Milliseconds()
			e.BuildDuration = max(0, e.Duration-e.PendingDuration)
			e.FinishTime = at.Add(sp.Duration).Format(timeLayout)
			at = at.Add(sp.Duration)
		}
		stages[sp.Task] = e
		last = max(last, sp.Sequence)
	}
	stages["initial"] = stageJSON{ExecutionStageName: "initial", DisplayName: "initial", Sequence: 0, Status: "SUCCESS", StatusCode: statusCode("SUCCESS"),
		StartTime: s.epoch.Format(timeLayout), FinishTime: s.epoch.Format(timeLayout)}
	final := stageJSON{ExecutionStageName: "final", DisplayName: "final", Sequence: last + 1, StartTime: at.Format(timeLayout)}
	switch {
	case !allDone:
		final.Status = "PENDING"
		final.StartTime = ""
	case anyFailed:
		final.Status = "FAILED"
		final.FinishTime = at.Format(timeLayout)
	default:
		final.Status = "SUCCESS"
		final.FinishTime = at.Format(timeLayout)
	}
	final.StatusCode = statusCode(final.Status)
	stages["final"] = final

	body, err := json.Marshal(map[string]any{
		"status": "success",
		"error":  nil,
		"result": map[string]any{"build_stages": stages},
	})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "CB.00060101", "internal error", reqID, "")
		return
	}
	f := Fault{}
	if fault != nil {
		f = *fault
	}
	writeBody(w, r, f, bytesSource(body), "application/json;charset=UTF-8")
}

// finished mirrors codearts.StatusFinished (the fake must not import the
// client it tests).
func finished(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "", "RUNNING", "PENDING", "QUEUED", "WAITING", "INIT", "SCHEDULING":
		return false
	}
	return true
}

// statusCode returns a status_code for a status. SUCCESS=5 and ABORTED=8 are
// documented; the others are plausible guesses.
func statusCode(status string) int {
	switch status {
	case "SUCCESS":
		return 5
	case "ABORTED":
		return 8
	case "RUNNING":
		return 2
	case "PENDING", "QUEUED", "WAITING", "INIT", "SCHEDULING":
		return 1
	}
	if strings.Contains(status, "FAIL") {
		return 6
	}
	return 0
}

func writeError(w http.ResponseWriter, status int, code, msg, reqID, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, status, map[string]string{"error_code": code, "error_msg": msg, "request_id": reqID})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
