#!/usr/bin/env bash
# Benchmark of the artifact uploader (not run by CI): zip + upload of
# 3 × 100 MiB of realistic build logs to act's v4 artifact server on a local
# port, against Info-ZIP's `zip -6 -r` of the same files in the same run.
# Peak memory: /usr/bin/time -v's maximum resident set size of each process,
# and the Go heap in use sampled every 20 ms during the upload.
#
# Usage: .ci/bench-artifact.sh [files] [MiB per file]   (default 3 100)
# Needs: go, zip, unzip, /usr/bin/time (apt-get install -y zip unzip time).
set -euo pipefail

files=${1:-3}
mib=${2:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in zip unzip /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-artifact: $tool is missing" >&2; exit 2; }
done

cd "$root/test/actartifact"
go build -o "$work/benchupload" ./cmd/benchupload
"$work/benchupload" -generate "$work/logs" -files "$files" -mib "$mib"
sync

rss_mib() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }
cpu_s() { awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$1"; }

# Warm the page cache the same way for both.
cat "$work"/logs/* >/dev/null

/usr/bin/time -v "$work/benchupload" -dir "$work/logs" -store "$work/store" >"$work/ours.txt" 2>"$work/ours.time"
ours=$(cat "$work/ours.txt")
ours_zip=$(sed 's/.* zip=//' <<<"$ours")
ours_s=$(sed 's/.* seconds=\([0-9.]*\).*/\1/' <<<"$ours")
ours_bytes=$(stat -c %s "$ours_zip")
unzip -tq "$ours_zip" >/dev/null || { echo "bench-artifact: Info-ZIP's unzip -t rejects our zip" >&2; exit 1; }
for f in "$work"/logs/*; do
	cmp -s "$f" <(unzip -p "$ours_zip" "$(basename "$f")") || { echo "bench-artifact: $(basename "$f") differs after unzip" >&2; exit 1; }
done

start=$(date +%s.%N)
(cd "$work/logs" && /usr/bin/time -v zip -6 -r -q "$work/ref.zip" .) 2>"$work/zip.time"
end=$(date +%s.%N)
zip_s=$(echo "$end - $start" | bc -l)
zip_bytes=$(stat -c %s "$work/ref.zip")
in_bytes=$(cat "$work"/logs/* | wc -c)

printf 'input:               %d files, %d bytes\n' "$files" "$in_bytes"
printf 'ours (zip+upload):   %.2f s wall, %.1f MB/s, %s s CPU, zip %d bytes (%.2f%%), max RSS %s MiB\n' \
	"$ours_s" "$(echo "$in_bytes / 1000000 / $ours_s" | bc -l)" "$(cpu_s "$work/ours.time")" "$ours_bytes" \
	"$(echo "100 * $ours_bytes / $in_bytes" | bc -l)" "$(rss_mib "$work/ours.time")"
printf '                     %s\n' "$(sed 's/ zip=.*//' <<<"$ours")"
printf 'zip -6 -r (zip only): %.2f s wall, %.1f MB/s, %s s CPU, zip %d bytes (%.2f%%), max RSS %s MiB\n' \
	"$zip_s" "$(echo "$in_bytes / 1000000 / $zip_s" | bc -l)" "$(cpu_s "$work/zip.time")" "$zip_bytes" \
	"$(echo "100 * $zip_bytes / $in_bytes" | bc -l)" "$(rss_mib "$work/zip.time")"
printf 'load average during the run: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'speed-up (zip time / ours): %.2fx; size ours/zip: %.4f\n' \
	"$(echo "$zip_s / $ours_s" | bc -l)" "$(echo "$ours_bytes / $zip_bytes" | bc -l)"
