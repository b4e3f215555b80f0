#!/usr/bin/env python3
"""Differential check of the Bicep frontend against the compiler: for every `.bicep` file under
the given folders that has its compiled ARM JSON beside it, judge both with imagegate and compare
what each finds about images.

    scripts/bicep_vs_json.py BIN DIR [DIR ...] [-- EXTRA ARGS]

EXTRA ARGS go to every `imagegate check` (e.g. `--exclude '**/tests/**'`, so that AVM's test
deployments, which call a module's main.bicep but not its main.json, stay out of the
comparison).

Pairs: `X.bicep` with `X.json` (Azure/bicep samples, AVM), `main.bicep` with `azuredeploy.json`
and `prereq.main.bicep` with `prereq.azuredeploy.json` (quickstarts). Each file is named on the
command line (judged in its project, as a user would run it), with the embedded default policy.
A finding is compared as (rule, resource type, image): the image as JSON reports it (kind and
display), IG002 by rule and type only (the wording of an unknown differs between the languages).
Prints one line per pair that differs and a summary. Reads the corpora; commits nothing.
"""
import collections
import json
import os
import subprocess
import sys


def compiled_of(path):
    folder, name = os.path.split(path)
    stem = name[: -len(".bicep")]
    candidates = [stem + ".json"]
    if stem == "main":
        candidates.append("azuredeploy.json")
    if stem.endswith(".main"):
        candidates.append(stem[: -len(".main")] + ".azuredeploy.json")
    for c in candidates:
        p = os.path.join(folder, c)
        if os.path.isfile(p):
            return p
    return None


def judged(binary, path, extra):
    out = subprocess.run(
        [binary, "check", "--format", "json", "--quiet", *extra, path],
        capture_output=True,
        timeout=120,
    )
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        return None, "no report (exit %d)" % out.returncode
    keys = collections.Counter()
    for f in report["findings"]:
        rule = f["rule"]
        if rule == "IG000":
            keys[("IG000",)] += 1
            continue
        rtype = ((f.get("resource") or {}).get("type") or "").lower()
        image = f.get("image") or {}
        if rule == "IG002":
            keys[(rule, rtype)] += 1
        else:
            keys[(rule, rtype, image.get("display", ""))] += 1
    return keys, None


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        extra = args[args.index("--") + 1 :]
        args = args[: args.index("--")]
    binary, roots = args[0], args[1:]
    pairs = []
    for root in roots:
        for folder, _, files in os.walk(root):
            for name in sorted(files):
                if name.endswith(".bicep"):
                    path = os.path.join(folder, name)
                    compiled = compiled_of(path)
                    if compiled:
                        pairs.append((path, compiled))
    agree = 0
    with_images = 0
    differ = []
    for bicep, compiled in sorted(pairs):
        b, berr = judged(binary, bicep, extra)
        # The JSON alone: with its Bicep source in the run, its findings would be set aside.
        j, jerr = judged(
            binary,
            compiled,
            extra + ["--exclude", "*.bicep", "--exclude", "*.bicepparam"],
        )
        if b is None or j is None:
            differ.append((bicep, berr or "", jerr or ""))
            continue
        # Findings through linked modules land in other files' paths: sets, not places.
        b = collections.Counter({k: 1 for k in b})
        j = collections.Counter({k: 1 for k in j})
        if b or j:
            with_images += 1
        if b == j:
            agree += 1
        else:
            differ.append((bicep, dict(b - j), dict(j - b)))
    for bicep, only_b, only_j in differ:
        print(f"DIFF {bicep}\n  only from .bicep: {only_b}\n  only from JSON:  {only_j}")
    total = len(pairs)
    print(
        f"{total} pairs, {with_images} with image findings; {agree} agree "
        f"({100.0 * agree / max(total, 1):.1f} %), {len(differ)} differ"
    )


if __name__ == "__main__":
    main()
