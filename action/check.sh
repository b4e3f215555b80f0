#!/usr/bin/env bash
# The `Check` step of action.yml (also run by CI against a local repository: .ci/action.sh).
# Inputs come from the environment only (never interpolated into the script):
#   INPUT_PATHS, INPUT_CONFIG, INPUT_MODE, INPUT_ARGS (one item per line), INPUT_FAIL_ON,
#   INPUT_BASELINE, INPUT_REPORT ("true": the rollout figures in the job summary),
#   INPUT_RESTORE_MODULES ("true", "forks-too" or "false"), INPUT_TRUST_EXEMPTIONS ("base" or
#   "all"), INPUT_CATEGORY (the SARIF run's code-scanning category; default imagegate), EVENT_NAME, BASE_REF, HEAD_REPOSITORY and REPOSITORY (a pull request from a fork
#   has another head repository), IMAGEGATE (the binary; default: imagegate on PATH),
#   and the runner's RUNNER_TEMP, GITHUB_OUTPUT (and GITHUB_STEP_SUMMARY, which imagegate's
#   github format writes to).
#
# What it trusts and why: docs/action-trust.md. On a pull request the workspace is the pull
# request's: every policy input (the config, the baseline, which exemption comments count) is
# read from the base branch's git objects into a fresh private folder, never through a path
# in the workspace, and the run must report the very bytes restored.
set -euo pipefail

out="${RUNNER_TEMP:?RUNNER_TEMP is not set}/imagegate"
mkdir -p "$out"
# Nothing of an earlier run of the action in this job is taken for this run's.
rm -f "$out/imagegate.sarif" "$out/imagegate.json"
# Paths given to git are paths, never patterns or pathspec magic.
export GIT_LITERAL_PATHSPECS=1

lines() { printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'; }
mapfile -t paths < <(lines "${INPUT_PATHS:-.}")
[ "${#paths[@]}" -gt 0 ] || paths=(.)
mapfile -t extra < <(lines "${INPUT_ARGS:-}")

# Text the pull request controls (file names), made safe for a workflow command's message.
neutral() {
  printf '%s' "$1" | tr -d '\000-\037\177' | sed -e 's/%/%25/g' -e 's/##\[/#%23[/g'
}

# The run cannot happen as asked: an error, and exit 2 whatever `fail-on` says.
fail() {
  echo "::error::imagegate: $1"
  echo "status=2" >> "$GITHUB_OUTPUT"
  exit 2
}

case "${INPUT_FAIL_ON:-error}" in
  error | warning | never) ;;
  *) fail "fail-on must be error, warning or never" ;;
esac
case "${INPUT_RESTORE_MODULES:-false}" in
  true | forks-too | false) ;;
  *) fail "restore-modules must be true, forks-too or false" ;;
esac
case "${INPUT_TRUST_EXEMPTIONS:-base}" in
  base | all) ;;
  *) fail "trust-exemptions must be base or all" ;;
esac

pull_request=false
case "${EVENT_NAME:-}" in pull_request | pull_request_target) pull_request=true ;; esac

# The SHA-256 of standard input, in hex.
sha256() {
  if command -v sha256sum > /dev/null; then
    sha256sum | cut -d' ' -f1
  else
    shasum -a 256 | cut -d' ' -f1
  fi
}

# `summary.<key>.sha256` of the JSON report $1 (key: config or baseline), or nothing.
reported_sha256() {
  if command -v python3 > /dev/null; then
    python3 -c 'import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))["summary"].get(sys.argv[2]) or {}
print(s.get("sha256") or "")' "$1" "$2"
  else
    jq -r --arg key "$2" '.summary[$key].sha256 // ""' "$1"
  fi
}

args=()
if [ -n "${INPUT_MODE:-}" ]; then
  args+=(--mode "$INPUT_MODE")
fi
# What the pull request's run must report having read (set on pull requests).
expect_config=""
expect_baseline=""
base_config=() # the base branch's own run: its policy, in place in its tree
if [ "$pull_request" = false ]; then
  if [ -n "${INPUT_CONFIG:-}" ]; then
    args+=(--config "$INPUT_CONFIG")
  fi
  if [ -n "${INPUT_BASELINE:-}" ]; then
    args+=(--baseline "$INPUT_BASELINE")
  fi
else
  # The policy is not the pull request's to change: the config, the baseline and the
  # exemptions that count are the base branch's, read from its git objects.
  if ! command -v python3 > /dev/null && ! command -v jq > /dev/null; then
    fail "neither python3 nor jq is installed, so the policy the run read cannot be verified"
  fi
  # The base branch as it is now; else as the checkout fetched it (`fetch-depth: 0`: a
  # private repository checked out with `persist-credentials: false` cannot fetch again).
  # A pull request can create neither.
  if [ -n "${BASE_REF:-}" ] && git fetch --quiet --no-tags --depth=1 origin "$BASE_REF"; then
    base=$(git rev-parse --verify 'FETCH_HEAD^{commit}')
  elif [ -n "${BASE_REF:-}" ] && base=$(git rev-parse --verify --quiet "refs/remotes/origin/$BASE_REF^{commit}"); then
    echo "::notice::imagegate: the base branch cannot be fetched; its policy is read from origin/$(neutral "$BASE_REF") as the checkout fetched it"
  else
    fail "the base branch cannot be fetched, so its policy cannot be read; failing rather than judging with the pull request's own policy"
  fi
  top=$(git rev-parse --show-toplevel)
  prefix=$(git rev-parse --show-prefix) # the working directory, from the top ("" or "dir/")

  # The base branch's tree, in a fresh private folder (mktemp: mode 0700, a name nobody
  # chose): its files from `git archive` (from git's objects, under the base's own
  # attributes; nothing in the workspace read or written), and an index of its own (objects
  # borrowed from the workspace's repository) so that imagegate's walk sees the base's files
  # as tracked, as it sees the pull request's.
  private=$(mktemp -d "$RUNNER_TEMP/imagegate-base.XXXXXXXX")
  tree="$private/tree"
  {
    git -c init.defaultBranch=base init --quiet "$tree" &&
      printf '%s\n' "$(git rev-parse --path-format=absolute --git-common-dir)/objects" \
        > "$tree/.git/objects/info/alternates" &&
      git -C "$tree" read-tree "$base" &&
      git archive --format=tar "$base" | tar -xf - -C "$tree"
  } || fail "the base branch's files cannot be restored into $private"

  # A path of the workspace ($1, relative to the working directory or absolute) from the
  # top of the repository, `.` and `..` resolved without reading the file system; fails when
  # it lies outside the repository.
  from_top() {
    local path="$1" part
    local -a parts=() kept=()
    case "$path" in
      /*)
        case "$path/" in "$top"/*) path="${path#"$top"}" ;; *) return 1 ;; esac
        ;;
      *) path="$prefix$path" ;;
    esac
    IFS=/ read -ra parts <<< "$path"
    for part in "${parts[@]}"; do
      case "$part" in
        '' | .) ;;
        ..) [ "${#kept[@]}" -gt 0 ] || return 1; unset 'kept[-1]' ;;
        *) kept+=("$part") ;;
      esac
    done
    (IFS=/; printf '%s' "${kept[*]}")
  }
  # What the base has at $1 (from the top): blob (a regular file), link, tree, or nothing.
  in_base() {
    local entry
    entry=$(git ls-tree --full-tree "$base" -- "$1" 2> /dev/null | head -n 1)
    case "$entry" in
      "100644 blob "* | "100755 blob "*) echo blob ;;
      "120000 blob "*) echo link ;;
      "040000 tree "*) echo tree ;;
      *) echo none ;;
    esac
  }
  # The path from the top ($1) as the working directory sees it.
  from_cwd() {
    case "$1" in
      "$prefix"*) printf '%s' "${1#"$prefix"}" ;;
      *) printf '%s' "$top/$1" ;;
    esac
  }
  # The base branch's policy file that governs the path $1 (from the top), as imagegate finds
  # one (README, "Configuration"): of the folders from the top down to the path's own, the
  # first with an imagegate.toml (else a .imagegate.toml): the one nearest the top wins.
  # Empty: none.
  governing() {
    local rel="$1" dir="" name kind
    local -a parts=()
    kind=none
    [ -z "$rel" ] || kind=$(in_base "$rel")
    if [ -z "$rel" ] || [ "$kind" = tree ] || { [ "$kind" = none ] && [ -d "$(from_cwd "$rel")" ]; }; then
      dir="$rel"
    else
      case "$rel" in */*) dir="${rel%/*}" ;; *) dir="" ;; esac
    fi
    IFS=/ read -ra parts <<< "$dir"
    local at=""
    while :; do
      for name in imagegate.toml .imagegate.toml; do
        if [ "$(in_base "$at$name")" != none ]; then
          printf '%s' "$at$name"
          return
        fi
      done
      [ "${#parts[@]}" -gt 0 ] || return 0
      at="$at${parts[0]}/"
      parts=("${parts[@]:1}")
    done
  }
  # The base branch's regular file $1 (from the top), for the run: fails unless it is one.
  # Its bytes are written again from git's object (the base's attributes may have left it out
  # of the archive, or converted it): the run must read exactly the blob. Every folder on its
  # way is a folder of the base's tree, made by the archive or here.
  require_blob() {
    case "$(in_base "$1")" in
      blob) ;;
      link) fail "the base branch's $(neutral "$1") is a symbolic link; a policy file must be a regular file" ;;
      *) fail "the base branch has no file $(neutral "$1")" ;;
    esac
    mkdir -p "$tree/$(dirname -- "$1")"
    git cat-file blob "$base:$1" > "$tree/$1"
  }

  # Every policy file the pull request adds, changes, removes or replaces (by a link, a
  # folder) is reported: it is not the one used.
  is_policy() { case "${1##*/}" in imagegate.toml | .imagegate.toml) return 0 ;; *) return 1 ;; esac; }
  while IFS= read -r -d '' f; do
    is_policy "$f" || continue
    if [ "$(git ls-tree --full-tree "$base" -- "$f")" != "$(git ls-tree --full-tree HEAD -- "$f")" ]; then
      if [ "$(in_base "$f")" = none ]; then
        echo "::warning::imagegate: the pull request adds the policy file $(neutral "$f"); it is not used (the base branch's policy is)"
      else
        echo "::warning::imagegate: the pull request changes the policy file $(neutral "$f"); it is judged with the base branch's version"
      fi
    fi
  done < <({
    # (A policy file the pull request turned into a folder is listed from the base.)
    git ls-tree -r -z --full-tree --name-only "$base"
    git ls-tree -r -z --full-tree --name-only HEAD
  } | sort -zu)

  if [ -n "${INPUT_CONFIG:-}" ]; then
    # A policy file the workflow names: the base branch's when it lies in the repository.
    case "$INPUT_CONFIG" in /*) absolute="$INPUT_CONFIG" ;; *) absolute="$PWD/$INPUT_CONFIG" ;; esac
    if ! rel=$(from_top "$INPUT_CONFIG"); then
      # Outside the repository (another checkout beside it): the workflow's to vouch for.
      args+=(--config "$INPUT_CONFIG")
      base_config=(--config "$absolute")
      expect_config=$(sha256 < "$INPUT_CONFIG")
    elif [ "$(in_base "$rel")" != none ]; then
      require_blob "$rel"
      args+=(--config "$tree/$rel" --config-as "$INPUT_CONFIG")
      base_config=(--config "$tree/$rel")
      expect_config=$(git cat-file blob "$base:$rel" | sha256)
    else
      # Inside the repository's folder but not on the base branch: only a checkout of
      # another repository there (a folder with its own .git, which no pull request can add)
      # is not the pull request's, and only when no folder on the way is a link.
      nested=""
      at=""
      IFS=/ read -ra parts <<< "$rel"
      for part in "${parts[@]:0:${#parts[@]}-1}"; do
        at="$at$part"
        if [ -L "$top/$at" ]; then
          break
        fi
        if [ -e "$top/$at/.git" ]; then
          nested="$at"
          break
        fi
        at="$at/"
      done
      if [ -z "$nested" ] || [ -L "$top/$rel" ]; then
        fail "the config input $(neutral "$INPUT_CONFIG") is not on the base branch: a pull request cannot name its own policy"
      fi
      args+=(--config "$INPUT_CONFIG")
      base_config=(--config "$absolute")
      expect_config=$(sha256 < "$INPUT_CONFIG")
    fi
  else
    # The base branch's policy file that governs the paths (one run has one policy).
    governing_config=""
    first=""
    for p in "${paths[@]}"; do
      rel=$(from_top "$p") || continue
      g=$(governing "$rel")
      [ -n "$g" ] || continue
      if [ -z "$governing_config" ]; then
        governing_config="$g"
        first="$p"
      elif [ "$g" != "$governing_config" ]; then
        fail "$(neutral "$first") and $(neutral "$p") are governed by different policy files on the base branch ($(neutral "$governing_config") and $(neutral "$g")); one run has one policy: check them in separate steps"
      fi
    done
    if [ -n "$governing_config" ]; then
      require_blob "$governing_config"
      shown=$(from_cwd "$governing_config")
      echo "imagegate: the policy is the base branch's $(neutral "$governing_config") ($(git rev-parse --short "$base"))"
      args+=(--config "$tree/$governing_config" --config-as "$shown")
      base_config=(--config "$tree/$governing_config")
      expect_config=$(git cat-file blob "$base:$governing_config" | sha256)
    else
      # No policy on the base branch: the embedded default, whatever the pull request adds.
      echo "::notice::imagegate: the base branch has no policy file for these paths: the embedded default is used"
      printf '# The base branch has no imagegate.toml: the embedded default.\n' > "$private/imagegate.toml"
      args+=(--config "$private/imagegate.toml")
      base_config=(--config "$private/imagegate.toml")
      expect_config=$(sha256 < "$private/imagegate.toml")
    fi
  fi

  # The baseline is policy too: the findings it accepts are the base branch's.
  if [ -n "${INPUT_BASELINE:-}" ]; then
    if rel=$(from_top "$INPUT_BASELINE") && [ "$(in_base "$rel")" != none ]; then
      require_blob "$rel"
      if [ "$(git ls-tree --full-tree "$base" -- "$rel")" != "$(git ls-tree --full-tree HEAD -- "$rel")" ]; then
        echo "::warning::imagegate: the pull request changes the baseline $(neutral "$INPUT_BASELINE"); the base branch's version is used"
      fi
      git cat-file blob "$base:$rel" > "$private/baseline.json"
      args+=(--baseline "$private/baseline.json")
      expect_baseline=$(sha256 < "$private/baseline.json")
    else
      echo "::warning::imagegate: the base branch has no baseline $(neutral "$INPUT_BASELINE"); every finding counts"
    fi
  fi
fi

# Registry modules: `bicep restore` puts each module's compiled template in the Bicep cache
# (~/.bicep), where imagegate reads it. Opt-in, and not on pull requests from forks unless asked:
# their Bicep files and bicepconfig.json would choose the registries the runner contacts.
fork=false
if [ "$pull_request" = true ]; then
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

# Inline exemptions: on a pull request, a comment exempts only what the base branch's comments
# exempt (the same rule, file, resource, image and parameter file); one it adds or points
# elsewhere is reported for a reviewer to approve, and the finding counts.
if [ "$pull_request" = true ] && [ "${INPUT_TRUST_EXEMPTIONS:-base}" = base ]; then
  trusted="$private/trusted-exemptions.json"
  base_paths=()
  for p in "${paths[@]}"; do
    rel=$(from_top "$p") || continue
    [ -e "$tree/$rel" ] || continue
    case "$p" in /*) base_paths+=("$tree/$rel") ;; *) base_paths+=("$p") ;; esac
  done
  status=0
  if [ "${#base_paths[@]}" -gt 0 ]; then
    (cd "$tree/$prefix" && "$imagegate" check --quiet --exit-zero --format json \
      --output "$private/base-report.json" --write-trusted-exemptions "$trusted" \
      "${base_config[@]}" "${extra[@]}" -- "${base_paths[@]}") || status=$?
  fi
  if [ "${#base_paths[@]}" -eq 0 ] || [ "$status" -ne 0 ]; then
    if [ "$status" -ne 0 ]; then
      echo "::warning::imagegate: the base branch could not be judged (exit status $status), so no exemption comment counts"
    fi
    printf '{ "version": 1, "tool": "imagegate", "exemptions": [] }\n' > "$trusted"
  fi
  args+=(--trusted-exemptions "$trusted")
fi

status=0
if [ "$pull_request" = true ]; then
  # The run must have read the very bytes restored: a policy file swapped for a link, a
  # folder or another file anywhere on the way would show here.
  "$imagegate" check --quiet --format json --output "$out/imagegate.json" --exit-zero \
    "${args[@]}" "${extra[@]}" -- "${paths[@]}" || status=$?
  if [ "$status" -eq 0 ]; then
    read_config=$(reported_sha256 "$out/imagegate.json" config)
    if [ "$read_config" != "$expect_config" ]; then
      fail "the run read a config (sha256 ${read_config:-none}) that is not the base branch's (sha256 $expect_config); failing rather than judging with another policy"
    fi
    if [ -n "$expect_baseline" ]; then
      read_baseline=$(reported_sha256 "$out/imagegate.json" baseline)
      if [ "$read_baseline" != "$expect_baseline" ]; then
        fail "the run read a baseline (sha256 ${read_baseline:-none}) that is not the base branch's (sha256 $expect_baseline)"
      fi
    fi
  fi
fi
if [ "$status" -eq 0 ]; then
  # The category is the SARIF run's own (`automationDetails.id`): upload-sarif keeps a run's
  # category and ignores its `category` input when the run names one.
  "$imagegate" check --format sarif --output "$out/imagegate.sarif" --exit-zero \
    --sarif-category "${INPUT_CATEGORY:-imagegate}" \
    "${args[@]}" "${extra[@]}" -- "${paths[@]}" || status=$?
fi
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
  if [ -f "$out/imagegate.sarif" ]; then
    echo "sarif=$out/imagegate.sarif"
  fi
  echo "status=$status"
} >> "$GITHUB_OUTPUT"
# A failure of the tool itself (exit 2) fails the step whatever `fail-on` says.
if [ "$status" -eq 2 ]; then
  exit 2
fi
