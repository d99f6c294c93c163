package codearts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxRecordBody caps the size of a full-stages answer.
const maxRecordBody = 16 << 20

// Stage is one entry of a build record (docs/codearts-api.md, full-stages). Name
// and Status are server text, to be treated as data.
type Stage struct {
	Task     string        // the build_stages key (else execution_stage_name), e.g. "stage2"
	Name     string        // display_name, e.g. "Maven"
	Status   string        // e.g. SUCCESS, FAILED, RUNNING
	Sequence int           // order of the stage in the record
	Duration time.Duration // from milliseconds
	Start    string        // start_time as sent (ISO 8601)
	Finish   string        // finish_time as sent
}

// Record is a build record's stages.
type Record struct {
	Stages []Stage // only stageN entries, ordered by Sequence (never initial/final)
	All    []Stage // every entry including initial/final, ordered by Sequence
}

// Finished reports whether the build is over: every entry in All has a
// finished status (StatusFinished), or the "final" entry has a non-empty
// finished one. The second case matters after a failure: the stages after
// the failed one never run and may keep "" or INIT for ever. A record
// without entries is not finished.
func (r Record) Finished() bool {
	if len(r.All) == 0 {
		return false
	}
	all := true
	for _, s := range r.All {
		if s.Task == "final" && strings.TrimSpace(s.Status) != "" && StatusFinished(s.Status) {
			return true
		}
		all = all && StatusFinished(s.Status)
	}
	return all
}

var stageKey = regexp.MustCompile(`^stage([0-9]+)$`)

// Record fetches a build record's stages
// (GET {endpoint}/v1/record/{record_id}/full-stages).
func (c *Client) Record(ctx context.Context, recordID string) (Record, error) {
	var rec Record
	u := c.url(nil, "v1", "record", recordID, "full-stages")
	_, err := c.do(ctx, "full-stages", u, func(resp *http.Response) error {
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return c.newAPIError(resp)
		}
		tracked := &trackingReader{r: &cappedReader{r: resp.Body, n: maxRecordBody}}
		data, err := io.ReadAll(tracked)
		if errors.Is(err, errTooLarge) {
			// Not transient: do not download it again.
			return c.withRequestID(&APIError{Status: resp.StatusCode, Message: err.Error()}, resp)
		}
		if err != nil {
			return &bodyError{err: err}
		}
		r, apiErr := c.parseRecord(resp, data)
		if apiErr != nil {
			return apiErr
		}
		rec = r
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return rec, nil
}

// cappedReader reads at most n bytes and fails beyond, so an endless body
// cannot exhaust memory.
type cappedReader struct {
	r io.Reader
	n int64
}

func (l *cappedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
			return 0, errTooLarge
		}
		return l.r.Read(p)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

type tooLargeError struct{}

func (tooLargeError) Error() string { return "full-stages answer larger than 16 MiB" }

var errTooLarge error = tooLargeError{}

// flexInt accepts a JSON number, a numeric string or null.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*f = flexInt(v)
	return nil
}

// flexString accepts a JSON string, a number or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	t := string(bytes.TrimSpace(b))
	if t == "null" {
		*f = ""
		return nil
	}
	*f = flexString(t)
	return nil
}

type stageJSON struct {
	ExecutionStageName flexString `json:"execution_stage_name"`
	DisplayName        flexString `json:"display_name"`
	Sequence           flexInt    `json:"sequence"`
	Status             flexString `json:"status"`
	StartTime          flexString `json:"start_time"`
	FinishTime         flexString `json:"finish_time"`
	Duration           flexInt    `json:"duration"`
}

type recordJSON struct {
	errorBody
	Status flexString `json:"status"`
	Result *struct {
		BuildStages map[string]stageJSON `json:"build_stages"`
	} `json:"result"`
}

// parseRecord decodes a full-stages answer. A body with "status": "error", a
// non-null "error" or a top-level error_code is an APIError, as is a body
// that is not the expected JSON.
func (c *Client) parseRecord(resp *http.Response, data []byte) (Record, *APIError) {
	var doc recordJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		e := &APIError{Status: resp.StatusCode, Message: "unexpected full-stages response: " + c.excerpt(resp.Header.Get("Content-Type"), data)}
		return Record{}, c.withRequestID(e, resp)
	}
	hasError := len(doc.Error) > 0 && string(doc.Error) != "null"
	if strings.EqualFold(string(doc.Status), "error") || hasError || doc.ErrorCode != "" {
		code, msg := doc.fields()
		e := &APIError{Status: resp.StatusCode, Code: c.clean(code, 60), Message: c.clean(msg, maxMessage), RequestID: c.clean(doc.RequestID, 100)}
		if e.Message == "" && e.Code == "" {
			e.Message = "full-stages reported an error without details"
		}
		return Record{}, c.withRequestID(e, resp)
	}
	if doc.Result == nil || doc.Result.BuildStages == nil {
		e := &APIError{Status: resp.StatusCode, Message: "unexpected full-stages response: no result.build_stages"}
		return Record{}, c.withRequestID(e, resp)
	}
	var rec Record
	for key, s := range doc.Result.BuildStages {
		st := Stage{
			Task:     string(s.ExecutionStageName),
			Name:     string(s.DisplayName),
			Status:   string(s.Status),
			Sequence: int(s.Sequence),
			Duration: time.Duration(s.Duration) * time.Millisecond,
			Start:    string(s.StartTime),
			Finish:   string(s.FinishTime),
		}
		if key != "" {
			// The key is the sequence name task-log wants (stageN).
			st.Task = key
		}
		rec.All = append(rec.All, st)
		if stageKey.MatchString(st.Task) {
			rec.Stages = append(rec.Stages, st)
		}
	}
	sortStages(rec.All)
	sortStages(rec.Stages)
	return rec, nil
}

func (c *Client) withRequestID(e *APIError, resp *http.Response) *APIError {
	if e.RequestID == "" {
		e.RequestID = c.clean(resp.Header.Get("X-Request-Id"), 100)
	}
	return e
}

// sortStages orders by Sequence, then by the number in stageN, then by name,
// so that the order is stable whatever the map order was.
func sortStages(s []Stage) {
	num := func(t string) int {
		m := stageKey.FindStringSubmatch(t)
		if m == nil {
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Sequence != s[j].Sequence {
			return s[i].Sequence < s[j].Sequence
		}
		if ni, nj := num(s[i].Task), num(s[j].Task); ni != nj {
			return ni < nj
		}
		return s[i].Task < s[j].Task
	})
}
