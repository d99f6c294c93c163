package app

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
)

// reencode serves the fake's answers, but sends the task-log body of the
// stages in enc with that Content-Encoding, encoded as it says (gzip or
// deflate; anything else is sent as the fake wrote it).
func reencode(t *testing.T, h *harness, enc map[string]string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, ok := enc[r.URL.Query().Get("task_name")]
		if !ok || !strings.HasSuffix(r.URL.Path, "/task-log") {
			h.fake.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.fake.ServeHTTP(rec, r)
		var body bytes.Buffer
		switch strings.ToLower(e) {
		case "gzip", "x-gzip":
			zw := gzip.NewWriter(&body)
			zw.Write(rec.Body.Bytes())
			zw.Close()
		case "deflate":
			zw, _ := flate.NewWriter(&body, flate.DefaultCompression)
			zw.Write(rec.Body.Bytes())
			zw.Close()
		default:
			body.Write(rec.Body.Bytes())
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Encoding", e)
		w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
		w.WriteHeader(rec.Code)
		w.Write(body.Bytes())
	}))
	t.Cleanup(srv.Close)
	h.endpoint = srv.URL + prefix
}

// TestContentEncodings: x-gzip is gzip (RFC 9110, section 8.4.1.3); an
// encoding the client did not ask for is an error, retried, then reported
// with what came back, and never saved as if it were the log.
func TestContentEncodings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	st := threeStages()
	h.fake.AddRecord(testRecord, st...)
	reencode(t, h, map[string]string{"stage1": "x-gzip", "stage2": "deflate", "stage3": "br"})
	h.inputs(map[string]string{})
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3 (two logs could not be obtained)\n%s", code, h.stdout.String())
	}
	if got := h.file("stage1.log"); got != string(st[0].Log) {
		t.Errorf("x-gzip not decoded: stage1.log = %q", got)
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,summary.md" {
		t.Errorf("files = %s (a body in an encoding not asked for was saved)", got)
	}
	if !strings.Contains(h.stdout.String(), "task-log stage2: attempt 1 failed (body in a Content-Encoding not asked for)") {
		t.Errorf("the retry lines do not say why:\n%s", h.stdout.String())
	}
	for _, s := range []struct{ task, enc string }{{"stage2", "deflate"}, {"stage3", "br"}} {
		if n := h.fake.Requests(s.task); n < 2 {
			t.Errorf("%s: %d request(s), want retries", s.task, n)
		}
		if want := `Content-Encoding "` + s.enc + `"`; !strings.Contains(h.summary(), want) {
			t.Errorf("summary does not say %s for %s:\n%s", want, s.task, h.summary())
		}
	}
}

// loginPage is what an SSO or proxy in front of the endpoint answers: 200,
// text/html, a title with hostile bytes in it.
const loginPage = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>Sign in \x1b]0;pwned\x07&ndash; Contoso\n SSO ::error::x</title>\n" +
	"<script>var next = \"/v4/task-log\";</script><style>body{margin:0}</style></head>\n" +
	"<body><form method=\"post\" action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"pw\"></form></body></html>\n"

// TestHTMLPageIsNotALog: a 200 text/html answer (a login page of an SSO or
// proxy) is an error that names what came back, like a JSON error body: not
// retried (it will not turn into a log), no <task>.log file.
func TestHTMLPageIsNotALog(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/task-log") && r.URL.Query().Get("task_name") == "stage2" {
			pages.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(loginPage))
			return
		}
		h.fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.endpoint = srv.URL + prefix
	h.inputs(map[string]string{})
	if code := h.run(); code != 3 {
		t.Fatalf("exit %d, want 3 (a log could not be obtained)\n%s", code, h.stdout.String())
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,stage3.log,summary.md" {
		t.Errorf("files = %s (the login page was saved as a log)", got)
	}
	if n := pages.Load(); n != 1 {
		t.Errorf("the login page was asked for %d times, want 1 (retrying cannot help)", n)
	}
	var logs []logEntry
	json.Unmarshal([]byte(h.outputs()["logs"]), &logs)
	if len(logs) != 3 {
		t.Fatalf("logs output = %s", h.outputs()["logs"])
	}
	msg := logs[1].Error
	for _, want := range []string{"HTTP 200", "text/html", `titled "Sign in `, `– Contoso SSO ::error::x"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %s: %q", want, msg)
		}
	}
	if strings.ContainsAny(msg, "\x1b\x07\n") || strings.Contains(msg, "<form") {
		t.Errorf("the error carries the page's raw bytes: %q", msg)
	}
}

// runWith runs the program as h.run does, with the HTTP transport given.
func (h *harness) runWith(tr http.RoundTripper) int {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return Main(ctx, Env{
		LookupEnv: func(k string) (string, bool) {
			v, ok := h.env[k]
			return v, ok
		},
		Stdout:       &h.stdout,
		Stderr:       &h.stderr,
		Version:      "test",
		PollInterval: 10 * time.Millisecond,
		RetryWait:    5 * time.Millisecond,
		Transport:    tr,
	})
}

// TestHTTPSRedirectToHTTPIsRefused: an https endpoint that redirects to
// plain http would have the log travel unencrypted (and a man in the middle
// choose it): the redirect is not followed, not retried, and says why.
func TestHTTPSRedirectToHTTPIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakecodearts.Options{})
	h.fake.AddRecord(testRecord, threeStages()...)
	var plainHits atomic.Int64
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
		w.Write([]byte("[INFO] a log chosen by whoever sits on the wire\n"))
	}))
	t.Cleanup(plain.Close)
	var redirects atomic.Int64
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/task-log") && r.URL.Query().Get("task_name") == "stage2" {
			redirects.Add(1)
			http.Redirect(w, r, plain.URL+"/logs/stage2?sig=s3cr3t-signature", http.StatusFound)
			return
		}
		h.fake.ServeHTTP(w, r)
	}))
	t.Cleanup(secure.Close)
	h.endpoint = secure.URL + prefix
	h.inputs(map[string]string{})
	if code := h.runWith(secure.Client().Transport); code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, h.stdout.String())
	}
	if plainHits.Load() != 0 || redirects.Load() != 1 {
		t.Errorf("plain http asked %d time(s), redirect answered %d time(s); want 0 and 1", plainHits.Load(), redirects.Load())
	}
	if got := strings.Join(h.savedFiles(), ","); got != "stage1.log,stage3.log,summary.md" {
		t.Errorf("files = %s", got)
	}
	var logs []logEntry
	json.Unmarshal([]byte(h.outputs()["logs"]), &logs)
	if len(logs) != 3 || !strings.Contains(logs[1].Error, "refused a redirect from https to plain http") || strings.Contains(logs[1].Error, "s3cr3t") {
		t.Errorf("logs output = %s", h.outputs()["logs"])
	}
}

// connCounter counts the TCP connections a test server accepts.
func connCounter(srv *httptest.Server) *atomic.Int64 {
	var n atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

// TestPermanentTransportErrorsFailAtOnce: what a retry cannot change (a
// proxy that wants credentials, TLS to a plain-HTTP port and back, a
// certificate that does not verify) fails on the first attempt with a
// message that says what is wrong and what to do.
func TestPermanentTransportErrorsFailAtOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, h *harness) (endpoint string, tr http.RoundTripper, tries func() int64)
		want  []string
	}{{
		name: "proxy asks for credentials (407 to CONNECT)",
		setup: func(t *testing.T, h *harness) (string, http.RoundTripper, func() int64) {
			secure := httptest.NewTLSServer(h.fake)
			t.Cleanup(secure.Close)
			var connects atomic.Int64
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				connects.Add(1)
				w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
				w.WriteHeader(http.StatusProxyAuthRequired)
			}))
			t.Cleanup(proxy.Close)
			proxyURL, _ := url.Parse(proxy.URL)
			tr := secure.Client().Transport.(*http.Transport).Clone()
			tr.Proxy = http.ProxyURL(proxyURL)
			return secure.URL + prefix, tr, connects.Load
		},
		want: []string{"proxy", "407", "HTTPS_PROXY", "NO_PROXY"},
	}, {
		name: "https to a plain-HTTP port",
		setup: func(t *testing.T, h *harness) (string, http.RoundTripper, func() int64) {
			plain := httptest.NewUnstartedServer(h.fake)
			n := connCounter(plain)
			plain.Start()
			t.Cleanup(plain.Close)
			return strings.Replace(plain.URL, "http://", "https://", 1) + prefix, nil, n.Load
		},
		want: []string{"plain HTTP", "http://"},
	}, {
		name: "plain http to a TLS port",
		setup: func(t *testing.T, h *harness) (string, http.RoundTripper, func() int64) {
			// A TLS server that answers anything else with a TLS alert, as
			// most TLS stacks do (Go's answers a 400 instead).
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			var conns atomic.Int64
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					conns.Add(1)
					buf := make([]byte, 4096)
					c.Read(buf)
					c.Write([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46}) // alert: protocol_version
					c.Close()
				}
			}()
			return "http://" + ln.Addr().String() + prefix, nil, conns.Load
		},
		want: []string{"TLS", "https://"},
	}, {
		name: "certificate not trusted",
		setup: func(t *testing.T, h *harness) (string, http.RoundTripper, func() int64) {
			secure := httptest.NewUnstartedServer(h.fake)
			n := connCounter(secure)
			secure.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake the client aborts
			secure.StartTLS()
			t.Cleanup(secure.Close)
			// The default transport: the test server's certificate is not
			// in the system's roots.
			return secure.URL + prefix, nil, n.Load
		},
		want: []string{"certificate", "SSL_CERT_FILE"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fakecodearts.Options{})
			h.fake.AddRecord(testRecord, threeStages()...)
			endpoint, tr, tries := tc.setup(t, h)
			h.endpoint = endpoint
			h.inputs(map[string]string{})
			if code := h.runWith(tr); code != 3 {
				t.Fatalf("exit %d, want 3\n%s", code, h.stdout.String())
			}
			if n := tries(); n != 1 {
				t.Errorf("%d attempts, want 1: retrying cannot help\n%s", n, h.stdout.String())
			}
			out := h.stdout.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the message does not say %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "pass task-names") {
				t.Errorf("suggests task-names, whose requests would fail the same way:\n%s", out)
			}
		})
	}
}
