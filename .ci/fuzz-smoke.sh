#!/usr/bin/env bash
# A short smoke run of every fuzz target (FUZZING.md), when the machine can: only with a
# nightly toolchain and cargo-fuzz both installed. A fresh CI machine has neither, and
# compiling cargo-fuzz there would cost minutes for seconds of fuzzing: then this says why it
# skips, and succeeds. Each target runs FUZZ_SMOKE_SECONDS (default 20) from the committed
# seeds, one target at a time; a crash, a timeout (one input over 30 s in the fuzz build,
# which is about 6 times slower than a release build: see FUZZING.md) or an out-of-memory
# (> 2 GiB) fails CI, and libFuzzer's output names the input it saved under fuzz/artifacts/
# (a stack overflow saves none: FUZZING.md says where the input is).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz smoke skipped: no nightly toolchain (rustup toolchain install nightly)"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz smoke skipped: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)"
  exit 0
fi

seconds="${FUZZ_SMOKE_SECONDS:-20}"
# The options every run of FUZZING.md uses: no sanitizer (imagegate has no unsafe code),
# debug assertions and overflow checks on.
build=(--sanitizer none --debug-assertions)
cargo +nightly fuzz build "${build[@]}"
for target in $(cargo +nightly fuzz list); do
  case "$target" in
    bicep | bicepparam | exemptions) dict=fuzz/dict/bicep.dict ;;
    *) dict=fuzz/dict/json.dict ;;
  esac
  # The committed seeds are read, not written: new corpus entries go to a scratch folder.
  scratch="$(mktemp -d)"
  marker="$(mktemp)"
  echo "fuzz smoke: $target, ${seconds} s"
  set +e
  cargo +nightly fuzz run "${build[@]}" "$target" "$scratch" "fuzz/corpus/$target" -- \
    -dict="$dict" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 2>&1 | grep -E '^(INFO: Loaded|#[0-9]+ +DONE|Done|stat::number_of_executed_units|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)'
  # grep hides libFuzzer's progress lines; its exit status is the pipeline's first.
  status=${PIPESTATUS[0]}
  set -e
  rm -rf "$scratch"
  # The folders this run's target made (src/fuzz.rs: one per process, holding the input it
  # ran last, which is the only trace of a stack overflow).
  made=$(find /dev/shm "${TMPDIR:-/tmp}" -maxdepth 1 -name 'imagegate-fuzz-*' -newer "$marker" 2>/dev/null || true)
  if [[ $status -ne 0 ]]; then
    mkdir -p "fuzz/artifacts/$target"
    for dir in $made; do
      if [[ -f "$dir/last-input" ]]; then
        cp "$dir/last-input" "fuzz/artifacts/$target/last-input"
      fi
    done
    echo "fuzz smoke: $target failed (exit $status); the input is under fuzz/artifacts/$target/"
    exit 1
  fi
  rm -rf $made "$marker"
done
