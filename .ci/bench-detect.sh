#!/usr/bin/env bash
# Failure detector throughput against grep -E -c, on the same synthetic
# CodeArts log (issue 3). Not part of CI pass/fail.
#
# Generates a 100 MB log three times (clean, with a failure line in about
# every 500 lines, and failure-dense: one in about every 20 lines, where the
# locator reads every report and its context) with the generator of internal/failures' benchmarks:
# timestamps, Maven/npm/jest/gcc/docker output, Chinese step markers, ANSI
# colours, a few 3 KB lines. Then, for each file, times grep -E -c with
# the keyword patterns of the first detector (LC_ALL=C and C.UTF-8: a
# reference for speed; the locator now reads reports, not keywords, so its
# line counts differ a little) and the
# Go detector (BenchmarkDetectorFile: the file in memory, written in 32 KiB
# chunks like a response body), best of $RUNS each, and prints MB/s by wall
# time and by CPU time (user+sys: steadier when other jobs share the
# machine), and the ratios detector/grep. grep reads from the page cache;
# the detector from memory: neither touches the disk.
#
#   .ci/bench-detect.sh            # 100 MB, best of 3
#   SIZE=20000000 RUNS=1 .ci/bench-detect.sh
set -euo pipefail
cd "$(dirname "$0")/.."

size=${SIZE:-104857600}
runs=${RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/failures.test" ./internal/failures

# The first detector's keyword rules for grep -E (no ANSI stripping: the
# generated failure lines keep their keywords whole).
cat >"$tmp/rules.ere" <<'EOF'
\[(ERROR|FATAL)\]
(^|[^[:alnum:]_./-])(error|Error|ERROR|fatal|Fatal|FATAL)(\[E[0-9]+\]| [A-Z]{1,4}[0-9]{2,6}| error)?:
(^|[^[:alnum:]_./-])ERROR in 
(^|[^[:alnum:]_./-])(FATAL ERROR|COMPILATION ERROR|BUILD FAILURE|BUILD FAILED)([^[:alnum:]_]|$)
(^|[^[:alnum:]_./-])(FAILURE: |npm ERR!|panic: |ERR_PNPM_[[:alnum:]_])
(^|[^[:alnum:]_./-])npm error([^[:alnum:]_]|$)
(^|[^[:alnum:]_./-])([Ee]xit(ed)?( with)? (code|status|value)|EXIT (CODE|STATUS))[[:blank:]]*[:=]?[[:blank:]]*-?0*[1-9]
(^|[^[:alnum:]_./-])[Nn]on-zero (exit (code|status)|(code|status):)
(^|[^[:alnum:]_./-])make(\[[0-9]+\])?: \*\*\* 
\.java:\[[0-9]+(,[0-9]+)?\] (error: )?(package [^[:space:]]+ does not exist|cannot find symbol|incompatible types|cannot be applied|unreported exception|is not abstract|is already defined|cannot access|has private access|not a statement|illegal start of|class, interface, enum, or record expected|'[^']+' expected)
Traceback \(most recent call last\):|Exception in thread "|Error response from daemon:
(执行|构建|编译)失败
EOF

# grep_rate LOCALE FILE: best wall and CPU (user+sys) MB/s of $runs runs, and
# the count of matching lines.
grep_rate() {
  local bytes best=0 bestcpu=0 count t0 t1 cpu
  bytes=$(stat -c %s "$2")
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    cpu=$( { TIMEFORMAT='%U %S'; time LC_ALL=$1 grep -E -c -f "$tmp/rules.ere" "$2" >"$tmp/count" || true; } 2>&1)
    t1=$(date +%s%N)
    count=$(cat "$tmp/count")
    best=$(awk -v b="$bytes" -v ns=$((t1 - t0)) -v m="$best" 'BEGIN { r = b / 1e6 / (ns / 1e9); printf "%.1f", (r > m ? r : m) }')
    bestcpu=$(awk -v b="$bytes" -v c="$cpu" -v m="$bestcpu" 'BEGIN { split(c, t, " "); r = b / 1e6 / (t[1] + t[2] + 1e-9); printf "%.1f", (r > m ? r : m) }')
  done
  echo "$best $bestcpu $count"
}

# go_rate FILE: best wall and CPU MB/s of $runs benchmark runs, and the
# failure lines found.
go_rate() {
  local out
  out=$(CODEARTS_BENCH_LOG=$1 "$tmp/failures.test" -test.run '^$' -test.bench '^BenchmarkDetectorFile$' \
    -test.benchtime 2x -test.count "$runs" -test.v)
  awk '/^BenchmarkDetectorFile/ { for (i = 1; i < NF; i++) { if ($(i+1) == "MB/s" && $i > w) w = $i; if ($(i+1) == "cpu-MB/s" && $i > c) c = $i } }
       /failure lines:/ { for (i = 1; i <= NF; i++) if ($i == "lines:") n = $(i+1) }
       END { printf "%.1f %.1f %s\n", w, c, n }' <<<"$out"
}

printf '%-9s %-24s %9s %9s %8s %13s\n' log tool MB/s cpu-MB/s lines "Go/it (cpu)"
for kind in clean failures dense; do
  every=0
  [ "$kind" = failures ] && every=500
  [ "$kind" = dense ] && every=20
  f="$tmp/$kind.log"
  CODEARTS_BENCH_LOG=$f CODEARTS_BENCH_SIZE=$size CODEARTS_BENCH_FAIL_EVERY=$every \
    "$tmp/failures.test" -test.run '^TestWriteBenchLog$' >/dev/null
  cat "$f" >/dev/null # page cache
  read -r go_mbs go_cpu go_n < <(go_rate "$f")
  printf '%-9s %-24s %9s %9s %8s\n' "$kind" "Go detector" "$go_mbs" "$go_cpu" "$go_n"
  for loc in C C.UTF-8; do
    read -r g_mbs g_cpu g_n < <(grep_rate "$loc" "$f")
    ratio=$(awk -v a="$go_mbs" -v b="$g_mbs" -v c="$go_cpu" -v d="$g_cpu" 'BEGIN { printf "%.2fx (%.2fx)", a / b, c / d }')
    printf '%-9s %-24s %9s %9s %8s %13s\n' "$kind" "grep -E -c LC_ALL=$loc" "$g_mbs" "$g_cpu" "$g_n" "$ratio"
  done
done
echo "($(stat -c %s "$tmp/clean.log") bytes per log; best of $runs; $(nproc) CPUs; $(grep --version | head -1); $(go version | cut -d' ' -f3))"
