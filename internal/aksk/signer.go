package aksk

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Signer signs requests with an access key / secret key pair. It satisfies
// the client's Authorizer interface (Authorize(*http.Request) error) and is
// safe for concurrent use as long as its fields are not changed.
//
// The secret key never appears in errors or in any formatted output of a
// Signer (fmt verbs, slog, encoding/json).
type Signer struct {
	AccessKey string
	SecretKey string `json:"-"`
	ProjectID string
	// Now returns the signing time; nil means time.Now. Tests inject a clock.
	Now func() time.Time `json:"-"`
}

// Authorize signs req in place; call it on every attempt, just before
// sending, after all other headers are set. It
//   - sets X-Sdk-Date to the current UTC time (fresh on each call),
//   - sets X-Project-Id when ProjectID is not empty,
//   - rewrites req.URL.RawQuery into its canonical form, as Huawei's SDK does,
//     so the query the gateway decodes is byte for byte the one signed
//     (no "+" versus "%20" ambiguity),
//   - sets Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=...
//
// Signed headers are host (req.Host, else req.URL.Host: what net/http sends),
// x-sdk-date, and x-project-id when the request carries one. Content-Type is
// deliberately not signed, following huaweicloud-sdk-go-v3's
// extractSignedHeaders: proxies and HTTP stacks rewrite it (charset), which
// would break the signature. X-Sdk-Content-Sha256 is signed when set, since
// it stands for the body hash.
//
// The body is hashed from req.GetBody, never from req.Body, so the request
// can still be sent; a request with a body but no GetBody is refused.
func (s *Signer) Authorize(req *http.Request) error {
	if s == nil {
		return errors.New("aksk: nil signer")
	}
	if req == nil || req.URL == nil {
		return errors.New("aksk: nil request or request URL")
	}
	if s.AccessKey == "" {
		return errors.New("aksk: access key is empty")
	}
	if s.SecretKey == "" {
		return errors.New("aksk: secret key is empty")
	}
	if requestHost(req) == "" {
		return errors.New("aksk: request has no host to sign")
	}
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		// The error quotes the query, which holds no secret.
		return fmt.Errorf("aksk: parse request query: %w", err)
	}
	bodyHash, err := clientBodyHash(req)
	if err != nil {
		return fmt.Errorf("aksk: %w", err)
	}

	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	date := now().UTC().Format(DateFormat)
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	req.Header.Set(HeaderDate, date)
	if s.ProjectID != "" {
		req.Header.Set(HeaderProjectID, s.ProjectID)
	}
	req.URL.RawQuery = canonicalQuery(query)
	req.URL.ForceQuery = false

	signed := []string{"host", "x-sdk-date"}
	if req.Header.Get(HeaderProjectID) != "" {
		signed = append(signed, "x-project-id")
	}
	if req.Header.Get(HeaderContentSHA256) != "" {
		signed = append(signed, "x-sdk-content-sha256")
	}
	slices.Sort(signed)

	canonical := CanonicalRequest(req, signed, bodyHash)
	sig := Signature(s.SecretKey, StringToSign(canonical, date))
	req.Header.Set("Authorization", authorizationValue(s.AccessKey, signed, sig))
	return nil
}

// authorizationValue formats the Authorization header exactly as Huawei's SDK.
func authorizationValue(ak string, signed []string, sig string) string {
	return Algorithm + " Access=" + ak + ", SignedHeaders=" + strings.Join(signed, ";") + ", Signature=" + sig
}

// String describes the signer with the secret key redacted.
func (s Signer) String() string {
	sk := "<empty>"
	if s.SecretKey != "" {
		sk = "<redacted>"
	}
	return fmt.Sprintf("aksk.Signer{AccessKey: %q, SecretKey: %s, ProjectID: %q}", s.AccessKey, sk, s.ProjectID)
}

// GoString is String: %#v must not print the secret key either.
func (s Signer) GoString() string { return s.String() }

// Format prints String for every verb, so that no verb (%d, %x, %+v...)
// reaches the secret key field.
func (s Signer) Format(f fmt.State, _ rune) {
	_, _ = f.Write([]byte(s.String()))
}

// LogValue keeps the secret key out of structured logs.
func (s Signer) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_key", s.AccessKey),
		slog.Bool("secret_key_set", s.SecretKey != ""),
		slog.String("project_id", s.ProjectID),
	)
}
