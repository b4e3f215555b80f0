#!/usr/bin/env bash
# Packaging, proved with the real tools as a user runs them (issue #12):
#   1. `pip install .` in a fresh virtualenv builds the wheel with maturin and puts `imagegate`
#      on PATH; `maturin build` makes the wheel to publish: stripped, tagged manylinux;
#   2. the pre-commit hook (`.pre-commit-hooks.yaml`), run by the real `pre-commit run` from a
#      `.pre-commit-config.yaml` that pins this repository at a revision, as users pin it, in a
#      temporary git repository: a change that makes a VM unapproved fails, a change to a
#      parameter file alone is judged with its template, the repository's own config is the
#      policy, and a compliant change passes.
# Tools come from PyPI; when they cannot be installed, say so and skip (never a silent pass of
# a check that ran).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Builds reuse the test build's dependencies.
export CARGO_TARGET_DIR="$repo/target"
# What is checked here is that the wheel and the hook build, install and judge, not how fast
# the binary they build runs. The wheel is built with the dev profile, whose dependencies the
# test build has just compiled (about 25 s instead of two minutes on 2 cores). The hook is
# built by pre-commit with `cargo install` (the release profile): unoptimised, without debug
# information. Users' installs use the release profile as it is.
export MATURIN_PEP517_ARGS="--profile dev"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_DEBUG=false
# pre-commit's environments (the hook's build) live in this run's own directory: built once,
# for the three runs below.
export PRE_COMMIT_HOME="$work/pre-commit-home"

python3 -m venv "$work/tools"
if ! "$work/tools/bin/pip" install --quiet pre-commit maturin; then
  echo "warning: pre-commit and maturin could not be installed from PyPI; packaging checks skipped"
  exit 0
fi

step_start=$SECONDS
echo "-- pip install . (maturin wheel) in a fresh virtualenv"
python3 -m venv "$work/user"
"$work/user/bin/pip" install --quiet "$repo"
"$work/user/bin/imagegate" --version
test "$(command -v "$work/user/bin/imagegate")" = "$work/user/bin/imagegate"

echo "   ($((SECONDS - step_start)) s)"; step_start=$SECONDS
echo "-- maturin build: the wheel to publish, its platform tag and size"
# maturin's own auditwheel check gives the wheel the widest manylinux tag the binary's symbol
# versions allow (a glibc this old or newer); a plain `linux_x86_64` tag would not install
# from an index. The binary is stripped (pyproject.toml). Built with the dev profile here (the
# tag is the same; the size of a release build is in README).
"$work/tools/bin/maturin" build --quiet --profile dev --out "$work/dist" 2>&1 | tail -1
wheel=$(ls "$work/dist"/imagegate-*.whl)
case "$(basename "$wheel")" in
  *-manylinux_2_*_x86_64.whl | *-manylinux2014_x86_64.whl) ;;
  *) echo "error: the wheel is not tagged manylinux: $(basename "$wheel")" >&2; exit 1 ;;
esac
echo "   $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB"

echo "   ($((SECONDS - step_start)) s)"; step_start=$SECONDS
echo "-- pre-commit run, the hook pinned at a revision, in a temporary git repository"
project="$work/project"
mkdir -p "$project/app"
cd "$project"
git init -q
git config user.email ci@example.com
git config user.name CI
git config commit.gpgsign false
golden="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu-22.04-cis/versions/1.4.0"
cat > imagegate.toml <<EOF
[approved]
images = ["/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*"]
marketplace = [{ publisher = "Canonical", offer = "0001-com-ubuntu-server-jammy", sku = "*" }]
EOF
# The common ARM pattern: a Marketplace image assembled from parameters.
cat > app/marketplace.json <<'EOF'
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "publisher": { "type": "string" },
    "offer": { "type": "string" },
    "sku": { "type": "string" }
  },
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "marketplace-vm",
      "location": "westeurope",
      "properties": { "storageProfile": { "imageReference": {
        "publisher": "[parameters('publisher')]",
        "offer": "[parameters('offer')]",
        "sku": "[parameters('sku')]",
        "version": "latest"
      } } }
    }
  ]
}
EOF
marketplace() {
  cat > app/marketplace.parameters.json <<EOF
{
  "parameters": {
    "publisher": { "value": "$1" },
    "offer": { "value": "$2" },
    "sku": { "value": "$3" }
  }
}
EOF
}
marketplace Canonical 0001-com-ubuntu-server-jammy 22_04-lts-gen2
cat > app/azuredeploy.json <<'EOF'
{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "imageId": { "type": "string" } },
  "resources": [
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-03-01",
      "name": "vm",
      "location": "westeurope",
      "properties": { "storageProfile": { "imageReference": { "id": "[parameters('imageId')]" } } }
    }
  ]
}
EOF
parameters() {
  cat > app/azuredeploy.parameters.json <<EOF
{
  "\$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "imageId": { "value": "$1" } }
}
EOF
}
parameters "$golden"
git add -A
git commit -qm "golden image"
# The hook's repository as a user pins it: this repository at a revision. A working tree with
# changes not committed is committed on a copy first (as `pre-commit try-repo` does), so what
# is checked is what is on disk; files git does not track are left out, as there.
hook_repo="$work/hook-repo"
git clone -q --no-hardlinks "$repo" "$hook_repo"
if ! git -C "$repo" diff --quiet HEAD; then
  git -C "$repo" diff HEAD --binary | git -C "$hook_repo" apply --whitespace=nowarn
  git -C "$hook_repo" -c user.email=ci@example.com -c user.name=CI -c commit.gpgsign=false \
    commit -qam "the working tree under test"
fi
cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $hook_repo
    rev: $(git -C "$hook_repo" rev-parse HEAD)
    hooks:
      - id: imagegate
EOF
git add .pre-commit-config.yaml
git commit -qm "pre-commit"
try() {
  "$work/tools/bin/pre-commit" run imagegate --files "$@"
}
# A compliant change passes.
try app/azuredeploy.parameters.json app/azuredeploy.json | tee "$work/pass.log"
grep -q "imagegate.*Passed" "$work/pass.log"
# Only the parameter file changes, to another gallery: judged with its template, it fails,
# and the finding is at the value in the parameter file.
parameters "/subscriptions/1/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/other/images/x/versions/1.0.0"
git add -A
if try app/azuredeploy.parameters.json > "$work/fail.log" 2>&1; then
  cat "$work/fail.log"
  echo "error: the hook passed a parameter file that selects an unapproved image" >&2
  exit 1
fi
cat "$work/fail.log"
grep -q "imagegate.*Failed" "$work/fail.log"
grep -q "error\[IG001\]" "$work/fail.log"
grep -q "app/azuredeploy.parameters.json:4:" "$work/fail.log"
# Only the Marketplace parameters change (issue #22): judged with their template, the hook
# fails, at the publisher in the parameter file.
parameters "$golden"
marketplace MicrosoftWindowsServer WindowsServer 2022-datacenter-azure-edition
git add -A
if try app/marketplace.parameters.json > "$work/marketplace.log" 2>&1; then
  cat "$work/marketplace.log"
  echo "error: the hook passed a parameter file that selects an unapproved Marketplace image" >&2
  exit 1
fi
cat "$work/marketplace.log"
grep -q "error\[IG001\]" "$work/marketplace.log"
grep -q "app/marketplace.parameters.json:3:" "$work/marketplace.log"
echo "   ($((SECONDS - step_start)) s)"
echo "packaging checks passed"
