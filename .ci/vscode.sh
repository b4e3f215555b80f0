#!/usr/bin/env bash
# The VS Code extension (editors/vscode, issue #26), built as a user or a release builds it:
# `npm ci` from the committed package-lock.json, `tsc`, then `vsce package` into a .vsix, whose
# contents are checked (the compiled extension and its manifest) and whose size is said.
# Built in a copy of the folder in a temporary directory: nothing is written into the checkout.
# The tools come from the npm registry; where npm is missing or they cannot be installed, say so
# and skip (never a silent pass of a check that ran). No VS Code is downloaded or run.
#
# Usage: bash .ci/vscode.sh [DIR]   (DIR: where to keep the .vsix, to install it; else deleted)
set -euo pipefail
keep=""
if [[ $# -gt 0 ]]; then
  mkdir -p "$1"
  keep=$(cd "$1" && pwd)
fi
cd "$(dirname "$0")/.."
repo=$PWD
started=$SECONDS

if ! command -v npm >/dev/null 2>&1; then
  echo "warning: npm is not installed; the VS Code extension is not built (skipped)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The extension's sources, without what a local build left beside them.
mkdir "$work/vscode"
tar -C "$repo/editors/vscode" --exclude=./node_modules --exclude=./out --exclude='./*.vsix' \
  -cf - . | tar -C "$work/vscode" -xf -
cd "$work/vscode"

echo "-- npm ci (node $(node --version), npm $(npm --version))"
# --prefer-offline: a warm npm cache is used without asking the registry again. --ignore-scripts:
# no install script runs. There are two, for publishing, not packaging: @vscode/vsce-sign's
# readies the signing tool, and keytar's (the credential store, optional) would download a
# prebuilt binary from outside the registry or compile one.
if ! npm ci --prefer-offline --ignore-scripts --no-audit --no-fund --loglevel=error >"$work/npm-ci.log" 2>&1; then
  cat "$work/npm-ci.log"
  echo "warning: the extension's npm packages could not be installed; the VS Code extension is not built (skipped)"
  exit 0
fi
echo "   ($((SECONDS - started)) s)"

echo "-- tsc"
step=$SECONDS
./node_modules/.bin/tsc -p .
test -s out/extension.js
echo "   ($((SECONDS - step)) s)"

echo "-- vsce package"
step=$SECONDS
vsix="$work/imagegate.vsix"
# No repository URL is published yet (the README links nothing relative, which vsce would
# otherwise refuse); the LICENSE file is the extension's own.
./node_modules/.bin/vsce package --allow-missing-repository --out "$vsix" >"$work/vsce.log" 2>&1 ||
  { cat "$work/vsce.log"; exit 1; }
grep -E "DONE|WARNING" "$work/vsce.log" || true
echo "   ($((SECONDS - step)) s)"

echo "-- the .vsix"
python3 - "$vsix" <<'PY'
import json, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
required = [
    "extension/out/extension.js",
    "extension/package.json",
    "extension/node_modules/vscode-languageclient/package.json",
]
missing = [n for n in required if n not in names]
if missing:
    sys.exit(f"error: the .vsix lacks {missing}")
# What must not ship: the sources, and the build's tools.
shipped = [n for n in names if n.startswith("extension/src/")
           or n.startswith("extension/node_modules/typescript/")
           or n.startswith("extension/node_modules/@vscode/vsce/")]
if shipped:
    sys.exit(f"error: the .vsix ships what it should not: {sorted(shipped)[:5]}")
manifest = json.loads(zipfile.ZipFile(sys.argv[1]).read("extension/package.json"))
if manifest.get("main") != "./out/extension.js":
    sys.exit(f"error: the manifest's main is {manifest.get('main')!r}")
print(f"   {len(names)} files, with {', '.join(required)}")
PY
echo "   imagegate.vsix: $(du -k "$vsix" | cut -f1) KiB ($(stat -c %s "$vsix") bytes)"
if [[ -n "$keep" ]]; then
  version=$(python3 -c 'import json; print(json.load(open("package.json"))["version"])')
  cp "$vsix" "$keep/imagegate-$version.vsix"
  echo "   kept: $keep/imagegate-$version.vsix"
fi
echo "VS Code extension built and packaged in $((SECONDS - started)) s"
