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
		// The runner takes a `::name::` line only when name is a registered
		// command, and otherwise tries the legacy `##[name]` form anywhere
		// in the line. To stay conservative, an unregistered `::name::` is
		// reported too (a test should not see one either), and the legacy
		// form is then still looked for.
		var found []Command
		v2, ok := parseV2(trimmed)
		if ok {
			found = append(found, v2)
		}
		if !ok || !registered[strings.ToLower(v2.Name)] {
			if c, ok := parseLegacy(line); ok {
				found = append(found, c)
			}
		}
		for _, c := range found {
			c.Line = i + 1
			if strings.EqualFold(c.Name, "stop-commands") && c.Data != "" {
				stopToken = c.Data
			}
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// registered are the commands the runner acts on (ActionCommandManager).
var registered = map[string]bool{
	"add-mask": true, "add-matcher": true, "remove-matcher": true, "add-path": true, "set-env": true,
	"set-output": true, "save-state": true, "debug": true, "notice": true, "warning": true, "error": true,
	"group": true, "endgroup": true, "echo": true, "stop-commands": true,
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

// Properties returns a command's properties as the runner reads them
// (ActionCommand.TryParseV2): `k=v` pairs separated by commas, each value
// unescaped (%25 %0D %0A %3A %2C).
func (c Command) Properties() map[string]string {
	props := map[string]string{}
	for _, kv := range strings.Split(c.Props, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" && v != "" {
			props[k] = unescape(v)
		}
	}
	return props
}
