package aksk

import (
	"strings"
	"testing"
)

func TestValidateAccessKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ak, wantErr string
	}{
		{name: "permanent key", ak: "QTWAOYTTINDUT2QVKYUC"},
		{name: "16 chars", ak: strings.Repeat("A1", 8)},
		{name: "64 chars", ak: strings.Repeat("Z9", 32)},
		{name: "empty", ak: "", wantErr: "access key is empty"},
		{name: "too short", ak: "ABC123", wantErr: "16 to 64 characters of A-Z and 0-9, got 6"},
		{name: "too long", ak: strings.Repeat("A", 65), wantErr: "got 65"},
		{name: "lower case", ak: "QTWAOYTTINDUT2QVKYUc", wantErr: "character 20 is not (access keys are upper-case"},
		{name: "trailing newline", ak: "QTWAOYTTINDUT2QVKYU\n", wantErr: "character 20 is not"},
		{name: "symbol", ak: "QTWAOYTT-NDUT2QVKYUC", wantErr: "only A-Z and 0-9, character 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkValidation(t, ValidateAccessKey(tt.ak), tt.wantErr, "")
		})
	}
}

func TestValidateSecretKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, sk, wantErr string
	}{
		{name: "real format", sk: testSK},
		{name: "punctuation allowed", sk: "abc!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"},
		{name: "16 chars", sk: strings.Repeat("s", 16)},
		{name: "128 chars", sk: strings.Repeat("s", 128)},
		{name: "empty", sk: "", wantErr: "secret key is empty"},
		{name: "too short", sk: "Secret7", wantErr: "16 to 128 printable ASCII characters without spaces"},
		{name: "too long", sk: strings.Repeat("s", 129), wantErr: "16 to 128"},
		{name: "trailing newline", sk: testSK + "\n", wantErr: "must not start or end with whitespace"},
		{name: "inner space", sk: "MFyfvK41ba2giqM7 Uio6PznpdUKGpownRZlmVmHc", wantErr: "contains a space, control or non-ASCII character"},
		{name: "non-ASCII", sk: "MFyfvK41ba2giqM7é" + "Uio6PznpdUKGpownRZlmVmHc", wantErr: "non-ASCII"},
		{name: "DEL", sk: testSK + "\x7f", wantErr: "control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkValidation(t, ValidateSecretKey(tt.sk), tt.wantErr, tt.sk)
		})
	}
}

func TestValidateProjectID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, id, wantErr string
	}{
		{name: "empty means none", id: ""},
		{name: "iam project id", id: testProject},
		{name: "upper-case hex", id: strings.ToUpper(testProject)},
		{name: "uuid form", id: "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"},
		{name: "64 chars", id: strings.Repeat("a", 64)},
		{name: "region name", id: "cn-north-4", wantErr: "looks like a region or project name"},
		{name: "too short", id: "77b6a44cba5143ab", wantErr: "32 to 64 letters, digits or '-'"},
		{name: "too long", id: strings.Repeat("a", 65), wantErr: "got 65 characters"},
		{name: "space", id: "77b6a44cba5143ab 1d13ab9a8ff44fd", wantErr: "32 to 64 letters"},
		{name: "header injection", id: "77b6a44cba5143ab91d13ab9a8ff44f\r\nX: y", wantErr: "32 to 64 letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The value is not secret, but it is not echoed either (it may be a
			// secret pasted into the wrong input).
			checkValidation(t, ValidateProjectID(tt.id), tt.wantErr, tt.id)
		})
	}
}

// checkValidation asserts err against wantErr ("" = valid) and that the
// error does not contain secret (when not empty).
func checkValidation(t *testing.T, err error, wantErr, secret string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatalf("got error %v, want valid", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("accepted, want error containing %q", wantErr)
	}
	if !strings.Contains(err.Error(), wantErr) {
		t.Errorf("error %q does not contain %q", err, wantErr)
	}
	if secret != "" && strings.Contains(err.Error(), strings.TrimSpace(secret)) {
		t.Errorf("error %q contains the value", err)
	}
}
