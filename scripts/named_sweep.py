#!/usr/bin/env python3
"""Named-file runs equal the full run, restricted: the contract of a run over named files.

For each file of TREE that imagegate reads (`.json`, `.jsonc`, `.bicep`, `.bicepparam`), runs
`BIN check FILE` from TREE and compares its findings with the full run's findings that touch the
file: located in it, about a resource declared in it, with a related location in it, or found
with values from it (its parameter file). Prints every difference and a summary; exits 1 when
any file differs. TREE should be a git repository (or hold imagegate.toml), so that each file's
project is the whole tree, as it is in a user's repository.

Usage: scripts/named_sweep.py BIN TREE [--sample N] [--jobs J] [--stdin]
  --sample N  every file whose index is a multiple of (files / N): a sample of about N files
  --stdin     also pipe each file to `check - --stdin-filename FILE` and compare with the run on
              the file: a buffer must replace its file in the project.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

EXTENSIONS = (".json", ".jsonc", ".bicep", ".bicepparam")


def run(bin_path, tree, args, stdin=None):
    env = dict(os.environ, IMAGEGATE_TODAY="2026-12-01", NO_COLOR="1")
    out = subprocess.run(
        [bin_path, "check", "--format", "json", "--exit-zero", *args],
        cwd=tree,
        input=stdin,
        capture_output=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args}: exit {out.returncode}: {out.stderr.decode()[:500]}")
    return json.loads(out.stdout)


def key(finding):
    return (
        finding["rule"],
        finding["path"],
        finding["line"],
        finding["column"],
        finding["message"],
        finding.get("fingerprint"),
    )


def touches(finding, path):
    if finding["path"] == path or finding.get("parameter_file") == path:
        return True
    resource = finding.get("resource") or {}
    if resource.get("declared_in") == path:
        return True
    return any(r.get("path") == path for r in finding.get("related", []))


def files_of(tree):
    out = []
    for root, dirs, files in os.walk(tree):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(EXTENSIONS):
                out.append(os.path.relpath(os.path.join(root, name), tree).replace(os.sep, "/"))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("tree")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--stdin", action="store_true")
    args = parser.parse_args()
    bin_path = os.path.abspath(args.bin)
    full = run(bin_path, args.tree, ["."])["findings"]
    files = files_of(args.tree)
    if args.sample and len(files) > args.sample:
        step = len(files) / args.sample
        files = [files[int(i * step)] for i in range(args.sample)]

    def one(path):
        problems = []
        named = run(bin_path, args.tree, [path])
        got = {key(f) for f in named["findings"]}
        want = {key(f) for f in full if touches(f, path)}
        for f in sorted(want - got):
            problems.append(f"{path}: missing {f}")
        for f in sorted(got - want):
            problems.append(f"{path}: extra {f}")
        if args.stdin:
            with open(os.path.join(args.tree, path), "rb") as handle:
                text = handle.read()
            piped = run(bin_path, args.tree, ["-", "--stdin-filename", path], stdin=text)
            if {key(f) for f in piped["findings"]} != got:
                problems.append(f"{path}: stdin differs from the file")
        return problems

    differing = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for problems in pool.map(one, files):
            if problems:
                differing += 1
                for p in problems:
                    print(p)
    print(f"{len(files)} files, {differing} differ, {len(full)} findings in the full run")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
