package failures

import "bytes"

// visible returns what a terminal shows of a line: the text after its last
// bare '\r' (a progress bar redrawn in place leaves only its last state, or
// the error printed over it). Trailing '\r's (a CR LF ending, or a line
// that ends by returning the carriage) are ignored first.
func visible(raw []byte) []byte {
	if bytes.IndexByte(raw, '\r') < 0 { // vectorised: most lines have none
		return raw
	}
	t := bytes.TrimRight(raw, "\r")
	if i := bytes.LastIndexByte(t, '\r'); i >= 0 {
		return t[i+1:]
	}
	return t
}

// Levels found in a line's prefix.
const (
	levelNone  = iota
	levelError // [ERROR], [FATAL]
	levelOther // [INFO], [WARNING], [DEBUG], sbt's [info], [warn], [error]
)

// splitPrefix removes what CI systems put before a tool's output: CodeArts'
// "[2024/09/24 11:19:57.266 GMT+08:00] [INFO] ", a bare bracketed
// timestamp, and a log level in brackets (Maven's "[ERROR] ", sbt's
// "[info] "). It returns the body and the level. The text is ANSI-free.
func splitPrefix(text []byte) ([]byte, int) {
	body := text
	// A timestamp in brackets: "[" digit ... "] ".
	if len(body) > 2 && body[0] == '[' && isDigit(body[1]) {
		if j := bytes.Index(body[:min(len(body), 48)], []byte("] ")); j > 0 {
			body = body[j+2:]
		}
	}
	level := levelNone
	if len(body) > 2 && body[0] == '[' {
		if j := bytes.IndexByte(body[:min(len(body), 10)], ']'); j > 0 {
			switch string(body[1:j]) {
			// sbt's "[error]" is a level for the layout, not a failure:
			// no cheap gate finds it, and its failures say more.
			case "ERROR", "FATAL", "ERR":
				level = levelError
			case "INFO", "WARNING", "WARN", "DEBUG", "TRACE", "info", "warn", "warning", "debug", "success", "error", "Error":
				level = levelOther
			}
			if level != levelNone {
				body = body[j+1:]
				if len(body) > 0 && body[0] == ' ' {
					body = body[1:]
				}
			}
		}
	}
	return body, level
}

// indentOf counts the leading blanks of a body, a tab counting as 4.
func indentOf(body []byte) int {
	n := 0
	for _, c := range body {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 4
		default:
			return n
		}
	}
	return n
}

// isBlank reports whether a body has nothing but blanks.
func isBlank(body []byte) bool { return len(bytes.TrimSpace(body)) == 0 }
