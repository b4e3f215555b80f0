#!/usr/bin/env bash
# The `Check` step of action.yml, and of the Azure Pipelines template (docs/azure-pipelines.yml);
# CI runs it against local repositories as each runner would (.ci/action.sh,
# .ci/azure-pipelines.sh). Inputs come from the environment only (never interpolated into the
# script):
#   INPUT_PATHS, INPUT_CONFIG, INPUT_MODE, INPUT_ARGS (one item per line), INPUT_FAIL_ON,
#   INPUT_BASELINE, INPUT_REPORT ("true": the rollout figures in the job summary),
#   INPUT_RESTORE_MODULES ("true", "forks-too" or "false"), INPUT_TRUST_EXEMPTIONS ("base" or
#   "all"), INPUT_CATEGORY (the SARIF run's code-scanning category; default imagegate),
#   INPUT_ALLOW_EMPTY ("true": paths that judge nothing pass; default: they fail the step),
#   IMAGEGATE (the binary; default: imagegate on PATH), and IMAGEGATE_CI, the CI system:
#   * github (the default): EVENT_NAME, BASE_REF, HEAD_SHA (the pull request's head commit),
#     HEAD_REPOSITORY and REPOSITORY (a pull request from a fork has another head
#     repository), and the runner's RUNNER_TEMP, GITHUB_OUTPUT (and GITHUB_STEP_SUMMARY, which
#     imagegate's github format writes to); messages are workflow commands (`::error::`);
#   * azure (Azure Pipelines): the agent's predefined variables, as it puts them in the
#     environment: BUILD_REASON, SYSTEM_PULLREQUEST_TARGETBRANCH,
#     SYSTEM_PULLREQUEST_SOURCECOMMITID, SYSTEM_PULLREQUEST_ISFORK, AGENT_TEMPDIRECTORY and
#     BUILD_ARTIFACTSTAGINGDIRECTORY; messages are logging commands (`##vso[task.logissue]`),
#     the SARIF report is CodeAnalysisLogs/<category>.sarif in the staging directory, and the
#     step's exit status is the run's (per INPUT_FAIL_ON).
#
# What it trusts and why: docs/action-trust.md. On a pull request the workspace is the pull
# request's: every policy input (the config, the baseline, which exemption comments count) is
# read from the base branch's git objects into a fresh private folder, never through a path
# in the workspace, and the run must report the very bytes restored.
set -euo pipefail

ci="${IMAGEGATE_CI:-github}"
case "$ci" in
  github)
    temp="${RUNNER_TEMP:?RUNNER_TEMP is not set}"
    ;;
  azure)
    temp="${AGENT_TEMPDIRECTORY:?AGENT_TEMPDIRECTORY is not set}"
    # The agent's variables, under the names the rest of the script reads. A pull request's
    # target branch is `refs/heads/main` on Azure Repos, `main` on GitHub.
    case "${BUILD_REASON:-}" in
      PullRequest) EVENT_NAME=pull_request ;;
      *) EVENT_NAME="${BUILD_REASON:-}" ;;
    esac
    BASE_REF="${SYSTEM_PULLREQUEST_TARGETBRANCH:-}"
    BASE_REF="${BASE_REF#refs/heads/}"
    HEAD_SHA="${SYSTEM_PULLREQUEST_SOURCECOMMITID:-}"
    ;;
  *)
    echo "imagegate: IMAGEGATE_CI must be github or azure" >&2
    exit 2
    ;;
esac

out="$temp/imagegate"
mkdir -p "$out"
sarif="$out/imagegate.sarif"
if [ "$ci" = azure ]; then
  # What the SARIF SAST Scans Tab reads: the build artifact CodeAnalysisLogs, one file per
  # category.
  name=$(printf '%s' "${INPUT_CATEGORY:-imagegate}" | tr -c 'A-Za-z0-9._-' '-')
  sarif="${BUILD_ARTIFACTSTAGINGDIRECTORY:?BUILD_ARTIFACTSTAGINGDIRECTORY is not set}/CodeAnalysisLogs/$name.sarif"
  mkdir -p "$(dirname -- "$sarif")"
fi
# Nothing of an earlier run of the action in this job is taken for this run's.
rm -f "$sarif" "$out/imagegate.json" "$out/rollout.md"
# Paths given to git are paths, never patterns or pathspec magic; git never asks for a password.
export GIT_LITERAL_PATHSPECS=1 GIT_TERMINAL_PROMPT=0

lines() { printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'; }
mapfile -t paths < <(lines "${INPUT_PATHS:-.}")
[ "${#paths[@]}" -gt 0 ] || paths=(.)
mapfile -t extra < <(lines "${INPUT_ARGS:-}")

# Text the pull request controls (file names), made safe for a message of the CI: no control
# character, `%` escaped as the command's message unescapes it (GitHub), and the `[` of a
# command prefix (`##[`, and Azure Pipelines' `##vso[`, which its agent finds anywhere in a
# line) written visibly, as imagegate's own formats write it.
unprefix() { sed -e 's/##\[/##\\u{5b}/g' -e 's/##\([vV][sS][oO]\)\[/##\1\\u{5b}/g'; }
neutral() {
  if [ "$ci" = github ]; then
    printf '%s' "$1" | tr -d '\000-\037\177' | sed -e 's/%/%25/g' | unprefix
  else
    printf '%s' "$1" | tr -d '\000-\037\177' | unprefix
  fi
}
# Lines of another program's output (which may quote the pull request's files), indented:
# none of them is a command.
neutral_lines() {
  tr -d '\000-\011\013-\037\177' | sed -e 's/::/: :/g' | unprefix | sed -e 's/^/  /'
}

# `say KIND TEXT`: a message (KIND error, warning or notice) as the CI shows one: on GitHub a
# workflow command; on Azure Pipelines an issue of the run (`%` escaped as the agent unescapes
# it), or a line of the log for a notice.
say() {
  case "$ci:$1" in
    github:*) echo "::$1::imagegate: $2" ;;
    azure:notice) echo "imagegate: $2" ;;
    azure:*) echo "##vso[task.logissue type=$1]imagegate: ${2//%/%AZP25}" ;;
  esac
}

# `output NAME VALUE`: a result of the step for the next ones: a step output on GitHub, a
# variable `imagegate.NAME` (IMAGEGATE_NAME in later steps' environment) on Azure Pipelines.
output() {
  case "$ci" in
    github) echo "$1=$2" >> "$GITHUB_OUTPUT" ;;
    azure) echo "##vso[task.setvariable variable=imagegate.$1]$2" ;;
  esac
}

# The run cannot happen as asked: an error, and exit 2 whatever `fail-on` says.
fail() {
  say error "$1"
  output status 2
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
# How the checkout is told to fetch the merge commit's parents, in the CI's words.
case "$ci" in
  github) depth_hint="fetch-depth: 2 on actions/checkout" ;;
  azure) depth_hint="fetchDepth: 2 on the checkout step" ;;
esac

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

# `runs[0].properties.summary.templates` of the SARIF report $1 (how many files the run
# judged), or nothing when neither python3 nor jq is there to read it.
judged_files() {
  if command -v python3 > /dev/null; then
    python3 -c 'import json, sys
print(json.load(open(sys.argv[1], encoding="utf-8"))["runs"][0]["properties"]["summary"]["templates"])' "$1"
  elif command -v jq > /dev/null; then
    jq -r '.runs[0].properties.summary.templates' "$1"
  fi
}

case "${INPUT_ALLOW_EMPTY:-false}" in
  true | True | false | False) ;;
  *) fail "allow-empty must be true or false" ;;
esac

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
  # Which commit is the base branch's. A pull request's build checks out its merge commit
  # (refs/pull/N/merge, on GitHub and on Azure Pipelines), whose first parent is the base
  # branch's commit it was merged onto: already in the checkout (with `fetch-depth: 2`), so
  # nothing is fetched, which a private repository checked out without credentials could not
  # do. HEAD is taken for that merge commit only when its second parent is the pull request's
  # head commit (HEAD_SHA): the pull request's own commits can be merges too, but none has
  # itself as a parent. Else the base branch as it is now (fetched); else as the checkout
  # fetched it (`fetch-depth: 0`). A pull request can create none of them.
  parents=()
  if [ -n "${HEAD_SHA:-}" ]; then
    # The commit object lists its parents even where a shallow checkout holds none of them.
    mapfile -t parents < <(git cat-file commit HEAD | sed -n -e '/^$/q' -e 's/^parent //p')
  fi
  head_sha=$(printf '%s' "${HEAD_SHA:-}" | tr 'A-F' 'a-f')
  if [ "${#parents[@]}" -eq 2 ] && [ "${parents[1]}" = "$head_sha" ]; then
    base="${parents[0]}"
    if git cat-file -e "$base^{commit}" 2> /dev/null; then
      echo "imagegate: the base branch's commit is the merge commit's first parent ($(git rev-parse --short "$base"))"
    elif [ -n "${BASE_REF:-}" ] && tracking=$(git rev-parse --verify --quiet "refs/remotes/origin/$BASE_REF^{commit}"); then
      # A checkout of the merge commit alone (`fetch-depth: 1`) that fetched the branches too
      # (as Azure Pipelines' agent may).
      base="$tracking"
      say notice "the merge commit's parents are not in the checkout; the base branch's policy is read from origin/$(neutral "$BASE_REF") as the checkout fetched it"
    elif git fetch --quiet --no-tags --depth=1 origin "$base" 2> /dev/null; then
      # The merge commit alone: its first parent, fetched by commit (a public repository).
      echo "imagegate: the base branch's commit is the merge commit's first parent ($(git rev-parse --short "$base")), fetched"
    else
      fail "the checkout is the pull request's merge commit without its parents, and the base branch's commit cannot be fetched (a private repository checked out without credentials): set $depth_hint"
    fi
  elif [ -n "${BASE_REF:-}" ] && git fetch --quiet --no-tags --depth=1 origin "$BASE_REF"; then
    base=$(git rev-parse --verify 'FETCH_HEAD^{commit}')
  elif [ -n "${BASE_REF:-}" ] && base=$(git rev-parse --verify --quiet "refs/remotes/origin/$BASE_REF^{commit}"); then
    say notice "the base branch cannot be fetched; its policy is read from origin/$(neutral "$BASE_REF") as the checkout fetched it"
  else
    fail "the base branch cannot be fetched, so its policy cannot be read; failing rather than judging with the pull request's own policy (check out the pull request's merge commit with $depth_hint)"
  fi
  top=$(git rev-parse --show-toplevel)
  prefix=$(git rev-parse --show-prefix) # the working directory, from the top ("" or "dir/")

  # The base branch's tree, in a fresh private folder (mktemp: mode 0700, a name nobody
  # chose): its files from `git archive` (from git's objects, under the base's own
  # attributes; nothing in the workspace read or written), and an index of its own (objects
  # borrowed from the workspace's repository) so that imagegate's walk sees the base's files
  # as tracked, as it sees the pull request's.
  private=$(mktemp -d "$temp/imagegate-base.XXXXXXXX")
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
  # one (docs/configuration.md, "Which config"): of the folders from the top down to the path's
  # own, the first with an imagegate.toml (else a .imagegate.toml): the one nearest the top wins.
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
        say warning "the pull request adds the policy file $(neutral "$f"); it is not used (the base branch's policy is)"
      else
        say warning "the pull request changes the policy file $(neutral "$f"); it is judged with the base branch's version"
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
      say notice "the base branch has no policy file for these paths: the embedded default is used"
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
        say warning "the pull request changes the baseline $(neutral "$INPUT_BASELINE"); the base branch's version is used"
      fi
      git cat-file blob "$base:$rel" > "$private/baseline.json"
      args+=(--baseline "$private/baseline.json")
      expect_baseline=$(sha256 < "$private/baseline.json")
    else
      say warning "the base branch has no baseline $(neutral "$INPUT_BASELINE"); every finding counts"
    fi
  fi
fi

# Registry modules: `bicep restore` puts each module's compiled template in the Bicep cache
# (~/.bicep), where imagegate reads it. Opt-in, and not on pull requests from forks unless asked:
# their Bicep files and bicepconfig.json would choose the registries the runner contacts.
fork=false
if [ "$pull_request" = true ]; then
  if [ "$ci" = azure ]; then
    case "${SYSTEM_PULLREQUEST_ISFORK:-}" in [Tt]rue) fork=true ;; esac
  elif [ -n "${HEAD_REPOSITORY:-}" ] && [ "${HEAD_REPOSITORY}" != "${REPOSITORY:-}" ]; then
    fork=true
  fi
fi
restore=false
case "${INPUT_RESTORE_MODULES:-false}" in
  true) if [ "$fork" = true ]; then
      say notice "registry modules are not restored on a pull request from a fork (restore-modules: forks-too restores them)"
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
    say warning "neither bicep nor az is installed, so registry modules are not restored"
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
      say warning "bicep restore failed for $(neutral "$f"); its registry modules stay unread (IG002)"
      # Its output may quote the pull request's files: no line of it is a command.
      neutral_lines < "$out/restore.log"
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
      say warning "the base branch could not be judged (exit status $status), so no exemption comment counts"
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
  "$imagegate" check --format sarif --output "$sarif" --exit-zero \
    --sarif-category "${INPUT_CATEGORY:-imagegate}" \
    "${args[@]}" "${extra[@]}" -- "${paths[@]}" || status=$?
fi
if [ "$status" -eq 0 ]; then
  # Paths that judged nothing (a typo, a folder of files imagegate does not read) are not a
  # pass, unless the workflow says they may be.
  judged=$(judged_files "$sarif")
  case "${INPUT_ALLOW_EMPTY:-false}" in true | True) allow_empty=true ;; *) allow_empty=false ;; esac
  if [ "$judged" = 0 ] && [ "$allow_empty" = false ]; then
    fail "the paths judged nothing: no ARM template, Bicep file, parameter file, Terraform configuration or plan among the files read (the run's warnings say why); set allow-empty: true if that is expected"
  elif [ -z "$judged" ]; then
    say warning "neither python3 nor jq is installed, so whether the paths judged anything is not checked"
  fi
fi
if [ "$status" -eq 0 ]; then
  # The findings as the CI shows them (annotations; issues of the run), and the exit status
  # per `fail-on`.
  "$imagegate" check --format "$ci" --fail-on "${INPUT_FAIL_ON:-error}" \
    "${args[@]}" "${extra[@]}" -- "${paths[@]}" || status=$?
fi
# The rollout figures, from the same policy (and baseline), in the job summary (on Azure
# Pipelines, the run's Extensions tab).
case "${INPUT_REPORT:-false}" in true | True) report=true ;; *) report=false ;; esac
if [ "$report" = true ] && [ "$status" -ne 2 ]; then
  summary="${GITHUB_STEP_SUMMARY:-}"
  [ "$ci" = github ] || summary="$out/rollout.md"
  if [ -n "$summary" ]; then
    if "$imagegate" report --format markdown "${args[@]}" -- "${paths[@]}" >> "$summary"; then
      [ "$ci" = github ] || echo "##vso[task.uploadsummary]$summary"
    else
      say warning "the rollout figures could not be written to the job summary"
    fi
  fi
fi
if [ -f "$sarif" ]; then
  output sarif "$sarif"
fi
output status "$status"
# A failure of the tool itself (exit 2) fails the step whatever `fail-on` says; on Azure
# Pipelines the step is the check: it fails as the run does.
if [ "$status" -eq 2 ] || { [ "$ci" = azure ] && [ "$status" -ne 0 ]; }; then
  exit "$status"
fi
