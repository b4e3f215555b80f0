#!/usr/bin/env python3
"""Builds a Bicep module cache from a clone of Azure/bicep-registry-modules: what `bicep restore`
would leave in `~/.bicep` for every public module the repository's own Bicep files reference.

For every `br/public:avm/<path>:<version>` written in a `.bicep` or `.bicepparam` file of the
repository at HEAD, the module's compiled template is the `main.json` its release tag holds
(`git show avm/<path>/<version>:avm/<path>/main.json`: each module version is published from the
commit its tag names), written where the Bicep CLI caches it (Azure/bicep 9beb0fee60,
src/Bicep.Core/SourceGraph/Artifacts/BicepRegistryArtifact.cs, ResolveCacheDirectory):

    OUT_DIR/br/mcr.microsoft.com/bicep$avm$<path, '/' as '$'>/<tag encoded>/main.json

with the tag encoded by src/Bicep.Core/Registry/Oci/TagEncoder.cs (the tag, '$', and a
hexadecimal mask of its upper-case letters when it has any). `br/public` is the built-in alias
of `br:mcr.microsoft.com/bicep` (src/Bicep.Core/Configuration/bicepconfig.json).

Point imagegate at it with HOME (OUT_DIR being HOME/.bicep) or `cacheRootDirectory`:

    scripts/avm_cache.py /path/to/bicep-registry-modules/.git /tmp/home/.bicep
    cd /path/to/avm-tree && HOME=/tmp/home imagegate check . --format json

Usage: scripts/avm_cache.py MIRROR_GIT_DIR OUT_DIR
Prints how many references were found, how many module versions were written, and which had no
release tag (or no main.json at it).
"""

import os
import re
import subprocess
import sys

# A public module reference as Bicep files write it (the tag pattern is
# OciArtifactReferenceFacts.TagNameRegex).
REFERENCE = re.compile(r"br/public:(avm/[a-z0-9._/-]+):([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})")

# OciArtifactReferenceFacts.MaxTagLength.
MAX_TAG = 128


def encode_tag(tag):
    """TagEncoder.Encode: the tag, '$', and the mask of its upper-case characters in hexadecimal,
    the highest 64 bits first (the first group without leading zeros, the next with all 16
    digits), nothing when no character is upper case."""
    mask = [0] * ((MAX_TAG + 63) // 64)
    for i, c in enumerate(tag[:MAX_TAG]):
        if c.isupper():
            mask[i // 64] |= 1 << (i % 64)
    out = tag + "$"
    leading = False
    for part in reversed(mask):
        if leading:
            out += f"{part:016x}"
        elif part:
            out += f"{part:x}"
            leading = True
    return out


def git(git_dir, *args, stdin=None):
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        input=stdin,
        capture_output=True,
        check=True,
    ).stdout


def references(git_dir):
    """Every (module path, version) the repository's Bicep files reference at HEAD, and how many
    references name them."""
    out = subprocess.run(
        ["git", f"--git-dir={git_dir}", "grep", "-h", "-o", "-E", REFERENCE.pattern, "HEAD",
         "--", "*.bicep", "*.bicepparam"],
        capture_output=True,
        check=False,
    )
    if out.returncode not in (0, 1):
        raise RuntimeError(out.stderr.decode())
    found = {}
    for line in out.stdout.decode().splitlines():
        m = REFERENCE.fullmatch(line.strip())
        if m:
            key = (m.group(1), m.group(2))
            found[key] = found.get(key, 0) + 1
    return found


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    git_dir, out_dir = sys.argv[1], sys.argv[2]
    found = references(git_dir)
    tags = set(git(git_dir, "tag", "--list", "avm/*").decode().split())
    # One `git cat-file --batch` for every file: hundreds of versions in a few seconds.
    wanted = sorted(found)
    objects = "".join(f"{path}/{version}:{path}/main.json\n" for path, version in wanted)
    batch = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        input=objects.encode(),
        capture_output=True,
        check=True,
    ).stdout
    written, missing = 0, []
    pos = 0
    for path, version in wanted:
        end = batch.index(b"\n", pos)
        header = batch[pos:end].decode()
        pos = end + 1
        if header.endswith(" missing"):
            tag = f"{path}/{version}"
            why = "no main.json at the tag" if tag in tags else "no release tag"
            missing.append(f"br/public:{path}:{version} ({why})")
            continue
        size = int(header.split()[2])
        content = batch[pos:pos + size]
        pos += size + 1
        repository = "bicep/" + path
        folder = os.path.join(out_dir, "br", "mcr.microsoft.com", repository.replace("/", "$"),
                              encode_tag(version))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "main.json"), "wb") as f:
            f.write(content)
        written += 1
    total = sum(found.values())
    print(f"{total} references to {len(found)} module versions; {written} written to {out_dir}")
    for m in missing:
        print(f"  not written: {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
