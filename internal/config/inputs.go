package config

// Kind is the type of an input's value. The CLI derives its flags from it
// (a Bool input is a flag that may stand alone) and tests check each
// default against it; Load does the parsing and range checks.
type Kind int

// The kinds of inputs.
const (
	String   Kind = iota
	Bool          // true/false (also yes/no, on/off, 1/0)
	Int           // a whole number in a range
	Duration      // a Go duration such as 90s or 1h30m, or bare seconds
	List          // several values, separated as the description says
)

func (k Kind) String() string {
	switch k {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Duration:
		return "duration"
	case List:
		return "list"
	}
	return "string"
}

// Input declares one input. This table is the only place inputs are
// declared: the CLI's flags and usage are derived from it, Load reads its
// defaults and environment fallbacks, and tests check that action.yml and
// the README's table say the same.
type Input struct {
	Name     string // the action.yml key and the CLI flag
	Kind     Kind
	Default  string // as written in action.yml; applied when the value is empty
	Required bool
	// Env is the environment variable read when the input is empty
	// (what huaweicloud/auth-action exports, or CODEARTS_TOKEN).
	Env string
	// Secret values are masked before anything is printed and redacted from
	// everything written.
	Secret bool
	// EnvOnly inputs are credentials: on the command line they come only
	// from Env, never from a flag (shell history, process listings).
	EnvOnly     bool
	Description string
}

// DefaultPath and DefaultArtifactName are the defaults of `path` and
// `artifact-name`.
const (
	DefaultPath         = "codearts-build-logs"
	DefaultArtifactName = "codearts-build-logs-{record-id}"
)

// Inputs lists every input in action.yml order.
var Inputs = []Input{
	{Name: "record-id", Description: "CodeArts Build record ID (36 characters: lower-case letters, digits and hyphens). One of `record-id` and `job-id` is required."},
	{Name: "job-id", Description: "CodeArts Build job ID (the 32 letters and digits at the end of the job's URL): job mode, from a job's build to its logs. One of `record-id` and `job-id` is required."},
	{Name: "build-number", Description: "With `job-id`: that build (`42` for #42). Empty: the job's latest build, or the one `run-build` starts."},
	{Name: "run-build", Kind: Bool, Default: "false", Description: "With `job-id`: start a new build of the job, follow it live to its end, then fetch its logs."},
	{Name: "build-parameters", Kind: List, Description: "With `run-build`: the build's parameters, one `NAME=VALUE` a line."},
	{Name: "build-commit", Description: "With `run-build`: the commit to build (`scm.build_commit_id`), such as the workflow's `github.sha`."},
	{Name: "stop-on-cancel", Kind: Bool, Default: "true", Description: "With `run-build`: when the workflow is cancelled, stop the build this step started."},
	{Name: "task-names", Kind: List, Description: "Stages to fetch (`stage1, stage3`), separated by commas, spaces or newlines. Empty: every stage of the record."},
	{Name: "log-level", Default: "INFO", Description: "`INFO` or `DEBUG`."},
	{Name: "region", Env: "HUAWEI_CLOUD_REGION", Description: "Huawei Cloud region (e.g. `cn-north-4`); gives the default endpoint. Defaults to `$HUAWEI_CLOUD_REGION`."},
	{Name: "endpoint", Description: "Explicit CodeArts Build API base URL; overrides `region`. Must be `https://` unless the host is loopback."},
	{Name: "token", Env: "CODEARTS_TOKEN", Secret: true, EnvOnly: true, Description: "IAM token sent as `X-Auth-Token`. Wins over AK/SK when both are set. Defaults to `$CODEARTS_TOKEN`."},
	{Name: "access-key-id", Env: "HUAWEI_CLOUD_ACCESS_KEY_ID", EnvOnly: true, Description: "Access key for AK/SK request signing. Defaults to `$HUAWEI_CLOUD_ACCESS_KEY_ID`."},
	{Name: "secret-access-key", Env: "HUAWEI_CLOUD_SECRET_ACCESS_KEY", Secret: true, EnvOnly: true, Description: "Secret key for AK/SK request signing. Defaults to `$HUAWEI_CLOUD_SECRET_ACCESS_KEY`."},
	{Name: "project-id", Env: "HUAWEI_CLOUD_PROJECT_ID", Description: "Project ID sent (and signed) as `X-Project-Id`. Defaults to `$HUAWEI_CLOUD_PROJECT_ID`."},
	{Name: "path", Default: DefaultPath, Description: "Output folder for the logs and `summary.md`, relative to the workspace (on the command line, to the current folder)."},
	{Name: "artifact-name", Default: DefaultArtifactName, Description: "Artifact name; `{record-id}` is replaced by the record ID. Empty: do not upload."},
	{Name: "retention-days", Kind: Int, Default: "0", Description: "Days to keep the artifact, 0–90; 0 = the repository's default."},
	{Name: "concurrency", Kind: Int, Default: "4", Description: "Parallel downloads, 1–32."},
	{Name: "failure-patterns", Kind: List, Description: "Extra regular expressions (one a line) that mark a failure line, added to the built-in ones."},
	{Name: "context-lines", Kind: Int, Default: "3", Description: "Lines shown before and after each failure line, 0–50."},
	{Name: "max-excerpt-lines", Kind: Int, Default: "40", Description: "Most excerpt lines per stage in the summary (blank lines not counted), 1–1000."},
	{Name: "fail-on-build-failure", Kind: Bool, Default: "false", Description: "Fail the step (exit 1) when the build failed: a stage failed, or CodeArts marks the record itself failed."},
	{Name: "wait-timeout", Kind: Duration, Default: "0", Description: "Wait this long (e.g. `30m`) for a running record to finish before downloading (polls every 5 s at first, backing off to 30 s; a failed poll does not end the wait); a record still running at the end exits 3. 0 = do not wait. In job mode the build is followed live: 0 = until it ends (at most 6 hours)."},
	{Name: "timeout", Kind: Duration, Default: "10m", Description: "Deadline for the stage list and the downloads, not counting `wait-timeout`; the artifact upload gets the same budget again."},
}

// Lookup returns the input with that name.
func Lookup(name string) (Input, bool) {
	for _, in := range Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return Input{}, false
}

// mustLookup is Lookup for names the program itself spells: a name missing
// from the table is a programming error, caught by any test that loads.
func mustLookup(name string) Input {
	in, ok := Lookup(name)
	if !ok {
		panic("config: input " + name + " is not declared in Inputs")
	}
	return in
}

// SecretValues returns the raw values of every secret input and of its
// environment fallback that are set, for masking before anything else is
// printed (including values that will fail validation).
func SecretValues(input func(string) (string, bool), getenv func(string) string) []string {
	var out []string
	for _, in := range Inputs {
		if !in.Secret {
			continue
		}
		if v, _ := input(in.Name); v != "" {
			out = append(out, v)
		}
		if in.Env != "" {
			if v := getenv(in.Env); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
