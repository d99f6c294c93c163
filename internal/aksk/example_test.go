package aksk_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/aksk"
	"github.com/codearts-tools/codearts-logs/internal/fakecodearts/akskcheck"
)

// signingTransport signs every request it sends, so retries (which go
// through RoundTrip again) each get a fresh X-Sdk-Date.
type signingTransport struct {
	signer *aksk.Signer
	next   http.RoundTripper
}

func (t signingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context()) // a RoundTripper must not modify its argument
	if err := t.signer.Authorize(req); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	return t.next.RoundTrip(req)
}

// Example signs requests to a gateway-like server that verifies them.
func Example() {
	const (
		ak      = "QTWAOYTTINDUT2QVKYUC"
		sk      = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
		project = "77b6a44cba5143ab91d13ab9a8ff44fd"
	)
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretFor := func(key string) (string, bool) { return sk, key == ak }
		var ve *akskcheck.VerifyError
		if err := akskcheck.Verify(r, secretFor, project, time.Now(), akskcheck.DefaultMaxSkew); errors.As(err, &ve) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"error_code": ve.Code, "error_msg": ve.Msg})
			return
		}
		_, _ = io.WriteString(w, "[INFO] BUILD SUCCESS")
	}))
	defer gateway.Close()

	get := func(secret string) {
		client := &http.Client{Transport: signingTransport{
			signer: &aksk.Signer{AccessKey: ak, SecretKey: secret, ProjectID: project},
			next:   http.DefaultTransport,
		}}
		resp, err := client.Get(gateway.URL + "/v4/2cc26382-b2cb-4234-8eb0-b37d362f4d4c/task-log?task_name=stage1")
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("%d %s\n", resp.StatusCode, body)
	}
	get(sk)
	get("not-the-right-secret-key")
	// Output:
	// 200 [INFO] BUILD SUCCESS
	// 401 {"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}
}
