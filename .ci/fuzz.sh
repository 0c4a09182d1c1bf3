#!/usr/bin/env bash
# CI fuzzing: build every cargo-fuzz target once, then run each for a bounded time from its
# committed seeds (and regression inputs) into a scratch corpus.
#
#   .ci/fuzz.sh                 # 30 s per target
#   FUZZ_SECONDS=300 .ci/fuzz.sh
#   .ci/fuzz.sh stream_interpreter call_machine   # only these targets
#
# Any crash, panic, leak, timeout or out-of-memory fails the script. The reproducer stays in
# fuzz/artifacts/<target>/, and its path and base64 are printed so that it survives the CI
# machine: `base64 -d > input` it, then `RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a <target> input`.
#
# Measured on 2 shared cores (main + fuzz, cold fuzz/target, crates already downloaded): cold
# cargo-fuzz install 150 s + build 141 s + 7 targets x 31 s = about 8.5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
export RUSTC_BOOTSTRAP=1
# Release optimisations plus debug assertions and overflow checks (an overflow is a bug the
# fuzzer should report, not wrap past). `run` must use the same flags as `build`, or it rebuilds.
BUILD_FLAGS=(-O -a)

# Longest input per target, in bytes (bodies need room; structured inputs need less).
declare -A MAX_LEN=(
  [sse_chunking]=8192
  [stream_interpreter]=16384
  [error_classification]=8192
  [header_parsers]=4096
  [request_build]=4096
  [agent_assertion]=2048
  [call_machine]=4096
)

# Dictionary per target (libFuzzer takes one), under fuzz/dicts/.
declare -A DICT=(
  [sse_chunking]=responses.dict
  [stream_interpreter]=responses.dict
  [error_classification]=errors.dict
  [header_parsers]=errors.dict
)

start=$SECONDS
step() { echo "== $1 ($((SECONDS - start)) s elapsed)"; }

step "cargo-fuzz $CARGO_FUZZ_VERSION"
if [ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
cargo fuzz --version

step "build all targets"
cargo fuzz build "${BUILD_FLAGS[@]}"

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failed=()
for target in "${targets[@]}"; do
  step "fuzz $target for ${FUZZ_SECONDS} s"
  corpus="$scratch/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  inputs=()
  for dir in "fuzz/seeds/$target" "fuzz/regressions/$target"; do
    if [ -d "$dir" ]; then inputs+=("$dir"); fi
  done
  options=(
    "-max_total_time=$FUZZ_SECONDS"
    "-rss_limit_mb=2048"
    "-max_len=${MAX_LEN[$target]:-4096}"
    "-timeout=30"
    "-print_final_stats=1"
  )
  if [ -n "${DICT[$target]:-}" ]; then options+=("-dict=fuzz/dicts/${DICT[$target]}"); fi
  before="$(ls "fuzz/artifacts/$target" | sort)"
  log="$scratch/$target.log"
  if cargo fuzz run "${BUILD_FLAGS[@]}" "$target" "$corpus" "${inputs[@]}" -- "${options[@]}" >"$log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
  else
    failed+=("$target")
    echo "!! $target FAILED; the end of its log:"
    tail -n 80 "$log"
    after="$(ls "fuzz/artifacts/$target" | sort)"
    for name in $(comm -13 <(echo "$before") <(echo "$after")); do
      artifact="fuzz/artifacts/$target/$name"
      echo "!! reproducer: $artifact ($(wc -c <"$artifact") bytes); base64:"
      base64 -w 0 "$artifact"
      echo
    done
  fi
done

step "done"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing failed: ${failed[*]}"
  exit 1
fi
echo "all ${#targets[@]} targets ran ${FUZZ_SECONDS} s each without a failure"
