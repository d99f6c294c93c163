package akskcheck

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	testAK  = "QTWAOYTTINDUT2QVKYUC"
	testSK  = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	testURL = "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com/v4/2cc26382-b2cb-4234-8eb0-b37d362f4d4c/task-log?task_name=stage1&log_level=INFO"
)

var testNow = time.Date(2026, 11, 27, 8, 30, 0, 0, time.UTC)

func secrets(ak string) (string, bool) { return testSK, ak == testAK }

func authHeader(ak string, signed []string, sig string) string {
	return algorithm + " Access=" + ak + ", SignedHeaders=" + strings.Join(signed, ";") + ", Signature=" + sig
}

// received builds the request a server gets for method, url and body,
// signed with this package's own canonical form (the signer's is tested
// against this check in internal/aksk).
func signedRequest(t *testing.T, method, url, body string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(headerDate, at.Format(dateLayout))
	got := overWire(t, req)
	sum := sha256.Sum256([]byte(body))
	signed := []string{"host", "x-sdk-date"}
	sig := signatureOf(testSK, at.Format(dateLayout), canonicalRequest(got, signed, hex.EncodeToString(sum[:])))
	got.Header.Set("Authorization", authHeader(testAK, signed, sig))
	return got
}

// overWire sends a client request through net/http's serialisation and
// parses it back as a server receives it, without a socket.
func overWire(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func assertRefused(t *testing.T, err error, want string) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Code != CodeAuthFailed || !strings.Contains(ve.Msg, want) {
		t.Fatalf("err = %v, want a *VerifyError %s containing %q", err, CodeAuthFailed, want)
	}
	if strings.Contains(err.Error(), testSK) {
		t.Errorf("error leaks the secret key: %v", err)
	}
}

// TestPublishedVectors: both vectors Huawei publishes, computed with this
// package's canonical form (the signer passes the same vectors in
// internal/aksk).
func TestPublishedVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url     string
		headers       map[string]string
		sk            string
		signed        []string
		wantCanonHash string
		wantSig       string
	}{
		{"api gateway example",
			"https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0",
			map[string]string{"Content-Type": "application/json", "X-Sdk-Date": "20191115T033655Z"},
			"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", []string{"content-type", "host", "x-sdk-date"},
			"b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
			"7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"},
		{"go sdk signer test",
			"https://example.huaweicloud.com/path?limit=1",
			map[string]string{"X-Sdk-Date": "20060102T150405Z"},
			"SecretKey", []string{"x-sdk-date"}, "",
			"5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"},
	}
	for _, tc := range tests {
		req, err := http.NewRequest(http.MethodGet, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		got := overWire(t, req)
		empty := sha256.Sum256(nil)
		canonical := canonicalRequest(got, tc.signed, hex.EncodeToString(empty[:]))
		if sum := sha256.Sum256([]byte(canonical)); tc.wantCanonHash != "" && hex.EncodeToString(sum[:]) != tc.wantCanonHash {
			t.Errorf("%s: sha256(canonical request) = %x, want %s\n%s", tc.name, sum, tc.wantCanonHash, canonical)
		}
		if sig := signatureOf(tc.sk, tc.headers["X-Sdk-Date"], canonical); sig != tc.wantSig {
			t.Errorf("%s: signature %s, want %s", tc.name, sig, tc.wantSig)
		}
	}
}

// TestVectorVerifies: Verify accepts the gateway example exactly as
// published, at its own time, and refuses it once a signed header changed.
func TestVectorVerifies(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodGet, "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Sdk-Date", "20191115T033655Z")
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "+
		"Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe")
	at, _ := time.Parse(dateLayout, "20191115T033655Z")
	got := overWire(t, req)
	if err := Verify(got, secrets, "", at, DefaultMaxSkew); err != nil {
		t.Fatalf("Verify(published vector) = %v", err)
	}
	got.Header.Set("Content-Type", "application/xml")
	assertRefused(t, Verify(got, secrets, "", at, DefaultMaxSkew), "signature fail")
}

func TestVerifySkewAndArguments(t *testing.T) {
	t.Parallel()
	req := signedRequest(t, http.MethodGet, testURL, "", testNow)
	if err := Verify(req, secrets, "", testNow.Add(14*time.Minute), 0); err != nil {
		t.Fatalf("maxSkew 0 should mean %v: %v", DefaultMaxSkew, err)
	}
	assertRefused(t, Verify(req, secrets, "", testNow.Add(16*time.Minute), 0), "x-sdk-date")
	assertRefused(t, Verify(req, secrets, "", testNow.Add(2*time.Minute), time.Minute), "x-sdk-date is more than 1m0s")
	assertRefused(t, Verify(nil, secrets, "", testNow, 0), "no request")
	assertRefused(t, Verify(req, nil, "", testNow, 0), "no credential store")
	assertRefused(t, Verify(req, secrets, "77b6a44cba5143ab91d13ab9a8ff44fd", testNow, 0), "X-Project-Id is required")
}

func TestVerifyBody(t *testing.T) {
	t.Parallel()
	const body = `{"task_name":"stage1"}`
	req := signedRequest(t, http.MethodPost, "https://example.huaweicloud.com/v1/x", body, testNow)
	if err := Verify(req, secrets, "", testNow, 0); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(req.Body); string(b) != body {
		t.Errorf("handler body after Verify = %q, want %q", b, body)
	}
	tampered := signedRequest(t, http.MethodPost, "https://example.huaweicloud.com/v1/x", body, testNow)
	tampered.Body = io.NopCloser(strings.NewReader(`{"task_name":"stage9"}`))
	assertRefused(t, Verify(tampered, secrets, "", testNow, 0), "signature fail")
}

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	sig := strings.Repeat("ab", 32)
	tests := []struct {
		name       string
		header     string
		wantSigned []string
		wantErr    string
	}{
		{name: "sdk format", header: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=" + sig, wantSigned: []string{"host", "x-sdk-date"}},
		{name: "no spaces", header: "SDK-HMAC-SHA256 Access=AK,SignedHeaders=host,Signature=" + sig, wantSigned: []string{"host"}},
		{name: "any field order", header: "SDK-HMAC-SHA256 Signature=" + sig + ", Access=AK, SignedHeaders=host", wantSigned: []string{"host"}},
		{name: "empty", header: "", wantErr: "does not use"},
		{name: "lower-case algorithm", header: "sdk-hmac-sha256 Access=AK, SignedHeaders=host, Signature=" + sig, wantErr: "does not use"},
		{name: "missing access", header: "SDK-HMAC-SHA256 SignedHeaders=host, Signature=" + sig, wantErr: "no Access"},
		{name: "empty access", header: "SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=" + sig, wantErr: "no Access"},
		{name: "missing signed headers", header: "SDK-HMAC-SHA256 Access=AK, Signature=" + sig, wantErr: "no SignedHeaders"},
		{name: "missing signature", header: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host", wantErr: "no Signature"},
		{name: "duplicate access", header: "SDK-HMAC-SHA256 Access=AK, Access=AK, SignedHeaders=host, Signature=" + sig, wantErr: "Access twice"},
		{name: "unknown field", header: "SDK-HMAC-SHA256 Access=AK, Region=x, SignedHeaders=host, Signature=" + sig, wantErr: "format incorrect"},
		{name: "field without equals", header: "SDK-HMAC-SHA256 Access=AK, host, Signature=" + sig, wantErr: "format incorrect"},
		{name: "short signature", header: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=abc", wantErr: "64 lower-case hex"},
		{name: "empty signed header name", header: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;;x-sdk-date, Signature=" + sig, wantErr: "lower-case header names"},
		{name: "upper-case signed header", header: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=Host, Signature=" + sig, wantErr: "lower-case header names"},
		{name: "duplicate signed header", header: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;host, Signature=" + sig, wantErr: "sorted and distinct"},
	}
	for _, tt := range tests {
		got, err := parseAuthorization(tt.header)
		if tt.wantErr != "" {
			assertRefused(t, err, tt.wantErr)
			continue
		}
		if err != nil {
			t.Fatalf("%s: parseAuthorization = %v", tt.name, err)
		}
		if got.accessKey != "AK" || got.signature != sig || !slices.Equal(got.signedHeaders, tt.wantSigned) {
			t.Errorf("%s: parseAuthorization = %+v, want AK, %v, %s", tt.name, got, tt.wantSigned, sig)
		}
	}
}

// FuzzParseAuthorization: no input panics, every refusal is a *VerifyError,
// and whatever parses is canonical enough to be formatted and parsed back to
// the same fields.
func FuzzParseAuthorization(f *testing.F) {
	sig := strings.Repeat("0f", 32)
	for _, seed := range []string{
		"",
		"SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=" + sig,
		"SDK-HMAC-SHA256 Access=AK,SignedHeaders=host,Signature=" + sig,
		"SDK-HMAC-SHA256 ",
		"SDK-HMAC-SHA256 Access==, SignedHeaders=;, Signature=",
		"SDK-HMAC-SHA256 ,,,,",
		"Bearer token",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		a, err := parseAuthorization(header)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Code != CodeAuthFailed {
				t.Fatalf("error %v is not a *VerifyError with %s", err, CodeAuthFailed)
			}
			return
		}
		again, err := parseAuthorization(authHeader(a.accessKey, a.signedHeaders, a.signature))
		if err != nil {
			t.Fatalf("reformatted header does not parse: %v", err)
		}
		if again.accessKey != a.accessKey || again.signature != a.signature || strings.Join(again.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") {
			t.Fatalf("round trip changed %+v into %+v", a, again)
		}
	})
}
