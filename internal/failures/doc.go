// Package failures finds failure lines in a CodeArts Build log in one
// streaming pass over the bytes being downloaded, and keeps a bounded
// excerpt of them (failure lines with context, or the log's last lines).
//
// A Matcher decides whether one line is a failure line: built-in patterns
// for what CodeArts logs contain (Maven, Gradle, npm, compilers, git,
// Python, Go, shell exit codes, CodeArts' own markers) plus the user's
// failure-patterns. A Detector is an io.Writer that splits the stream into
// lines and builds the Result. Memory is bounded by the excerpt options,
// never by the size of the log or of one line.
//
// The Result tells the user's matches from the built-in ones
// (Result.UserMatches, Result.FirstUser, Line.User): the built-in patterns
// guess, and a caller that knows the stage's status lets a SUCCESS overrule
// them; a user pattern is the user's decision and always counts.
//
// The package does no I/O of its own and never changes the saved log: it
// only reads the bytes it is given.
package failures
