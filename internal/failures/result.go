package failures

// Line is one line of a log as shown in an excerpt: ANSI escape sequences
// removed, line ending removed, cut to Options.MaxLineLen bytes (on a UTF-8
// boundary) with a marker when it was longer. The saved log file is never
// changed; only excerpts are cleaned.
type Line struct {
	Number int64  // 1-based line number in the log
	Text   string // cleaned text
	Match  bool   // true when this line matched a failure pattern
	// User is true when the line matched one of the user's own patterns
	// (Matcher's extra expressions); Match is then true as well. It lets
	// the verdict tell the user's failures, which always count, from the
	// built-in patterns' guesses, which a stage's SUCCESS status overrules.
	User bool
}

// Hunk is a run of consecutive lines: failure lines with their context.
// Hunks never overlap; they are in the excerpt's order (the root cause
// first), not always by line number.
type Hunk struct {
	Lines []Line
}

// Result is what one pass over a log found.
type Result struct {
	Bytes   int64 // bytes seen
	Lines   int64 // lines seen (a last line without a newline counts)
	Matches int64 // failure lines found in the whole log
	// UserMatches is how many of Matches matched a user pattern (see
	// Line.User); Matches-UserMatches matched built-in patterns only.
	UserMatches int64

	// Hunks is the excerpt, at most Options.MaxLines lines in total: the
	// report of the root cause first (a test's failure report, a compiler
	// error with its source line and caret, a stack trace), then the other
	// reports in log order, then the summary that ends the cascade ("BUILD
	// FAILURE", "exit code 1"). A report printed twice is shown once. When
	// only summaries matched, the output of the command that failed, with
	// its last line marked as the likely cause.
	Hunks []Hunk
	// Shown is how many failure lines the hunks contain; Matches-Shown
	// were found but left out of the excerpt.
	Shown int64

	// Tail is what to show of a stage whose status is failed while no line
	// matched: the output of the last command (from its "$ cmd" line or
	// CodeArts step start, TailCommand true), or else the log's last lines;
	// at most Options.MaxLines lines. It is empty when a line matched.
	Tail        []Line
	TailCommand bool

	// First is the root cause: the first failure line of the excerpt
	// (cleaned, as in the log), empty when none matched.
	First Line
	// FirstUser is the first line matched by a user pattern, empty when
	// UserMatches is 0.
	FirstUser Line
}
