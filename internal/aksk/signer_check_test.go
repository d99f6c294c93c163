package aksk

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts/akskcheck"
)

// The signer's requests, sent through net/http and received as a server
// does, must pass the gateway's check, which lives on the fake's side with a
// canonicalisation of its own; tampering after signing must fail it.

func TestSignedRequestsPassTheGatewayCheck(t *testing.T) {
	t.Parallel()
	otherSK := func(ak string) (string, bool) { return strings.ToLower(testSK), ak == testAK }
	noKeys := func(string) (string, bool) { return "", false }
	// resign replaces the Authorization header by a correct signature over
	// the given signed headers, to test policy rather than cryptography.
	resign := func(signed ...string) func(*http.Request) {
		return func(r *http.Request) {
			canonical := CanonicalRequest(r, signed, emptySHA256)
			sig := Signature(testSK, StringToSign(canonical, r.Header.Get(HeaderDate)))
			r.Header.Set("Authorization", authorizationValue(testAK, signed, sig))
		}
	}
	tests := []struct {
		name        string
		project     string              // Signer.ProjectID
		beforeWire  func(*http.Request) // tampering by a client or proxy after signing
		afterWire   func(*http.Request) // tampering on arrival
		secretFor   func(string) (string, bool)
		wantProject string
		skew        time.Duration // server clock minus signing time
		want        string        // "" = accepted, else part of the refusal message
	}{
		{name: "accepted", want: ""},
		{name: "accepted with project", project: testProject, wantProject: testProject},
		{name: "project sent but not required", project: testProject},
		{name: "accepted at +15m", skew: 15 * time.Minute},
		{name: "accepted at -15m", skew: -15 * time.Minute},
		{name: "wrong secret key", secretFor: otherSK, want: "verify aksk signature fail"},
		{name: "unknown access key", secretFor: noKeys, want: "access key does not exist"},
		{name: "tampered query value", beforeWire: func(r *http.Request) { r.URL.RawQuery = "log_level=INFO&task_name=stage2" }, want: "signature fail"},
		{name: "added query parameter", beforeWire: func(r *http.Request) { r.URL.RawQuery += "&extra=1" }, want: "signature fail"},
		{name: "tampered path", beforeWire: func(r *http.Request) { r.URL.Path = strings.Replace(r.URL.Path, "2cc2", "3cc2", 1) }, want: "signature fail"},
		{name: "tampered method", beforeWire: func(r *http.Request) { r.Method = http.MethodDelete }, want: "signature fail"},
		{name: "tampered host", beforeWire: func(r *http.Request) { r.Host = "evil.example.com" }, want: "signature fail"},
		{name: "tampered signed project header", project: testProject, beforeWire: func(r *http.Request) { r.Header.Set(HeaderProjectID, strings.Repeat("0", 32)) }, want: "signature fail"},
		{name: "tampered date header", beforeWire: func(r *http.Request) { r.Header.Set(HeaderDate, testNow.Add(time.Second).Format(DateFormat)) }, want: "signature fail"},
		{name: "tampered access key", beforeWire: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Access="+testAK, "Access=OTHERKEY", 1))
		}, secretFor: func(ak string) (string, bool) {
			// The access key is not in the string to sign: swapping it is
			// caught because another key has another secret.
			if ak == "OTHERKEY" {
				return "AnotherSecretKeyOf40Characters0000000000", true
			}
			return secrets(ak)
		}, want: "signature fail"},
		{name: "host not signed", beforeWire: resign("x-sdk-date"), want: "host is not a signed header"},
		{name: "date not signed", beforeWire: resign("host"), want: "x-sdk-date is not a signed header"},
		{name: "project header added unsigned", beforeWire: func(r *http.Request) { r.Header.Set(HeaderProjectID, testProject) }, want: "x-project-id is present but not signed"},
		{name: "signed header missing", beforeWire: func(r *http.Request) {
			resign("host", "x-sdk-date", "x-trace")(r)
		}, want: "signed header x-trace is missing"},
		{name: "skew over +15m", skew: 15*time.Minute + time.Second, want: "x-sdk-date is more than 15m0s"},
		{name: "skew over -15m", skew: -15*time.Minute - time.Second, want: "x-sdk-date is more than 15m0s"},
		{name: "project required but missing", wantProject: testProject, want: "X-Project-Id is required"},
		{name: "project required but wrong", project: strings.Repeat("a", 32), wantProject: testProject, want: "does not match"},
		{name: "no authorization", afterWire: func(r *http.Request) { r.Header.Del("Authorization") }, want: "Authorization header is missing"},
		{name: "two authorization headers", afterWire: func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }, want: "more than one Authorization"},
		{name: "other algorithm", afterWire: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), Algorithm, "SDK-HMAC-SM3", 1))
		}, want: "does not use the SDK-HMAC-SHA256"},
		{name: "upper-case signature", afterWire: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
		}, want: "64 lower-case hex"},
		{name: "unsorted signed headers", afterWire: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "host;x-sdk-date", "x-sdk-date;host", 1))
		}, want: "sorted and distinct"},
		{name: "date in wrong format", afterWire: func(r *http.Request) { r.Header.Set(HeaderDate, testNow.Format(time.RFC3339)) }, want: "YYYYMMDDTHHMMSSZ"},
		{name: "date twice", afterWire: func(r *http.Request) { r.Header.Add(HeaderDate, r.Header.Get(HeaderDate)) }, want: "exactly once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := newGET(t, testURL)
			if err := newSigner(tt.project, testNow).Authorize(req); err != nil {
				t.Fatalf("Authorize: %v", err)
			}
			if tt.beforeWire != nil {
				tt.beforeWire(req)
			}
			got := overWire(t, req)
			if tt.afterWire != nil {
				tt.afterWire(got)
			}
			secretFor := tt.secretFor
			if secretFor == nil {
				secretFor = secrets
			}
			err := akskcheck.Verify(got, secretFor, tt.wantProject, testNow.Add(tt.skew), akskcheck.DefaultMaxSkew)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Verify = %v, want accepted", err)
				}
				return
			}
			assertRefused(t, err, tt.want)
		})
	}
}

func TestSignedBodiesPassTheGatewayCheck(t *testing.T) {
	t.Parallel()
	const body = `{"task_name":"stage1"}`
	sign := func(t *testing.T) *http.Request {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, "https://example.huaweicloud.com/v1/x", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if err := newSigner("", testNow).Authorize(req); err != nil {
			t.Fatalf("Authorize: %v", err)
		}
		return req
	}
	t.Run("accepted and body still readable", func(t *testing.T) {
		t.Parallel()
		got := overWire(t, sign(t))
		if err := akskcheck.Verify(got, secrets, "", testNow, akskcheck.DefaultMaxSkew); err != nil {
			t.Fatalf("Verify = %v", err)
		}
		b, err := io.ReadAll(got.Body)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != body {
			t.Errorf("handler body after Verify = %q, want %q", b, body)
		}
	})
	t.Run("tampered body", func(t *testing.T) {
		t.Parallel()
		req := sign(t)
		tampered := `{"task_name":"stage9"}`
		req.GetBody = nil
		req.ContentLength = int64(len(tampered))
		req.Body = readCloser(tampered)
		assertRefused(t, akskcheck.Verify(overWire(t, req), secrets, "", testNow, akskcheck.DefaultMaxSkew), "signature fail")
	})
	t.Run("content type is not signed", func(t *testing.T) {
		t.Parallel()
		req := sign(t)
		if strings.Contains(req.Header.Get("Authorization"), "content-type") {
			t.Fatalf("Authorization signs content-type: %s", req.Header.Get("Authorization"))
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if err := akskcheck.Verify(overWire(t, req), secrets, "", testNow, akskcheck.DefaultMaxSkew); err != nil {
			t.Fatalf("a proxy adding a charset must not break the signature: %v", err)
		}
	})
	t.Run("unsigned payload", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequest(http.MethodPut, "https://example.huaweicloud.com/upload", readCloser("streamed"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(HeaderContentSHA256, UnsignedPayload)
		if err := newSigner("", testNow).Authorize(req); err != nil {
			t.Fatalf("Authorize with %s: %v", UnsignedPayload, err)
		}
		if a := req.Header.Get("Authorization"); !strings.Contains(a, "x-sdk-content-sha256") {
			t.Errorf("content hash header not signed: %s", a)
		}
		req.ContentLength = 8
		if err := akskcheck.Verify(overWire(t, req), secrets, "", testNow, akskcheck.DefaultMaxSkew); err != nil {
			t.Fatalf("Verify = %v", err)
		}
	})
}
