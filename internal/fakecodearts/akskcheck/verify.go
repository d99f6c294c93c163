// Package akskcheck checks AK/SK-signed requests (SDK-HMAC-SHA256) the way
// Huawei's API gateway does, for the fake CodeArts service. It lives on the
// fake's side and shares no code with the signer (internal/aksk): its
// canonicalisation is written separately from the algorithm's description,
// so that a signing bug cannot hide behind a helper both sides use. The two
// test vectors Huawei publishes (docs/codearts-api.md) check both.
package akskcheck

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The scheme's names, spelled here again on purpose (see the package
// comment).
const (
	algorithm     = "SDK-HMAC-SHA256"
	dateLayout    = "20060102T150405Z"
	headerDate    = "X-Sdk-Date"
	headerProject = "X-Project-Id"
	headerBodySum = "X-Sdk-Content-Sha256"
)

// Gateway answers used by Verify.
const (
	// CodeAuthFailed is the API gateway's error code for every AK/SK failure
	// (bad signature, unknown key, expired date...), answered with HTTP 401.
	CodeAuthFailed = "APIGW.0301"
	// DefaultMaxSkew is the clock skew the gateway tolerates between the
	// X-Sdk-Date of a request and its own clock.
	DefaultMaxSkew = 15 * time.Minute
	// MaxVerifyBody bounds the body Verify reads to hash a server request.
	MaxVerifyBody = 32 << 20
)

// msgPrefix starts every gateway message for a credential failure.
const msgPrefix = "Incorrect IAM authentication information: "

// VerifyError is a refused signature. Code is the gateway error code
// (always CodeAuthFailed today) and Msg the gateway-style message, so a fake
// server can answer 401 {"error_code": Code, "error_msg": Msg}. Neither ever
// contains a secret key.
type VerifyError struct {
	Code string
	Msg  string
}

// Error returns "akskcheck: CODE: MSG".
func (e *VerifyError) Error() string {
	return "akskcheck: " + e.Code + ": " + e.Msg
}

func refuse(detail string) error {
	return &VerifyError{Code: CodeAuthFailed, Msg: msgPrefix + detail}
}

// Verify checks a signed request the way Huawei's API gateway does and
// returns nil only if all of these hold:
//   - Authorization is "SDK-HMAC-SHA256 Access=AK, SignedHeaders=h1;h2, Signature=HEX"
//     with a 64-digit lower-case hex signature and lower-case, sorted,
//     distinct signed header names;
//   - host and x-sdk-date are signed, and x-project-id is signed whenever the
//     request carries X-Project-Id; every signed header is present;
//   - X-Sdk-Date is one YYYYMMDDTHHMMSSZ value within maxSkew of now (either
//     direction; maxSkew <= 0 means DefaultMaxSkew);
//   - when wantProject is not empty, X-Project-Id equals it;
//   - secretFor knows the access key, and the signature recomputed with its
//     secret key matches (compared in constant time).
//
// The body hash is X-Sdk-Content-Sha256 when set; otherwise req.Body is read
// (at most MaxVerifyBody bytes) and replaced with an unread copy so a handler
// can still read it. Every error is a *VerifyError.
func Verify(req *http.Request, secretFor func(ak string) (sk string, ok bool), wantProject string, now time.Time, maxSkew time.Duration) error {
	if req == nil {
		return refuse("no request")
	}
	if secretFor == nil {
		return refuse("no credential store")
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	authValues := req.Header.Values("Authorization")
	if len(authValues) == 0 || authValues[0] == "" {
		return refuse("Authorization header is missing")
	}
	if len(authValues) > 1 {
		return refuse("more than one Authorization header")
	}
	auth, err := parseAuthorization(authValues[0])
	if err != nil {
		return err
	}
	if !slices.Contains(auth.signedHeaders, "host") {
		return refuse("host is not a signed header")
	}
	if !slices.Contains(auth.signedHeaders, "x-sdk-date") {
		return refuse("x-sdk-date is not a signed header")
	}
	projectValues := req.Header.Values(headerProject)
	if len(projectValues) > 0 && !slices.Contains(auth.signedHeaders, "x-project-id") {
		return refuse("x-project-id is present but not signed")
	}
	if len(projectValues) > 1 {
		return refuse("more than one X-Project-Id header")
	}
	for _, name := range auth.signedHeaders {
		if len(received(req, name)) == 0 {
			return refuse("signed header " + name + " is missing from the request")
		}
	}

	date, err := checkDateAndProject(req, now, maxSkew, wantProject)
	if err != nil {
		return err
	}

	if req.URL == nil {
		return refuse("request has no URL")
	}
	if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
		return refuse("malformed query string")
	}

	sk, ok := secretFor(auth.accessKey)
	if !ok {
		return refuse("access key does not exist")
	}

	bodyHash, err := serverBodyHash(req)
	if err != nil {
		return refuse("cannot read the request body: " + err.Error())
	}
	want := signatureOf(sk, date, canonicalRequest(req, auth.signedHeaders, bodyHash))
	if !hmac.Equal([]byte(want), []byte(auth.signature)) {
		return refuse("verify aksk signature fail")
	}
	return nil
}

// checkDateAndProject checks X-Sdk-Date against the clock and X-Project-Id
// against the project wanted, and returns the date as sent.
func checkDateAndProject(req *http.Request, now time.Time, maxSkew time.Duration, wantProject string) (string, error) {
	dates := req.Header.Values(headerDate)
	if len(dates) != 1 {
		return "", refuse("X-Sdk-Date must be set exactly once")
	}
	signedAt, err := time.Parse(dateLayout, dates[0])
	if err != nil || len(dates[0]) != len(dateLayout) {
		return "", refuse("X-Sdk-Date is not in YYYYMMDDTHHMMSSZ format")
	}
	if skew := now.Sub(signedAt); skew > maxSkew || skew < -maxSkew {
		return "", refuse("AK/SK authentication failed, x-sdk-date is more than " + maxSkew.String() + " away from the server time")
	}

	if projectValues := req.Header.Values(headerProject); wantProject != "" {
		if len(projectValues) == 0 {
			return "", refuse("X-Project-Id is required")
		}
		if strings.TrimSpace(projectValues[0]) != wantProject {
			return "", refuse("X-Project-Id does not match the project of this endpoint")
		}
	}
	return dates[0], nil
}

// serverBodyHash hashes a received body without losing it.
func serverBodyHash(req *http.Request) (string, error) {
	if h := req.Header.Get(headerBodySum); h != "" {
		return h, nil
	}
	if req.Body == nil || req.Body == http.NoBody {
		sum := sha256.Sum256(nil)
		return hex.EncodeToString(sum[:]), nil
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, MaxVerifyBody+1))
	_ = req.Body.Close()
	// Whatever happens, leave the handler a body holding what was read.
	req.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	if len(data) > MaxVerifyBody {
		return "", errBodyTooLarge
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

var errBodyTooLarge = errors.New("body is larger than the verification limit")

// authorization is a parsed Authorization header.
type authorization struct {
	accessKey     string
	signedHeaders []string
	signature     string
}

// parseAuthorization parses "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=HEX".
// Fields are separated by commas with optional spaces; each must appear once.
func parseAuthorization(v string) (authorization, error) {
	var a authorization
	rest, ok := strings.CutPrefix(v, algorithm+" ")
	if !ok {
		return a, refuse("Authorization does not use the " + algorithm + " algorithm")
	}
	var seenAccess, seenSigned, seenSig bool
	for field := range strings.SplitSeq(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return a, refuse("Authorization format incorrect")
		}
		switch key {
		case "Access":
			if seenAccess {
				return a, refuse("Authorization has Access twice")
			}
			seenAccess = true
			a.accessKey = value
		case "SignedHeaders":
			if seenSigned {
				return a, refuse("Authorization has SignedHeaders twice")
			}
			seenSigned = true
			names, err := parseSignedHeaders(value)
			if err != nil {
				return a, err
			}
			a.signedHeaders = names
		case "Signature":
			if seenSig {
				return a, refuse("Authorization has Signature twice")
			}
			seenSig = true
			a.signature = value
		default:
			return a, refuse("Authorization format incorrect")
		}
	}
	switch {
	case !seenAccess || a.accessKey == "":
		return a, refuse("Authorization has no Access")
	case !seenSigned:
		return a, refuse("Authorization has no SignedHeaders")
	case !seenSig:
		return a, refuse("Authorization has no Signature")
	case !isLowerHex(a.signature, sha256.Size*2):
		return a, refuse("Signature is not 64 lower-case hex digits")
	}
	return a, nil
}

// parseSignedHeaders accepts lower-case header names separated by ";",
// strictly ascending (sorted, no duplicates), as every signer produces them.
func parseSignedHeaders(v string) ([]string, error) {
	names := strings.Split(v, ";")
	for i, n := range names {
		if !isLowerToken(n) {
			return nil, refuse("SignedHeaders must be lower-case header names separated by ';'")
		}
		if i > 0 && names[i-1] >= n {
			return nil, refuse("SignedHeaders must be sorted and distinct")
		}
	}
	return names, nil
}

func isLowerToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
