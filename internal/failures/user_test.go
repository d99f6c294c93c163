package failures

import (
	"strings"
	"testing"
)

// TestUserMatchesAreTold: the Result says which failure lines matched the
// user's own patterns, so that the verdict can count them whatever the
// stage's status.
func TestUserMatchesAreTold(t *testing.T) {
	t.Parallel()
	m, err := NewMatcher([]string{`^DEPLOY REFUSED`, `quota exceeded`})
	if err != nil {
		t.Fatal(err)
	}
	log := strings.Join([]string{
		"checking for blosc.h",
		"conftest.c:1:10: fatal error: blosc.h: No such file or directory", // built-in only
		"ok",
		"\x1b[31mDEPLOY REFUSED\x1b[0m: quota exceeded", // user (twice over), ANSI removed first
		"done",
		"all good",
		"Upload: quota exceeded for bucket", // user
		"",
	}, "\n")
	d := NewDetector(m, Options{Context: 0, MaxLines: 40})
	d.Write([]byte(log))
	res := d.Result()
	if res.Matches != 3 || res.UserMatches != 2 {
		t.Fatalf("matches %d, user matches %d; want 3 and 2", res.Matches, res.UserMatches)
	}
	if res.First.Number != 2 || res.First.User {
		t.Errorf("First = %+v, want line 2, built-in", res.First)
	}
	if res.FirstUser.Number != 4 || !res.FirstUser.User || res.FirstUser.Text != "DEPLOY REFUSED: quota exceeded" {
		t.Errorf("FirstUser = %+v", res.FirstUser)
	}
	var users []int64
	for _, h := range res.Hunks {
		for _, l := range h.Lines {
			if l.User {
				users = append(users, l.Number)
				if !l.Match {
					t.Errorf("line %d: User without Match", l.Number)
				}
			}
		}
	}
	if len(users) != 2 || users[0] != 4 || users[1] != 7 {
		t.Errorf("user lines in the excerpt %v, want [4 7]", users)
	}

	// Without user patterns nothing is a user match.
	d = NewDetector(nil, Options{})
	d.Write([]byte(log))
	if r := d.Result(); r.UserMatches != 0 || r.FirstUser.Number != 0 {
		t.Errorf("built-in matcher: %d user matches", r.UserMatches)
	}
	if !m.MatchUser([]byte("DEPLOY REFUSED now")) || m.MatchUser([]byte("fatal error: x")) {
		t.Error("MatchUser disagrees")
	}
}
