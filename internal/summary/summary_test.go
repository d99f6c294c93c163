package summary

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codearts-tools/codearts-logs/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/summary")

const goldenDir = "../../testdata/summary"

// goldenCase is one report rendered to testdata/summary/<name>.md (Markdown)
// and <name>.txt (Text).
type goldenCase struct {
	name string
	run  func() *report.Run
	opts Options
}

var goldenCases = []goldenCase{
	{"all-green", allGreenRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"one-failed", oneFailedRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"status-failed-tail", tailRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"download-errors", errorsRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"fatal", fatalRun, Options{}},
	{"stages-unavailable", stagesErrRun, Options{FilePrefix: "logs/"}},
	{"hostile", hostileRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"trimmed", trimmedRun, Options{Budget: 9000, FilePrefix: "codearts-build-logs/"}},
	{"suspicious-notes", suspiciousRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"record-failed", recordFailedRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"never-ran", neverRanRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"not-run-after-failure", notRunRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"scan-maven", scanMavenRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"scan-pytest", scanPytestRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"scan-command-output", scanCommandOutputRun, Options{FilePrefix: "codearts-build-logs/"}},
	{"scan-no-match", scanNoMatchRun, Options{FilePrefix: "codearts-build-logs/"}},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, tc.name+".md", Markdown(tc.run(), tc.opts))
			checkGolden(t, tc.name+".txt", Text(tc.run()))
		})
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./internal/summary -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (review, then go test ./internal/summary -update)\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// TestMarkdownDeterministic renders the same report twice.
func TestMarkdownDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		a, b := Markdown(tc.run(), tc.opts), Markdown(tc.run(), tc.opts)
		if a != b {
			t.Errorf("%s: two renderings differ", tc.name)
		}
	}
}

func TestMarkdownContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		run     func() *report.Run
		want    []string
		notWant []string
	}{
		{
			name: "all green",
			run:  allGreenRun,
			want: []string{
				"## ✅ CodeArts build `" + recordID + "` succeeded\n",
				"Log level `INFO` · 3 stages · 1.4 MiB of logs · took 7s\n",
				"| ✅ `stage2` | Maven Build | SUCCESS | 3m12s | 1.4 MiB | 20,412 | 0 | `p/stage2.log` |\n",
				"📦 **Artifact:** [codearts-build-logs-" + recordID + "](https://github.com/octo/app/actions/runs/42/artifacts/1234567) (294.7 KiB zip)",
			},
			notWant: []string{"<details", "Download errors", "Failed stages"},
		},
		{
			name: "one failed",
			run:  oneFailedRun,
			want: []string{
				"## ❌ CodeArts build `" + recordID + "` failed: `stage2` (Maven Build)\n",
				"| ❌ `stage2` | Maven Build | **FAILED** | 3m12s | 1.4 MiB | 20,412 | **7** | `p/stage2.log` |\n",
				"<details open>\n<summary><b>❌ stage2</b> · Maven Build · FAILED · 7 failure lines</summary>\n\n",
				"7 failure lines in `p/stage2.log` (marked `>`), lines 1201–1391 shown; 3 more failure lines not shown.\n",
				"```text\n  1201 │ [INFO] Compiling",
				"> 1203 │ [ERROR] COMPILATION ERROR :\n",
				"  1207 │   location: class com.example.App\n       …\n  1388 │ [INFO] Total time:  01:02 min\n",
				"</details>\n",
			},
			notWant: []string{"trimmed"},
		},
		{
			name: "status failed, no match: tail",
			run:  tailRun,
			want: []string{
				"The status is FAILED but no line matched a failure pattern: the last 6 lines of `p/stage3.log`.\n",
				"   9 │ + ./deploy.sh --env staging\n",
				"  14 │ \n```\n",
			},
		},
		{
			name: "download errors and incomplete",
			run:  errorsRun,
			want: []string{
				"## ⏳ CodeArts build `" + recordID + "` still running\n",
				"- ⚠️ **Record not finished:** the record was still running when wait-timeout (30m) elapsed\n",
				"- ⚠️ **2 of 5 logs could not be downloaded**; see Download errors below.\n",
				"### Download errors\n\n- `stage4` (Package): HTTP 404, `CB.00060211`: download stage4\\: HTTP 404, CB.00060211\\: the build log does not exist\n",
				"- `stage5` (Notify): HTTP 503: download stage5",
				"| ⚠️ `stage4` | Package | SUCCESS | 47s | — | — | — | — |\n",
			},
		},
		{
			name: "fatal, no stages",
			run:  fatalRun,
			want: []string{
				"## ⚠️ CodeArts build `" + recordID + "` logs incomplete\n",
				"- ⚠️ **Run stopped:** authenticate\\: HTTP 401",
				"- ℹ️ **Artifact not uploaded:** no log was saved\n",
			},
			notWant: []string{"| Stage |"},
		},
		{
			name: "stage list unavailable",
			run:  stagesErrRun,
			want: []string{
				"- ⚠️ **Stage list unavailable** (display names and statuses are not shown): list stages\\: HTTP 500",
				"- ⚠️ **Artifact upload failed:** upload artifact",
				"| ✅ `stage1` | — | — | — | 2.1 KiB | 31 | 0 | `p/stage1.log` |\n",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Markdown(tc.run(), Options{FilePrefix: "p/"})
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

func TestMarkdownNilRun(t *testing.T) {
	t.Parallel()
	got := Markdown(nil, Options{})
	if !strings.HasPrefix(got, "## ⚠️ CodeArts build has no stages\n") {
		t.Errorf("got %q", got)
	}
}

// TestMarkdownLongPrefix: a file cell too long for its prefix keeps the
// file name, which is what the reader looks for in the artifact.
func TestMarkdownLongPrefix(t *testing.T) {
	t.Parallel()
	got := Markdown(allGreenRun(), Options{FilePrefix: strings.Repeat("deep/", 40)})
	if !strings.Contains(got, "| 2.1 KiB | 31 | 0 | `stage1.log` |\n") {
		t.Errorf("file cell not shortened to the name:\n%s", got)
	}
	got = Markdown(allGreenRun(), Options{FilePrefix: "out/"})
	if !strings.Contains(got, "| `out/stage1.log` |\n") {
		t.Errorf("file cell without its prefix:\n%s", got)
	}
}
