package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodID = "2cc26382-b2cb-4234-8eb0-b37d362f4d4c"

// testWS is a workspace that does not exist, under a folder that can be
// written: Load checks that the output folder can be written (in the
// deepest folder of the path that exists) before any request.
var testWS = filepath.Join(os.TempDir(), "codearts-logs-config-test", "ws")

// src builds a Source from an input map (present keys are "set") and an env map.
func src(inputs, env map[string]string) Source {
	return Source{
		Input: func(n string) (string, bool) {
			v, ok := inputs[n]
			return v, ok
		},
		Getenv:      func(k string) string { return env[k] },
		BaseDir:     testWS,
		InWorkspace: true,
	}
}

func base(extra ...string) map[string]string {
	m := map[string]string{"record-id": goodID, "region": "cn-north-4", "token": "tok-abc"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(src(base(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com" {
		t.Errorf("endpoint = %q", c.Endpoint)
	}
	if c.LogLevel != "INFO" || c.Concurrency != 4 || c.ContextLines != 3 || c.MaxExcerptLines != 40 ||
		c.Timeout != 10*time.Minute || c.WaitTimeout != 0 || c.FailOnBuildFailure || c.RetentionDays != 0 {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.Dir != filepath.Join(testWS, DefaultPath) {
		t.Errorf("dir = %q", c.Dir)
	}
	if c.ArtifactName != "codearts-build-logs-"+goodID {
		t.Errorf("artifact name = %q", c.ArtifactName)
	}
	if len(c.Tasks) != 0 {
		t.Errorf("tasks = %v, want none (discover)", c.Tasks)
	}
}

func TestLoadValues(t *testing.T) {
	t.Parallel()
	c, err := Load(src(base(
		"task-names", "stage1, stage3\nstage1\tstage2,,",
		"log-level", "debug",
		"endpoint", "https://example.com/prefix/",
		"path", "out/logs",
		"artifact-name", "logs-{record-id}-x",
		"retention-days", "7",
		"concurrency", "32",
		"failure-patterns", "custom-fail\n\n  OOMKilled  ",
		"context-lines", "0",
		"max-excerpt-lines", "1000",
		"fail-on-build-failure", "True",
		"wait-timeout", "30m",
		"timeout", "600",
	), nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Tasks, ","); got != "stage1,stage3,stage2" {
		t.Errorf("tasks = %q (deduplicated, order kept)", got)
	}
	if c.LogLevel != "DEBUG" || c.Endpoint != "https://example.com/prefix" || c.Concurrency != 32 ||
		c.ContextLines != 0 || c.MaxExcerptLines != 1000 || !c.FailOnBuildFailure ||
		c.WaitTimeout != 30*time.Minute || c.Timeout != 10*time.Minute || c.RetentionDays != 7 {
		t.Errorf("values: %+v", c)
	}
	if c.ArtifactName != "logs-"+goodID+"-x" {
		t.Errorf("artifact name = %q", c.ArtifactName)
	}
	if c.Dir != filepath.Join(testWS, "out/logs") {
		t.Errorf("dir = %q", c.Dir)
	}
	if len(c.FailurePatterns) != 2 || !c.Matcher.Match([]byte("pod OOMKilled")) {
		t.Errorf("failure patterns = %q", c.FailurePatterns)
	}
}

func TestArtifactNameEmptyDisablesUpload(t *testing.T) {
	t.Parallel()
	c, err := Load(src(base("artifact-name", ""), nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.ArtifactName != "" {
		t.Errorf("artifact name = %q, want empty (no upload)", c.ArtifactName)
	}
}

func TestEnvironmentDefaults(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"HUAWEI_CLOUD_REGION":            "ap-southeast-3",
		"HUAWEI_CLOUD_ACCESS_KEY_ID":     "QTWAOYTTINDUT2QVKYUC",
		"HUAWEI_CLOUD_SECRET_ACCESS_KEY": "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
		"HUAWEI_CLOUD_PROJECT_ID":        "77b6a44cba5143ab91d13ab9a8ff44fd",
	}
	c, err := Load(src(map[string]string{"record-id": goodID}, env))
	if err != nil {
		t.Fatal(err)
	}
	if c.Token != "" || c.AccessKey != env["HUAWEI_CLOUD_ACCESS_KEY_ID"] || c.SecretKey != env["HUAWEI_CLOUD_SECRET_ACCESS_KEY"] ||
		c.ProjectID != env["HUAWEI_CLOUD_PROJECT_ID"] || c.Endpoint != "https://cloudbuild-ext.ap-southeast-3.myhuaweicloud.com" {
		t.Errorf("env defaults not used: %+v", c)
	}
	// A token wins over AK/SK.
	c, err = Load(src(map[string]string{"record-id": goodID, "token": "tok"}, env))
	if err != nil {
		t.Fatal(err)
	}
	if c.Token != "tok" || c.AccessKey != "" || c.SecretKey != "" {
		t.Errorf("token did not win: %+v", c)
	}
	// CODEARTS_TOKEN works as the token.
	c, err = Load(src(map[string]string{"record-id": goodID, "region": "cn-north-4"}, map[string]string{"CODEARTS_TOKEN": "envtok"}))
	if err != nil || c.Token != "envtok" {
		t.Errorf("CODEARTS_TOKEN: %v %+v", err, c)
	}
}

func TestEURegion(t *testing.T) {
	t.Parallel()
	c, err := Load(src(base("region", "eu-west-101"), nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "https://build-backend.eu-west-101.myhuaweicloud.eu" {
		t.Errorf("endpoint = %q", c.Endpoint)
	}
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	secret := "s3cr3t-token-value"
	tests := []struct {
		name   string
		inputs map[string]string
		env    map[string]string
		input  string // the input the error must name
		want   string // a fragment of the message
	}{
		{"missing record", map[string]string{"region": "cn-north-4", "token": "t"}, nil, "record-id", "required"},
		{"bad record", base("record-id", "2CC26382-B2CB-4234-8EB0-B37D362F4D4C"), nil, "record-id", "36 characters"},
		{"short record", base("record-id", "abc"), nil, "record-id", "36 characters"},
		{"traversal task", base("task-names", "stage1,../etc/passwd"), nil, "task-names", "../etc/passwd"},
		{"slash task", base("task-names", "a/b"), nil, "task-names", "no '/'"},
		{"dotdot task", base("task-names", ".."), nil, "task-names", "not a task name"},
		{"backslash task", base("task-names", `a\b`), nil, "task-names", "not a task name"},
		{"long task", base("task-names", strings.Repeat("s", 129)), nil, "task-names", "128"},
		{"dot task", base("task-names", ".hidden"), nil, "task-names", "not a task name"},
		{"only separators", base("task-names", " , ,"), nil, "task-names", "lists no stage"},
		{"env region", map[string]string{"record-id": goodID, "token": "t"}, map[string]string{"HUAWEI_CLOUD_REGION": "north"}, "region", "from HUAWEI_CLOUD_REGION"},
		{"env ak", map[string]string{"record-id": goodID, "region": "cn-north-4"}, map[string]string{"HUAWEI_CLOUD_ACCESS_KEY_ID": "bad key", "HUAWEI_CLOUD_SECRET_ACCESS_KEY": "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"}, "access-key-id", "came from HUAWEI_CLOUD_ACCESS_KEY_ID"},
		{"level", base("log-level", "TRACE"), nil, "log-level", "INFO or DEBUG"},
		{"http endpoint", base("endpoint", "http://example.com"), nil, "endpoint", "plain http://"},
		{"ftp endpoint", base("endpoint", "ftp://example.com"), nil, "endpoint", "scheme"},
		{"relative endpoint", base("endpoint", "example.com/x"), nil, "endpoint", "absolute URL"},
		{"userinfo endpoint", base("endpoint", "https://u:p@example.com"), nil, "endpoint", "user name"},
		{"query endpoint", base("endpoint", "https://example.com/?a=b"), nil, "endpoint", "query"},
		{"bad region", base("region", "north 4"), nil, "region", "region"},
		{"no region no endpoint", map[string]string{"record-id": goodID, "token": "t"}, nil, "region", "required"},
		{"no credentials", map[string]string{"record-id": goodID, "region": "cn-north-4"}, nil, "token", "no credentials"},
		{"ak without sk", map[string]string{"record-id": goodID, "region": "cn-north-4", "access-key-id": "QTWAOYTTINDUT2QVKYUC"}, nil, "secret-access-key", "required"},
		{"sk without ak", map[string]string{"record-id": goodID, "region": "cn-north-4"}, map[string]string{"HUAWEI_CLOUD_SECRET_ACCESS_KEY": "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"}, "access-key-id", "required"},
		{"malformed ak", map[string]string{"record-id": goodID, "region": "cn-north-4", "access-key-id": "not a key!", "secret-access-key": "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"}, nil, "access-key-id", ""},
		{"token with newline", base("token", secret+"\nx"), nil, "token", "not an IAM token"},
		{"absolute path", base("path", "/etc"), nil, "path", "relative"},
		{"escaping path", base("path", "../outside"), nil, "path", "inside the workspace"},
		{"workspace path", base("path", "."), nil, "path", "inside the workspace"},
		{"artifact chars", base("artifact-name", "a:b"), nil, "artifact-name", ""},
		{"retention", base("retention-days", "91"), nil, "retention-days", "0 to 90"},
		{"retention word", base("retention-days", "week"), nil, "retention-days", "whole number"},
		{"concurrency 0", base("concurrency", "0"), nil, "concurrency", "1 to 32"},
		{"concurrency 33", base("concurrency", "33"), nil, "concurrency", "1 to 32"},
		{"bad pattern", base("failure-patterns", "ok\nfail(("), nil, "failure-patterns", "fail(("},
		{"context", base("context-lines", "-1"), nil, "context-lines", "0 to 50"},
		{"max excerpt", base("max-excerpt-lines", "0"), nil, "max-excerpt-lines", "1 to 1000"},
		{"bool", base("fail-on-build-failure", "maybe"), nil, "fail-on-build-failure", "true or false"},
		{"wait", base("wait-timeout", "soon"), nil, "wait-timeout", "duration"},
		{"negative wait", base("wait-timeout", "-1m"), nil, "wait-timeout", "duration"},
		{"timeout zero", base("timeout", "0"), nil, "timeout", "duration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(src(tc.inputs, tc.env))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InputError", err)
			}
			if ie.Input != tc.input {
				t.Errorf("input = %q, want %q (%v)", ie.Input, tc.input, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message %q lacks %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "MFyfvK41") {
				t.Errorf("message leaks a secret: %q", err)
			}
		})
	}
}

func TestLoopbackHTTPAllowed(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{"http://127.0.0.1:8080/x", "http://localhost:1", "http://[::1]:9/"} {
		if _, err := Load(src(base("endpoint", ep), nil)); err != nil {
			t.Errorf("%s: %v", ep, err)
		}
	}
}

func TestCLIPathMayBeAbsolute(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "x")
	s := src(base("path", dir), nil)
	s.InWorkspace = false
	c, err := Load(s)
	if err != nil || c.Dir != dir {
		t.Fatalf("%v %q", err, c.Dir)
	}
}

// TestUnwritablePathIsBadInput: a folder this user cannot write (a system
// folder, a read-only mount) is refused before any request, naming path,
// instead of failing every download after them.
func TestUnwritablePathIsBadInput(t *testing.T) {
	t.Parallel()
	var dirs []string
	if fi, err := os.Stat("/proc/self"); err == nil && fi.IsDir() {
		dirs = append(dirs, "/proc/self/logs") // not writable, even by root
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, ro, filepath.Join(ro, "new/logs"))
	}
	if len(dirs) == 0 {
		t.Skip("no folder here that this user cannot write")
	}
	for _, dir := range dirs {
		s := src(base("path", dir), nil)
		s.InWorkspace = false
		_, err := Load(s)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Input != "path" || !strings.Contains(err.Error(), "cannot be written") {
			t.Errorf("path %s: err = %v, want bad input naming path", dir, err)
		}
	}
}

func FuzzParseTasks(f *testing.F) {
	for _, s := range []string{"stage1, stage2", "../x", "a/b", "stage1\nstage1", "", ",,, ", "st\x00age"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tasks, err := ParseTasks(s)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, task := range tasks {
			if task == "" || strings.ContainsAny(task, `/\`) || strings.Contains(task, "..") || filepath.Base(task) != task || len(task) > 128 {
				t.Fatalf("unsafe task %q accepted from %q", task, s)
			}
			if seen[task] {
				t.Fatalf("duplicate %q", task)
			}
			seen[task] = true
		}
	})
}

func FuzzLoad(f *testing.F) {
	f.Add(goodID, "stage1", "INFO", "https://x.example.com", "7", "4", "10m")
	f.Add("x", "../y", "debug", "http://evil.example", "-1", "99", "forever")
	f.Fuzz(func(t *testing.T, id, tasks, level, endpoint, retention, conc, timeout string) {
		in := map[string]string{"record-id": id, "task-names": tasks, "log-level": level, "endpoint": endpoint,
			"retention-days": retention, "concurrency": conc, "timeout": timeout, "token": "tok"}
		c, err := Load(src(in, nil))
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Input == "" {
				t.Fatalf("error without an input name: %v", err)
			}
			return
		}
		if c.Concurrency < 1 || c.Concurrency > 32 || (c.LogLevel != "INFO" && c.LogLevel != "DEBUG") || c.Timeout <= 0 {
			t.Fatalf("invalid config accepted: %+v", c)
		}
		if !strings.HasPrefix(c.Endpoint, "https://") && !strings.HasPrefix(c.Endpoint, "http://") {
			t.Fatalf("endpoint %q", c.Endpoint)
		}
	})
}
