package aksk

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

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
		again, err := parseAuthorization(authorizationValue(a.accessKey, a.signedHeaders, a.signature))
		if err != nil {
			t.Fatalf("reformatted header does not parse: %v", err)
		}
		if again.accessKey != a.accessKey || again.signature != a.signature || strings.Join(again.signedHeaders, ";") != strings.Join(a.signedHeaders, ";") {
			t.Fatalf("round trip changed %+v into %+v", a, again)
		}
	})
}

// FuzzVerify sends arbitrary Authorization, X-Sdk-Date and X-Project-Id
// values with an otherwise valid request: Verify must not panic, must only
// return *VerifyError, and may only accept the signature Authorize computed.
func FuzzVerify(f *testing.F) {
	signed, err := http.NewRequest(http.MethodGet, testURL, nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := newSigner(testProject, testNow).Authorize(signed); err != nil {
		f.Fatal(err)
	}
	validAuth := signed.Header.Get("Authorization")
	validDate := signed.Header.Get(HeaderDate)
	validSig := validAuth[strings.Index(validAuth, "Signature=")+len("Signature="):]
	f.Add(validAuth, validDate, testProject)
	f.Add(strings.ReplaceAll(validAuth, ", ", ","), validDate, testProject)
	f.Add(validAuth, "20261327T083000Z", testProject)
	f.Add(validAuth, "99999999T999999Z", "")
	f.Add("SDK-HMAC-SHA256 Access=, SignedHeaders=, Signature=", "", "")
	f.Add("SDK-HMAC-SHA256 Access=A, SignedHeaders=host;x-project-id;x-sdk-date;zz, Signature="+validSig, validDate, testProject)
	f.Fuzz(func(t *testing.T, auth, date, project string) {
		req := signed.Clone(signed.Context())
		req.Header.Set("Authorization", auth)
		req.Header.Set(HeaderDate, date)
		req.Header.Set(HeaderProjectID, project)
		err := Verify(req, secrets, testProject, testNow, DefaultMaxSkew)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Code != CodeAuthFailed {
				t.Fatalf("error %v is not a *VerifyError with %s", err, CodeAuthFailed)
			}
			if strings.Contains(err.Error(), testSK) {
				t.Fatalf("error leaks the secret key: %v", err)
			}
			return
		}
		if !strings.Contains(auth, "Signature="+validSig) || date != validDate || project != testProject {
			t.Fatalf("Verify accepted a forged request: auth=%q date=%q project=%q", auth, date, project)
		}
	})
}
