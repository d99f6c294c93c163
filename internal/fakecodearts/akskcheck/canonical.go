package akskcheck

// The canonical request of SDK-HMAC-SHA256, rebuilt on the receiving side.
// This file is written from the algorithm's description (docs/codearts-api.md,
// "Authentication"), deliberately without the signer's code: a mistake in
// the signer's canonicalisation must make this check refuse, not agree.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// unreserved are the bytes the gateway leaves as they are; every other
// byte is %XX with upper-case hex.
const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"

func percentEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte(unreserved, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// canonicalRequest is the text whose SHA-256 is signed, one part a line:
// method, URI, query, the signed headers' lines (with an empty line after
// them), the signed header names, and the body hash.
func canonicalRequest(r *http.Request, signed []string, bodyHash string) string {
	parts := []string{
		r.Method,
		uriOf(r),
		queryOf(r),
		headerLines(r, signed),
		strings.Join(signed, ";"),
		bodyHash,
	}
	return strings.Join(parts, "\n")
}

// uriOf escapes each segment of the decoded path; the URI always ends
// with "/".
func uriOf(r *http.Request) string {
	segs := strings.Split(r.URL.Path, "/")
	for i := range segs {
		segs[i] = percentEncode(segs[i])
	}
	uri := strings.Join(segs, "/")
	if strings.HasSuffix(uri, "/") {
		return uri
	}
	return uri + "/"
}

// queryOf sorts the decoded parameters by name, then by value, and joins
// them escaped as name=value&name=value.
func queryOf(r *http.Request) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, pair{k, v})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = percentEncode(p.k) + "=" + percentEncode(p.v)
	}
	return strings.Join(out, "&")
}

// headerLines is "name:value\n" for each value of each signed header
// (values trimmed, then sorted), in the order of signed. The host is the one
// the request arrived for.
func headerLines(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		for _, v := range received(r, name) {
			b.WriteString(name + ":" + v + "\n")
		}
	}
	return b.String()
}

// received returns a header's trimmed values, sorted; "host" is the Host the
// server saw (net/http keeps it out of the header map).
func received(r *http.Request, name string) []string {
	if name == "host" {
		if r.Host == "" {
			return nil
		}
		return []string{r.Host}
	}
	var vs []string
	for _, v := range r.Header.Values(name) {
		vs = append(vs, strings.TrimSpace(v))
	}
	sort.Strings(vs)
	return vs
}

// signatureOf is hex(HMAC-SHA256(sk, "SDK-HMAC-SHA256\n" + date + "\n" +
// hex(SHA-256(canonical)))).
func signatureOf(sk, date, canonical string) string {
	digest := sha256.Sum256([]byte(canonical))
	toSign := algorithm + "\n" + date + "\n" + hex.EncodeToString(digest[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(toSign))
	return hex.EncodeToString(mac.Sum(nil))
}
