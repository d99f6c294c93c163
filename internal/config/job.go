package config

// Job mode: the build to follow is named by its job (and number), or
// started by this step.

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxFollow bounds following a build in job mode when wait-timeout is 0:
// GitHub's limit for a job.
const MaxFollow = 6 * time.Hour

// Parameter is one build parameter (build-parameters, NAME=VALUE).
type Parameter struct{ Name, Value string }

var jobIDRe = regexp.MustCompile(`^[0-9A-Za-z]{32}$`)

// JobMode reports whether the run starts from a job rather than a record.
func (c *Config) JobMode() bool { return c.JobID != "" }

// SetRecordID records the record ID found in job mode, and fills it into
// the artifact name.
func (c *Config) SetRecordID(id string) {
	c.RecordID = id
	if c.ArtifactName != "" {
		c.ArtifactName = strings.ReplaceAll(c.artifactTemplate, "{record-id}", id)
	}
}

// loadTarget reads which build the run is about: record-id, or job-id with
// build-number / run-build and what a started build receives. Combinations
// that cannot mean anything are refused here, before any request.
func (c *Config) loadTarget(get func(string) string) error {
	c.RecordID, c.JobID = get("record-id"), get("job-id")
	switch {
	case c.RecordID != "" && c.JobID != "":
		return bad("job-id", "cannot be used with record-id: give record-id (a record) or job-id (a job's build), not both")
	case c.RecordID == "" && c.JobID == "":
		return bad("record-id", "one of record-id and job-id is required: record-id, a build record ID (36 characters such as 2cc26382-b2cb-4234-8eb0-b37d362f4d4c), or job-id, a job ID (the 32 letters and digits at the end of the job's URL)")
	case c.RecordID != "" && !recordIDRe.MatchString(c.RecordID):
		return bad("record-id", "%q is not a build record ID: expected 36 characters of lower-case letters, digits and hyphens", clip(c.RecordID))
	case c.JobID != "" && !jobIDRe.MatchString(c.JobID):
		return bad("job-id", "%q is not a CodeArts Build job ID: expected the 32 letters and digits at the end of the job's URL, such as 68491d9bc97b4774adb93e29b46d2dc6", clip(c.JobID))
	}

	var err error
	if c.RunBuild, err = parseBool("run-build", get("run-build")); err != nil {
		return err
	}
	if c.StopOnCancel, err = parseBool("stop-on-cancel", get("stop-on-cancel")); err != nil {
		return err
	}
	if n := get("build-number"); n != "" {
		v, err := strconv.Atoi(n)
		if err != nil || v <= 0 || strconv.Itoa(v) != n {
			return bad("build-number", "%q is not a build number: use the number alone, a whole number from 1 (42 for build #42)", clip(n))
		}
		c.BuildNumber = v
	}
	if c.Parameters, err = parseParameters(get("build-parameters")); err != nil {
		return err
	}
	c.Commit = get("build-commit")
	if c.Commit != "" && (len(c.Commit) > 200 || strings.ContainsFunc(c.Commit, func(r rune) bool { return r <= ' ' || r == 0x7f })) {
		return bad("build-commit", "%q is not a commit: use a commit ID such as the workflow's github.sha (no spaces, at most 200 characters)", clip(c.Commit))
	}

	switch {
	case c.JobID == "" && c.BuildNumber != 0:
		return bad("build-number", "needs job-id: a build number counts the builds of one job")
	case c.JobID == "" && c.RunBuild:
		return bad("run-build", "needs job-id: the job to start a build of")
	case c.RunBuild && c.BuildNumber != 0:
		return bad("build-number", "cannot be used with run-build: the build that run-build starts gets a new number (the build-number output)")
	case !c.RunBuild && len(c.Parameters) > 0:
		return bad("build-parameters", "needs run-build: true; parameters are given to a build when it starts")
	case !c.RunBuild && c.Commit != "":
		return bad("build-commit", "needs run-build: true; the commit is given to a build when it starts")
	}
	return nil
}

// MaxParameters bounds build-parameters.
const MaxParameters = 200

// parseParameters reads NAME=VALUE lines; empty lines are skipped. The
// value is everything after the first '=', so it may hold '=' itself.
func parseParameters(s string) ([]Parameter, error) {
	var out []Parameter
	seen := map[string]bool{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		switch {
		case !ok:
			return nil, bad("build-parameters", "line %q has no '=': write one NAME=VALUE a line", clip(line))
		case name == "":
			return nil, bad("build-parameters", "line %q has no name before '=': write one NAME=VALUE a line", clip(line))
		case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
			return nil, bad("build-parameters", "the name in line %q holds a control character", clip(line))
		case seen[name]:
			return nil, bad("build-parameters", "%q is given twice", clip(name))
		}
		seen[name] = true
		out = append(out, Parameter{Name: name, Value: value})
	}
	if len(out) > MaxParameters {
		return nil, bad("build-parameters", "lists %d parameters; at most %d are allowed", len(out), MaxParameters)
	}
	return out, nil
}
