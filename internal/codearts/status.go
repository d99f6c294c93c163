package codearts

import "strings"

// StatusFailed reports whether a stage status means the stage failed:
// anything containing FAIL, or ABORTED (docs/codearts-api.md: the full list of
// statuses is not published, so be tolerant).
func StatusFailed(status string) bool {
	s := strings.ToUpper(strings.TrimSpace(status))
	return strings.Contains(s, "FAIL") || s == "ABORTED"
}

// StatusFinished reports whether a stage status means the stage will not
// change any more. RUNNING, PENDING, QUEUED, WAITING, INIT, SCHEDULING and an
// empty status are in progress; SUCCESS, failures, ABORTED and UNKNOWN are
// finished. An unrecognised status is treated as finished so that waiting
// never hangs on a value Huawei adds later.
func StatusFinished(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "", "RUNNING", "PENDING", "QUEUED", "WAITING", "INIT", "SCHEDULING":
		return false
	}
	return true
}
