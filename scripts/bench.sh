#!/usr/bin/env bash
# Benchmark imagegate against ripgrep on one or more trees of ARM templates.
#
# Usage:
#   scripts/bench.sh [options] [DIR ...]
#
# Options:
#   --gen N            generate a synthetic repository of N templates (scripts/gen_corpus.py,
#                      N/2 noise files) under bench-out/ and benchmark it
#   --sizes A,B,C      generate and benchmark several sizes (e.g. 1000,5000,20000) and show how
#                      peak RSS grows with the number of files (it should stay flat)
#   --seed S           generator seed (default 1)
#   --runs R           runs per tool per tree; the best wall time is kept (default 3)
#   --threads N        pass --threads N to imagegate and -j N to rg (default: both use all cores)
#   --config FILE      pass --config FILE to imagegate
#   --no-build         do not run `cargo build --release`; use the existing binary
#   --bin PATH         imagegate binary to use (implies --no-build)
#   --rg-only          measure ripgrep only (no build, no imagegate)
#   --no-rg            measure imagegate only
#   --keep-going       if imagegate fails on a tree, print n/a and go on instead of stopping
#   -h, --help         show this help
#
# For each tree it counts the files and bytes (all files and *.json), warms the page cache
# (reads every file once), then runs, R times each:
#   imagegate check --format json --output /dev/null --exit-zero DIR
#   rg -c --no-ignore --hidden imageReference DIR
# under GNU time (/usr/bin/time -f '%e %M'). It keeps the best wall time and the highest peak
# RSS over the runs, and prints one Markdown table row per tree on stdout. Progress goes to stderr.
#
# rg runs with --no-ignore --hidden so that it reads every file whatever the .gitignore files
# around the tree say. The repository's own .gitignore lists /bench-out. imagegate
# honours .gitignore and skips hidden files; the generated trees have neither, so both tools read
# the same files there. rg reads every file, but imagegate reads only *.json and *.jsonc.
#
# Generated trees are kept in bench-out/ (gitignored) and reused when the generator script,
# seed and size have not changed. Delete bench-out/ to regenerate them.
#
# Needs GNU time and ripgrep. On Debian or Ubuntu:
#   apt-get update && apt-get install -y time ripgrep
# Makes no network access apart from what `cargo build` itself does.

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
OUT_BASE="$ROOT/bench-out"
GEN="$SCRIPT_DIR/gen_corpus.py"

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "bench.sh: $*" >&2; exit 2; }
log() { echo "bench.sh: $*" >&2; }

gen_sizes=()
dirs=()
seed=1
runs=3
threads=""
config=""
build=1
bin=""
do_ig=1
do_rg=1
keep_going=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --gen) [[ $# -ge 2 ]] || die "--gen needs a number"; gen_sizes+=("$2"); shift 2 ;;
    --gen=*) gen_sizes+=("${1#*=}"); shift ;;
    --sizes) [[ $# -ge 2 ]] || die "--sizes needs a list"; IFS=, read -r -a s <<<"$2"; gen_sizes+=("${s[@]}"); shift 2 ;;
    --sizes=*) IFS=, read -r -a s <<<"${1#*=}"; gen_sizes+=("${s[@]}"); shift ;;
    --seed) [[ $# -ge 2 ]] || die "--seed needs a number"; seed="$2"; shift 2 ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a number"; runs="$2"; shift 2 ;;
    --threads) [[ $# -ge 2 ]] || die "--threads needs a number"; threads="$2"; shift 2 ;;
    --config) [[ $# -ge 2 ]] || die "--config needs a file"; config="$(realpath "$2")"; shift 2 ;;
    --no-build) build=0; shift ;;
    --bin) [[ $# -ge 2 ]] || die "--bin needs a path"; bin="$(realpath "$2")"; build=0; shift 2 ;;
    --rg-only) do_ig=0; build=0; shift ;;
    --no-rg) do_rg=0; shift ;;
    --keep-going) keep_going=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; dirs+=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) dirs+=("$1"); shift ;;
  esac
done

for n in "${gen_sizes[@]}"; do
  [[ "$n" =~ ^[0-9]+$ && "$n" -gt 0 ]] || die "not a template count: '$n'"
done
[[ "$seed" =~ ^[0-9]+$ ]] || die "--seed: not a number: '$seed'"
[[ "$runs" =~ ^[0-9]+$ && "$runs" -ge 1 ]] || die "--runs: not a positive number: '$runs'"
[[ -z "$threads" || "$threads" =~ ^[0-9]+$ ]] || die "--threads: not a number: '$threads'"
[[ ${#gen_sizes[@]} -gt 0 || ${#dirs[@]} -gt 0 ]] || { usage >&2; die "nothing to benchmark: give --gen N, --sizes or DIRs"; }
[[ $do_ig -eq 1 || $do_rg -eq 1 ]] || die "--rg-only and --no-rg leave nothing to measure"

# Resolve the DIRs now, relative to the caller's working directory.
resolved=()
for d in "${dirs[@]}"; do
  [[ -d "$d" ]] || die "not a directory: $d"
  resolved+=("$(realpath "$d")")
done
dirs=("${resolved[@]+"${resolved[@]}"}")

# --- tools ------------------------------------------------------------------------------------
TIME=/usr/bin/time
if [[ ! -x $TIME ]] || ! $TIME --version 2>&1 | grep -q GNU; then
  die "GNU time is needed at /usr/bin/time (apt-get update && apt-get install -y time)"
fi
if [[ $do_rg -eq 1 ]] && ! command -v rg >/dev/null; then
  die "ripgrep (rg) is needed (apt-get update && apt-get install -y ripgrep), or pass --no-rg"
fi
command -v python3 >/dev/null || die "python3 is needed"

if [[ $do_ig -eq 1 ]]; then
  if [[ -z "$bin" ]]; then
    bin="${CARGO_TARGET_DIR:-$ROOT/target}/release/imagegate"
    [[ "$bin" = /* ]] || bin="$ROOT/$bin"
  fi
  if [[ $build -eq 1 ]]; then
    log "cargo build --release (in $ROOT)"
    (cd "$ROOT" && cargo build --release --quiet) >&2
  fi
  [[ -x "$bin" ]] || die "no imagegate binary at $bin (build it, or pass --bin PATH or --rg-only)"
  log "imagegate: $bin ($("$bin" --version 2>/dev/null || echo 'version unknown'))"
fi
if [[ $do_rg -eq 1 ]]; then log "rg: $(command -v rg) ($(rg --version 2>/dev/null | sed -n 1p))"; fi
log "cores: $(nproc), runs per tool: $runs${threads:+, threads: $threads}"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- generated trees --------------------------------------------------------------------------
gen_hash="$(sha256sum "$GEN" | cut -c1-16)"
gen_tree() {  # N -> prints the tree's path
  local n="$1" noise=$(( $1 / 2 ))
  local dir="$OUT_BASE/corpus-n$n-s$seed"
  local stamp="$OUT_BASE/corpus-n$n-s$seed.stamp"
  local want="gen=$gen_hash templates=$n noise=$noise seed=$seed"
  if [[ -d "$dir" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "reusing $dir"
  else
    rm -rf -- "$dir" "$stamp" "$OUT_BASE/corpus-n$n-s$seed.manifest.json"
    mkdir -p "$OUT_BASE"
    log "generating $n templates + $noise noise files into $dir"
    local t0=$SECONDS
    python3 "$GEN" "$dir" --templates "$n" --noise "$noise" --seed "$seed" --quiet \
      --manifest "$OUT_BASE/corpus-n$n-s$seed.manifest.json"
    echo "$want" >"$stamp"
    log "generated in $(( SECONDS - t0 )) s"
  fi
  printf '%s\n' "$dir"
}

trees=()
labels=()
for n in "${gen_sizes[@]}"; do
  trees+=("$(gen_tree "$n")")
  labels+=("generated n=$n")
done
for d in "${dirs[@]+"${dirs[@]}"}"; do
  trees+=("$d")
  case "$d" in "$ROOT"/*) labels+=("${d#"$ROOT"/}") ;; *) labels+=("$d") ;; esac
done

# --- measuring --------------------------------------------------------------------------------
# measure NAME CMD... -> sets BEST_WALL (s) and PEAK_KB; returns 1 if the command failed.
# GNU time's exit status is the command's; an exit code listed in OK_CODES counts as success.
measure() {
  local name="$1"; shift
  local i wall kb rc
  BEST_WALL=""; PEAK_KB=0
  for (( i = 1; i <= runs; i++ )); do
    rc=0
    "$TIME" -f '%e %M' -o "$TMP/time" "$@" >/dev/null 2>"$TMP/stderr" || rc=$?
    if [[ " $OK_CODES " != *" $rc "* ]]; then
      log "$name exited $rc: $*"
      sed 's/^/    /' "$TMP/stderr" | tail -n 20 >&2
      return 1
    fi
    # The last line of the -o file is ours (time may print "Command exited with non-zero status").
    read -r wall kb < <(tail -n 1 "$TMP/time")
    log "  $name run $i: ${wall} s, ${kb} KB"
    if [[ -z "$BEST_WALL" ]] || awk -v a="$wall" -v b="$BEST_WALL" 'BEGIN { exit !(a < b) }'; then
      BEST_WALL="$wall"
    fi
    (( kb > PEAK_KB )) && PEAK_KB=$kb
  done
  return 0
}

fmt() { awk -v x="$1" -v p="$2" 'BEGIN { printf("%.*f", p, x) }'; }
div() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf("%.*f", p, a / b) }'; }

rows=()
rss_summary=()
for idx in "${!trees[@]}"; do
  tree="${trees[$idx]}"
  label="${labels[$idx]}"
  log "tree: $tree"

  read -r files bytes < <(find "$tree" -type f -printf '%s\n' | awk '{ n++; s += $1 } END { print n + 0, s + 0 }')
  read -r jfiles jbytes < <(find "$tree" -type f \( -iname '*.json' -o -iname '*.jsonc' \) -printf '%s\n' \
    | awk '{ n++; s += $1 } END { print n + 0, s + 0 }')
  mb="$(div "$bytes" 1048576 1)"
  jmb="$(div "$jbytes" 1048576 1)"
  log "  $files files, $mb MB ($jfiles JSON files, $jmb MB)"

  # Warm the page cache so that the runs measure parsing, not the disk.
  find "$tree" -type f -print0 | xargs -0 -r cat >/dev/null

  ig_wall="n/a"; ig_fps="n/a"; ig_mbps="n/a"; ig_rss="n/a"; rg_wall="n/a"; ratio="n/a"
  if [[ $do_ig -eq 1 ]]; then
    args=(check --format json --output /dev/null --exit-zero)
    [[ -n "$threads" ]] && args+=(--threads "$threads")
    [[ -n "$config" ]] && args+=(--config "$config")
    OK_CODES="0"
    if measure imagegate "$bin" "${args[@]}" "$tree"; then
      ig_wall="$(fmt "$BEST_WALL" 2)"
      ig_fps="$(div "$files" "$BEST_WALL" 0)"
      ig_mbps="$(div "$bytes" "$(awk -v w="$BEST_WALL" 'BEGIN { print w * 1048576 }')" 1)"
      ig_rss="$(div "$PEAK_KB" 1024 1)"
      rss_summary+=("$files $ig_rss $label")
      ig_raw="$BEST_WALL"
    elif [[ $keep_going -eq 0 ]]; then
      die "imagegate failed on $tree (use --keep-going to skip)"
    fi
  fi
  if [[ $do_rg -eq 1 ]]; then
    rg_args=(-c --no-ignore --hidden)
    [[ -n "$threads" ]] && rg_args+=(-j "$threads")
    OK_CODES="0 1"  # 1: no match
    measure rg rg "${rg_args[@]}" imageReference "$tree" || die "rg failed on $tree"
    rg_wall="$(fmt "$BEST_WALL" 2)"
    rg_files="$(rg "${rg_args[@]}" imageReference "$tree" | wc -l)" || true
    log "  rg: $rg_files files contain imageReference"
    if [[ "$ig_wall" != "n/a" ]]; then
      ratio="$(div "$ig_raw" "$BEST_WALL" 1)"
    fi
  fi
  rows+=("| $label | $files | $jfiles | $mb | $ig_wall | $ig_fps | $ig_mbps | $ig_rss | $rg_wall | $ratio |")
done

# GNU time's %e has 0.01 s resolution: on small trees the ratio is coarse.
echo
echo "| tree | files | json files | MB | imagegate wall s | files/s | MB/s | peak RSS MB | rg wall s | imagegate/rg |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"

if [[ ${#rss_summary[@]} -ge 2 ]]; then
  echo
  echo "Peak RSS against repository size (imagegate):"
  echo
  printf '%s\n' "${rss_summary[@]}" | sort -n | awk '
    NR == 1 { f0 = $1; r0 = $2 }
    { label = $3; for (i = 4; i <= NF; i++) label = label " " $i
      printf("- %s: %d files, %.1f MB peak RSS (files x%.1f, RSS x%.2f vs the smallest)\n",
             label, $1, $2, $1 / f0, (r0 > 0 ? $2 / r0 : 0)) }'
fi
