#!/usr/bin/env bash
# Every peer comparison of BENCHMARKS.md in one sitting: builds the bench binaries once, then
# runs the SSE, typed-pipeline, request-cost, end-to-end and WebSocket benchmarks back to back (never in
# parallel), and writes each one's report, with the commit, the time and the load average,
# under bench/results/<UTC date-time>/.
#
#   bench/run_all.sh            # defaults of every binary
#   bench/run_all.sh --quick    # smaller corpora, for a smoke test of the script
set -euo pipefail
cd "$(dirname "$0")"
quick=${1:-}
cargo build --release --quiet --bins
out="results/$(date -u +%Y-%m-%dT%H%MZ)"
mkdir -p "$out"
{
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- .. || echo ' (with uncommitted changes)')"
  echo "started: $(date -u +%FT%TZ); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(rustc --version)"
} > "$out/run.txt"
run() {
  local name=$1; shift
  echo "== $name $*" >&2
  target/release/"$name" "$@" > "$out/$name.md"
  echo "$name done: $(date -u +%FT%TZ); load average: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/run.txt"
}
if [ "$quick" = "--quick" ]; then
  run sse --mb 5 --rounds 2
  run pipeline --mb 2 --rounds 2
  run request_cost --rounds 2
  run end_to_end --mb 10 --reps 1 --streams 50
  run websocket --loops 5 --warmup 1 --link-loops 2 --link-warmup 1 --mb 2 --rounds 2 --connections 20
  run scale --streams 100
else
  run sse
  run pipeline
  run request_cost
  run end_to_end
  run websocket
  run scale
fi
cat "$out/run.txt"
echo "reports in bench/$out" >&2
