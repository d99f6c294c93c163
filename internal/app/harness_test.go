package app

import (
	"bytes"
	"context"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/fakecodearts"
	"github.com/codearts-tools/codearts-logs/internal/ghaction/runnertest"
)

const (
	testRecord = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"
	testToken  = "MIIT-test-token-value-0123456789"
	prefix     = "/codearts-api"
)

// harness runs the program in-process the way the runner starts the action:
// inputs as INPUT_<NAME> variables, file commands in files, a workspace.
type harness struct {
	t    *testing.T
	fake *fakecodearts.Server
	srv  *httptest.Server
	ws   string
	// retryWait is the first retry wait of both clients; 0 = 5 ms.
	retryWait time.Duration
	env       map[string]string
	stdout    bytes.Buffer
	stderr    bytes.Buffer
	endpoint  string
	// clock, when set, replaces the real clock of the waits.
	clock *fakeClock
}

// fakeClock is an instant clock for the waits: Sleep moves time forward and
// calls onSleep (a test's hook to change the fake service between polls).
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	slept   time.Duration
	onSleep func(n int)
	sleeps  int
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept += d
	c.sleeps++
	n, hook := c.sleeps, c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return nil
}

// fakeClock makes the run's waits instant.
func (h *harness) fakeClock(onSleep func(n int)) *fakeClock {
	h.clock = &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), onSleep: onSleep}
	return h.clock
}

func newHarness(t *testing.T, opts fakecodearts.Options) *harness {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = prefix
	}
	if opts.Token == "" && opts.Verify == nil {
		opts.Token = testToken
	}
	opts.T = t
	h := &harness{t: t, fake: fakecodearts.New(opts), ws: t.TempDir()}
	h.srv = httptest.NewServer(h.fake)
	t.Cleanup(h.srv.Close)
	h.endpoint = h.srv.URL + opts.Prefix
	files := t.TempDir()
	h.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    h.ws,
		"GITHUB_OUTPUT":       filepath.Join(files, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(files, "summary"),
	}
	return h
}

// inputs sets action inputs; the endpoint and token default to the fake's.
func (h *harness) inputs(in map[string]string) {
	defaults := map[string]string{"record-id": testRecord, "endpoint": h.endpoint, "token": testToken}
	for k, v := range defaults {
		if _, ok := in[k]; !ok {
			in[k] = v
		}
	}
	for k, v := range in {
		h.env["INPUT_"+strings.ToUpper(k)] = v
	}
}

func (h *harness) run(args ...string) int {
	h.t.Helper()
	retryWait := h.retryWait
	if retryWait == 0 {
		retryWait = 5 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var now func() time.Time
	var sleep func(context.Context, time.Duration) error
	if h.clock != nil {
		now, sleep = h.clock.Now, h.clock.Sleep
	}
	return Main(ctx, Env{
		Now:   now,
		Sleep: sleep,
		Args:  args,
		LookupEnv: func(k string) (string, bool) {
			v, ok := h.env[k]
			return v, ok
		},
		Stdout:       &h.stdout,
		Stderr:       &h.stderr,
		Version:      "test",
		PollInterval: 10 * time.Millisecond,
		RetryWait:    retryWait,
	})
}

func (h *harness) dir() string { return filepath.Join(h.ws, "codearts-build-logs") }

func (h *harness) file(name string) string {
	h.t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir(), name))
	if err != nil {
		h.t.Fatalf("read %s: %v\nstdout:\n%s", name, err, h.stdout.String())
	}
	return string(b)
}

func (h *harness) summary() string {
	b, _ := os.ReadFile(h.env["GITHUB_STEP_SUMMARY"])
	return string(b)
}

func (h *harness) outputs() map[string]string {
	h.t.Helper()
	b, _ := os.ReadFile(h.env["GITHUB_OUTPUT"])
	out := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func (h *harness) commands() []runnertest.Command { return runnertest.Parse(h.stdout.String()) }

// savedFiles lists the files in the output folder.
func (h *harness) savedFiles() []string {
	var names []string
	filepath.WalkDir(h.dir(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(h.dir(), p)
			names = append(names, rel)
		}
		return nil
	})
	return names
}

// assertNoSecret scans everything the run produced for a secret.
func (h *harness) assertNoSecret(secrets ...string) {
	h.t.Helper()
	places := map[string]string{
		"stdout":  h.stdout.String(),
		"stderr":  h.stderr.String(),
		"summary": h.summary(),
	}
	ob, _ := os.ReadFile(h.env["GITHUB_OUTPUT"])
	places["outputs"] = string(ob)
	filepath.WalkDir(h.ws, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			places[p] = string(b)
		}
		return nil
	})
	masked := map[string]bool{}
	for _, m := range runnertest.Masks(h.commands()) {
		masked[m] = true
	}
	for _, s := range secrets {
		for where, text := range places {
			// A secret may appear only as the data of its own ::add-mask:: command.
			count := strings.Count(text, s)
			if where == "stdout" && masked[s] {
				count -= strings.Count(text, "::add-mask::"+s)
			}
			if count > 0 {
				h.t.Errorf("secret %.6s… appears in %s", s, where)
			}
		}
	}
}
