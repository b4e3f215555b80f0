#!/usr/bin/env bash
# Runs one imagegate binary over trees in every output format and writes each report to OUT, so
# that two builds (before and after a refactor) can be compared byte for byte with `diff -r`.
#
# Usage: scripts/compare_reports.sh BIN OUT TREE...
#   e.g. scripts/compare_reports.sh /tmp/ig-before /tmp/before testdata ../corpora/qs
#        scripts/compare_reports.sh target/release/imagegate /tmp/after testdata ../corpora/qs
#        diff -r /tmp/before /tmp/after
# For each TREE: `check` in human, json, sarif and github formats (`--exit-zero`, stderr kept
# beside the report), `report --format json`, and the exit code of a plain `check`. Run from
# the same working directory both times: reports show paths relative to it.
set -uo pipefail
bin="$1"; out="$2"; shift 2
mkdir -p "$out"
export IMAGEGATE_TODAY="${IMAGEGATE_TODAY:-2026-12-01}" NO_COLOR=1
for tree in "$@"; do
  name="$(echo "$tree" | tr '/.' '__')"
  for format in human json sarif github; do
    "$bin" check --format "$format" --exit-zero "$tree" >"$out/$name.check.$format" 2>"$out/$name.check.$format.stderr"
  done
  "$bin" report --format json "$tree" >"$out/$name.report.json" 2>"$out/$name.report.stderr"
  "$bin" check "$tree" >/dev/null 2>&1; echo "$?" >"$out/$name.check.exit"
done
