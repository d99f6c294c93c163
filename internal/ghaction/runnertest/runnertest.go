// Package runnertest reads a step's output the way the GitHub Actions
// runner does, so tests can check which workflow commands would be live.
// It mirrors ActionCommandManager in actions/runner: `::name props::data`
// after trimming a line, the legacy `##[name props]data` anywhere in a line,
// and ::stop-commands::TOKEN … ::TOKEN:: pausing both.
package runnertest

import (
	"strings"
)

// Command is a workflow command the runner would act on.
type Command struct {
	Name  string
	Props string
	Data  string // unescaped (%25 %0D %0A)
	Line  int    // 1-based line of the output
}

// Parse returns the live commands in output.
func Parse(output string) []Command {
	var cmds []Command
	stopToken := ""
	for i, raw := range strings.Split(output, "\n") {
		line := strings.TrimRight(raw, "\r")
		trimmed := strings.TrimSpace(line)
		if stopToken != "" {
			if strings.EqualFold(trimmed, "::"+stopToken+"::") {
				stopToken = ""
			}
			continue
		}
		c, ok := parseV2(trimmed)
		if !ok {
			c, ok = parseLegacy(line)
		}
		if !ok {
			continue
		}
		c.Line = i + 1
		if strings.EqualFold(c.Name, "stop-commands") && c.Data != "" {
			stopToken = c.Data
		}
		cmds = append(cmds, c)
	}
	return cmds
}

func parseV2(s string) (Command, bool) {
	if !strings.HasPrefix(s, "::") {
		return Command{}, false
	}
	end := strings.Index(s[2:], "::")
	if end < 0 {
		return Command{}, false
	}
	head := s[2 : 2+end]
	data := s[2+end+2:]
	name, props, _ := strings.Cut(head, " ")
	if name == "" {
		return Command{}, false
	}
	return Command{Name: name, Props: props, Data: unescape(data)}, true
}

func parseLegacy(s string) (Command, bool) {
	i := strings.Index(s, "##[")
	if i < 0 {
		return Command{}, false
	}
	rest := s[i+3:]
	j := strings.IndexByte(rest, ']')
	if j < 0 {
		return Command{}, false
	}
	name, props, _ := strings.Cut(rest[:j], " ")
	if name == "" {
		return Command{}, false
	}
	return Command{Name: name, Props: props, Data: unescape(rest[j+1:])}, true
}

func unescape(s string) string {
	return strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%25", "%").Replace(s)
}

// Masks returns the values masked by ::add-mask:: commands.
func Masks(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		if strings.EqualFold(c.Name, "add-mask") {
			out = append(out, c.Data)
		}
	}
	return out
}
