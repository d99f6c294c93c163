package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestFailingLogEndsOnALine: the failing stage's log is exactly size bytes
// and the failure lines start lines of their own, whatever the cut.
func TestFailingLogEndsOnALine(t *testing.T) {
	t.Parallel()
	for _, size := range []int64{int64(len(failureTail)) + 1, 1000, 100_000, 65536 + 7, 200_003} {
		var b bytes.Buffer
		if err := failingLog(size, []byte(failureTail))(&b); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if int64(len(out)) != size || !strings.HasSuffix(out, failureTail) {
			t.Fatalf("size %d: %d bytes, ends %q", size, len(out), out[max(0, len(out)-200):])
		}
		head := out[:len(out)-len(failureTail)]
		if !strings.HasSuffix(head, "\n") {
			t.Errorf("size %d: the generated part ends %q, not on a line boundary", size, head[max(0, len(head)-80):])
		}
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if strings.Count(line, "[2024/09/24") > 1 {
				t.Fatalf("size %d: line %d holds two lines: %q", size, i+1, line)
			}
		}
	}
	var b bytes.Buffer
	if err := failingLog(10, []byte(failureTail))(&b); err != nil || b.String() != failureTail[len(failureTail)-10:] {
		t.Errorf("size 10: %q, %v", b.String(), err)
	}
}
