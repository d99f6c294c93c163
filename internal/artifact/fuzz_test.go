package artifact

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzBackendIDs feeds arbitrary runtime tokens: the parser must not panic,
// must find ids only in an Actions.Results scope, and must never quote the
// token in its error.
func FuzzBackendIDs(f *testing.F) {
	f.Add(makeToken(`{"scp":"Actions.Results:1:1"}`))
	f.Add(makeToken(`{"scp":["Actions.Results:a:b"]}`))
	f.Add(makeToken(`{"scp":"Actions.Results::"}`))
	f.Add(makeToken(`{"scp":7}`))
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		run, job, err := backendIDs(token)
		if err != nil {
			// Messages hold at most one '.', so a token with two cannot
			// appear in them by chance.
			if strings.Count(token, ".") >= 2 && strings.Contains(err.Error(), token) {
				t.Fatalf("error %q quotes the token", err)
			}
			return
		}
		if run == "" || job == "" || strings.Contains(run+job, ":") || strings.ContainsAny(run+job, " \t\n") {
			t.Fatalf("ids %q %q from %q", run, job, token)
		}
	})
}

// FuzzAnswerFields feeds arbitrary Twirp answers to the field readers.
func FuzzAnswerFields(f *testing.F) {
	f.Add(`{"ok":true,"artifactId":"12","signedUploadUrl":"http://x/?sig=1"}`)
	f.Add(`{"ok":true,"artifact_id":12}`)
	f.Add(`{"artifact_id":1e3}`)
	f.Add(`{"artifact_id":"-1"}`)
	f.Fuzz(func(t *testing.T, answer string) {
		var fields map[string]json.RawMessage
		if json.Unmarshal([]byte(answer), &fields) != nil {
			return
		}
		_, _ = stringField(fields, "signed_upload_url")
		_, _ = int64Field(fields, "artifact_id")
	})
}

// FuzzCleanerLine feeds arbitrary service text to the cleaner: what comes
// out is one line of valid UTF-8 without control or bidirectional
// characters, cut, and never holds the secret.
func FuzzCleanerLine(f *testing.F) {
	f.Add("disk on fire")
	f.Add("a\x1b]0;title\x07b\x1b[2Jc\u202ed\nsecond line")
	f.Add("sig " + fakeSig + " " + fakeSigPlain + " aB%2bc%2fd%3D%3d")
	f.Add("aB+c/d\x1b=aB+c/d==\xff")
	c := newCleaner(fakeSig)
	f.Fuzz(func(t *testing.T, s string) {
		out := c.line(s, 50)
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > 50 || strings.Contains(out, fakeSigPlain) || strings.Contains(out, fakeSig) {
			t.Fatalf("line(%q) = %q", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' {
				t.Fatalf("line(%q) = %q keeps %U", s, out, r)
			}
		}
	})
}
