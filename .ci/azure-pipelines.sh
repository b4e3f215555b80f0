#!/usr/bin/env bash
# The Azure Pipelines template (docs/azure-pipelines.yml), proved without Azure DevOps (#25), as
# .ci/action.sh proves the GitHub Action. A small simulation of the agent (agent.py, below)
# expands the template with its parameters as the server does and runs its steps as the agent
# does (the variables it sets, in every step's environment; `env:`; macros; logging commands;
# conditions; the two tasks the template uses), against:
#   1. a push over testdata/: the job fails; the build artifact CodeAnalysisLogs holds a valid
#      SARIF report; the log has the findings as issues (`##vso[task.logissue type=error;…`)
#      and no other logging command than the template's; with failOn: never the job passes;
#   2. a pull request in a local repository whose head approves its own image by editing
#      imagegate.toml, checked out as the agent checks out a pull request (its merge commit,
#      fetchDepth 2) from a remote that refuses fetches (a private repository): the target
#      branch's policy is used, nothing is fetched, the finding stands, the job fails; checked
#      out 1 deep, the job fails saying to set fetchDepth: 2; imagegate's source taken from a
#      folder of the pull request's checkout is refused.
# The template is read with PyYAML (installed from PyPI when it is missing), and the tiny reader
# of agent.py must read it alike (it reads it when PyYAML cannot be had). No script of the
# template holds a macro or a template expression (agent.py refuses one): values reach scripts
# through `env:` only.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/agent.py" <<'PY'
"""Azure Pipelines' agent, simulated for one job: a steps template (docs/azure-pipelines.yml)
expanded with its parameters as the server expands templates, then its steps run in order as
the agent runs them: each `bash` step's script in a file run by `bash --noprofile --norc` in its
working directory, with every variable in the environment (`Build.Reason` as BUILD_REASON) and
the step's `env:`, macros (`$(Name)`) replaced in inputs, `env:` and scripts, logging commands
(`##vso[...]`, found anywhere in a line) acted on, conditions evaluated, and the tasks the
template uses (Cache@2, PublishBuildArtifacts@1) done locally. Not an agent: only what the
template needs, and an error for anything else.

Usage: agent.py TEMPLATE --reader pyyaml|tiny --out DIR [--var NAME=VALUE]... [--param NAME=VALUE]...
       agent.py TEMPLATE --reader ... --plan [--param ...]   (the expanded steps, as JSON)
       agent.py TEMPLATE --compare-readers                  (PyYAML and the tiny reader agree)
Template expressions, conditions and macros:
https://learn.microsoft.com/azure/devops/pipelines/process/expressions
https://learn.microsoft.com/azure/devops/pipelines/process/variables (macro syntax, environment)
https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


# ---------------------------------------------------------------------------------------------
# A tiny YAML reader: the subset the template is written in (block mappings and sequences,
# literal block scalars, flow sequences of scalars, quoted and plain scalars, comments), for a
# machine without PyYAML.


def _strip_comment(text):
    """`text` without a trailing comment (a `#` after a space, outside quotes)."""
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"" and (i == 0 or text[i - 1] in " [,:"):
            quote = c
        elif c == "#" and (i == 0 or text[i - 1] == " "):
            return text[:i].rstrip()
    return text.rstrip()


def _split_flow(text):
    """The items of a flow sequence's inside, split at commas outside quotes."""
    items, quote, cur = [], None, ""
    for c in text:
        if quote:
            cur += c
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            cur += c
        elif c == ",":
            items.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip():
        items.append(cur.strip())
    return items


def _scalar(text):
    text = _strip_comment(text)
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(x) for x in _split_flow(text[1:-1])]
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return json.loads(text)
    if text in ("true", "True"):
        return True
    if text in ("false", "False"):
        return False
    if text in ("", "~", "null"):
        return None
    return text


def _is_key(text):
    return ": " in text or text.endswith(":")


def _split_key(text):
    if ": " in text:
        key, rest = text.split(": ", 1)
    else:
        key, rest = text[:-1], ""
    return key.strip(), rest.strip()


class Tiny:
    """The reader: one pass over the lines, by indentation."""

    def __init__(self, text):
        self.lines = text.split("\n")
        self.i = 0

    def _next(self):
        """The indentation of the next line with content (comments skipped), or -1."""
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() == "" or line.strip().startswith("#"):
                self.i += 1
                continue
            return len(line) - len(line.lstrip(" "))
        return -1

    def document(self):
        indent = self._next()
        return self._node(indent) if indent >= 0 else None

    def _node(self, indent):
        if self.lines[self.i].strip().startswith("-"):
            return self._seq(indent)
        return self._map(indent)

    def _seq(self, indent):
        out = []
        while self._next() == indent:
            text = self.lines[self.i].strip()
            if not (text == "-" or text.startswith("- ")):
                break
            rest = text[2:].strip()
            if rest == "":
                self.i += 1
                out.append(self._node(self._next()))
            elif _is_key(rest):
                # A mapping that starts on the dash's line: read as if the dash were a space.
                self.lines[self.i] = " " * (indent + 2) + rest
                out.append(self._map(indent + 2))
            else:
                self.i += 1
                out.append(_scalar(rest))
        return out

    def _map(self, indent):
        out = {}
        while self._next() == indent:
            text = self.lines[self.i].strip()
            if text.startswith("- "):
                break
            key, rest = _split_key(text)
            key = _scalar(key) if key[:1] in "'\"" else key
            self.i += 1
            rest = _strip_comment(rest) if not rest.startswith(("'", '"')) else rest
            if rest in ("|", "|-"):
                out[key] = self._block(indent, rest)
            elif rest == "":
                deeper = self._next()
                seq_here = deeper == indent and self.lines[self.i].strip().startswith("- ")
                out[key] = self._node(deeper) if deeper > indent or seq_here else None
            else:
                out[key] = _scalar(rest)
        return out

    def _block(self, indent, style):
        """A literal block scalar: its lines, their common indentation removed."""
        lines = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
                break
            lines.append(line)
            self.i += 1
        while lines and not lines[-1].strip():
            lines.pop()
        width = min(len(x) - len(x.lstrip(" ")) for x in lines if x.strip())
        text = "\n".join(x[width:] for x in lines)
        return text if style == "|-" else text + "\n"


def load(path, reader):
    text = open(path, encoding="utf-8").read()
    if reader == "pyyaml":
        import yaml

        return yaml.safe_load(text)
    return Tiny(text).document()


# ---------------------------------------------------------------------------------------------
# Expressions: template expressions (`${{ }}`, over parameters) and runtime conditions (over
# variables and the job's status).


class Expr:
    """A recursive-descent reader of one expression."""

    def __init__(self, text, ctx):
        self.s, self.i, self.ctx = text, 0, ctx

    def value(self):
        v = self._value()
        self._ws()
        if self.i != len(self.s):
            raise SystemExit(f"agent: cannot read the expression {self.s!r}")
        return v

    def _ws(self):
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def _eat(self, c):
        self._ws()
        if self.s.startswith(c, self.i):
            self.i += len(c)
            return True
        return False

    def _value(self):
        self._ws()
        if self.s.startswith("'", self.i):
            m = re.compile(r"'((?:[^']|'')*)'").match(self.s, self.i)
            self.i = m.end()
            return m.group(1).replace("''", "'")
        m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.s, self.i)
        if not m:
            raise SystemExit(f"agent: cannot read the expression {self.s!r}")
        name = m.group()
        self.i = m.end()
        if self._eat("("):
            args = []
            if not self._eat(")"):
                while True:
                    args.append(self._value())
                    if self._eat(")"):
                        break
                    if not self._eat(","):
                        raise SystemExit(f"agent: cannot read the expression {self.s!r}")
            return self.ctx.call(name, args)
        if name in ("true", "false"):
            return name == "true"
        value = self.ctx.root(name)
        while True:
            if self._eat("."):
                m = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*").match(self.s, self.i)
                self.i = m.end()
                value = self.ctx.index(value, m.group())
            elif self._eat("["):
                key = self._value()
                if not self._eat("]"):
                    raise SystemExit(f"agent: cannot read the expression {self.s!r}")
                value = self.ctx.index(value, key)
            else:
                return value


def as_text(value):
    """A value as text, as the server and the agent write one (booleans `True`/`False`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def equal(a, b):
    """`eq`: the right side converted to the left's type; strings ignoring case."""
    if isinstance(a, bool):
        b = b if isinstance(b, bool) else str(b).lower() == "true"
        return a == b
    return as_text(a).lower() == as_text(b).lower()


class Context:
    """What expressions read: parameters (templates) or variables and the job (conditions)."""

    def __init__(self, parameters=None, variables=None, job_failed=False):
        self.parameters = parameters or {}
        self.variables = variables
        self.job_failed = job_failed

    def root(self, name):
        if name == "parameters":
            return self.parameters
        if name == "variables" and self.variables is not None:
            return self.variables
        raise SystemExit(f"agent: unknown name {name!r} in an expression")

    def index(self, value, key):
        if isinstance(value, Variables):
            return value.get(key)
        if isinstance(value, dict):
            if key not in value:
                raise SystemExit(f"agent: no parameter {key!r}")
            return value[key]
        raise SystemExit(f"agent: cannot index {value!r}")

    def call(self, name, args):
        fns = {
            "eq": lambda a, b: equal(a, b),
            "ne": lambda a, b: not equal(a, b),
            "and": lambda *a: all(truthy(x) for x in a),
            "or": lambda *a: any(truthy(x) for x in a),
            "not": lambda a: not truthy(a),
        }
        status = {
            "succeeded": lambda: not self.job_failed,
            "failed": lambda: self.job_failed,
            "succeededOrFailed": lambda: True,
            "always": lambda: True,
        }
        if name in fns:
            return fns[name](*args)
        if name in status and self.variables is not None and not args:
            return status[name]()
        raise SystemExit(f"agent: the function {name}() is not simulated")


def truthy(value):
    if isinstance(value, bool):
        return value
    return as_text(value) != "" and as_text(value).lower() != "false"


def evaluate(text, ctx):
    return Expr(text, ctx).value()


TEMPLATE_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
IF_KEY = re.compile(r"\$\{\{\s*if\s+(.*?)\s*\}\}")


def expand(node, ctx):
    """The template with its expressions evaluated: `${{ if }}` keys insert their content or
    nothing; a value that is one expression keeps the expression's type; others are text."""
    if isinstance(node, list):
        out = []
        for item in node:
            if isinstance(item, dict) and len(item) == 1:
                ((key, content),) = item.items()
                m = IF_KEY.fullmatch(key.strip())
                if m:
                    if truthy(evaluate(m.group(1), ctx)):
                        out.extend(expand(content, ctx))
                    continue
            out.append(expand(item, ctx))
        return out
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            m = IF_KEY.fullmatch(key.strip())
            if m:
                if truthy(evaluate(m.group(1), ctx)):
                    out.update(expand(value, ctx))
                continue
            out[expand(key, ctx)] = expand(value, ctx)
        return out
    if isinstance(node, str):
        whole = TEMPLATE_EXPR.fullmatch(node)
        if whole:
            return evaluate(whole.group(1), ctx)
        return TEMPLATE_EXPR.sub(lambda m: as_text(evaluate(m.group(1), ctx)), node)
    return node


def parameters_of(template, given):
    """The template's parameters: the values given (text, converted to each one's type), else
    its defaults; an unknown parameter, a missing required one or a value outside `values` is
    an error, as the server makes it."""
    declared = {p["name"]: p for p in template.get("parameters") or []}
    for name in given:
        if name not in declared:
            raise SystemExit(f"agent: unexpected parameter {name!r}")
    out = {}
    for name, decl in declared.items():
        if name in given:
            value = given[name]
            if decl.get("type") == "boolean":
                if value.lower() not in ("true", "false"):
                    raise SystemExit(f"agent: parameter {name} is a boolean, not {value!r}")
                value = value.lower() == "true"
        elif "default" in decl:
            value = decl["default"]
            value = "" if value is None else value
        else:
            raise SystemExit(f"agent: a value for the required parameter {name!r} must be given")
        if "values" in decl and as_text(value) not in [as_text(v) for v in decl["values"]]:
            raise SystemExit(f"agent: parameter {name}: {value!r} is not one of {decl['values']}")
        out[name] = value
    return out


# ---------------------------------------------------------------------------------------------
# The job.


class Variables:
    """The job's variables: names ignore case; each is in every step's environment, its name
    upper-cased with `.` as `_`."""

    def __init__(self):
        self.values = {}

    def set(self, name, value):
        self.values[name.lower()] = (name, value)

    def get(self, name):
        entry = self.values.get(str(name).lower())
        return entry[1] if entry else None

    def environment(self):
        return {name.upper().replace(".", "_"): value for name, value in self.values.values()}

    def macros(self, text):
        """`$(Name)` replaced by the variable's value; an undefined one is left as it is."""

        def one(m):
            value = self.get(m.group(1))
            return m.group(0) if value is None else value

        return re.sub(r"\$\(([A-Za-z0-9_.]+)\)", one, text)


COMMAND = re.compile(r"##vso\[([A-Za-z]+)\.([A-Za-z]+)([^\]]*)\](.*)$")


def unescape(text, is_property):
    text = text.replace("%AZP25", "%")
    if is_property:
        text = text.replace("%3B", ";").replace("%5D", "]").replace("%0D", "\r").replace("%0A", "\n")
    return text


class Job:
    def __init__(self, variables, out):
        self.variables = variables
        self.out = out
        self.failed = False
        self.steps = []
        self.commands = []
        self.artifacts = os.path.join(out, "artifacts")

    def command(self, line):
        """A logging command anywhere in a line of a step's output, acted on."""
        at = line.find("##vso[")
        if at < 0:
            return
        m = COMMAND.match(line, at)
        if not m:
            self.commands.append({"area": "?", "event": "?", "line": line})
            return
        area, event, props, data = m.groups()
        properties = {}
        for part in props.strip().split(";"):
            if "=" in part:
                key, value = part.split("=", 1)
                properties[key.strip()] = unescape(value, True)
        data = unescape(data, False)
        self.commands.append({"area": area, "event": event, "properties": properties, "data": data})
        if (area, event) == ("task", "setvariable"):
            self.variables.set(properties["variable"], data)

    def bash(self, step):
        script = self.variables.macros(step["bash"])
        env = dict(os.environ)
        env.update(self.variables.environment())
        for name, value in (step.get("env") or {}).items():
            env[name] = self.variables.macros(as_text(value))
        cwd = self.variables.macros(as_text(step.get("workingDirectory") or "$(Build.SourcesDirectory)"))
        with tempfile.NamedTemporaryFile("w", suffix=".sh", dir=self.variables.get("Agent.TempDirectory"), delete=False) as f:
            f.write(script)
        print(f"[command]/usr/bin/bash --noprofile --norc {f.name}", flush=True)
        proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc", f.name],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            print(line, flush=True)
            self.command(line)
        return proc.wait() == 0

    def task(self, step):
        name = step["task"]
        inputs = {k: self.variables.macros(as_text(v)) for k, v in (step.get("inputs") or {}).items()}
        if name == "Cache@2":
            print("agent: Cache@2: nothing cached in this simulation (a miss)")
            return True
        if name == "PublishBuildArtifacts@1":
            path = inputs["PathtoPublish"]
            if not os.path.exists(path):
                print(f"##[error]Path does not exist: {path}")
                return False
            target = os.path.join(self.artifacts, inputs["ArtifactName"])
            shutil.copytree(path, target, dirs_exist_ok=True)
            print(f"agent: published {path} as the build artifact {inputs['ArtifactName']}")
            return True
        raise SystemExit(f"agent: the task {name} is not simulated")

    def run(self, steps):
        for step in steps:
            name = step.get("displayName") or step.get("task") or "bash"
            condition = as_text(step.get("condition") or "succeeded()")
            ctx = Context(variables=self.variables, job_failed=self.failed)
            if not truthy(evaluate(condition, ctx)):
                print(f"##[section]Skipping: {name} (condition {condition})", flush=True)
                self.steps.append({"name": name, "result": "Skipped"})
                continue
            print(f"##[section]Starting: {name}", flush=True)
            if "bash" in step:
                ok = self.bash(step)
            elif "task" in step:
                ok = self.task(step)
            else:
                raise SystemExit(f"agent: the step {step!r} is not simulated")
            result = "Succeeded" if ok else "Failed"
            if not ok and not step.get("continueOnError"):
                self.failed = True
            print(f"##[section]Finishing: {name} ({result})", flush=True)
            self.steps.append({"name": name, "result": result})
        return {
            "result": "Failed" if self.failed else "Succeeded",
            "steps": self.steps,
            "commands": self.commands,
            "variables": {n: v for n, v in self.variables.values.values()},
        }


def scripts(node):
    """Every script of the template (`bash`, `script`, `pwsh`, `powershell` steps, wherever a
    `${{ if }}` puts them), with its step's name."""
    if isinstance(node, list):
        for item in node:
            yield from scripts(item)
    elif isinstance(node, dict):
        for kind in ("bash", "script", "pwsh", "powershell"):
            if isinstance(node.get(kind), str):
                yield node.get("displayName", kind), node[kind]
        for value in node.values():
            yield from scripts(value)


def main(argv):
    path = argv[0]
    opts = {"var": [], "param": []}
    i = 1
    while i < len(argv):
        key = argv[i][2:]
        if key in ("plan", "compare-readers"):
            opts[key] = True
            i += 1
            continue
        value = argv[i + 1]
        if key in ("var", "param"):
            opts[key].append(value)
        else:
            opts[key] = value
        i += 2
    if opts.get("compare-readers"):
        a, b = load(path, "pyyaml"), load(path, "tiny")
        if a != b:
            print(json.dumps(a, indent=1, sort_keys=True))
            print(json.dumps(b, indent=1, sort_keys=True))
            raise SystemExit("agent: the tiny reader reads the template otherwise than PyYAML")
        print("agent: PyYAML and the tiny reader read the template alike")
        return
    template = load(path, opts.get("reader", "pyyaml"))
    given = dict(p.split("=", 1) for p in opts["param"])
    params = parameters_of(template, given)
    steps = expand(template["steps"], Context(parameters=params))
    # Values reach scripts through `env:` only: a macro or a template expression in a script's
    # text is replaced before the shell reads it (template injection).
    for raw_name, raw in scripts(template["steps"]):
        for bad in ("$(", "${{"):
            if bad in raw:
                raise SystemExit(f"agent: the script of {raw_name!r} holds {bad!r}: values reach scripts through env only")
    if opts.get("plan"):
        print(json.dumps(steps, indent=1))
        return
    variables = Variables()
    for v in opts["var"]:
        name, value = v.split("=", 1)
        variables.set(name, value)
    out = opts["out"]
    os.makedirs(out, exist_ok=True)
    result = Job(variables, out).run(steps)
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"agent: the job {result['result'].lower()}")


if __name__ == "__main__":
    main(sys.argv[1:])
PY

echo "-- the template read with PyYAML and with the tiny reader"
python=python3
reader=pyyaml
if ! python3 -c 'import yaml' 2> /dev/null; then
  if python3 -m venv "$work/venv" && "$work/venv/bin/pip" install --quiet pyyaml; then
    python="$work/venv/bin/python"
  else
    echo "warning: PyYAML could not be installed from PyPI; the template is read by the tiny reader only"
    reader=tiny
  fi
fi
agent() { "$python" "$work/agent.py" "$repo/docs/azure-pipelines.yml" "$@"; }
if [ "$reader" = pyyaml ]; then
  agent --compare-readers
fi

# No script of the template holds a macro or a template expression (the agent refuses one).
agent --reader "$reader" --plan --param imagegateCommit=0123456789abcdef0123456789abcdef01234567 > /dev/null
# The steps the template expands to: with a binary on the agent, nothing cached or built;
# without one, the build's cache first; without publishing, no artifact.
commit0=0123456789abcdef0123456789abcdef01234567
plan() { agent --reader "$reader" --plan "$@" | "$python" -c 'import json, sys
print(" | ".join(s.get("task") or s["displayName"] for s in json.load(sys.stdin)))'; }
[ "$(plan --param imagegateCommit=$commit0)" = "Cache@2 | imagegate - get the reviewed commit | imagegate - check | PublishBuildArtifacts@1" ]
[ "$(plan --param imagegateCommit=$commit0 --param imagegate=/opt/imagegate)" = "imagegate - get the reviewed commit | imagegate - check | PublishBuildArtifacts@1" ]
[ "$(plan --param imagegateCommit=$commit0 --param imagegate=/opt/imagegate --param publishSarif=false)" = "imagegate - get the reviewed commit | imagegate - check" ]
# failOn takes error, warning or never, as the server checks when it expands the template.
if agent --reader "$reader" --plan --param failOn=sometimes > /dev/null 2>&1; then
  echo "failOn: sometimes was accepted"
  exit 1
fi

echo "-- the template's steps as the agent runs them"
# The binary `cargo test` built (CI's run), else one built now; on the agent, outside the
# checkout (the template refuses a binary among the pull request's files).
if [[ -x "${IMAGEGATE_BIN:-}" ]]; then
  built="$IMAGEGATE_BIN"
else
  cargo build --locked --quiet
  built="$repo/target/debug/imagegate"
fi
mkdir -p "$work/tools"
ln -s "$built" "$work/tools/imagegate"
program="$work/tools/imagegate"

# imagegate's repository as the template fetches it, at one commit: the working tree's check
# script (what is built is the binary above: a build takes minutes).
source_repo="$work/imagegate-repo"
git init -q -b main "$source_repo"
git -C "$source_repo" config user.email ci@example.com
git -C "$source_repo" config user.name CI
git -C "$source_repo" config commit.gpgsign false
mkdir -p "$source_repo/action"
cp action/check.sh "$source_repo/action/"
git -C "$source_repo" add -A
git -C "$source_repo" commit -qm "imagegate"
commit=$(git -C "$source_repo" rev-parse HEAD)

# `job NAME SOURCES [--var NAME=VALUE | --param NAME=VALUE]...`: one job of the agent, its
# checkout SOURCES (Build.SourcesDirectory), its folders under $work/NAME, its log
# $work/NAME/log, its result $work/NAME/result.json, its artifacts $work/NAME/artifacts.
job() {
  local name="$1" sources="$2"
  shift 2
  local a="$work/$name"
  mkdir -p "$a/temp" "$a/staging"
  agent --reader "$reader" --out "$a" \
    --var Agent.TempDirectory="$a/temp" --var Agent.OS=Linux --var Agent.OSArchitecture=X64 \
    --var Build.ArtifactStagingDirectory="$a/staging" --var Pipeline.Workspace="$a" \
    --var Build.SourcesDirectory="$sources" --var TF_BUILD=True "$@" > "$a/log" 2>&1 ||
    { cat "$a/log"; echo "$name: the simulation failed"; exit 1; }
  cat "$a/log"
}
# `result NAME`: the job's result, then each step's, as `Failed: Succeeded Failed Skipped`.
result() {
  "$python" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(r["result"] + ": " + " ".join(s["result"] for s in r["steps"]))' "$work/$1/result.json"
}
# `commands NAME`: the logging commands of the job's log, by kind (area.event).
commands() {
  "$python" -c 'import json, sys
print(" ".join(sorted({c["area"] + "." + c["event"] for c in json.load(open(sys.argv[1]))["commands"]})))' "$work/$1/result.json"
}
# `valid_sarif FILE`: a SARIF 2.1.0 log with results, of the category imagegate.
valid_sarif() {
  "$python" - "$1" "$repo/testdata/schemas/sarif-2.1.0.json" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
try:
    import jsonschema
    jsonschema.validate(log, json.load(open(sys.argv[2])))
except ImportError:
    pass
assert log["version"] == "2.1.0", log["version"]
run = log["runs"][0]
assert run["tool"]["driver"]["name"] == "imagegate", run["tool"]["driver"]["name"]
assert run["results"], "no results"
assert run["automationDetails"]["id"] == "imagegate/", run["automationDetails"]
PY
}

# 1. A push over testdata/: the findings fail the job (failOn: error), after the SARIF report
# is published for the Scans tab.
job push "$repo" --var Build.Reason=IndividualCI --var Build.SourceBranch=refs/heads/main \
  --param paths=testdata --param imagegateRepository="$source_repo" --param imagegateCommit="$commit" \
  --param imagegate="$program"
[ "$(result push)" = "Failed: Succeeded Failed Succeeded" ] || { echo "push: $(result push)"; exit 1; }
grep -q '^##vso\[task.logissue type=error;sourcepath=testdata/' "$work/push/log"
valid_sarif "$work/push/artifacts/CodeAnalysisLogs/imagegate.sarif"
[ "$(commands push)" = "task.logissue task.setvariable" ] || { echo "push: logging commands $(commands push)"; exit 1; }
# failOn: never reports the same findings and passes.
job push-never "$repo" --var Build.Reason=IndividualCI --var Build.SourceBranch=refs/heads/main \
  --param paths=testdata --param imagegateRepository="$source_repo" --param imagegateCommit="$commit" \
  --param imagegate="$program" --param failOn=never
[ "$(result push-never)" = "Succeeded: Succeeded Succeeded Succeeded" ] || { echo "push-never: $(result push-never)"; exit 1; }
grep -q '^##vso\[task.logissue type=error;sourcepath=testdata/' "$work/push-never/log"
valid_sarif "$work/push-never/artifacts/CodeAnalysisLogs/imagegate.sarif"

# 2. A pull request that makes a VM unapproved and edits the policy to approve it, in a
# repository whose remote refuses every fetch (each attempt is a line in $FETCHES).
origin="$work/origin"
mkdir -p "$origin/app"
git -C "$origin" init -q -b main
git -C "$origin" config user.email ci@example.com
git -C "$origin" config user.name CI
git -C "$origin" config commit.gpgsign false
cat > "$origin/imagegate.toml" <<'TOML'
[approved]
images = ["/subscriptions/*/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/*"]
TOML
vm() {
  cat > "$origin/app/azuredeploy.json" <<JSON
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
JSON
}
vm "/subscriptions/0/resourceGroups/rg-golden/providers/Microsoft.Compute/galleries/corpGallery/images/ubuntu/versions/1.0.0"
git -C "$origin" add -A
git -C "$origin" commit -qm base
git -C "$origin" checkout -q -b feature
vm "/subscriptions/0/resourceGroups/rg-other/providers/Microsoft.Compute/galleries/other/images/x/versions/1.0.0"
printf '[approved]\nimages = ["/subscriptions/**"]\n' > "$origin/imagegate.toml"
mkdir -p "$origin/tools/action"
printf '#!/usr/bin/env bash\necho "##vso[task.setvariable variable=imagegate.status]0"\n' > "$origin/tools/action/check.sh"
git -C "$origin" add -A
git -C "$origin" commit -qm "approve my own image"
head=$(git -C "$origin" rev-parse feature)
# The base branch moves on; the pull request's merge commit (refs/pull/1/merge: first parent
# the target branch, second the pull request).
git -C "$origin" checkout -q main
printf 'more\n' >> "$origin/README"
git -C "$origin" add README
git -C "$origin" commit -qm "the base branch moves on"
merge=$(git -C "$origin" commit-tree -p main -p feature -m "Merge pull request 1" \
  "$(git -C "$origin" merge-tree --write-tree main feature)")
git -C "$origin" update-ref refs/pull/1/merge "$merge"
cat > "$work/refusing-upload-pack" <<'SH'
#!/usr/bin/env bash
echo "fetch refused" >> "$FETCHES"
exit 1
SH
chmod +x "$work/refusing-upload-pack"
export FETCHES="$work/fetches"
# `checkout NAME DEPTH`: the pull request's merge commit as the agent checks it out, DEPTH
# commits deep, in $work/NAME-s; then no credentials are left (`persistCredentials: false`).
checkout() {
  local s="$work/$1-s"
  git init -q "$s"
  git -C "$s" remote add origin "$origin"
  git -C "$s" fetch -q --no-tags --depth="$2" origin "+refs/pull/1/merge:refs/remotes/pull/1/merge"
  git -C "$s" checkout -q --detach refs/remotes/pull/1/merge
  git -C "$s" config remote.origin.uploadpack "$work/refusing-upload-pack"
  : > "$FETCHES"
}
# imagegate's source as a checkout of its own (the template's `imagegateSource`).
git clone -q "$source_repo" "$work/imagegate-source"
pull_request() {
  local name="$1"
  shift
  job "$name" "$work/$name-s" --var Build.Reason=PullRequest --var Build.SourceBranch=refs/pull/1/merge \
    --var System.PullRequest.TargetBranch=refs/heads/main --var System.PullRequest.SourceCommitId="$head" \
    --var System.PullRequest.SourceBranch=refs/heads/feature --var System.PullRequest.IsFork=False \
    --param imagegateCommit="$commit" --param imagegate="$program" "$@"
}
checkout pr 2
pull_request pr --param imagegateSource="$work/imagegate-source"
[ "$(result pr)" = "Failed: Succeeded Failed Succeeded" ] || { echo "pr: $(result pr)"; exit 1; }
grep -q "^imagegate: the base branch's commit is the merge commit's first parent" "$work/pr/log"
grep -q "^##vso\[task.logissue type=warning\]imagegate: the pull request changes the policy file imagegate.toml" "$work/pr/log"
grep -q '^##vso\[task.logissue type=error;sourcepath=app/azuredeploy.json;' "$work/pr/log"
[ ! -s "$FETCHES" ] || { echo "pr: a fetch was tried"; exit 1; }
# The run read the target branch's policy, byte for byte.
want=$(git -C "$origin" show main:imagegate.toml | sha256sum | cut -d' ' -f1)
got=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["config"]["sha256"])' \
  "$work/pr/temp/imagegate/imagegate.json")
[ "$want" = "$got" ] || { echo "pr: read the config $got, the target branch has $want"; exit 1; }
valid_sarif "$work/pr/artifacts/CodeAnalysisLogs/imagegate.sarif"
grep -q '"uri": "app/azuredeploy.json"' "$work/pr/artifacts/CodeAnalysisLogs/imagegate.sarif"
[ -z "$(git -C "$work/pr-s" status --porcelain)" ] || { echo "pr: the checkout was written to"; exit 1; }
# Checked out 1 deep (new pipelines' default): the parents are not there and cannot be
# fetched; the job fails saying what to set, and publishes nothing.
checkout shallow 1
pull_request shallow --param imagegateSource="$work/imagegate-source"
[ "$(result shallow)" = "Failed: Succeeded Failed Skipped" ] || { echo "shallow: $(result shallow)"; exit 1; }
grep -q "^##vso\[task.logissue type=error\]imagegate: the checkout is the pull request's merge commit without its parents.*: set fetchDepth: 2 on the checkout step" "$work/shallow/log"
# imagegate's source in a folder of the pull request's checkout (its own check script, which
# would pass everything) is refused before anything runs.
checkout own 2
pull_request own --param imagegateSource="$work/own-s/tools"
[ "$(result own)" = "Failed: Failed Skipped Skipped" ] || { echo "own: $(result own)"; exit 1; }
grep -q "^##vso\[task.logissue type=error\]imagegate: .*/own-s/tools is at [0-9a-f]*, not at the reviewed commit" "$work/own/log"
echo "Azure Pipelines template checks passed"
