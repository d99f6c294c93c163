// Package fakecodearts is an in-process imitation of the Huawei Cloud
// CodeArts Build API operations codearts-logs relies on:
//
//	GET {prefix}/v4/{record_id}/task-log?task_name=&log_level=
//	GET {prefix}/v1/record/{record_id}/full-stages
//
// and the job routes of jobs.go (start, latest build, record-info, stop,
// real-time log), each build playing a scripted timeline.
//
// It answers like the real service as docs/codearts-api.md describes it
// (error bodies, codes, the full-stages JSON with its "initial" and "final"
// entries; testdata/huawei holds the examples of Huawei's documentation it is
// checked against) and can misbehave on demand (Fault): HTTP errors, HTML
// gateway pages, a 200 carrying a JSON error, truncated, reset and stalled
// bodies, gzip and chunked encodings, redirects and a server that echoes the
// caller's token. The test suites of the whole project and the
// `codearts-logs demo` command use it, so it is production code: safe for
// concurrent use and never holding a large log in memory (StageSpec.LogGen
// streams).
//
// It is strict and independent of the client it tests: it never imports
// internal/codearts, its statuses come from its own scripted timeline, a
// record is never silently replaced, and a request it was not set up for is
// reported to Options.T (an unknown record or stage is not answered with a
// normal-looking 404; declare those with AddMissingRecord and
// StageSpec.NoLog).
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

// Reporter receives the fake's complaints; *testing.T satisfies it.
type Reporter interface {
	Errorf(format string, args ...any)
}

// Options configures a Server.
type Options struct {
	// T, when set, is told about every request the fake was not set up for
	// (an unknown route, record or stage, an invalid parameter) and every
	// setup mistake (a record added twice), so the test fails. When nil
	// (the demo), unexpected requests are only recorded (Unexpected) and
	// setup mistakes panic.
	T Reporter
	// Prefix is the mount path, e.g. "/codearts". Requests outside it are
	// answered 404 APIGW.0101, as a gateway does for an unknown API, so a
	// client that drops the endpoint's path fails loudly.
	Prefix string
	// Token is the accepted X-Auth-Token; "" means token authentication is
	// refused.
	Token string
	// Verify, when set, checks AK/SK-signed requests (those with an
	// Authorization header and no X-Auth-Token), e.g. a closure over
	// akskcheck.Verify. A non-nil error is answered 401 APIGW.0301 with its
	// text.
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
	// NoLog makes task-log answer 404 CB.00060214 for this stage, as the
	// service does for a stage that never ran.
	NoLog bool
	// NoStatus reports the stage with an empty status, as CodeArts leaves
	// a stage that never ran (after a failure); it wins over Status and
	// Statuses. Such a stage is waiting, in the fake's model.
	NoStatus bool
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
	// full-stages requests for the record; the last one sticks. This is the
	// stage's timeline: the record's "final" entry follows from the
	// timelines of all stages (see finalStatus) unless ScriptFinal says
	// otherwise.
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
	missing      bool // AddMissingRecord: the service does not know it
	stages       []*stage
	polls        int
	stagesFaults []Fault
	initial      []string // ScriptInitial; empty: SUCCESS
	final        []string // ScriptFinal; empty: derived from the stages
	replay       []byte   // ReplayFullStages: the full-stages body as is
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

// AddRecord adds a build record with its stages. Adding a record ID twice,
// an ID the service would refuse, or two stages with one task name is a
// setup mistake, reported to Options.T; the first record stays.
func (s *Server) AddRecord(id string, stages ...StageSpec) {
	rec, problem := newRecord(stages)
	if problem != "" {
		s.setupError("AddRecord(%s): %s", id, problem)
		return
	}
	s.add(id, rec)
}

// newRecord makes a record of stages, with their defaults (task stageN,
// sequence N) and copies of their scripts; problem says what is wrong
// with them.
func newRecord(stages []StageSpec) (rec *record, problem string) {
	rec = &record{}
	tasks := map[string]bool{}
	for i, sp := range stages {
		if sp.Task == "" {
			sp.Task = "stage" + strconv.Itoa(i+1)
		}
		if sp.Sequence == 0 {
			sp.Sequence = i + 1
		}
		if tasks[sp.Task] {
			return nil, "two stages are named " + sp.Task
		}
		tasks[sp.Task] = true
		sp.Faults = append([]Fault(nil), sp.Faults...)
		sp.Statuses = append([]string(nil), sp.Statuses...)
		rec.stages = append(rec.stages, &stage{spec: sp})
	}
	return rec, ""
}

// AddMissingRecord declares a record ID the service does not know: its
// full-stages and task-log answer 404 CB.00060214 (400 CB.00060200 when the
// ID breaks the service's pattern), as the real service does. Without it, a
// request for an unknown record is unexpected.
func (s *Server) AddMissingRecord(id string) {
	s.add(id, &record{missing: true})
}

func (s *Server) add(id string, rec *record) {
	if !rec.missing && !recordIDPattern.MatchString(id) {
		s.setupError("record ID %q does not match %s: the service would refuse it", id, recordIDPattern)
		return
	}
	s.mu.Lock()
	_, dup := s.records[id]
	if !dup {
		s.records[id] = rec
	}
	s.mu.Unlock()
	if dup {
		s.setupError("record %s added twice: a second AddRecord would replace the first silently", id)
	}
}

// ScriptInitial scripts the status of the record's "initial" entry on
// successive full-stages answers (the last one sticks); by default it is
// SUCCESS. SCHEDULE_FAILURE there means the build never started.
func (s *Server) ScriptInitial(id string, statuses ...string) {
	s.script(id, func(rec *record) { rec.initial = append([]string(nil), statuses...) })
}

// ScriptFinal scripts the status of the record's "final" entry on
// successive full-stages answers (the last one sticks), instead of deriving
// it from the stages' timelines.
func (s *Server) ScriptFinal(id string, statuses ...string) {
	s.script(id, func(rec *record) { rec.final = append([]string(nil), statuses...) })
}

// FailStages makes successive full-stages requests for the record misbehave,
// one fault per request (then normal answers). The record must have been
// added; otherwise it is a setup mistake and FailStages returns false.
func (s *Server) FailStages(id string, faults ...Fault) bool {
	return s.script(id, func(rec *record) { rec.stagesFaults = append(rec.stagesFaults, faults...) })
}

// script changes a record that AddRecord added.
func (s *Server) script(id string, change func(*record)) bool {
	s.mu.Lock()
	rec := s.records[id]
	if rec != nil && !rec.missing {
		change(rec)
	}
	s.mu.Unlock()
	if rec == nil || rec.missing {
		s.setupError("record %s was not added with AddRecord", id)
		return false
	}
	return true
}

// setupError reports a mistake in how a test set the fake up.
func (s *Server) setupError(format string, args ...any) {
	msg := fmt.Sprintf("fakecodearts: "+format, args...)
	if s.opts.T == nil {
		panic(msg)
	}
	s.opts.T.Errorf("%s", msg)
}

// unexpectedRequest records (and reports to Options.T) a request the fake
// was not set up for.
func (s *Server) unexpectedRequest(r *http.Request, why string) {
	s.report(fmt.Sprintf("fakecodearts: unexpected request %s %s: %s", r.Method, r.URL.RequestURI(), why))
}

// report records a complaint made while serving, and tells Options.T.
func (s *Server) report(msg string) {
	s.mu.Lock()
	s.unexpected = append(s.unexpected, msg)
	s.mu.Unlock()
	if s.opts.T != nil {
		s.opts.T.Errorf("%s", msg)
	}
}

// Unexpected returns the complaints made while serving (requests the fake
// was not set up for, statuses it cannot interpret), as messages.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unexpected...)
}

// unknownRecord answers a request for a record that was neither added nor
// declared missing.
func (s *Server) unknownRecord(w http.ResponseWriter, r *http.Request, reqID, id string) {
	s.unexpectedRequest(r, "record "+id+" was not added")
	writeUnexpected(w, reqID, "no record "+id)
}

// writeUnexpected answers a request the fake was not set up for. The code
// is not one of the service's, so the answer cannot pass for a real one.
func writeUnexpected(w http.ResponseWriter, reqID, why string) {
	writeError(w, http.StatusNotFound, "FAKE.UNEXPECTED", "fakecodearts was not set up for this request: "+why, reqID, "")
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
		// What a gateway answers for an unknown API; still a mistake of the
		// client (or the test), so it is reported.
		s.unexpectedRequest(r, "no such operation under the prefix "+s.prefix+"/")
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
		s.invalidRecordID(w, r, reqID, id)
		return
	case task == "" || len(task) > 1000:
		s.invalid(w, r, reqID, "task_name")
		return
	case level != "INFO" && level != "DEBUG":
		s.invalid(w, r, reqID, "log_level")
		return
	}

	s.mu.Lock()
	var st *stage
	rec := s.records[id]
	if rec != nil {
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

	switch {
	case rec == nil:
		s.unknownRecord(w, r, reqID, id)
		return
	case rec.missing || st != nil && spec.NoLog && fault == nil:
		writeError(w, http.StatusNotFound, "CB.00060214", "The log was not found", reqID, "")
		return
	case st == nil:
		s.unexpectedRequest(r, "record "+id+" has no stage "+task)
		writeUnexpected(w, reqID, "no stage "+task)
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

// invalid answers 400 CB.00060200 as the service does for a parameter it
// refuses; the client should never send one, so it is also reported.
func (s *Server) invalid(w http.ResponseWriter, r *http.Request, reqID, param string) {
	s.unexpectedRequest(r, "invalid parameter "+param)
	writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: "+param, reqID, "")
}

// invalidRecordID answers a record ID the service refuses; it is reported
// unless the test declared it with AddMissingRecord.
func (s *Server) invalidRecordID(w http.ResponseWriter, r *http.Request, reqID, id string) {
	s.mu.Lock()
	declared := s.records[id] != nil
	s.mu.Unlock()
	if !declared {
		s.unexpectedRequest(r, "invalid parameter record_id")
	}
	writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: record_id", reqID, "")
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
		s.invalidRecordID(w, r, reqID, id)
		return
	}
	s.mu.Lock()
	rec := s.records[id]
	var fault *Fault
	var specs []StageSpec
	var initial, final []string
	var replay []byte
	poll := 0
	if rec != nil && !rec.missing {
		initial, final, replay = rec.initial, rec.final, rec.replay
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
	switch {
	case rec == nil:
		s.unknownRecord(w, r, reqID, id)
		return
	case rec.missing:
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

	body := replay
	if body == nil {
		body = s.document(id, specs, poll, initial, final)
	}
	f := Fault{}
	if fault != nil {
		f = *fault
	}
	writeBody(w, r, f, bytesSource(body), "application/json;charset=UTF-8")
}

// document builds the poll-th full-stages answer of a record from its
// stages' timelines and the scripted initial and final statuses.
func (s *Server) document(id string, specs []StageSpec, poll int, initial, final []string) []byte {
	stages := map[string]stageJSON{}
	at := s.epoch
	last := 0
	var timeline []string
	for _, sp := range specs {
		status := statusAt(sp, poll)
		timeline = append(timeline, status)
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
		if ph := phases[status]; ph == succeeded || ph == failed {
			e.Duration = sp.Duration.Milliseconds()
			e.BuildDuration = max(0, e.Duration-e.PendingDuration)
			e.FinishTime = at.Add(sp.Duration).Format(timeLayout)
			at = at.Add(sp.Duration)
		}
		stages[sp.Task] = e
		last = max(last, sp.Sequence)
	}
	initialStatus := "SUCCESS"
	if len(initial) > 0 {
		initialStatus = initial[min(poll, len(initial)-1)]
	}
	stages["initial"] = stageJSON{ExecutionStageName: "initial", DisplayName: "initial", Sequence: 0, Status: initialStatus, StatusCode: statusCode(initialStatus),
		StartTime: s.epoch.Format(timeLayout), FinishTime: s.epoch.Format(timeLayout)}
	finalStatus := ""
	if len(final) > 0 {
		finalStatus = final[min(poll, len(final)-1)]
	} else {
		var ok bool
		if finalStatus, ok = deriveFinal(specs, poll); !ok {
			s.report(fmt.Sprintf("fakecodearts: record %s: a stage status of %q has no meaning for the fake; script the final entry with ScriptFinal", id, timeline))
			finalStatus = "PENDING"
		}
	}
	end := stageJSON{ExecutionStageName: "final", DisplayName: "final", Sequence: last + 1, Status: finalStatus, StatusCode: statusCode(finalStatus)}
	if ph := phases[finalStatus]; ph == succeeded || ph == failed {
		end.StartTime, end.FinishTime = at.Format(timeLayout), at.Format(timeLayout)
	}
	stages["final"] = end
	// A map of plain strings and numbers always marshals.
	body, _ := json.Marshal(map[string]any{
		"status": "success",
		"error":  nil,
		"result": map[string]any{"build_stages": stages},
	})
	return body
}

// phase is where a stage is in the fake's own model of a build: waiting to
// run, running, or ended one way or the other.
type phase int

const (
	unknownPhase phase = iota
	waiting
	running
	succeeded
	failed
)

// phases are the stage statuses the fake's server moves a stage through:
// the values seen in Huawei's examples and public scripts
// (docs/codearts-api.md; the full list is not published). The client keeps
// its own, more tolerant rules; this table only drives the fake's timeline,
// and a status missing from it makes the test script the final entry.
var phases = map[string]phase{
	"": waiting, "INIT": waiting, "PENDING": waiting, "QUEUED": waiting, "WAITING": waiting, "SCHEDULING": waiting,
	"RUNNING": running,
	"SUCCESS": succeeded,
	"FAILED":  failed, "FAILURE": failed, "SCHEDULE_FAILURE": failed, "ABORTED": failed,
}

// finished reports whether a status ends a stage (or a build) in the fake's
// model: a status the phases table does not know ends nothing.
func finished(status string) bool {
	ph := phases[status]
	return ph == succeeded || ph == failed
}

// statusAt is a stage's status on the poll-th full-stages answer.
func statusAt(sp StageSpec, poll int) string {
	if sp.NoStatus {
		return ""
	}
	return scriptAt(sp, poll)
}

// scriptAt is what a stage's Status and Statuses say for the poll-th
// full-stages answer, NoStatus aside (record-info's build status and stop
// read the script alone).
func scriptAt(sp StageSpec, poll int) string {
	status := sp.Status
	if len(sp.Statuses) > 0 {
		status = sp.Statuses[min(poll, len(sp.Statuses)-1)]
	}
	if status == "" {
		status = "SUCCESS"
	}
	return status
}

// deriveFinal is the "final" entry's status on the poll-th answer, from the
// stages' timelines: the build is over once no stage's script changes any
// more and none is left running; stages still waiting then never ran (they
// follow a failure). It is FAILED when a stage failed, SUCCESS when all
// succeeded, PENDING while the build goes on. ok is false when a status is
// not one the fake knows.
func deriveFinal(specs []StageSpec, poll int) (status string, ok bool) {
	over, anyFailed, allSucceeded := true, false, true
	for _, sp := range specs {
		ph := phases[statusAt(sp, poll)]
		switch ph {
		case unknownPhase:
			return "", false
		case running:
			over = false
		case failed:
			anyFailed = true
		}
		allSucceeded = allSucceeded && ph == succeeded
		if poll < len(sp.Statuses)-1 {
			over = false // its script still has something to say
		}
	}
	switch {
	case over && anyFailed:
		return "FAILED", true
	case over && allSucceeded:
		return "SUCCESS", true
	}
	return "PENDING", true
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
