#!/usr/bin/env bash
# Runs imagegate on each adversarial shape of scripts/adversarial.py (issues #10 and #24) and
# prints a Markdown table row per shape: wall time, peak RSS, exit status (and whether it
# overflowed the stack or ran out of memory) and report size. Each run is bounded (TIMEOUT
# seconds, MEMORY bytes of address space) so that a shape that does not terminate or exhausts
# memory shows as such instead of taking the machine down.
#
# usage: scripts/adversarial.sh BIN [DIR]   (DIR: where the shapes are, generated if missing)
set -euo pipefail
bin=$(realpath "$1")
dir=${2:-target/adversarial}
TIMEOUT=${TIMEOUT:-120}
MEMORY=${MEMORY:-8589934592}
[ -d "$dir" ] || python3 "$(dirname "$0")/adversarial.py" "$dir"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| shape | input | wall time | peak RSS | exit | report |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for shape in "$dir"/*/; do
  name=$(basename "$shape")
  size=$(du -sb "$shape" | cut -f1)
  set +e
  /usr/bin/time -f '%e %M' -o "$out/time" \
    timeout "$TIMEOUT" prlimit --as="$MEMORY" \
    "$bin" check --format json --output "$out/report.json" --exit-zero "$shape" \
    >/dev/null 2>"$out/stderr"
  status=$?
  set -e
  read -r secs kb < <(tail -n1 "$out/time")
  report=$(stat -c %s "$out/report.json" 2>/dev/null || echo 0)
  case $status in
    124) status="timeout (${TIMEOUT} s)";;
    0) ;;
    *) if grep -q -i "stack overflow" "$out/stderr"; then status="$status (stack overflow)"
       elif grep -q -i "memory" "$out/stderr"; then status="$status (out of memory)"; fi;;
  esac
  printf '| %s | %s | %s s | %s MB | %s | %s |\n' "$name" \
    "$(numfmt --to=iec "$size")" "$secs" "$((kb / 1024))" "$status" "$(numfmt --to=iec "$report")"
  rm -f "$out/report.json"
done
