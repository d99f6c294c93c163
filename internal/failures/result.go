package failures

// Line is one line of a log as shown in an excerpt: ANSI escape sequences
// removed, line ending removed, cut to Options.MaxLineLen bytes (on a UTF-8
// boundary) with a marker when it was longer. The saved log file is never
// changed; only excerpts are cleaned.
type Line struct {
	Number int64  // 1-based line number in the log
	Text   string // cleaned text
	Match  bool   // true when this line matched a failure pattern
}

// Hunk is a run of consecutive lines: failure lines with their context.
// Hunks never overlap and are ordered by line number.
type Hunk struct {
	Lines []Line
}

// Result is what one pass over a log found.
type Result struct {
	Bytes   int64 // bytes seen
	Lines   int64 // lines seen (a last line without a newline counts)
	Matches int64 // failure lines found in the whole log

	// Hunks is the excerpt: the first failure lines with their context,
	// at most Options.MaxLines lines in total.
	Hunks []Hunk
	// Shown is how many failure lines the hunks contain; Matches-Shown
	// were found but left out of the excerpt.
	Shown int64

	// Tail is the last lines of the log (at most Options.MaxLines), kept
	// for a stage whose status is failed while no line matched.
	Tail []Line

	// First is the first failure line (cleaned), empty when none matched.
	First Line
}
