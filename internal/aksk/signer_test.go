package aksk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts/akskcheck"
)

func TestAuthorizeHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		project    string
		setup      func(*http.Request)
		wantSigned string
		wantHost   string // host value expected in the canonical request
	}{
		{name: "no project", wantSigned: "host;x-sdk-date", wantHost: "cloudbuild-ext.cn-north-4.myhuaweicloud.com"},
		{name: "project", project: testProject, wantSigned: "host;x-project-id;x-sdk-date", wantHost: "cloudbuild-ext.cn-north-4.myhuaweicloud.com"},
		{name: "project header set by caller", setup: func(r *http.Request) { r.Header.Set(HeaderProjectID, testProject) }, wantSigned: "host;x-project-id;x-sdk-date", wantHost: "cloudbuild-ext.cn-north-4.myhuaweicloud.com"},
		{name: "req.Host overrides URL host", setup: func(r *http.Request) { r.Host = "build-backend.eu-west-101.myhuaweicloud.eu" }, wantSigned: "host;x-sdk-date", wantHost: "build-backend.eu-west-101.myhuaweicloud.eu"},
		{name: "content type not signed", setup: func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, wantSigned: "host;x-sdk-date", wantHost: "cloudbuild-ext.cn-north-4.myhuaweicloud.com"},
		{name: "other headers not signed", setup: func(r *http.Request) { r.Header.Set("X-Auth-Token", "tok"); r.Header.Set("User-Agent", "ua") }, wantSigned: "host;x-sdk-date", wantHost: "cloudbuild-ext.cn-north-4.myhuaweicloud.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := newGET(t, testURL)
			if tt.setup != nil {
				tt.setup(req)
			}
			if err := newSigner(tt.project, testNow).Authorize(req); err != nil {
				t.Fatalf("Authorize: %v", err)
			}
			if got, want := req.Header.Get(HeaderDate), "20261127T083000Z"; got != want {
				t.Errorf("X-Sdk-Date = %q, want %q", got, want)
			}
			if tt.project != "" && req.Header.Get(HeaderProjectID) != tt.project {
				t.Errorf("X-Project-Id = %q, want %q", req.Header.Get(HeaderProjectID), tt.project)
			}
			auth, err := parseAuthorization(req.Header.Get("Authorization"))
			if err != nil {
				t.Fatalf("Authorize wrote an unparsable Authorization %q: %v", req.Header.Get("Authorization"), err)
			}
			if auth.accessKey != testAK {
				t.Errorf("Access = %q, want %q", auth.accessKey, testAK)
			}
			if got := strings.Join(auth.signedHeaders, ";"); got != tt.wantSigned {
				t.Errorf("SignedHeaders = %q, want %q", got, tt.wantSigned)
			}
			// Recompute independently from the documented pieces.
			canonical := CanonicalRequest(req, auth.signedHeaders, emptySHA256)
			if !strings.Contains(canonical, "\nhost:"+tt.wantHost+"\n") {
				t.Errorf("canonical request does not sign host %q:\n%s", tt.wantHost, canonical)
			}
			if want := Signature(testSK, StringToSign(canonical, "20261127T083000Z")); auth.signature != want {
				t.Errorf("Signature = %s, want %s", auth.signature, want)
			}
			if err := akskcheck.Verify(overWire(t, req), secrets, tt.project, testNow, akskcheck.DefaultMaxSkew); err != nil {
				t.Errorf("Verify after the wire = %v", err)
			}
		})
	}
}

// TestAuthorizeFreshDate covers retries: each attempt gets its own date and
// a signature valid at its own time, and the header is replaced, not added.
func TestAuthorizeFreshDate(t *testing.T) {
	t.Parallel()
	now := testNow
	s := &Signer{AccessKey: testAK, SecretKey: testSK, ProjectID: testProject, Now: func() time.Time { return now }}
	req := newGET(t, testURL)
	if err := s.Authorize(req); err != nil {
		t.Fatal(err)
	}
	first := overWire(t, req)
	firstDate := req.Header.Get(HeaderDate)

	now = testNow.Add(20 * time.Minute)
	if err := s.Authorize(req); err != nil {
		t.Fatal(err)
	}
	second := overWire(t, req)
	secondDate := req.Header.Get(HeaderDate)

	if firstDate == secondDate {
		t.Fatalf("both attempts carry X-Sdk-Date %s", firstDate)
	}
	if n := len(req.Header.Values("Authorization")); n != 1 {
		t.Errorf("request has %d Authorization headers after two attempts, want 1", n)
	}
	if n := len(req.Header.Values(HeaderDate)); n != 1 {
		t.Errorf("request has %d X-Sdk-Date headers after two attempts, want 1", n)
	}
	if err := akskcheck.Verify(first, secrets, testProject, testNow, akskcheck.DefaultMaxSkew); err != nil {
		t.Errorf("first attempt at its own time: %v", err)
	}
	if err := akskcheck.Verify(second, secrets, testProject, now, akskcheck.DefaultMaxSkew); err != nil {
		t.Errorf("second attempt at its own time: %v", err)
	}
	assertRefused(t, akskcheck.Verify(first, secrets, testProject, now, akskcheck.DefaultMaxSkew), "x-sdk-date")
}

func TestAuthorizeLocalClock(t *testing.T) {
	t.Parallel()
	// A clock in another zone must still produce the UTC date.
	cst := time.FixedZone("CST", 8*3600)
	req := newGET(t, testURL)
	if err := newSigner("", testNow.In(cst)).Authorize(req); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get(HeaderDate); got != "20261127T083000Z" {
		t.Errorf("X-Sdk-Date = %q, want the UTC time 20261127T083000Z", got)
	}
}

func TestAuthorizeCanonicalisesQuery(t *testing.T) {
	t.Parallel()
	req := newGET(t, "https://example.huaweicloud.com/v4/x/task-log?task_name=stage+1&b=2&a=%7Etilde&a=1")
	if err := newSigner("", testNow).Authorize(req); err != nil {
		t.Fatal(err)
	}
	if got, want := req.URL.RawQuery, "a=1&a=~tilde&b=2&task_name=stage%201"; got != want {
		t.Errorf("RawQuery = %q, want %q", got, want)
	}
	got := overWire(t, req)
	if v := got.URL.Query().Get("task_name"); v != "stage 1" {
		t.Errorf("server decodes task_name = %q, want %q", v, "stage 1")
	}
	if err := akskcheck.Verify(got, secrets, "", testNow, akskcheck.DefaultMaxSkew); err != nil {
		t.Errorf("Verify = %v", err)
	}
}

func TestAuthorizeBody(t *testing.T) {
	t.Parallel()
	const body = "payload"
	req, err := http.NewRequest(http.MethodPost, "https://example.huaweicloud.com/v1/x", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := newSigner("", testNow).Authorize(req); err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != body {
		t.Errorf("req.Body after Authorize = %q, want %q (Authorize must not consume it)", b, body)
	}
	// The signature covers the body: recompute with its hash.
	auth, err := parseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	const bodySHA256 = "239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5"
	want := Signature(testSK, StringToSign(CanonicalRequest(req, auth.signedHeaders, bodySHA256), req.Header.Get(HeaderDate)))
	if auth.signature != want {
		t.Errorf("signature does not cover the body hash")
	}
}

func TestAuthorizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		signer *Signer
		req    func(t *testing.T) *http.Request
		want   string
	}{
		{name: "nil signer", signer: nil, req: func(t *testing.T) *http.Request { return newGET(t, testURL) }, want: "nil signer"},
		{name: "nil request", signer: newSigner("", testNow), req: func(*testing.T) *http.Request { return nil }, want: "nil request"},
		{name: "empty access key", signer: &Signer{SecretKey: testSK}, req: func(t *testing.T) *http.Request { return newGET(t, testURL) }, want: "access key is empty"},
		{name: "empty secret key", signer: &Signer{AccessKey: testAK}, req: func(t *testing.T) *http.Request { return newGET(t, testURL) }, want: "secret key is empty"},
		{name: "no host", signer: newSigner("", testNow), req: func(t *testing.T) *http.Request { return newGET(t, "/v4/x/task-log") }, want: "no host"},
		{name: "malformed query", signer: newSigner("", testNow), req: func(t *testing.T) *http.Request {
			r := newGET(t, testURL)
			r.URL.RawQuery = "a=%zz"
			return r
		}, want: "parse request query"},
		{name: "body without GetBody", signer: newSigner("", testNow), req: func(t *testing.T) *http.Request {
			r, err := http.NewRequest(http.MethodPost, testURL, readCloser("stream"))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}, want: "cannot be hashed without consuming it"},
		{name: "GetBody fails", signer: newSigner("", testNow), req: func(t *testing.T) *http.Request {
			r, err := http.NewRequest(http.MethodPost, testURL, strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			r.GetBody = func() (io.ReadCloser, error) { return nil, fmt.Errorf("gone") }
			return r
		}, want: "get request body: gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := tt.req(t)
			err := tt.signer.Authorize(req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Authorize = %v, want error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testSK) {
				t.Errorf("error leaks the secret key: %v", err)
			}
			if req != nil && req.Header.Get("Authorization") != "" {
				t.Errorf("failed Authorize still set Authorization")
			}
			if req != nil && req.Header.Get(HeaderDate) != "" {
				t.Errorf("failed Authorize still set X-Sdk-Date")
			}
		})
	}
}

func TestSignerNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	s := Signer{AccessKey: testAK, SecretKey: testSK, ProjectID: testProject}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		outputs = append(outputs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s))
	}
	outputs = append(outputs, s.String(), fmt.Sprint([]Signer{s}), fmt.Sprintf("%+v", struct{ S *Signer }{&s}))
	j, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j))
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "signer", s, "ptr", &s)
	outputs = append(outputs, logged.String())
	for _, out := range outputs {
		if strings.Contains(out, testSK) || strings.Contains(strings.ToLower(out), strings.ToLower(fmt.Sprintf("%x", testSK))) {
			t.Errorf("output leaks the secret key: %s", out)
		}
	}
	if !strings.Contains(s.String(), testAK) || !strings.Contains(s.String(), "<redacted>") {
		t.Errorf("String() = %q, want the access key and <redacted>", s.String())
	}
}
