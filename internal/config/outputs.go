package config

import (
	"path/filepath"
	"strings"
)

// Output describes one step output (kept equal to action.yml and the
// README by a test).
type Output struct{ Name, Description string }

// Outputs lists every output the action sets.
var Outputs = []Output{
	{"path", "Folder with the logs and summary.md: relative to the workspace in the Docker action (its container paths do not exist for later steps), absolute on the command line."},
	{"logs", "JSON array, one object a stage: task, name, status, file, bytes, lines, failures (lines that count as failures), suspicious (lines the built-in patterns flag in a stage whose status is not a failure: notes), error. At most 256 KiB: stages past that are left out (a notice says how many)."},
	{"failed-tasks", "Comma-separated stages that failed: by status, by a line of `failure-patterns`, or by failure lines when the status is unknown. Empty when only the initial or final entry of the record failed (see `build-status`)."},
	{"artifact-id", "ID of the uploaded artifact (set when uploaded)."},
	{"artifact-url", "URL of the uploaded artifact (set when uploaded)."},
	{"record-id", "The record whose logs were fetched."},
	{"build-number", "Job mode: the build's number (`42` for #42), also of the build `run-build` started."},
	{"build-status", "Final status of the record as CodeArts gives it (`SUCCESS`, `FAILED`, `ABORTED`, ...), `RUNNING` when it had not finished, empty when unknown (the stage list could not be read)."},
}

// containerWorkspace is where the runner mounts the workspace in a Docker
// action; paths under it do not exist for the job's later steps.
const containerWorkspace = "/github/workspace"

// OutputDir is the folder as later steps should see it (the `path`
// output): relative to the workspace inside the Docker action (later
// steps run in the workspace, and actions/upload-artifact resolves
// relative paths there), absolute otherwise.
func (c *Config) OutputDir(src Source, actions bool) string {
	if actions && filepath.Clean(src.BaseDir) == containerWorkspace {
		if rel, err := filepath.Rel(containerWorkspace, c.Dir); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return c.Dir
}
