package aksk

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"AZaz09-_.~", "AZaz09-_.~"},
		{"a b", "a%20b"},
		{"a+b", "a%2Bb"},
		{"/tmp/123", "%2Ftmp%2F123"},
		// huaweicloud-sdk-go-v3 signer_test canonicalQueryString case.
		{"一 (&=?!#%.*)", "%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"},
		{"\x00\xff", "%00%FF"},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCanonicalURI(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"", "/"},
		{"/", "/"},
		{"/path", "/path/"},
		{"/v4/2cc26382-b2cb-4234-8eb0-b37d362f4d4c/task-log", "/v4/2cc26382-b2cb-4234-8eb0-b37d362f4d4c/task-log/"},
		{"/v1/x/", "/v1/x/"},
		{"/a b/c:d@e", "/a%20b/c%3Ad%40e/"},
		{"/构建/日志", "/%E6%9E%84%E5%BB%BA/%E6%97%A5%E5%BF%97/"},
	}
	for _, tt := range tests {
		if got := canonicalURI(&url.URL{Path: tt.path}); got != tt.want {
			t.Errorf("canonicalURI(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
	if got := canonicalURI(nil); got != "/" {
		t.Errorf("canonicalURI(nil) = %q, want /", got)
	}
}

func TestCanonicalQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, want string }{
		{"", ""},
		{"limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"},
		{"b=1&a=2", "a=2&b=1"},
		{"multi=3&multi=1&multi=2", "multi=1&multi=2&multi=3"},
		{"task_name=stage+1", "task_name=stage%201"},
		{"task_name=stage%201", "task_name=stage%201"},
		{"k=a%2Bb", "k=a%2Bb"},
		{"flag", "flag="},
		{"Z=1&a=1", "Z=1&a=1"}, // byte order, upper case first
		{"path=%2Ftmp%2F123&enable=true&limit=1", "enable=true&limit=1&path=%2Ftmp%2F123"},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := canonicalQuery(q); got != tt.want {
			t.Errorf("canonicalQuery(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestCanonicalRequestLayout(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080/v4/r/task-log?task_name=stage1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Add("X-Multi", " b ")
	req.Header.Add("X-Multi", "a")
	req.Header.Set(HeaderDate, "20261127T083000Z")
	values := req.Header.Values("X-Multi")
	got := CanonicalRequest(req, []string{"host", "x-absent", "x-multi", "x-sdk-date"}, emptySHA256)
	want := strings.Join([]string{
		"GET",
		"/v4/r/task-log/",
		"task_name=stage1",
		"host:127.0.0.1:8080",
		"x-multi:a",
		"x-multi:b",
		"x-sdk-date:20261127T083000Z",
		"",
		"host;x-absent;x-multi;x-sdk-date",
		emptySHA256,
	}, "\n")
	if got != want {
		t.Errorf("CanonicalRequest =\n%s\nwant\n%s", got, want)
	}
	if values[0] != " b " {
		t.Errorf("CanonicalRequest reordered or trimmed the request's own header values: %q", values)
	}
}

func TestStringToSign(t *testing.T) {
	t.Parallel()
	got := StringToSign("", "20060102T150405Z")
	want := "SDK-HMAC-SHA256\n20060102T150405Z\n" + emptySHA256
	if got != want {
		t.Errorf("StringToSign = %q, want %q", got, want)
	}
}
