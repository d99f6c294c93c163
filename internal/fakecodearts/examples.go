package fakecodearts

import (
	"embed"
	"fmt"
)

// The JSON examples of Huawei's documentation; testdata/huawei/README.md
// records where each comes from.
//
//go:embed testdata/huawei/*.json
var examples embed.FS

// Example returns one of Huawei's documented JSON answers by file name,
// e.g. "full-stages.json".
func Example(name string) ([]byte, error) {
	b, err := examples.ReadFile("testdata/huawei/" + name)
	if err != nil {
		return nil, fmt.Errorf("fakecodearts: no documented example %q: %w", name, err)
	}
	return b, nil
}

// ReplayFullStages makes the record's full-stages answers exactly body
// (typically an Example), as the service documents them, instead of the
// document the fake builds from its stages. The record must have been
// added with AddRecord; its stages still serve the task logs.
func (s *Server) ReplayFullStages(id string, body []byte) {
	body = append([]byte(nil), body...)
	s.script(id, func(rec *record) { rec.replay = body })
}
