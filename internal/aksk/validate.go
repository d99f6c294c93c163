package aksk

import (
	"errors"
	"fmt"
	"strings"
)

// Key and project ID format rules. Huawei does not publish a grammar; these
// bounds accept every documented example with room to spare and catch the
// usual mistakes (a swapped key pair, a stray space or newline from a
// secret, a region name given as project ID).
const (
	minAccessKeyLen = 16
	maxAccessKeyLen = 64
	minSecretKeyLen = 16
	maxSecretKeyLen = 128
	minProjectIDLen = 32
	maxProjectIDLen = 64
)

// ValidateAccessKey checks the access key format: 16 to 64 characters of
// A-Z and 0-9. Permanent Huawei access keys are 20 such characters (for
// example QTWAOYTTINDUT2QVKYUC); the wider bounds leave room for temporary
// keys and formats Huawei may add.
// The error names the rule and the offending position, not the key.
func ValidateAccessKey(ak string) error {
	if ak == "" {
		return errors.New("access key is empty")
	}
	if n := len(ak); n < minAccessKeyLen || n > maxAccessKeyLen {
		return fmt.Errorf("access key must be %d to %d characters of A-Z and 0-9, got %d characters", minAccessKeyLen, maxAccessKeyLen, n)
	}
	for i := 0; i < len(ak); i++ {
		c := ak[i]
		if 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		hint := ""
		if 'a' <= c && c <= 'z' {
			hint = " (access keys are upper-case: are the access key and secret key swapped?)"
		}
		return fmt.Errorf("access key must contain only A-Z and 0-9, character %d is not%s", i+1, hint)
	}
	return nil
}

// ValidateSecretKey checks the secret key format: 16 to 128 printable ASCII
// characters (0x21 to 0x7E), so no spaces, tabs or newlines. Huawei secret
// keys are 40 letters and digits. The error never contains the key, its
// length or any of its characters.
func ValidateSecretKey(sk string) error {
	if sk == "" {
		return errors.New("secret key is empty")
	}
	if n := len(sk); n < minSecretKeyLen || n > maxSecretKeyLen {
		return fmt.Errorf("secret key must be %d to %d printable ASCII characters without spaces; its length is outside that range", minSecretKeyLen, maxSecretKeyLen)
	}
	if strings.TrimSpace(sk) != sk {
		return errors.New("secret key must not start or end with whitespace (copy it without the trailing newline)")
	}
	for i := 0; i < len(sk); i++ {
		if c := sk[i]; c < 0x21 || c > 0x7e {
			return errors.New("secret key must be printable ASCII without spaces; it contains a space, control or non-ASCII character")
		}
	}
	return nil
}

// ValidateProjectID checks a project ID: empty (no project header is sent),
// or 32 to 64 characters of letters, digits and "-". IAM project IDs are 32
// lower-case hex digits (for example 77b6a44cba5143ab91d13ab9a8ff44fd);
// Huawei's API specs describe them as "generally a 32-character string" and
// some allow up to 64, so the check stays tolerant. A region name such as
// cn-north-4 is refused with a hint, since it is the usual mix-up. The
// error does not quote the value, in case a secret was pasted there.
func ValidateProjectID(id string) error {
	if id == "" {
		return nil
	}
	valid := len(id) >= minProjectIDLen && len(id) <= maxProjectIDLen
	for i := 0; valid && i < len(id); i++ {
		c := id[i]
		valid = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
	}
	if valid {
		return nil
	}
	hint := ""
	if len(id) < minProjectIDLen && strings.Count(id, "-") >= 2 {
		hint = "; this looks like a region or project name, use the project ID shown under My Credentials > API Credentials"
	}
	return fmt.Errorf("project ID must be %d to %d letters, digits or '-' (Huawei project IDs are 32 hex digits), got %d characters%s", minProjectIDLen, maxProjectIDLen, len(id), hint)
}
