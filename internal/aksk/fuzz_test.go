package aksk

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts/akskcheck"
)

// FuzzVerify sends arbitrary Authorization, X-Sdk-Date and X-Project-Id
// values with an otherwise signed request: the gateway's check must not
// panic, must only return *VerifyError, and may only accept the signature
// Authorize computed.
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
		err := akskcheck.Verify(req, secrets, testProject, testNow, akskcheck.DefaultMaxSkew)
		if err != nil {
			var ve *akskcheck.VerifyError
			if !errors.As(err, &ve) || ve.Code != akskcheck.CodeAuthFailed {
				t.Fatalf("error %v is not a *VerifyError with %s", err, akskcheck.CodeAuthFailed)
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
