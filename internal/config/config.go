// Package config turns the action's inputs (or the CLI's flags) and the
// environment into validated settings. Nothing here touches the network:
// every value is checked before the first request, and a bad one yields an
// *InputError naming the input and what it accepts.
package config

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/codearts-tools/codearts-logs/internal/aksk"
	"github.com/codearts-tools/codearts-logs/internal/artifact"
	"github.com/codearts-tools/codearts-logs/internal/failures"
)

// Config is the validated configuration of one run.
type Config struct {
	// Warnings are problems that do not stop the run, to show before it
	// starts.
	Warnings []string

	RecordID string // in job mode, set by SetRecordID once known

	// Job mode (JobID set): the build BuildNumber, the latest one, or one
	// this run starts (RunBuild) with Parameters and Commit.
	JobID        string
	BuildNumber  int // 0: the latest build, or the one RunBuild starts
	RunBuild     bool
	Parameters   []Parameter
	Commit       string
	StopOnCancel bool
	Tasks        []string // empty: discover every stage of the record
	LogLevel     string   // INFO or DEBUG

	Region   string
	Endpoint string // base URL without a trailing slash

	Token     string
	AccessKey string
	SecretKey string
	ProjectID string

	Path string // as given
	Dir  string // absolute output folder

	ArtifactName string // empty: no upload
	// artifactTemplate is artifact-name before {record-id} is filled.
	artifactTemplate string
	RetentionDays    int

	Concurrency     int
	FailurePatterns []string
	Matcher         *failures.Matcher
	ContextLines    int
	MaxExcerptLines int

	FailOnBuildFailure bool
	WaitTimeout        time.Duration
	Timeout            time.Duration
}

// AuthMethod says which credentials the run uses, for messages.
func (c *Config) AuthMethod() string {
	if c.Token != "" {
		return "IAM token"
	}
	return "AK/SK signature (access key " + maskKey(c.AccessKey) + ")"
}

// maskKey shows the first four characters of an access key ID, which is
// not a secret but long enough to be noise.
func maskKey(ak string) string {
	if len(ak) <= 4 {
		return ak
	}
	return ak[:4] + "…"
}

// InputError is a bad input value. Its message names the input and says what
// is allowed; it never contains a secret value.
type InputError struct {
	Input string
	Msg   string
}

func (e *InputError) Error() string { return fmt.Sprintf("input %s: %s", e.Input, e.Msg) }

func bad(input, format string, args ...any) *InputError {
	return &InputError{Input: input, Msg: fmt.Sprintf(format, args...)}
}

// Source supplies raw values.
type Source struct {
	// Input returns an input's raw value and whether it was set at all.
	// Defaults from action.yml are applied by Load when the value is empty,
	// except for artifact-name, where a set but empty value turns the
	// upload off.
	Input func(name string) (string, bool)
	// Getenv reads the environment (HUAWEI_CLOUD_*, CODEARTS_TOKEN).
	Getenv func(string) string
	// BaseDir is where a relative `path` is resolved: GITHUB_WORKSPACE in
	// the action, the working directory on the CLI.
	BaseDir string
	// InWorkspace requires `path` to stay inside BaseDir (the action).
	InWorkspace bool
}

var (
	recordIDRe = regexp.MustCompile(`^[0-9a-z-]{36}$`)
	taskRe     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	regionRe   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,3}$`)
)

// MaxTasks bounds task-names so a pasted list cannot start thousands of
// downloads.
const MaxTasks = 1000

// Load reads and validates every input. The first invalid input is returned
// as an *InputError.
func Load(src Source) (*Config, error) {
	raw := func(name string) string {
		mustLookup(name)
		v, _ := src.Input(name)
		return strings.TrimSpace(v)
	}
	get := func(name string) string {
		if v := raw(name); v != "" {
			return v
		}
		return mustLookup(name).Default
	}
	// fallback reads the environment variable an input falls back to.
	fallback := func(name string) string {
		if k := mustLookup(name).Env; k != "" {
			return strings.TrimSpace(src.Getenv(k))
		}
		return ""
	}
	c := &Config{}

	if err := c.loadTarget(get); err != nil {
		return nil, err
	}

	if err := c.loadSelection(get); err != nil {
		return nil, err
	}
	if err := c.loadEndpoint(get("endpoint"), get("region"), fallback("region")); err != nil {
		return nil, err
	}
	if err := c.loadCredentials(get, fallback); err != nil {
		return nil, err
	}
	if err := c.loadPath(get("path"), src); err != nil {
		return nil, err
	}
	if err := c.loadArtifact(get, src); err != nil {
		return nil, err
	}
	if err := c.loadReport(get, raw); err != nil {
		return nil, err
	}
	if err := c.loadTiming(get); err != nil {
		return nil, err
	}
	return c, nil
}

// loadSelection reads which stages to fetch and at which log level.
func (c *Config) loadSelection(get func(string) string) error {
	tasks, err := ParseTasks(get("task-names"))
	if err != nil {
		return err
	}
	if len(tasks) == 0 && get("task-names") != "" {
		return bad("task-names", "%q lists no stage: name stages such as stage1, stage3, or leave it empty for every stage", clip(get("task-names")))
	}
	c.Tasks = tasks
	switch lvl := strings.ToUpper(get("log-level")); lvl {
	case "INFO", "DEBUG":
		c.LogLevel = lvl
	default:
		return bad("log-level", "%q is not allowed: use INFO or DEBUG", clip(get("log-level")))
	}
	return nil
}

// loadArtifact reads the artifact's name and retention.
func (c *Config) loadArtifact(get func(string) string, src Source) error {
	if name, set := src.Input("artifact-name"); set && strings.TrimSpace(name) == "" {
		c.ArtifactName = "" // explicitly empty: keep the files, do not upload
	} else {
		c.artifactTemplate = get("artifact-name")
		// In job mode the record ID is known later (SetRecordID): check the
		// name with a record-shaped stand-in.
		id := c.RecordID
		if id == "" {
			id = "00000000-0000-0000-0000-000000000000"
		}
		c.ArtifactName = strings.ReplaceAll(c.artifactTemplate, "{record-id}", id)
		if err := artifact.ValidateName(c.ArtifactName); err != nil {
			return bad("artifact-name", "%v", err)
		}
		c.ArtifactName = strings.ReplaceAll(c.artifactTemplate, "{record-id}", c.RecordID)
	}
	var err error
	c.RetentionDays, err = intIn(get, "retention-days", 0, 90)
	return err
}

// loadReport reads how the downloads run and what the report shows.
func (c *Config) loadReport(get, raw func(string) string) error {
	var err error
	if c.Concurrency, err = intIn(get, "concurrency", 1, 32); err != nil {
		return err
	}
	// One pattern a line; spaces around a line are YAML indentation, not regex.
	for _, p := range failures.ParsePatterns(raw("failure-patterns")) {
		if p = strings.TrimSpace(p); p != "" {
			c.FailurePatterns = append(c.FailurePatterns, p)
		}
	}
	if c.Matcher, err = failures.NewMatcher(c.FailurePatterns); err != nil {
		return bad("failure-patterns", "%v", err)
	}
	if c.ContextLines, err = intIn(get, "context-lines", 0, 50); err != nil {
		return err
	}
	c.MaxExcerptLines, err = intIn(get, "max-excerpt-lines", 1, 1000)
	return err
}

// loadTiming reads the verdict's effect and the time budgets.
func (c *Config) loadTiming(get func(string) string) error {
	var err error
	if c.FailOnBuildFailure, err = parseBool("fail-on-build-failure", get("fail-on-build-failure")); err != nil {
		return err
	}
	if c.WaitTimeout, err = parseDuration("wait-timeout", get("wait-timeout"), 0, 24*time.Hour); err != nil {
		return err
	}
	c.Timeout, err = parseDuration("timeout", get("timeout"), time.Second, 24*time.Hour)
	return err
}

// ParseTasks splits task-names on commas, spaces and newlines, drops
// duplicates (keeping the first occurrence's order) and refuses names that
// could leave the output folder or are not plausible stage names.
func ParseTasks(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == ';'
	})
	seen := make(map[string]bool, len(fields))
	var out []string
	for _, f := range fields {
		if !taskRe.MatchString(f) || strings.Contains(f, "..") {
			return nil, bad("task-names", "%q is not a task name: use stage names such as stage1 (letters, digits, '_', '-', '.', at most 128 characters; no '/' or '..')", clip(f))
		}
		if seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, f)
	}
	if len(out) > MaxTasks {
		return nil, bad("task-names", "lists %d stages; at most %d are allowed", len(out), MaxTasks)
	}
	return out, nil
}

// EndpointForRegion is the default CodeArts Build endpoint of a region
// (the official SDK's region table; the EU site has its own host).
func EndpointForRegion(region string) string {
	if region == "eu-west-101" {
		return "https://build-backend.eu-west-101.myhuaweicloud.eu"
	}
	return "https://cloudbuild-ext." + region + ".myhuaweicloud.com"
}

func (c *Config) loadEndpoint(endpoint, region, envRegion string) error {
	from := ""
	if region == "" && envRegion != "" {
		region, from = envRegion, " (from HUAWEI_CLOUD_REGION)"
	}
	if region != "" && !regionRe.MatchString(region) {
		if endpoint != "" && from != "" {
			// The endpoint overrides the region, and the environment's
			// region was not written for this step (auth-action exports it
			// for every step): a warning, not a reason to stop.
			c.Warnings = append(c.Warnings, fmt.Sprintf("HUAWEI_CLOUD_REGION %q is not a Huawei Cloud region; it is ignored, as the endpoint input is set", clip(region)))
			region = ""
		} else {
			return bad("region", "%q%s is not a Huawei Cloud region: expected a name such as cn-north-4 or ap-southeast-3", clip(region), from)
		}
	}
	c.Region = region
	if endpoint == "" {
		if region == "" {
			return bad("region", "is required when endpoint is empty: set region (e.g. cn-north-4), HUAWEI_CLOUD_REGION, or endpoint")
		}
		c.Endpoint = EndpointForRegion(region)
		return nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad("endpoint", "%q is not an absolute URL such as https://cloudbuild-ext.cn-north-4.myhuaweicloud.com", clip(endpoint))
	}
	switch {
	case u.User != nil:
		return bad("endpoint", "must not contain a user name or password; pass credentials with token or access-key-id/secret-access-key")
	case u.RawQuery != "" || u.Fragment != "":
		return bad("endpoint", "must not contain a query or fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return bad("endpoint", "plain http:// is refused for %s: credentials would travel unencrypted; use https:// (http:// is allowed for loopback hosts only)", u.Host)
	default:
		return bad("endpoint", "scheme %q is not allowed: use https://", u.Scheme)
	}
	c.Endpoint = strings.TrimRight(u.String(), "/")
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Config) loadCredentials(get, fallback func(string) string) error {
	c.Token = cmp.Or(get("token"), fallback("token"))
	c.AccessKey = cmp.Or(get("access-key-id"), fallback("access-key-id"))
	c.SecretKey = cmp.Or(get("secret-access-key"), fallback("secret-access-key"))
	c.ProjectID = cmp.Or(get("project-id"), fallback("project-id"))
	if c.ProjectID != "" {
		if err := aksk.ValidateProjectID(c.ProjectID); err != nil {
			return bad("project-id", "%v%s", err, fromEnv(get, "project-id"))
		}
	}
	if c.Token != "" {
		if len(c.Token) > 100000 || strings.ContainsFunc(c.Token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return bad("token", "is not an IAM token: it must be at most 100,000 characters with no spaces, line breaks or control characters")
		}
		// A token wins: AK/SK, even when exported by huaweicloud/auth-action, is not used.
		c.AccessKey, c.SecretKey = "", ""
		return nil
	}
	switch {
	case c.AccessKey == "" && c.SecretKey == "":
		return bad("token", "no credentials: set token (CODEARTS_TOKEN outside Actions) or access-key-id and secret-access-key (HUAWEI_CLOUD_ACCESS_KEY_ID / HUAWEI_CLOUD_SECRET_ACCESS_KEY, as huaweicloud/auth-action exports)")
	case c.AccessKey == "":
		return bad("access-key-id", "is required with secret-access-key (or set HUAWEI_CLOUD_ACCESS_KEY_ID)")
	case c.SecretKey == "":
		return bad("secret-access-key", "is required with access-key-id (or set HUAWEI_CLOUD_SECRET_ACCESS_KEY)")
	}
	if err := aksk.ValidateAccessKey(c.AccessKey); err != nil {
		return bad("access-key-id", "%v%s", err, fromEnv(get, "access-key-id"))
	}
	if err := aksk.ValidateSecretKey(c.SecretKey); err != nil {
		return bad("secret-access-key", "%v%s", err, fromEnv(get, "secret-access-key"))
	}
	return nil
}

func (c *Config) loadPath(p string, src Source) error {
	c.Path = p
	if strings.ContainsRune(p, 0) {
		return bad("path", "contains a NUL character")
	}
	base := src.BaseDir
	if base == "" {
		base = "."
	}
	base, err := filepath.Abs(base)
	if err != nil {
		return bad("path", "cannot resolve the base folder: %v", err)
	}
	if src.InWorkspace {
		if filepath.IsAbs(p) {
			return bad("path", "%q must be relative to the workspace (e.g. codearts-build-logs)", clip(p))
		}
		rel := filepath.Clean(p)
		if rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return bad("path", "%q must name a folder inside the workspace, not the workspace itself or a folder outside it", clip(p))
		}
	}
	if filepath.IsAbs(p) {
		c.Dir = filepath.Clean(p)
	} else {
		c.Dir = filepath.Join(base, p)
	}
	if c.Dir == filepath.Dir(c.Dir) {
		return bad("path", "must not be the file system root")
	}
	return c.checkFolder(base, src.InWorkspace)
}

func intIn(get func(string) string, name string, lo, hi int) (int, error) {
	v := get(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, bad(name, "%q is not allowed: use a whole number from %d to %d", clip(v), lo, hi)
	}
	return n, nil
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, bad(name, "%q is not allowed: use true or false", clip(v))
}

func parseDuration(name, v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		// A bare number is taken as seconds, as people write `timeout: 600`.
		if n, nerr := strconv.Atoi(v); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
	}
	if err != nil || d < lo || d > hi {
		return 0, bad(name, "%q is not allowed: use a duration such as 90s, 10m or 1h30m (from %s to %s)", clip(v), fmtDur(lo), fmtDur(hi))
	}
	return d, nil
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// fromEnv names the environment variable a value came from when the input
// itself was empty, so the message points at what to fix.
func fromEnv(get func(string) string, name string) string {
	if get(name) == "" {
		return " (the value came from " + mustLookup(name).Env + ")"
	}
	return ""
}

// clip keeps a user value short in messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
