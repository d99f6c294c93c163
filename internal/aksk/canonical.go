// Package aksk signs HTTP requests with Huawei Cloud's AK/SK algorithm
// (SDK-HMAC-SHA256, the scheme of the API gateway in front of CodeArts Build).
//
// The algorithm mirrors huaweicloud-sdk-go-v3 core/auth/signer (escaping,
// query and header canonicalisation) and is pinned by the two test vectors
// Huawei publishes (docs/codearts-api.md). Signatures are checked on the
// fake service's side by internal/fakecodearts/akskcheck, which shares no
// code with this package, so a signing bug cannot pass for correct.
package aksk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Protocol constants of the SDK-HMAC-SHA256 scheme.
const (
	// Algorithm is the scheme name that starts the Authorization header and
	// the string to sign.
	Algorithm = "SDK-HMAC-SHA256"
	// DateFormat is the layout of the X-Sdk-Date header (always UTC).
	DateFormat = "20060102T150405Z"
	// HeaderDate carries the signing time; it is always signed.
	HeaderDate = "X-Sdk-Date"
	// HeaderProjectID carries the project ID; it is signed whenever present.
	HeaderProjectID = "X-Project-Id"
	// HeaderContentSHA256, when set, replaces the body hash in the canonical
	// request (Huawei's SDK sets it to UnsignedPayload for streamed bodies).
	HeaderContentSHA256 = "X-Sdk-Content-Sha256"
	// UnsignedPayload is the HeaderContentSHA256 value that leaves the body
	// out of the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// emptySHA256 is hex(sha256("")), the body hash of every request without a body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// CanonicalRequest returns the canonical form of req that SDK-HMAC-SHA256
// hashes:
//
//	METHOD \n URI \n QUERY \n HEADERS \n SIGNED_HEADERS \n bodyHash
//
// URI is req.URL.Path with every segment escaped and a trailing "/"; QUERY
// holds the decoded query sorted by key then value, each escaped, joined as
// k=v&k=v; HEADERS has one "name:trimmed-value\n" line per value of each
// signed header (values of one header sorted). The value of "host" is the
// host the request is sent to or was received on (see Host rules in
// Authorize). Header values are trimmed, then sorted. signedHeaders must already be lower-case and sorted: they are
// used as given, as the gateway does with the SignedHeaders it receives.
// A signed header with no value contributes no line, as in Huawei's SDK.
func CanonicalRequest(req *http.Request, signedHeaders []string, bodyHash string) string {
	var b strings.Builder
	b.WriteString(req.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(req.URL))
	b.WriteByte('\n')
	var query url.Values
	if req.URL != nil {
		query = req.URL.Query()
	}
	b.WriteString(canonicalQuery(query))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		for _, v := range headerValues(req, name) {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(bodyHash)
	return b.String()
}

// StringToSign returns the string that is signed with the secret key:
// Algorithm \n sdkDate \n hex(sha256(canonical)).
func StringToSign(canonical, sdkDate string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

// Signature returns hex(HMAC-SHA256(sk, stringToSign)), the Signature field
// of the Authorization header.
func Signature(sk, stringToSign string) string {
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(stringToSign))
	return hex.EncodeToString(mac.Sum(nil))
}

// canonicalURI escapes each segment of the decoded path and makes sure the
// result ends with "/", as the gateway does.
func canonicalURI(u *url.URL) string {
	var p string
	if u != nil {
		p = u.Path
	}
	segments := strings.Split(p, "/")
	for i, s := range segments {
		segments[i] = escape(s)
	}
	out := strings.Join(segments, "/")
	if !strings.HasSuffix(out, "/") {
		out += "/"
	}
	return out
}

// canonicalQuery sorts keys, then the values of each key (both compared
// unescaped, like Huawei's SDK), and escapes both.
func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		values := slices.Clone(q[k])
		slices.Sort(values)
		ek := escape(k)
		for _, v := range values {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(escape(v))
		}
	}
	return b.String()
}

// headerValues returns the trimmed, sorted values of the named header; "host" comes
// from the request line rather than the header map, because net/http keeps
// it in req.Host (server side) or takes it from req.URL (client side).
func headerValues(req *http.Request, name string) []string {
	if strings.EqualFold(name, "host") {
		if h := requestHost(req); h != "" {
			return []string{h}
		}
		return nil
	}
	raw := req.Header.Values(name)
	values := make([]string, len(raw))
	for i, v := range raw {
		values[i] = strings.TrimSpace(v)
	}
	// Trim before sorting: servers receive values already trimmed, so only
	// this order is the same on both ends.
	slices.Sort(values)
	return values
}

// requestHost is the Host header value that net/http sends for a client
// request (req.Host, else req.URL.Host) or received for a server request
// (req.Host).
func requestHost(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	if req.URL != nil && req.URL.Host != "" {
		return req.URL.Host
	}
	return req.Header.Get("Host")
}

// shouldEscape reports whether c is outside the RFC 3986 unreserved set
// A-Z a-z 0-9 - _ . ~, the only bytes the gateway leaves unescaped.
func shouldEscape(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return false
	case c == '-', c == '_', c == '.', c == '~':
		return false
	}
	return true
}

// escape percent-encodes every byte outside the unreserved set with upper-case
// hex (so a space is %20, never "+").
func escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if shouldEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	out := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if shouldEscape(c) {
			out = append(out, '%', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// errBodyNotReplayable is returned when a client request has a body that
// could only be hashed by consuming it.
var errBodyNotReplayable = errors.New("request body cannot be hashed without consuming it: build the request with http.NewRequest and a bytes, strings or bytes.Buffer reader so that GetBody is set, or set " + HeaderContentSHA256)

// clientBodyHash returns the body hash for a request about to be sent: the
// X-Sdk-Content-Sha256 header when set, the hash of a fresh copy from
// req.GetBody, or the hash of the empty string when there is no body.
// req.Body itself is never read.
func clientBodyHash(req *http.Request) (string, error) {
	if h := req.Header.Get(HeaderContentSHA256); h != "" {
		return h, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return "", fmt.Errorf("get request body: %w", err)
		}
		defer rc.Close()
		return hashReader(sha256.New(), rc)
	}
	if req.Body == nil || req.Body == http.NoBody {
		return emptySHA256, nil
	}
	return "", errBodyNotReplayable
}

// hashReader streams r through h and returns the hex digest.
func hashReader(h hash.Hash, r io.Reader) (string, error) {
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("read request body: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
