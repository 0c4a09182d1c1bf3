#!/usr/bin/env bash
# Load-independent cost: instructions executed per event and per input byte by each decoder,
# counted by callgrind as the difference between REPETITIONS runs and none (so generating and
# splitting the corpus cancel out). For the line scan, "events" are lines.
# Usage: bench/callgrind.sh [CHUNK_BYTES=65536] [CORPUS_MB=2] [REPETITIONS=3] [CORPUS=main|multibyte]
set -euo pipefail
cd "$(dirname "$0")"
chunk=${1:-65536}
mb=${2:-2}
reps=${3:-3}
corpus=${4:-main}
cargo build --release --quiet --bin sse_profile
bin=target/release/sse_profile
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$@" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "| chunks | decoder | corpus bytes | events | instructions/event | instructions/byte |"
echo "|---|---|---:|---:|---:|---:|"
decoders="ours sse-stream eventsource scan"
# eventsource-stream needs minutes under callgrind at 1-byte chunks.
if [ "$chunk" -lt 64 ]; then decoders="ours sse-stream scan"; fi
for decoder in $decoders; do
  line=$("$bin" "$decoder" "$chunk" "$mb" 1 "$corpus")
  events=$(sed -n 's/.*: \([0-9]*\) events over.*/\1/p' <<<"$line")
  bytes=$(sed -n 's/.*corpus_bytes=\([0-9]*\).*/\1/p' <<<"$line")
  base=$(instructions "$decoder" "$chunk" "$mb" 0 "$corpus")
  total=$(instructions "$decoder" "$chunk" "$mb" "$reps" "$corpus")
  awk -v d="$decoder" -v c="$chunk" -v e="$events" -v n="$bytes" -v b="$base" -v t="$total" -v r="$reps" \
    'BEGIN { per = (t - b) / r; printf "| %d B ('"$corpus"') | %s | %d | %d | %.0f | %.2f |\n", c, d, n, e, per / e, per / n }'
done
