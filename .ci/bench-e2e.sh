#!/usr/bin/env bash
# End-to-end benchmark (not part of CI's pass/fail): codearts-logs against a
# local fake CodeArts service, compared in the same run with the hand-written
# curl loop it replaces, and the peak memory of a 1 GiB single-stage download.
#
#   bash .ci/bench-e2e.sh                 # 4 stages x 64 MiB, twice (loopback; WAN-like), and 1 x 1 GiB
#   STAGES=8 SIZE=$((64<<20)) bash .ci/bench-e2e.sh
#
# Reports ratios (curl time / codearts-logs time: above 1.0 means faster than
# curl) and peak RSS from /usr/bin/time -v. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
STAGES=${STAGES:-4}
SIZE=${SIZE:-$((64 << 20))}
BIG=${BIG:-$((1 << 30))}
RECORD=2cc26382-b2cb-4234-8eb0-b37d362f4d4c
export CODEARTS_TOKEN=bench-token-$$

command -v curl >/dev/null || { echo "needs curl"; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/codearts-logs" .
go build -o "$tmp/fakeserve" ./.ci/fakeserve

serve() { # serve STAGES SIZE [FAIL_STAGE [extra fakeserve flags]] -> sets ENDPOINT
  rm -f "$tmp/endpoint"
  "$tmp/fakeserve" -stages "$1" -size "$2" -fail-stage "${3:-0}" ${4:-} >"$tmp/endpoint" 2>"$tmp/serve.log" &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$tmp/endpoint" ] && break; sleep 0.1; done
  ENDPOINT=$(head -n1 "$tmp/endpoint")
}
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mbps() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.0f", bytes / 1048576 / s }'; }

tasks=$(seq -s, -f 'stage%g' 1 "$STAGES")
total=$((STAGES * SIZE))

curl_loop() { # what people write today: one stage after the other
  for i in $(seq 1 "$STAGES"); do
    curl -sSf -H "X-Auth-Token: $CODEARTS_TOKEN" -o "$tmp/curl/stage$i.log" \
      "$ENDPOINT/v4/$RECORD/task-log?task_name=stage$i&log_level=INFO"
  done
}
curl_parallel() { # the best a shell script does: 4 curls at once
  seq 1 "$STAGES" | xargs -P 4 -I{} curl -sSf -H "X-Auth-Token: $CODEARTS_TOKEN" -o "$tmp/curl/stage{}.log" \
    "$ENDPOINT/v4/$RECORD/task-log?task_name=stage{}&log_level=INFO"
}
ours() { "$tmp/codearts-logs" --record-id "$RECORD" --endpoint "$ENDPOINT" --task-names "$tasks" --path "$tmp/ours" --concurrency "$1" >/dev/null 2>&1 || echo "codearts-logs exited $?" >&2; }

best() { # best of 3 runs of a shell function, in seconds
  local b=999999 t0 t1 d
  for _ in 1 2 3; do
    rm -rf "$tmp/curl" "$tmp/ours"; mkdir -p "$tmp/curl"
    t0=$(now); "$@"; t1=$(now)
    d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    b=$(awk -v a="$b" -v d="$d" 'BEGIN { print (d < a) ? d : a }')
  done
  echo "$b"
}
compare() { # compare TITLE FAKESERVE_FLAGS
  echo "== $1: $STAGES stages x $((SIZE >> 20)) MiB, last stage failing"
  serve "$STAGES" "$SIZE" "$STAGES" "$2"
  t_curl=$(best curl_loop)
  t_curlp=$(best curl_parallel)
  t_ours1=$(best ours 1)
  t_ours4=$(best ours 4)
  [ "$(ls "$tmp/ours"/stage*.log | wc -l)" -eq "$STAGES" ] || { echo "codearts-logs did not save every stage"; exit 1; }
  printf '%-44s %8.2fs %6s MiB/s\n' "curl loop (sequential, no scan)" "$t_curl" "$(mbps $total $t_curl)"
  printf '%-44s %8.2fs %6s MiB/s\n' "curl, 4 in parallel (xargs -P4, no scan)" "$t_curlp" "$(mbps $total $t_curlp)"
  printf '%-44s %8.2fs %6s MiB/s\n' "codearts-logs --concurrency 1 (with scan)" "$t_ours1" "$(mbps $total $t_ours1)"
  printf '%-44s %8.2fs %6s MiB/s\n' "codearts-logs --concurrency 4 (with scan)" "$t_ours4" "$(mbps $total $t_ours4)"
  echo "ratio curl loop / codearts-logs (concurrency 4): $(ratio "$t_curl" "$t_ours4")x"
  echo "ratio curl -P4 / codearts-logs (concurrency 4):  $(ratio "$t_curlp" "$t_ours4")x"
  echo "ratio curl loop / codearts-logs (concurrency 1): $(ratio "$t_curl" "$t_ours1")x (like for like: one stream, plus the scan)"
  kill "${pids[@]}" 2>/dev/null || true; pids=()
  echo
}
compare "loopback, CPU-bound (2 cores shared by server and client)" ""
compare "WAN-like: 150 ms per answer, ${RATE_MIB:-20} MiB/s per connection" "-latency 150ms -rate $(( ${RATE_MIB:-20} << 20 ))"
echo "== memory: one stage of $((BIG >> 20)) MiB"
serve 1 "$BIG"
rm -rf "$tmp/ours"
/usr/bin/time -v "$tmp/codearts-logs" --record-id "$RECORD" --endpoint "$ENDPOINT" --task-names stage1 --path "$tmp/ours" \
  >/dev/null 2>"$tmp/time.txt" || true
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$tmp/time.txt")
saved=$(stat -c %s "$tmp/ours/stage1.log")
echo "saved $saved bytes in $wall; peak RSS $((rss / 1024)) MiB (limit 64 MiB)"
[ "$saved" -eq "$BIG" ] || { echo "size mismatch"; exit 1; }
