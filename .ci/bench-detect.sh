#!/usr/bin/env bash
# Failure detector throughput against grep -E -c, on the same synthetic
# CodeArts log (issue 3). Not part of CI pass/fail.
#
# Generates a 100 MB log twice (clean, and with a failure line in about
# every 500 lines) with the generator of internal/failures' benchmarks:
# timestamps, Maven/npm/jest/gcc/docker output, Chinese step markers, ANSI
# colours, a few 3 KB lines. Then, for each file, times grep -E -c with
# patterns equivalent to the built-in rules (LC_ALL=C and C.UTF-8) and the
# Go detector (BenchmarkDetectorFile: the file in memory, written in 32 KiB
# chunks like a response body), best of $RUNS each, and prints MB/s and the
# ratio detector/grep. grep reads from the page cache; the detector from
# memory: neither touches the disk.
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

# Equivalent of internal/failures' builtinRules for grep -E (no ANSI
# stripping: the generated failure lines keep their keywords whole).
cat >"$tmp/rules.ere" <<'EOF'
\[(ERROR|FATAL)\]
(^|[^[:alnum:]_./-])(error|Error|ERROR|fatal|Fatal|FATAL)(\[E[0-9]+\]| [A-Z]{1,4}[0-9]{2,6}| error)?:
(^|[^[:alnum:]_./-])ERROR in 
(^|[^[:alnum:]_./-])(FATAL ERROR|COMPILATION ERROR|BUILD FAILURE|BUILD FAILED)([^[:alnum:]_]|$)
(^|[^[:alnum:]_./-])(FAILURE: |npm ERR!|panic: |ERR_PNPM_[[:alnum:]_])
(^|[^[:alnum:]_./-])npm error([^[:alnum:]_]|$)
(^|[^[:alnum:]_./-])([Ee]xit(ed)?( with)? (code|status|value)|EXIT (CODE|STATUS))[[:blank:]]*[:=]?[[:blank:]]*-?0*[1-9]
(^|[^[:alnum:]_./-])[Nn]on-zero (exit )?(code|status)
\.java:\[[0-9]+(,[0-9]+)?\] (error: )?(package [^[:space:]]+ does not exist|cannot find symbol|incompatible types|cannot be applied|unreported exception|is not abstract|is already defined|cannot access|has private access|not a statement|illegal start of|class, interface, enum, or record expected|'[^']+' expected)
Traceback \(most recent call last\):|Exception in thread "|Segmentation fault|Error response from daemon
(执行|构建|编译)失败
EOF

now() { date +%s%N; }

# grep_rate LOCALE FILE: best MB/s of $runs runs, and the count.
grep_rate() {
  local best=0 count t0 t1 rate
  for _ in $(seq "$runs"); do
    t0=$(now)
    count=$(LC_ALL=$1 grep -E -c -f "$tmp/rules.ere" "$2" || true)
    t1=$(now)
    rate=$(awk -v b="$(stat -c %s "$2")" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }')
    best=$(awk -v a="$best" -v b="$rate" 'BEGIN { print (b > a ? b : a) }')
  done
  echo "$best $count"
}

# go_rate FILE: best MB/s of $runs benchmark runs, and the failure lines found.
go_rate() {
  local out best count
  out=$(CODEARTS_BENCH_LOG=$1 "$tmp/failures.test" -test.run '^$' -test.bench '^BenchmarkDetectorFile$' \
    -test.benchtime 2x -test.count "$runs" -test.v)
  best=$(awk '/^BenchmarkDetectorFile/ { for (i = 1; i < NF; i++) if ($(i+1) == "MB/s" && $i > m) m = $i } END { printf "%.1f", m }' <<<"$out")
  count=$(grep -m1 -o 'failure lines: [0-9]*' <<<"$out" | grep -o '[0-9]*$')
  echo "$best $count"
}

printf '%-9s %-26s %10s %8s %12s\n' log tool MB/s lines "detector/it"
for kind in clean failures; do
  every=0
  [ "$kind" = failures ] && every=500
  f="$tmp/$kind.log"
  CODEARTS_BENCH_LOG=$f CODEARTS_BENCH_SIZE=$size CODEARTS_BENCH_FAIL_EVERY=$every \
    "$tmp/failures.test" -test.run '^TestWriteBenchLog$' >/dev/null
  cat "$f" >/dev/null # page cache
  read -r go_mbs go_n < <(go_rate "$f")
  printf '%-9s %-26s %10s %8s\n' "$kind" "Go detector" "$go_mbs" "$go_n"
  for loc in C C.UTF-8; do
    read -r g_mbs g_n < <(grep_rate "$loc" "$f")
    ratio=$(awk -v a="$go_mbs" -v b="$g_mbs" 'BEGIN { printf "%.2fx", a / b }')
    printf '%-9s %-26s %10s %8s %12s\n' "$kind" "grep -E -c LC_ALL=$loc" "$g_mbs" "$g_n" "$ratio"
  done
done
echo "($(stat -c %s "$tmp/clean.log") bytes per log; best of $runs; $(nproc) CPUs; $(grep --version | head -1); $(go version | cut -d' ' -f3))"
