package artifact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const (
	// The signed URL has what a client could re-encode: an escaped '-' in
	// the path, '+' and lower-case escapes in the query.
	fakeBlobPath = "/blob/container/run%2D1/artifact.zip"
	fakeSig      = "aB%2Bc%2Fd%3d%3D"
	fakeSigPlain = "aB+c/d=="
	fakeQuery    = "sv=2023-11-03&se=2026-12-01T00%3A00%3A00Z&sp=cw&sig=" + fakeSig + "&expires=2026-12-01+10%3A00%3A00+%2B0000+UTC"
	fakeToken    = "secret-token" // replaced by a JWT in newFake
)

// makeToken returns an unsigned JWT whose payload is claims.
func makeToken(claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString([]byte("not-a-signature"))
}

// fake is the artifact service and its blob storage, strict about what
// act and GitHub need.
type fake struct {
	t     *testing.T
	srv   *httptest.Server
	token string

	mu        sync.Mutex
	creates   []map[string]any
	finalizes []map[string]any
	calls     map[string]int // per Twirp method
	blocks    map[string][]byte
	blockIDs  []string // in arrival order
	blockPuts int
	committed []byte
	listed    int
	problems  []string

	// Faults and answers, set before the upload.
	twirpFail     map[string][]int // statuses to answer before succeeding
	twirpBody     map[string]string
	retryAfter    string
	blockFail     int // block PUTs to answer 500 first
	blockStatus   int // when non-zero, every block PUT answers this
	createAnswer  string
	finalizeAnswr string
	truncate      map[string]int // answers to cut short, per Twirp method
	blockErr      *blockAnswer   // when set, how block PUTs fail
	onFail        func()         // when set, called for each failure answered
}

// blockAnswer is the failure of every block PUT from block index from on.
type blockAnswer struct {
	from   int
	status int
	body   string
}

// noCalls fails t if any Twirp call reached the fake: bad input must be
// refused before the first request.
func (f *fake) noCalls(t *testing.T, what string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) != 0 {
		t.Errorf("%s: requests were made: %v", what, f.calls)
	}
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{
		t:         t,
		token:     makeToken(`{"scp":"Actions.ExampleScope Actions.Results:ce7f54c7-61c7-4aae-887f-30da475f5f1a:ca395085-040a-526b-2ce8-bdc85f692774","iss":"x"}`),
		calls:     map[string]int{},
		blocks:    map[string][]byte{},
		twirpFail: map[string][]int{},
		twirpBody: map[string]string{},
		truncate:  map[string]int{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) service() Service {
	return Service{
		ResultsURL:   f.srv.URL + "/results/path/is/dropped/",
		RuntimeToken: f.token,
		ServerURL:    "https://github.example/",
		Repository:   "octo/repo",
		RunID:        "123",
	}
}

func (f *fake) signedURL() string { return f.srv.URL + fakeBlobPath + "?" + fakeQuery }

func (f *fake) problem(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case strings.HasPrefix(r.URL.Path, twirpService):
		f.serveTwirp(w, r, strings.TrimPrefix(r.URL.Path, twirpService))
	case strings.HasPrefix(r.RequestURI, fakeBlobPath):
		f.serveBlob(w, r)
	default:
		f.problem("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	}
}

var allowedFields = map[string][]string{
	"CreateArtifact":   {"workflow_run_backend_id", "workflow_job_run_backend_id", "name", "version", "expires_at"},
	"FinalizeArtifact": {"workflow_run_backend_id", "workflow_job_run_backend_id", "name", "size", "hash"},
}

func (f *fake) serveTwirp(w http.ResponseWriter, r *http.Request, method string) {
	f.calls[method]++
	if r.Method != http.MethodPost {
		f.problem("%s: method %s", method, r.Method)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+f.token {
		f.problem("%s: Authorization %q", method, got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		f.problem("%s: Content-Type %q", method, got)
	}
	if r.Header.Get("User-Agent") == "" {
		f.problem("%s: no User-Agent", method)
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.problem("%s: body: %v", method, err)
	}
	for k := range body {
		allowed := false
		for _, a := range allowedFields[method] {
			allowed = allowed || a == k
		}
		if !allowed {
			f.problem("%s: unknown field %q", method, k)
			w.WriteHeader(http.StatusInternalServerError) // as act does
			return
		}
	}
	if fails := f.twirpFail[method]; len(fails) > 0 {
		f.twirpFail[method] = fails[1:]
		if f.onFail != nil {
			f.onFail()
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fails[0])
		body := f.twirpBody[method]
		if body == "" {
			body = `{"code":"unavailable","msg":"try again"}`
		}
		io.WriteString(w, body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if f.truncate[method] > 0 {
		// Promise more than is sent: the client sees an unexpected EOF.
		f.truncate[method]--
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, `{"ok":true,`)
		return
	}
	switch method {
	case "CreateArtifact":
		f.creates = append(f.creates, body)
		if f.createAnswer != "" {
			io.WriteString(w, f.createAnswer)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "signedUploadUrl": f.signedURL()})
	case "FinalizeArtifact":
		f.finalizes = append(f.finalizes, body)
		if f.finalizeAnswr != "" {
			io.WriteString(w, f.finalizeAnswr)
			return
		}
		io.WriteString(w, `{"ok":true,"artifactId":"987654321012"}`)
	default:
		f.problem("unexpected Twirp method %s", method)
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fake) serveBlob(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		f.problem("blob: method %s", r.Method)
	}
	prefix := fakeBlobPath + "?" + fakeQuery + "&"
	if !strings.HasPrefix(r.RequestURI, prefix) {
		f.problem("blob: the signed URL was changed: %s", r.RequestURI)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if r.Header.Get("Authorization") != "" {
		f.problem("blob: the runtime token was sent to the blob storage")
	}
	if r.Header.Get("X-Ms-Version") == "" {
		f.problem("blob: no x-ms-version")
	}
	extra, err := url.ParseQuery(strings.TrimPrefix(r.RequestURI, prefix))
	if err != nil {
		f.problem("blob: query: %v", err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.problem("blob: body: %v", err)
	}
	if r.ContentLength != int64(len(body)) || r.Header.Get("Content-Length") == "" {
		f.problem("blob: Content-Length %d for %d bytes", r.ContentLength, len(body))
	}
	switch extra.Get("comp") {
	case "block":
		f.blockPuts++
		if f.blockStatus != 0 {
			w.Header().Set("X-Ms-Error-Code", "AuthenticationFailed")
			w.WriteHeader(f.blockStatus)
			io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.
RequestId:1</Message></Error>`)
			return
		}
		if e := f.blockErr; e != nil && len(f.blockIDs) >= e.from {
			if f.onFail != nil {
				f.onFail()
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(e.status)
			io.WriteString(w, e.body)
			return
		}
		if f.blockFail > 0 {
			f.blockFail--
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		id := extra.Get("blockid")
		if _, err := base64.StdEncoding.DecodeString(id); err != nil || id == "" {
			f.problem("blob: block id %q is not base64", id)
		}
		f.blocks[id] = body
		f.blockIDs = append(f.blockIDs, id)
		w.WriteHeader(http.StatusCreated)
	case "blocklist":
		f.listed++
		var list struct {
			Latest []string `xml:"Latest"`
		}
		if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="utf-8"?><BlockList>`)) {
			f.problem("blob: block list %q", body)
		}
		if err := xml.Unmarshal(body, &list); err != nil {
			f.problem("blob: block list: %v", err)
		}
		f.committed = nil
		for _, id := range list.Latest {
			b, ok := f.blocks[id]
			if !ok {
				f.problem("blob: block list names unknown block %q", id)
			}
			f.committed = append(f.committed, b...)
		}
		w.WriteHeader(http.StatusCreated)
	default:
		f.problem("blob: PUT without comp stores nothing on act: %s", r.RequestURI)
		w.WriteHeader(http.StatusCreated)
	}
}

// check fails the test for every protocol problem the fake saw.
func (f *fake) check() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.problems {
		f.t.Error(p)
	}
}
