package aksk

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts/akskcheck"
)

const (
	testAK      = "QTWAOYTTINDUT2QVKYUC"
	testSK      = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
	testProject = "77b6a44cba5143ab91d13ab9a8ff44fd"
	testURL     = "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com/v4/2cc26382-b2cb-4234-8eb0-b37d362f4d4c/task-log?task_name=stage1&log_level=INFO"
)

// testNow is the fixed signing time of most tests.
var testNow = time.Date(2026, 11, 27, 8, 30, 0, 0, time.UTC)

// secrets is a credential store holding testAK.
func secrets(ak string) (string, bool) {
	if ak == testAK {
		return testSK, true
	}
	return "", false
}

// newSigner returns a signer for testAK at a fixed time.
func newSigner(project string, at time.Time) *Signer {
	return &Signer{AccessKey: testAK, SecretKey: testSK, ProjectID: project, Now: func() time.Time { return at }}
}

// newGET builds a client GET request for rawURL.
func newGET(t *testing.T, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// overWire serialises a client request exactly as net/http sends it and
// parses it back as a server receives it, so Verify sees what a handler of
// the fake server would see (req.Host, decoded URL, body), without a socket.
func overWire(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatalf("write request: %v", err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("read request: %v", err)
	}
	return got
}

// assertRefused checks that err is a *VerifyError with the gateway code, a
// message containing want, and no secret key.
func assertRefused(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify accepted the request, want refusal containing %q", want)
	}
	var ve *akskcheck.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *VerifyError", err, err)
	}
	if ve.Code != akskcheck.CodeAuthFailed {
		t.Errorf("Code = %q, want %q", ve.Code, akskcheck.CodeAuthFailed)
	}
	if !strings.Contains(ve.Msg, want) {
		t.Errorf("Msg = %q, want it to contain %q", ve.Msg, want)
	}
	if strings.Contains(err.Error(), testSK) {
		t.Errorf("error leaks the secret key: %v", err)
	}
}

// readCloser is a body without GetBody, like a stream.
func readCloser(s string) *nopCloser { return &nopCloser{strings.NewReader(s)} }

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

// authFields are the parts of an Authorization header the signer wrote.
type authFields struct {
	accessKey     string
	signedHeaders []string
	signature     string
}

var authRe = regexp.MustCompile(`^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// parseAuthorization reads an Authorization header in exactly the format
// of Huawei's SDK (the gateway's own, more lenient parser is akskcheck's).
func parseAuthorization(h string) (authFields, error) {
	m := authRe.FindStringSubmatch(h)
	if m == nil {
		return authFields{}, errors.New("not SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=HEX")
	}
	return authFields{accessKey: m[1], signedHeaders: strings.Split(m[2], ";"), signature: m[3]}, nil
}
