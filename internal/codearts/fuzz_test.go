package codearts

import (
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// checkServerText asserts what every server text in an error must satisfy.
func checkServerText(t *testing.T, field, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s is not valid UTF-8: %q", field, s)
	}
	if strings.Contains(s, testToken) {
		t.Errorf("%s leaks the token: %q", field, s)
	}
	if utf8.RuneCountInString(s) > maxMessage+40 {
		t.Errorf("%s is %d runes long", field, utf8.RuneCountInString(s))
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			t.Errorf("%s holds control character %U: %q", field, r, s)
			return
		}
	}
}

func fuzzClient(t testing.TB) *Client {
	c, err := New(Options{Endpoint: "https://example.com", Redact: func(s string) string { return strings.ReplaceAll(s, testToken, "***") }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func FuzzParseErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"error_code":"CB.00060214","error_msg":"not found","request_id":"r"}`,
		`{"error":{"code":"APIGW.0301","message":"token ` + testToken + `"}}`,
		`<html><head><title>x</title></head><body><h1>502</h1>` + testToken + `</body></html>`,
		"plain\x00text\r\n\x1b[31mred",
		`{"error_msg": "\u0000\u001b` + testToken + `"}`,
		`[1,2,3]`,
	} {
		f.Add(200, "application/json", []byte(seed))
		f.Add(502, "text/html", []byte(seed))
	}
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		e := c.parseErrorBody(status, contentType, body)
		if e.Status != status {
			t.Fatalf("status %d became %d", status, e.Status)
		}
		checkServerText(t, "Code", e.Code)
		checkServerText(t, "Message", e.Message)
		checkServerText(t, "RequestID", e.RequestID)
		if strings.Contains(e.Error(), testToken) {
			t.Errorf("Error() leaks the token: %q", e.Error())
		}
	})
}

func FuzzParseRecord(f *testing.F) {
	for _, seed := range []string{
		`{"status":"success","error":null,"result":{"build_stages":{"initial":{"sequence":0},"stage1":{"sequence":1,"status":"SUCCESS","duration":5},"final":{"sequence":2}}}}`,
		`{"status":"error","error":{"error_code":"CB.1","error_msg":"` + testToken + `"}}`,
		`{"result":{"build_stages":{"stage2":{"sequence":"x"}}}}`,
		`{"result":{"build_stages":{"stage10":{"sequence":1},"stage9":{"sequence":1}}}}`,
	} {
		f.Add([]byte(seed))
	}
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}
		rec, apiErr := c.parseRecord(resp, body)
		if apiErr != nil {
			checkServerText(t, "Message", apiErr.Message)
			checkServerText(t, "Code", apiErr.Code)
			if len(rec.All) != 0 {
				t.Error("a record came with an error")
			}
			return
		}
		for i := 1; i < len(rec.All); i++ {
			if rec.All[i-1].Sequence > rec.All[i].Sequence {
				t.Fatalf("All not ordered by sequence: %+v", rec.All)
			}
		}
		for _, s := range rec.Stages {
			if !stageKey.MatchString(s.Task) {
				t.Fatalf("Stages holds %q", s.Task)
			}
		}
	})
}
