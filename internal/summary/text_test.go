package summary

import (
	"regexp"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/report"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		run     func() *report.Run
		want    []string
		notWant []string
	}{
		{
			name: "one failed",
			run:  oneFailedRun,
			want: []string{
				"CodeArts build " + recordID + " failed: stage2 (Maven Build)\n",
				"log level INFO, 3 stages, 1.4 MiB of logs, took 7s, saved in /github/workspace/codearts-build-logs\n",
				"Artifact: codearts-build-logs-" + recordID + " https://github.com/octo/app/actions/runs/42/artifacts/1234567 (294.7 KiB zip)\n",
				"\nx stage2 (Maven Build), FAILED, 7 failure lines (3 not shown):\n",
				"  > 1203 │ [ERROR] COMPILATION ERROR :\n",
				"    1207 │   location: class com.example.App\n         …\n    1388 │ [INFO] Total time:  01:02 min\n",
			},
		},
		{
			name: "tail",
			run:  tailRun,
			want: []string{
				"stage3 (Deploy), FAILED, no failure line matched; last 6 lines:\n",
				"     9 │ + ./deploy.sh --env staging\n",
			},
		},
		{
			name: "errors",
			run:  errorsRun,
			want: []string{
				"CodeArts build " + recordID + " still running\n",
				"! Record not finished: the record was still running when wait-timeout (30m) elapsed\n",
				"Download errors:\n  ! stage4 (Package): HTTP 404, CB.00060211: download stage4: HTTP 404, CB.00060211: the build log does not exist\n",
			},
		},
		{
			name: "hostile",
			run:  hostileRun,
			want: []string{
				"x stage9      red gnp.exe bell nul del ",
				"    13 │ error: coloured\n",
				"    12 │ carriage return\n",
			},
			notWant: []string{"\x1b", "\r", "\x00", "\u202e"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Text(tc.run())
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("unexpected %q in\n%s", w, got)
				}
			}
		})
	}
}

// TestTextTable checks that the stage table's columns line up: every
// row's cells start where the header's do.
func TestTextTable(t *testing.T) {
	t.Parallel()
	run := oneFailedRun()
	got := Text(run)
	lines := strings.Split(got, "\n")
	header := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "  STAGE ") {
			header = i
			break
		}
	}
	if header < 0 {
		t.Fatalf("no table header in\n%s", got)
	}
	cols := regexp.MustCompile(`[A-Z]+`).FindAllStringIndex(lines[header], -1)
	if len(cols) != 8 {
		t.Fatalf("header %q has %d columns", lines[header], len(cols))
	}
	wantRows := []struct{ mark, task, file string }{
		{"-", "stage1", "stage1.log"}, {"x", "stage2", "stage2.log"}, {"-", "stage3", "stage3.log"},
	}
	for i, w := range wantRows {
		row := []rune(lines[header+1+i])
		if string(row[:1]) != w.mark {
			t.Errorf("row %d mark = %q, want %q", i, string(row[:1]), w.mark)
		}
		// Columns are aligned by rune: the header is ASCII.
		for c, col := range cols {
			if col[0] > 0 && row[col[0]-1] != ' ' {
				t.Errorf("row %d column %d does not start at %d: %q", i, c, col[0], string(row))
			}
		}
		if !strings.HasPrefix(string(row[cols[0][0]:]), w.task+" ") {
			t.Errorf("row %d stage = %q", i, string(row[cols[0][0]:]))
		}
		if string(row[cols[7][0]:]) != w.file {
			t.Errorf("row %d file = %q, want %q", i, string(row[cols[7][0]:]), w.file)
		}
	}
}

func TestTextNilRun(t *testing.T) {
	t.Parallel()
	if got := Text(nil); !strings.HasPrefix(got, "CodeArts build has no stages\n") {
		t.Errorf("Text(nil) = %q", got)
	}
}

func TestTextDoesNotClaimSavedWhenNothingWas(t *testing.T) {
	t.Parallel()
	run := &report.Run{RecordID: "2cc26382-b2cb-4234-8eb0-b37d362f4d4c", Dir: "/w/logs",
		Stages: []report.Stage{{Task: "stage1", Err: downloadErr("HTTP 404 CB.00060214", 404, "CB.00060214")}}}
	if out := Text(run); strings.Contains(out, "saved in") {
		t.Errorf("claims a folder with nothing saved:\n%s", out)
	}
	run.Stages = append(run.Stages, report.Stage{Task: "stage2", File: "stage2.log", Bytes: 3})
	if out := Text(run); !strings.Contains(out, "saved in /w/logs") {
		t.Errorf("the folder is not named:\n%s", out)
	}
}
