package aksk

import (
	"testing"
	"time"
)

func mustParseDate(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(DateFormat, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}
