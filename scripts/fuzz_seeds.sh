#!/usr/bin/env bash
# Rebuilds the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from testdata/ and the
# public corpora (quickstarts, Azure Verified Modules, zodiac, terraform-compliance), as
# FUZZING.md describes.
#
#   scripts/fuzz_seeds.sh [CORPORA]        full seeds: testdata and a few hundred small files
#                                          per target from CORPORA (default /work/corpora:
#                                          qs/ avm/ zodiac/ tfc/), named full-<sha1>
#   scripts/fuzz_seeds.sh --committed      the small seed set that is committed (testdata
#                                          only, named seed-<sha1>, < 2 MB in all)
#
# Seeds are files of at most 64 KiB (libFuzzer's default -max_len is taken from the largest
# seed: small seeds keep the fuzzer fast). A paired target (arm_params, bicepparam) gets its
# two documents joined by a NUL byte, as its function in src/fuzz.rs splits them; inventory's
# first byte chooses JSON (0) or CSV (1). Seeds are only ever added: the fuzzer's own corpus
# entries (hash names) are kept. Deterministic: the same trees give the same seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
corpora=/work/corpora
if [[ "${1:-}" == "--committed" ]]; then
  mode=committed
elif [[ -n "${1:-}" ]]; then
  corpora="$1"
fi
prefix=$([[ $mode == committed ]] && echo seed || echo full)
# How many files of each source a target takes (committed: a handful of testdata files).
per_source=$([[ $mode == committed ]] && echo 12 || echo 300)
max_bytes=65536
out=fuzz/corpus

# add TARGET: the seed read from standard input, named by its hash.
add() {
  local target="$1" tmp sum
  mkdir -p "$out/$target"
  tmp="$(mktemp)"
  cat >"$tmp"
  if [[ -s "$tmp" && $(stat -c %s "$tmp") -le $max_bytes ]]; then
    sum="$(sha1sum "$tmp" | cut -c1-16)"
    mv "$tmp" "$out/$target/$prefix-$sum"
  else
    rm -f "$tmp"
  fi
}

# pick N FIND-ARGS…: up to N small files find lists, sorted, spread evenly over the list.
pick() {
  local n="$1"
  shift
  find "$@" -type f -size -$((max_bytes / 1024))k 2>/dev/null | LC_ALL=C sort |
    awk -v n="$n" '{ a[NR] = $0 } END { step = (NR > n) ? NR / n : 1; for (i = 1; i <= NR && c < n; i += step) { print a[int(i)]; c++ } }'
}

# seed TARGET N FIND-ARGS…: up to N files as seeds of TARGET.
seed() {
  local target="$1" n="$2" f
  shift 2
  while IFS= read -r f; do add "$target" <"$f"; done < <(pick "$n" "$@")
}

# The template a parameter file gives values to, by the names the project graph pairs.
template_of() {
  local p="$1" t
  for t in "${p%.parameters.json}.json" "${p%/*}/azuredeploy.json" "${p%/*}/main.json"; do
    if [[ -f "$t" ]]; then
      echo "$t"
      return
    fi
  done
  return 0
}

# paired_arm N FIND-ARGS…: parameter files with their template, joined by a NUL byte (the
# template first).
paired_arm() {
  local n="$1" t p
  shift
  while IFS= read -r p; do
    t="$(template_of "$p")"
    if [[ -n "$t" ]]; then
      { cat "$t"; printf '\0'; cat "$p"; } | add arm_params
    fi
  done < <(pick "$n" "$@")
}

# paired_bicepparam N FIND-ARGS…: .bicepparam files with the Bicep file their `using` names,
# joined by a NUL byte, the `using` pointed at main.bicep (the name the target gives it).
paired_bicepparam() {
  local n="$1" p using target
  shift
  while IFS= read -r p; do
    using="$(sed -n "s/^using *'\([^']*\)'.*/\1/p" "$p" | head -1)"
    target="$(dirname "$p")/$using"
    [[ -n "$using" && -f "$target" ]] || continue
    { cat "$target"; printf '\0'; sed "s#^using *'[^']*'#using 'main.bicep'#" "$p"; } | add bicepparam
  done < <(pick "$n" "$@")
}

# synthetic_bicepparam N FIND-ARGS…: Bicep files with a `.bicepparam` made for them (`using`
# main.bicep and a value of its type for each parameter), joined by a NUL byte: the corpora
# hold few real pairs.
synthetic_bicepparam() {
  local n="$1" b
  shift
  while IFS= read -r b; do
    if grep -q '^param ' "$b"; then
      {
        cat "$b"
        printf '\0'
        echo "using 'main.bicep'"
        awk '/^param [A-Za-z_][A-Za-z0-9_]* / {
          v = "\x27x\x27"
          if ($3 ~ /^int/) v = "1"; else if ($3 ~ /^bool/) v = "true"
          else if ($3 ~ /^object/) v = "{}"; else if ($3 ~ /\[\]/ || $3 ~ /^array/) v = "[]"
          print "param " $2 " = " v
        }' "$b"
      } | add bicepparam
    fi
  done < <(pick "$n" "$@")
}

# paired_tf N FIND-ARGS…: Terraform module folders (each `main.tf` found) as the tfsource
# target takes them: the folder's `.tf` files joined as its main.tf, a NUL byte, then its
# terraform.tfvars (or nothing).
paired_tf() {
  local n="$1" m dir
  shift
  while IFS= read -r m; do
    dir="$(dirname "$m")"
    {
      cat "$dir"/*.tf
      printf '\0'
      if [[ -f "$dir/terraform.tfvars" ]]; then cat "$dir/terraform.tfvars"; fi
    } | add tfsource
  done < <(pick "$n" "$@")
}

td=testdata
seed json "$per_source" "$td" -name '*.json'
seed arm "$per_source" "$td/arm" "$td/rules" "$td/hostile" -name '*.json'
paired_arm "$per_source" "$td" -name '*.parameters.json'
seed bicep "$per_source" "$td/bicep" "$td/rules" "$td/hostile" "$td/registry" -name '*.bicep'
paired_bicepparam "$per_source" "$td" -name '*.bicepparam'
seed tfplan "$per_source" "$td/tfplan" -name '*.json'
paired_tf "$per_source" "$td/terraform-src" "$td/tfplan" -name 'main.tf'
while IFS= read -r f; do { printf '\0'; cat "$f"; } | add inventory; done < <(pick "$per_source" "$td/inventory" -name '*.json')
while IFS= read -r f; do { printf '\1'; cat "$f"; } | add inventory; done < <(pick "$per_source" "$td/inventory" -name '*.csv')
seed config "$per_source" "$td" -name '*.toml'
seed policy_import "$per_source" "$td/policy" -name '*.json'
seed baseline "$per_source" "$td" -name '*baseline*.json'
seed exemptions "$per_source" "$td/exemptions" "$td/rules" -name '*.bicep'

if [[ $mode == full ]]; then
  if [[ ! -d "$corpora" ]]; then
    echo "fuzz_seeds.sh: no corpora at $corpora; seeded from testdata only" >&2
  else
    seed json "$per_source" "$corpora/qs" "$corpora/avm" "$corpora/zodiac/ruleJsonFiles" -name '*.json'
    seed arm "$per_source" "$corpora/qs" -name 'azuredeploy.json'
    seed arm "$per_source" "$corpora/avm" -name 'main.json'
    paired_arm "$per_source" "$corpora/qs" -name '*.parameters.json'
    seed bicep "$per_source" "$corpora/qs" "$corpora/avm" -name '*.bicep'
    paired_bicepparam "$per_source" "$corpora/qs" "$corpora/avm" -name '*.bicepparam'
    synthetic_bicepparam "$per_source" "$corpora/qs" "$corpora/avm" -name '*.bicep'
    seed tfplan "$per_source" "$corpora/tfc" -name '*.json'
    seed tfplan 100 "$corpora/zodiac/folderFiles" -name '*.json'
    seed policy_import 100 "$corpora/avm" "$corpora/qs" -path '*polic*' -name '*.json'
    seed config 50 "$corpora" -name '*.toml'
    seed exemptions 100 "$corpora/avm" -name '*.bicep'
  fi
fi
for d in "$out"/*/; do
  echo "$(basename "$d"): $(find "$d" -type f | wc -l) files, $(du -sh "$d" | cut -f1)"
done
