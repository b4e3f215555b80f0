#!/usr/bin/env bash
# The `Check` step of action.yml (also run by CI against a local repository: .ci/action.sh).
# Inputs come from the environment only (never interpolated into the script):
#   INPUT_PATHS, INPUT_CONFIG, INPUT_MODE, INPUT_ARGS (one item per line), INPUT_FAIL_ON,
#   INPUT_BASELINE, INPUT_REPORT ("true": the rollout figures in the job summary),
#   INPUT_RESTORE_MODULES ("true", "forks-too" or "false"), EVENT_NAME, BASE_REF,
#   HEAD_REPOSITORY and REPOSITORY (a pull request from a fork has another head repository),
#   IMAGEGATE (the binary; default: imagegate on PATH),
#   and the runner's RUNNER_TEMP, GITHUB_OUTPUT (and GITHUB_STEP_SUMMARY, which imagegate's
#   github format writes to).
set -euo pipefail

out="${RUNNER_TEMP:?RUNNER_TEMP is not set}/imagegate"
mkdir -p "$out"

lines() { printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'; }
mapfile -t paths < <(lines "${INPUT_PATHS:-.}")
[ "${#paths[@]}" -gt 0 ] || paths=(.)
mapfile -t extra < <(lines "${INPUT_ARGS:-}")

# Text the pull request controls (file names), made safe for a workflow command's message.
neutral() {
  printf '%s' "$1" | tr -d '\000-\037\177' | sed -e 's/%/%25/g' -e 's/##\[/#%23[/g'
}

args=()
if [ -n "${INPUT_MODE:-}" ]; then
  args+=(--mode "$INPUT_MODE")
fi
if [ -n "${INPUT_CONFIG:-}" ]; then
  args+=(--config "$INPUT_CONFIG")
elif [ "${EVENT_NAME:-}" = pull_request ] || [ "${EVENT_NAME:-}" = pull_request_target ]; then
  # The policy is not the pull request's to change: every policy file is judged as the base
  # branch has it, and a change to one is reported.
  if [ -z "${BASE_REF:-}" ] || ! git fetch --quiet --no-tags --depth=1 origin "$BASE_REF"; then
    echo "::error::imagegate: the base branch cannot be fetched, so its policy cannot be read; failing rather than judging with the pull request's own policy"
    echo "status=2" >> "$GITHUB_OUTPUT"
    exit 2
  fi
  base=$(git rev-parse FETCH_HEAD)
  is_policy() { case "${1##*/}" in imagegate.toml | .imagegate.toml) return 0 ;; *) return 1 ;; esac; }
  mapfile -t in_base < <(git ls-tree -r --name-only "$base" | while IFS= read -r f; do is_policy "$f" && printf '%s\n' "$f"; done)
  mapfile -t in_pr < <(git ls-files | while IFS= read -r f; do is_policy "$f" && printf '%s\n' "$f"; done)
  for f in "${in_pr[@]}"; do
    if ! git cat-file -e "$base:$f" 2>/dev/null; then
      echo "::warning::imagegate: the pull request adds the policy file $(neutral "$f"); it is not used (the base branch's policy is)"
      rm -f -- "$f"
    fi
  done
  for f in "${in_base[@]}"; do
    if ! git diff --quiet "$base" -- "$f" 2>/dev/null || [ ! -f "$f" ]; then
      echo "::warning::imagegate: the pull request changes the policy file $(neutral "$f"); it is judged with the base branch's version"
    fi
    mkdir -p -- "$(dirname -- "$f")"
    git show "$base:$f" > "$f"
  done
  # The baseline is policy too: the findings it accepts are the base branch's.
  if [ -n "${INPUT_BASELINE:-}" ]; then
    if git cat-file -e "$base:$INPUT_BASELINE" 2>/dev/null; then
      if ! git diff --quiet "$base" -- "$INPUT_BASELINE" 2>/dev/null || [ ! -f "$INPUT_BASELINE" ]; then
        echo "::warning::imagegate: the pull request changes the baseline $(neutral "$INPUT_BASELINE"); the base branch's version is used"
      fi
      mkdir -p -- "$(dirname -- "$INPUT_BASELINE")"
      git show "$base:$INPUT_BASELINE" > "$INPUT_BASELINE"
    else
      echo "::warning::imagegate: the base branch has no baseline $(neutral "$INPUT_BASELINE"); every finding counts"
      rm -f -- "$INPUT_BASELINE"
      INPUT_BASELINE=""
    fi
  fi
fi
if [ -n "${INPUT_BASELINE:-}" ]; then
  args+=(--baseline "$INPUT_BASELINE")
fi
case "${INPUT_FAIL_ON:-error}" in
  error | warning | never) ;;
  *)
    echo "::error::imagegate: fail-on must be error, warning or never"
    echo "status=2" >> "$GITHUB_OUTPUT"
    exit 2
    ;;
esac

# Registry modules: `bicep restore` puts each module's compiled template in the Bicep cache
# (~/.bicep), where imagegate reads it. Opt-in, and not on pull requests from forks unless asked:
# their Bicep files and bicepconfig.json would choose the registries the runner contacts.
case "${INPUT_RESTORE_MODULES:-false}" in
  true | forks-too | false) ;;
  *)
    echo "::error::imagegate: restore-modules must be true, forks-too or false"
    echo "status=2" >> "$GITHUB_OUTPUT"
    exit 2
    ;;
esac
fork=false
if [ "${EVENT_NAME:-}" = pull_request ] || [ "${EVENT_NAME:-}" = pull_request_target ]; then
  if [ -n "${HEAD_REPOSITORY:-}" ] && [ "${HEAD_REPOSITORY}" != "${REPOSITORY:-}" ]; then
    fork=true
  fi
fi
restore=false
case "${INPUT_RESTORE_MODULES:-false}" in
  true) if [ "$fork" = true ]; then
      echo "::notice::imagegate: registry modules are not restored on a pull request from a fork (restore-modules: forks-too restores them)"
    else
      restore=true
    fi ;;
  forks-too) restore=true ;;
esac
if [ "$restore" = true ]; then
  if command -v bicep > /dev/null; then
    bicep_restore() { bicep restore "$1"; }
  elif command -v az > /dev/null; then
    bicep_restore() { az bicep restore --file "$1"; }
  else
    echo "::warning::imagegate: neither bicep nor az is installed, so registry modules are not restored"
    bicep_restore() { return 1; }
  fi
  restored=0
  failed=0
  while IFS= read -r -d '' f; do
    # Only the files that name a registry module or template spec.
    grep -qE "['\"](br|ts)(:|/[^:'\"]*:)" -- "$f" 2> /dev/null || continue
    if bicep_restore "$f" > "$out/restore.log" 2>&1; then
      restored=$((restored + 1))
    else
      failed=$((failed + 1))
      echo "::warning::imagegate: bicep restore failed for $(neutral "$f"); its registry modules stay unread (IG002)"
      # Its output may quote the pull request's files: no line of it is a workflow command.
      sed -e 's/::/: :/g' -e 's/^/  /' "$out/restore.log"
    fi
  done < <(
    # A path that starts with `-` is not one of find's options.
    roots=()
    for p in "${paths[@]}"; do case "$p" in -*) roots+=("./$p") ;; *) roots+=("$p") ;; esac; done
    find "${roots[@]}" -name .git -prune -o -type f \( -name '*.bicep' -o -name '*.bicepparam' \) -print0 2> /dev/null
  )
  echo "imagegate: bicep restore: $restored file(s) restored, $failed failed"
fi

imagegate="${IMAGEGATE:-imagegate}"
status=0
"$imagegate" check --format sarif --output "$out/imagegate.sarif" --exit-zero \
  "${args[@]}" "${extra[@]}" -- "${paths[@]}" || status=$?
if [ "$status" -eq 0 ]; then
  "$imagegate" check --format github --fail-on "${INPUT_FAIL_ON:-error}" \
    "${args[@]}" "${extra[@]}" -- "${paths[@]}" || status=$?
fi
# The rollout figures, from the same policy (and baseline), in the job summary.
if [ "${INPUT_REPORT:-false}" = true ] && [ "$status" -ne 2 ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  "$imagegate" report --format markdown "${args[@]}" -- "${paths[@]}" >> "$GITHUB_STEP_SUMMARY" ||
    echo "::warning::imagegate: the rollout figures could not be written to the job summary"
fi
{
  echo "sarif=$out/imagegate.sarif"
  echo "status=$status"
} >> "$GITHUB_OUTPUT"
# A failure of the tool itself (exit 2) fails the step whatever `fail-on` says.
if [ "$status" -eq 2 ]; then
  exit 2
fi
