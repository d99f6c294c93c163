package fakecodearts

// Jobs and builds, with a scripted timeline:
//
//	POST {prefix}/v1/job/execute
//	GET  {prefix}/v1/job/{job_id}/running-status
//	GET  {prefix}/v1/record/{job_id}/{build_no}/record-info
//	POST {prefix}/v3/jobs/{job_id}/{build_no}/stop
//	GET  {prefix}/v3/jobs/{job_id}/{build_no}/real-time-log?offset=&length=
//
// A build's record is an ordinary record (AddRecord's), so full-stages and
// task-log serve it; its StageSpec.Statuses move on with each full-stages
// request, its log grows with each real-time-log request, and record-info
// answers "no record" for the first requests of a build that takes a while
// to get one.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// jobIDPattern is the shape of a job ID: 32 letters and digits.
var jobIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{32}$`)

// BuildSpec describes one build (#Number) of a job.
type BuildSpec struct {
	// Number is the build number; 0 means one more than the job's highest.
	Number int
	// RecordID is record-info's build_record_id; ID its id (they differ on
	// the real service). "" derives one from the job and the number.
	RecordID, ID string
	// RecordUnderID serves the record's stages under ID instead of
	// RecordID, so that only a client that falls back to id finds them.
	RecordUnderID bool
	// BuildNoString sends record-info's build_no as a JSON string (as some
	// answers do) instead of a number.
	BuildNoString bool
	// NoRecordFor answers the first NoRecordFor record-info requests as a
	// build that has no record yet: NoRecord (default 404 CB.00060214).
	NoRecordFor int
	NoRecord    Fault
	// Stages are the record's stages; their Statuses are the timeline.
	Stages []StageSpec
	// LogPieces is the real-time log: the k-th real-time-log request (from
	// 1) finds the first k pieces written, the service answering by byte
	// offset from what is written so far.
	LogPieces []string
	// AlwaysMore answers has_more_data true even when the whole log has
	// been served (the flag's meaning is not documented precisely).
	AlwaysMore bool
	// InfoFaults, LogFaults and StopFaults are applied to successive
	// record-info, real-time-log and stop requests of this build, one per
	// request, before any normal answer.
	InfoFaults, LogFaults, StopFaults []Fault
	// StagesFaults are applied to successive full-stages requests of the
	// build's record (as FailStages does).
	StagesFaults []Fault
}

// JobSpec describes a job.
type JobSpec struct {
	// Builds exist from the start (running-status names the highest).
	Builds []BuildSpec
	// Starts are the builds that successive execute requests start; an
	// execute with none left is refused (and noted as unexpected).
	Starts []BuildSpec
	// ExecuteFaults are applied to successive execute requests (before a
	// build is started). Reset cuts the connection before any answer.
	ExecuteFaults []Fault
	// StatusFaults are applied to successive running-status requests.
	StatusFaults []Fault
	// ResultWrapped answers execute with its fields under "result" (as
	// Huawei's Terraform provider reads them) instead of at the top level.
	ResultWrapped bool
}

// Execution is one execute request as the fake understood it.
type Execution struct {
	JobID      string
	Parameters []struct{ Name, Value string }
	Commit     string
	Started    int // the build number started, 0 when refused
}

type job struct {
	id         string
	spec       JobSpec
	builds     map[int]*build
	started    int // Starts used
	execFaults []Fault
	statFaults []Fault
	executions []Execution
}

type build struct {
	spec       BuildSpec
	recordKey  string // where the stages are served
	infoServed int
	logServed  int
	written    int // log pieces written so far
	stops      int
	stopped    bool
	commit     string
	infoFaults []Fault
	logFaults  []Fault
	stopFaults []Fault
}

// AddJob adds (or replaces) a job and its existing builds.
func (s *Server) AddJob(id string, spec JobSpec) {
	j := &job{id: id, spec: spec, builds: map[int]*build{},
		execFaults: append([]Fault(nil), spec.ExecuteFaults...),
		statFaults: append([]Fault(nil), spec.StatusFaults...)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobsInit()
	for _, b := range spec.Builds {
		s.addBuildLocked(j, b)
	}
	s.jobs[id] = j
}

func (s *Server) jobsInit() {
	if s.jobs == nil {
		s.jobs = map[string]*job{}
	}
}

// addBuildLocked registers a build and its record; s.mu is held.
func (s *Server) addBuildLocked(j *job, sp BuildSpec) *build {
	if sp.Number == 0 {
		for n := range j.builds {
			sp.Number = max(sp.Number, n)
		}
		sp.Number++
	}
	if sp.RecordID == "" {
		sp.RecordID = fakeUUID(j.id, sp.Number, 'b')
	}
	if sp.ID == "" {
		sp.ID = fakeUUID(j.id, sp.Number, 'e')
	}
	b := &build{spec: sp, recordKey: sp.RecordID,
		infoFaults: append([]Fault(nil), sp.InfoFaults...),
		logFaults:  append([]Fault(nil), sp.LogFaults...),
		stopFaults: append([]Fault(nil), sp.StopFaults...)}
	if sp.RecordUnderID {
		b.recordKey = sp.ID
		// The service does not know build_record_id then: a declared 404.
		s.records[sp.RecordID] = &record{missing: true}
	}
	rec, problem := newRecord(sp.Stages)
	if _, dup := s.records[b.recordKey]; dup && problem == "" {
		problem = "its record " + b.recordKey + " was already added"
	}
	if problem != "" {
		s.mu.Unlock() // a setup mistake ends the test; do not leave the lock held
		s.setupError("job %s build %d: %s", j.id, sp.Number, problem)
		s.mu.Lock()
		return b
	}
	rec.stagesFaults = append([]Fault(nil), sp.StagesFaults...)
	s.records[b.recordKey] = rec
	j.builds[sp.Number] = b
	return b
}

// fakeUUID makes a record-like ID (36 characters of [0-9a-z-]) from a job
// and a build number; kind tells build_record_id from id.
func fakeUUID(jobID string, n int, kind byte) string {
	h := fmt.Sprintf("%c%07x%s", kind, n, strings.ToLower(jobID))
	h = (h + strings.Repeat("0", 32))[:32]
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// RecordOf returns the IDs of a build: build_record_id, id, and the one
// full-stages knows. ok is false for an unknown job or build.
func (s *Server) RecordOf(jobID string, number int) (recordID, id, served string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.jobs[jobID]
	if j == nil || j.builds[number] == nil {
		return "", "", "", false
	}
	b := j.builds[number]
	return b.spec.RecordID, b.spec.ID, b.recordKey, true
}

// Executions returns the execute requests the job received.
func (s *Server) Executions(jobID string) []Execution {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[jobID]; j != nil {
		return append([]Execution(nil), j.executions...)
	}
	return nil
}

// Stops returns how many stop requests the build received.
func (s *Server) Stops(jobID string, number int) int {
	return s.buildCount(jobID, number, func(b *build) int { return b.stops })
}

// LogRequests returns how many real-time-log requests the build received.
func (s *Server) LogRequests(jobID string, number int) int {
	return s.buildCount(jobID, number, func(b *build) int { return b.logServed })
}

// buildCount reads one of a build's request counts under the lock; it is 0
// for an unknown job or build.
func (s *Server) buildCount(jobID string, number int, count func(*build) int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[jobID]; j != nil && j.builds[number] != nil {
		return count(j.builds[number])
	}
	return 0
}

// noteUnexpected reports a job request the fake was not set up for (an
// unknown job, an execute with no build left to start, a malformed body);
// see Unexpected and Options.T.
func (s *Server) noteUnexpected(r *http.Request, why string) {
	s.unexpectedRequest(r, why)
}

// serveJobs answers the job routes; it returns false for any other path.
func (s *Server) serveJobs(w http.ResponseWriter, r *http.Request, reqID string) bool {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, s.prefix+"/") {
		return false
	}
	segs := strings.Split(strings.TrimPrefix(p, s.prefix+"/"), "/")
	route := ""
	switch {
	case len(segs) == 3 && segs[0] == "v1" && segs[1] == "job" && segs[2] == "execute":
		route = "execute"
	case len(segs) == 4 && segs[0] == "v1" && segs[1] == "job" && segs[3] == "running-status":
		route = "running-status"
	case len(segs) == 5 && segs[0] == "v1" && segs[1] == "record" && segs[4] == "record-info":
		route = "record-info"
	case len(segs) == 5 && segs[0] == "v3" && segs[1] == "jobs" && segs[4] == "stop":
		route = "stop"
	case len(segs) == 5 && segs[0] == "v3" && segs[1] == "jobs" && segs[4] == "real-time-log":
		route = "real-time-log"
	default:
		return false
	}
	want := http.MethodGet
	if route == "execute" || route == "stop" {
		want = http.MethodPost
	}
	if r.Method != want {
		return false // the gateway knows no such API
	}
	if !s.admit(w, r, reqID) {
		return true
	}
	switch route {
	case "execute":
		s.execute(w, r, reqID)
	case "running-status":
		s.runningStatus(w, r, reqID, segs[2])
	default:
		s.buildRoute(w, r, reqID, route, segs[2], segs[3])
	}
	return true
}

// popFault takes the next fault of a list; s.mu is held.
func popFault(list *[]Fault) *Fault {
	if len(*list) == 0 {
		return nil
	}
	f := (*list)[0]
	*list = (*list)[1:]
	return &f
}

// answerFault answers with a fault: a connection cut before any answer
// (Reset), a 200 error body (JSON200), or an HTTP error.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, reqID string, f Fault) {
	switch {
	case f.Reset || f.Truncate:
		cut(w)
	case f.JSON200:
		writeJSON(w, http.StatusOK, map[string]any{
			"status": "error",
			"error":  map[string]string{"error_code": f.Code, "error_msg": f.Msg},
			"result": nil,
		})
	case !s.misbehave(w, r, reqID, f):
		writeError(w, http.StatusInternalServerError, "CB.00060101", "internal error", reqID, "")
	}
}

// cut closes the connection before any byte of an answer, as a server that
// dies while handling the request.
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// executeBody is the documented body of an execute request.
type executeBody struct {
	JobID     string `json:"job_id"`
	Parameter []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"parameter"`
	SCM *struct {
		BuildCommitID string `json:"build_commit_id"`
	} `json:"scm"`
}

// execution is the request as Executions reports it (Started not yet set).
func (b executeBody) execution() Execution {
	ex := Execution{JobID: b.JobID}
	for _, p := range b.Parameter {
		ex.Parameters = append(ex.Parameters, struct{ Name, Value string }{p.Name, p.Value})
	}
	if b.SCM != nil {
		ex.Commit = b.SCM.BuildCommitID
	}
	return ex
}

func (s *Server) execute(w http.ResponseWriter, r *http.Request, reqID string) {
	body, ok := s.readExecute(w, r, reqID)
	if !ok {
		return
	}
	s.mu.Lock()
	j := s.jobs[body.JobID]
	if j == nil {
		s.mu.Unlock()
		s.noteUnexpected(r, "execute of a job that was not set up")
		writeError(w, http.StatusNotFound, "CB.00060214", "The job does not exist", reqID, "")
		return
	}
	ex := body.execution()
	if f := popFault(&j.execFaults); f != nil {
		// A failed start starts nothing (a cut connection included: the
		// fake decides; the client cannot know).
		j.executions = append(j.executions, ex)
		s.mu.Unlock()
		s.answerFault(w, r, reqID, *f)
		return
	}
	if j.started >= len(j.spec.Starts) {
		j.executions = append(j.executions, ex)
		s.mu.Unlock()
		s.noteUnexpected(r, "execute with no build set up to start")
		writeError(w, http.StatusBadRequest, "CB.00060200", "The job cannot be executed now", reqID, "")
		return
	}
	b := s.addBuildLocked(j, j.spec.Starts[j.started])
	j.started++
	b.commit = ex.Commit
	ex.Started = b.spec.Number
	j.executions = append(j.executions, ex)
	wrapped := j.spec.ResultWrapped
	s.mu.Unlock()
	s.answerStarted(w, body.JobID, b.spec.Number, wrapped)
}

// readExecute reads and checks an execute body; a body that is not the
// documented JSON is answered (400) and noted as unexpected, and ok is false.
func (s *Server) readExecute(w http.ResponseWriter, r *http.Request, reqID string) (body executeBody, ok bool) {
	data, err := readAll(r, 1<<20)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err == nil {
		err = dec.Decode(&body)
	}
	if err != nil || !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/json") {
		s.noteUnexpected(r, fmt.Sprintf("execute body is not the documented JSON (%v)", err))
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: request body", reqID, "")
		return body, false
	}
	if !jobIDPattern.MatchString(body.JobID) {
		s.noteUnexpected(r, "execute job_id is not a job ID")
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: job_id", reqID, "")
		return body, false
	}
	for _, p := range body.Parameter {
		if p.Name == "" {
			s.noteUnexpected(r, "execute parameter without a name")
			writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: parameter.name", reqID, "")
			return body, false
		}
	}
	return body, true
}

// answerStarted answers an execute that started build number of the job,
// with the fields at the top level or, wrapped, under "result".
func (s *Server) answerStarted(w http.ResponseWriter, jobID string, number int, wrapped bool) {
	fields := map[string]any{
		"actual_build_number": strconv.Itoa(number),
		"daily_build_number":  s.epoch.Format("20060102") + "." + strconv.Itoa(number),
		"octopus_job_name":    "j_" + strings.ToLower(jobID[:8]),
	}
	if wrapped {
		writeJSON(w, http.StatusOK, map[string]any{"status": "success", "error": nil, "result": fields})
		return
	}
	writeJSON(w, http.StatusOK, fields)
}

func readAll(r *http.Request, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, limit))
	return buf.Bytes(), err
}

func (s *Server) runningStatus(w http.ResponseWriter, r *http.Request, reqID, jobID string) {
	s.mu.Lock()
	j := s.jobs[jobID]
	if j == nil {
		s.mu.Unlock()
		s.noteUnexpected(r, "running-status of a job that was not set up")
		writeError(w, http.StatusNotFound, "CB.00060214", "The job does not exist", reqID, "")
		return
	}
	if f := popFault(&j.statFaults); f != nil {
		s.mu.Unlock()
		s.answerFault(w, r, reqID, *f)
		return
	}
	last := 0
	for n := range j.builds {
		last = max(last, n)
	}
	result := map[string]any{"is_running": false, "last_build_no": nil, "last_build_status": nil, "last_job_id": jobID}
	if b := j.builds[last]; b != nil {
		st := s.buildStatusLocked(b)
		result["last_build_no"] = strconv.Itoa(last)
		result["is_running"] = !finished(st)
		result["last_build_status"] = "Finished"
		if !finished(st) {
			result["last_build_status"] = "Running"
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "error": nil, "result": result})
}

// buildStatusLocked is the build's status as record-info reports it, from
// its record's current stage statuses; s.mu is held.
func (s *Server) buildStatusLocked(b *build) string {
	rec := s.records[b.recordKey]
	if rec == nil {
		return ""
	}
	poll := max(rec.polls-1, 0)
	allDone, anyFailed, aborted := true, false, false
	for _, st := range rec.stages {
		status := scriptAt(st.spec, poll)
		allDone = allDone && finished(status)
		anyFailed = anyFailed || strings.Contains(status, "FAIL")
		aborted = aborted || status == "ABORTED"
	}
	switch {
	case b.stopped || aborted && !anyFailed:
		return "ABORTED"
	case !allDone:
		return "RUNNING"
	case anyFailed:
		return "FAILED"
	}
	return "SUCCESS"
}

func (s *Server) buildRoute(w http.ResponseWriter, r *http.Request, reqID, route, jobID, num string) {
	s.mu.Lock()
	j := s.jobs[jobID]
	if j == nil {
		s.mu.Unlock()
		s.noteUnexpected(r, route+" of a job that was not set up")
		writeError(w, http.StatusNotFound, "CB.00060214", "The job does not exist", reqID, "")
		return
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || strconv.Itoa(n) != num {
		s.mu.Unlock()
		s.noteUnexpected(r, route+" with a build number that is not one")
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: build_no", reqID, "")
		return
	}
	b := j.builds[n]
	if b == nil {
		// A build the job does not have: the service's answer, not a
		// request the fake was not set up for (a user may mistype #N).
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "CB.00060214", "The build record was not found", reqID, "")
		return
	}
	switch route {
	case "record-info":
		s.recordInfoLocked(w, r, reqID, jobID, b) // unlocks
	case "stop":
		s.stopLocked(w, r, reqID, b) // unlocks
	default:
		s.realTimeLogLocked(w, r, reqID, b) // unlocks
	}
}

func (s *Server) recordInfoLocked(w http.ResponseWriter, r *http.Request, reqID, jobID string, b *build) {
	if f := popFault(&b.infoFaults); f != nil {
		s.mu.Unlock()
		s.answerFault(w, r, reqID, *f)
		return
	}
	b.infoServed++
	if b.infoServed <= b.spec.NoRecordFor {
		f := b.spec.NoRecord
		s.mu.Unlock()
		if f == (Fault{}) {
			writeError(w, http.StatusNotFound, "CB.00060214", "The build record was not found", reqID, "")
			return
		}
		s.answerFault(w, r, reqID, f)
		return
	}
	status := s.buildStatusLocked(b)
	var buildNo any = b.spec.Number
	if b.spec.BuildNoString {
		buildNo = strconv.Itoa(b.spec.Number)
	}
	var commit any
	if b.commit != "" {
		commit = b.commit
	}
	result := map[string]any{
		"id":              b.spec.ID,
		"build_record_id": b.spec.RecordID,
		"build_no":        buildNo,
		"codeci_job_id":   jobID,
		"status":          status,
		"branch":          "main",
		"commit":          commit,
		"trigger_type":    "MANUAL",
		"create_time":     s.epoch.Format(timeLayout),
		"start_time":      s.epoch.Format(timeLayout),
		"finish_time":     nil,
		"duration":        0,
	}
	if finished(status) && status != "" {
		result["finish_time"] = s.epoch.Format(timeLayout)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "error": nil, "result": result})
}

func (s *Server) stopLocked(w http.ResponseWriter, r *http.Request, reqID string, b *build) {
	b.stops++
	if f := popFault(&b.stopFaults); f != nil {
		s.mu.Unlock()
		s.answerFault(w, r, reqID, *f)
		return
	}
	status := s.buildStatusLocked(b)
	if finished(status) && status != "" {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "CB.00060200", "The build is not running", reqID, "")
		return
	}
	b.stopped = true
	// Every stage that had not finished is aborted; the log stops growing.
	if rec := s.records[b.recordKey]; rec != nil {
		poll := max(rec.polls-1, 0)
		for _, st := range rec.stages {
			if !finished(scriptAt(st.spec, poll)) {
				st.spec.Statuses = nil
				st.spec.Status = "ABORTED"
			}
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"result": "", "success": true})
}

func (s *Server) realTimeLogLocked(w http.ResponseWriter, r *http.Request, reqID string, b *build) {
	q := r.URL.Query()
	offset, err1 := strconv.ParseInt(q.Get("offset"), 10, 64)
	length := int64(1000000)
	var err2 error
	if v := q.Get("length"); v != "" {
		length, err2 = strconv.ParseInt(v, 10, 64)
	}
	if err1 != nil || err2 != nil || offset < 0 || length <= 0 {
		s.mu.Unlock()
		s.noteUnexpected(r, "real-time-log without a valid offset and length")
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: offset", reqID, "")
		return
	}
	b.logServed++
	if f := popFault(&b.logFaults); f != nil {
		s.mu.Unlock()
		s.answerFault(w, r, reqID, *f)
		return
	}
	if !b.stopped {
		b.written = min(b.written+1, len(b.spec.LogPieces))
	}
	text := strings.Join(b.spec.LogPieces[:b.written], "")
	if b.stopped {
		text += "[fake] the build was stopped\n"
	}
	if offset > int64(len(text)) {
		s.mu.Unlock()
		s.noteUnexpected(r, "real-time-log offset past the log")
		writeError(w, http.StatusBadRequest, "CB.00060200", "Invalid parameter: offset", reqID, "")
		return
	}
	end := min(offset+length, int64(len(text)))
	more := end < int64(len(text)) || (!b.stopped && b.written < len(b.spec.LogPieces)) || b.spec.AlwaysMore
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "error": nil, "result": map[string]any{
		"content":        text[offset:end],
		"current_offset": offset,
		"offset":         end,
		"has_more_data":  more,
	}})
}
