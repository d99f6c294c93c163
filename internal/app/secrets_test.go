package app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// encodedForms are the ways a server echoes a token back, computed here
// independently of the redactor: URL-encoded (%XX and '+'), base64 (both
// alphabets, whole and inside longer base64 text) and JSON-escaped.
func encodedForms(tok string) map[string]string {
	js, _ := json.Marshal(tok)
	b64 := func(e *base64.Encoding, s string) string { return e.EncodeToString([]byte(s)) }
	return map[string]string{
		"query-escaped": url.QueryEscape(tok),
		"path-escaped":  url.PathEscape(tok),
		"json-escaped":  strings.Trim(string(js), `"`),
		"base64":        b64(base64.StdEncoding, tok),
		"base64url":     b64(base64.RawURLEncoding, tok),
		"basic auth":    b64(base64.StdEncoding, "user:"+tok),
		"echo | base64": b64(base64.StdEncoding, tok+"\n"),
		"shifted by 2":  b64(base64.StdEncoding, "ab"+tok+"tail"),
	}
}

// TestSecretsEchoedInOtherEncodingsAreRedacted: a server that echoes the
// token URL-encoded, base64 or JSON-escaped into a log, a display name, a
// status, an error message or the artifact service's answer leaks it
// nowhere: not in the saved logs (hence the artifact), the summary, the
// outputs, the job log or the error messages.
func TestSecretsEchoedInOtherEncodingsAreRedacted(t *testing.T) {
	t.Parallel()
	// '+', '/', '=', '&' and '<' change under every encoding.
	tok := "MIIT+tok/en=value&<x>-0123456789abcdefghij"
	forms := encodedForms(tok)
	var all []string
	var log strings.Builder
	log.WriteString(failLog)
	for name, f := range forms {
		all = append(all, f)
		fmt.Fprintf(&log, "[ERROR] echoed %s: %s\n", name, f)
	}
	fmt.Fprintf(&log, "Authorization: Basic %s\n", forms["basic auth"])

	runtime := runtimeToken()
	results := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		msg := "bad token " + url.QueryEscape(tok) + " runtime " + base64.StdEncoding.EncodeToString([]byte(runtime))
		json.NewEncoder(w).Encode(map[string]string{"code": "invalid_argument", "msg": msg})
	}))
	defer results.Close()

	h := newHarness(t, fakecodearts.Options{Token: tok})
	st := threeStages()
	st[0].Faults = []fakecodearts.Fault{{Status: 403, Code: "APIGW.0310", Msg: "denied for " + forms["query-escaped"] + " (" + forms["base64"] + ")"}}
	st[1].Name = "Npm " + forms["json-escaped"]
	st[1].Status = "FAILED " + forms["base64url"]
	st[2].Log = []byte(log.String())
	h.fake.AddRecord(testRecord, st...)
	h.fake.ScriptFinal(testRecord, "FAILED") // the fake gives a status with a secret in it no meaning
	h.inputs(map[string]string{"token": tok, "context-lines": "20", "max-excerpt-lines": "200"})
	h.env["ACTIONS_RESULTS_URL"] = results.URL + "/"
	h.env["ACTIONS_RUNTIME_TOKEN"] = runtime
	h.run()

	h.assertNoSecret(append(all, tok, runtime, base64.StdEncoding.EncodeToString([]byte(runtime)))...)
	if !strings.Contains(h.file("stage3.log"), "[ERROR] echoed base64: ***") {
		t.Errorf("the saved log does not show where the token was:\n%s", h.file("stage3.log"))
	}
	if !strings.Contains(h.summary(), `bad token \*\*\* runtime \*\*\*`) {
		t.Errorf("the artifact error is not in the summary, redacted:\n%s", h.summary())
	}
}
