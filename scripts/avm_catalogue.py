#!/usr/bin/env python3
"""Generates imagegate's catalogue of the public Bicep registry's modules (issue #23):
`src/frontend/bicep/avm.json`, embedded in imagegate and read by
`src/frontend/bicep/catalogue.rs`.

    scripts/avm_catalogue.py --repo GIT_DIR [--commit SHA] [--out FILE] [--check]

GIT_DIR is a clone (bare or not) of https://github.com/Azure/bicep-registry-modules with its
tags: every published version of a module is a tag `<module path>/<version>` (e.g.
`avm/res/compute/virtual-machine/0.9.0`), the path under `mcr.microsoft.com/bicep/`. The
catalogue is pinned to one commit (default: the clone's HEAD) and uses only the tags reachable
from it, so a refresh at the same commit writes the same bytes.

For every module and published version it reads the compiled template the tag holds
(`<module path>/main.json`; `modules/<module path>/main.json` for the modules published before
Azure Verified Modules) and records:

* the resource types it can deploy: its resources (an array, or an object of symbolic names in
  languageVersion 2.0), child resources, and the resources of nested deployments' inline
  templates, recursively (`existing` resources are references, not deployments);
* whether any of them is image-bearing per imagegate's own `rules/catalog.toml` (its `[[arm]]`
  entries' types; a resource with a linked template of unknown contents counts as one);
* for each image-bearing resource that sets an image property, its contract: each image
  property (`images[].path` of catalog.toml, with `at` and the `when` key; not an attached OS
  disk, which is never judged) as an expression over the module's own parameters, found
  syntactically: `[parameters('x')]`, members and literal indexes of it, `tryGet`,
  `coalesce(<that>, <literal data>)` (a default; Bicep's `x ?? []`), variables holding such
  values, values passed to nested deployments (`{"value": ...}`, or a whole entry computed) in
  either expression scope, copy loops over an array parameter (a resource or module loop,
  `copyIndex()`; a property loop), object and array literals holding such expressions,
  `shallowMerge`/`union` of objects of which exactly one sets the property (Bicep's `...`
  spread), `if(<condition>, <image>, null())` and `string(<image>)`; with the resource's copy
  count, deployment condition, name and `tags` (what the tag rules read) when those can be
  written over the module's parameters, the parameters its images read, and every parameter the
  contract reads with the default and nullability the module declares.

Anything the tracer cannot prove (`if` choosing between two images, an image indexed by a
computed key, an image read through nested copy loops, a user-defined function) is not guessed:
the version is recorded as image-bearing but untraced, unless `scripts/avm_overrides.toml` lets
the failure through after a person checked the module (a rationale citing its main.bicep lines,
and the texts of main.json it relies on: the script fails when an override no longer matches).

The script prints a summary (modules, versions, image-bearing, traced, overridden, untraced)
and writes the catalogue compact and in a deterministic order: consecutive versions of a module
with the same contract are one group. Standard library only.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CATALOG_TOML = os.path.join(ROOT, "rules", "catalog.toml")
OVERRIDES_TOML = os.path.join(HERE, "avm_overrides.toml")
DEFAULT_OUT = os.path.join(ROOT, "src", "frontend", "bicep", "avm.json")

DEPLOYMENTS = "microsoft.resources/deployments"
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
# Most nested deployments followed below a module's template (AVM nests a handful).
MAX_DEPTH = 32
# The longest condition, name and tags expressions the stub carries (characters): longer ones
# (a pattern module's names built from JSON it loads) are left out, the condition judged as if
# it held, the name as unknown.
MAX_CONDITION = 1000
MAX_NAME = 200
MAX_TAGS = 400

sys.setrecursionlimit(20000)


# --- The template expression language -------------------------------------------------------


class ExprError(Exception):
    """An expression the parser does not read."""


def parse_expr(text):
    """Parses the ARM template expression `text` (without its brackets) into a tuple tree:
    ('s', str), ('n', number), ('b', bool), ('null',), ('f', name, args),
    ('.', base, name), ('[]', base, index)."""
    pos = 0
    n = len(text)

    def skip():
        nonlocal pos
        while pos < n and text[pos] in " \t\r\n":
            pos += 1

    def primary():
        nonlocal pos
        skip()
        if pos >= n:
            raise ExprError("unexpected end")
        c = text[pos]
        if c == "'":
            pos += 1
            out = []
            while True:
                if pos >= n:
                    raise ExprError("unterminated string")
                if text[pos] == "'":
                    if pos + 1 < n and text[pos + 1] == "'":
                        out.append("'")
                        pos += 2
                        continue
                    pos += 1
                    break
                out.append(text[pos])
                pos += 1
            return ("s", "".join(out))
        m = re.compile(r"-?\d+(\.\d+)?").match(text, pos)
        if m:
            pos = m.end()
            s = m.group(0)
            return ("n", float(s) if "." in s else int(s))
        m = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*").match(text, pos)
        if not m:
            raise ExprError(f"unexpected {c!r}")
        name = m.group(0)
        pos = m.end()
        skip()
        if pos < n and text[pos] == "(":
            pos += 1
            args = []
            skip()
            if pos < n and text[pos] == ")":
                pos += 1
            else:
                while True:
                    args.append(expression())
                    skip()
                    if pos < n and text[pos] == ",":
                        pos += 1
                        continue
                    if pos < n and text[pos] == ")":
                        pos += 1
                        break
                    raise ExprError("expected , or )")
            return ("f", name, args)
        low = name.lower()
        if low in ("true", "false"):
            return ("b", low == "true")
        if low == "null":
            return ("null",)
        raise ExprError(f"bare identifier {name}")

    def expression():
        nonlocal pos
        node = primary()
        while True:
            skip()
            if pos < n and text[pos] == ".":
                pos += 1
                skip()
                m = re.compile(r"[A-Za-z0-9_$@]+").match(text, pos)
                if not m:
                    raise ExprError("expected a property name")
                pos = m.end()
                node = (".", node, m.group(0))
            elif pos < n and text[pos] == "[":
                pos += 1
                index = expression()
                skip()
                if pos >= n or text[pos] != "]":
                    raise ExprError("expected ]")
                pos += 1
                node = ("[]", node, index)
            else:
                return node

    tree = expression()
    skip()
    if pos != n:
        raise ExprError("trailing text")
    return tree


IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def show(e):
    """The expression's text (the inverse of `parse_expr`, up to spacing)."""
    kind = e[0]
    if kind == "s":
        return "'" + e[1].replace("'", "''") + "'"
    if kind == "n":
        return json.dumps(e[1])
    if kind == "b":
        return "true()" if e[1] else "false()"
    if kind == "null":
        return "null()"
    if kind == "f":
        return e[1] + "(" + ", ".join(show(a) for a in e[2]) + ")"
    if kind == ".":
        return show(e[1]) + "." + e[2]
    if kind == "[]":
        return show(e[1]) + "[" + show(e[2]) + "]"
    if kind == "ci":
        raise AssertionError("copyIndex left unresolved")
    raise AssertionError(kind)


# --- Traced values --------------------------------------------------------------------------
#
# A value traced back to the module's own parameters: JSON data (dict, list, str, int, float,
# bool, None) whose leaves may be `Ex` (an expression over the module's parameters) or `Bad`
# (what cannot be traced, and why); `PLoop` is an array built by a property copy loop. In an
# `Ex`, `('ci', loop, args)` is a `copyIndex` bound to its `Loop`.


class Ex:
    __slots__ = ("e",)

    def __init__(self, e):
        self.e = e


class Bad:
    __slots__ = ("why",)

    def __init__(self, why):
        self.why = why


class Loop:
    """A copy loop: a resource's (or a deployment's), or a property's (kind 'property')."""

    __slots__ = ("kind", "name", "count")

    def __init__(self, kind, name, count):
        self.kind = kind
        self.name = name
        self.count = count


class PLoop:
    __slots__ = ("loop", "input")

    def __init__(self, loop, input_value):
        self.loop = loop
        self.input = input_value


class Merge:
    """`shallowMerge(createArray(...))` (Bicep's `...` spread) or `union(...)` of objects:
    a member is read from the one item that sets it."""

    __slots__ = ("name", "items", "deep")

    def __init__(self, name, items, deep):
        self.name = name
        self.items = items
        self.deep = deep


MISSING = object()


def first_bad(v):
    """The first `Bad` in `v`, if any."""
    if isinstance(v, Bad):
        return v
    if isinstance(v, dict):
        for x in v.values():
            b = first_bad(x)
            if b:
                return b
    elif isinstance(v, list):
        for x in v:
            b = first_bad(x)
            if b:
                return b
    elif isinstance(v, PLoop):
        return first_bad(v.loop.count) or first_bad(v.input)
    elif isinstance(v, Merge):
        for x in v.items:
            b = first_bad(x)
            if b:
                return b
    return None


def as_expr(v):
    """`v` as one expression tree (data as `createObject`/`createArray` calls), or a `Bad`."""
    if isinstance(v, Ex):
        return v.e
    if isinstance(v, Bad):
        return v
    if v is None:
        return ("null",)
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        return ("n", v)
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, list):
        args = []
        for x in v:
            a = as_expr(x)
            if isinstance(a, Bad):
                return a
            args.append(a)
        return ("f", "createArray", args)
    if isinstance(v, dict):
        args = []
        for k, x in v.items():
            a = as_expr(x)
            if isinstance(a, Bad):
                return a
            args += [("s", k), a]
        return ("f", "createObject", args)
    if isinstance(v, Merge):
        args = []
        for x in v.items:
            a = as_expr(x)
            if isinstance(a, Bad):
                return a
            args.append(a)
        if v.deep:
            return ("f", v.name, args)
        return ("f", v.name, [("f", "createArray", args)])
    return Bad("a property copy loop used in an expression")


def dict_get(d, key):
    """ARM compares property names case-insensitively."""
    if key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if k.lower() == low:
            return v
    return MISSING


def access(v, key, safe=False):
    """`v.key` / `v[key]` on a traced value; `safe` as `tryGet` (a missing member is null)."""
    if isinstance(v, Bad):
        return v
    if isinstance(v, Ex):
        if safe:
            return Ex(("f", "tryGet", [v.e, ("n", key) if isinstance(key, int) else ("s", key)]))
        if isinstance(key, int):
            return Ex(("[]", v.e, ("n", key)))
        if IDENT.match(key):
            return Ex((".", v.e, key))
        return Ex(("[]", v.e, ("s", key)))
    if isinstance(v, Merge) and isinstance(key, str):
        return merged_member(v, key, safe)
    if isinstance(v, dict) and isinstance(key, str):
        got = dict_get(v, key)
        if got is MISSING:
            return None if safe else Bad(f"no property '{key}'")
        return got
    if isinstance(v, list) and isinstance(key, int) and not isinstance(key, bool):
        if 0 <= key < len(v):
            return v[key]
        return None if safe else Bad("index out of range")
    if v is None and safe:
        return None
    return Bad("a member of a value that has none")


def presence(item, key):
    """Whether a merged item sets `key`: 'yes', 'no' or 'maybe' (a condition decides)."""
    if item is None:
        return "no"
    if isinstance(item, dict):
        return "no" if dict_get(item, key) is MISSING else "yes"
    if isinstance(item, Ex):
        e = item.e
        if e[0] == "f" and e[1].lower() == "createobject":
            keys = [a[1].lower() for a in e[2][0::2] if a[0] == "s"]
            if len(keys) * 2 != len(e[2]):
                return "maybe"
            return "yes" if key.lower() in keys else "no"
        if e[0] == "f" and e[1].lower() == "if" and len(e[2]) == 3:
            a = presence(Ex(e[2][1]) if e[2][1][0] != "null" else None, key)
            b = presence(Ex(e[2][2]) if e[2][2][0] != "null" else None, key)
            return "no" if a == b == "no" else "maybe"
    return "maybe"


def merged_member(v, key, safe):
    """Member `key` of a merge: the value of the one item that sets it."""
    setting = []
    for item in reversed(v.items):
        has = presence(item, key)
        if has == "no":
            continue
        if has == "maybe":
            if isinstance(item, Bad):
                return item
            return Bad(f"{v.name}(...) with an item that may or may not set '{key}'")
        setting.append(item)
        if not v.deep:
            break
    if not setting:
        return None if safe else Bad(f"no property '{key}'")
    if len(setting) > 1:
        return Bad(f"{v.name}(...) of several objects that set '{key}'")
    return access(setting[0], key, safe)


def mentions_loop(e, out):
    """Adds to `out` every loop a `copyIndex` in expression tree `e` is bound to."""
    if not isinstance(e, tuple):
        return
    if e[0] == "ci":
        out.add(e[1])
        for a in e[2]:
            mentions_loop(a, out)
        return
    for x in e[1:]:
        if isinstance(x, tuple):
            mentions_loop(x, out)
        elif isinstance(x, list):
            for a in x:
                mentions_loop(a, out)


def loops_of(v, out):
    """Adds to `out` every loop the traced value's expressions are bound to (not the property
    loops it builds itself)."""
    if isinstance(v, Ex):
        mentions_loop(v.e, out)
    elif isinstance(v, dict):
        for x in v.values():
            loops_of(x, out)
    elif isinstance(v, list):
        for x in v:
            loops_of(x, out)
    elif isinstance(v, PLoop):
        loops_of(v.loop.count, out)
        inner = set()
        loops_of(v.input, inner)
        inner.discard(v.loop)
        out |= inner
    elif isinstance(v, Merge):
        for x in v.items:
            loops_of(x, out)


def params_of(e, out):
    """Adds to `out` the names of the module parameters expression tree `e` reads."""
    if not isinstance(e, tuple):
        return
    if e[0] == "f" and e[1].lower() == "parameters" and e[2] and e[2][0][0] == "s":
        out.add(e[2][0][1])
    for x in e[1:]:
        if isinstance(x, tuple):
            params_of(x, out)
        elif isinstance(x, list):
            for a in x:
                params_of(a, out)


def value_params(v, out):
    if isinstance(v, Ex):
        params_of(v.e, out)
    elif isinstance(v, dict):
        for x in v.values():
            value_params(x, out)
    elif isinstance(v, list):
        for x in v:
            value_params(x, out)
    elif isinstance(v, PLoop):
        value_params(v.loop.count, out)
        value_params(v.input, out)
    elif isinstance(v, Merge):
        for x in v.items:
            value_params(x, out)


# --- Proven shapes --------------------------------------------------------------------------


def is_data(e):
    """Whether expression tree `e` is literal data (no parameter, no function but
    `createObject`/`createArray`)."""
    if e[0] in ("s", "n", "b", "null"):
        return True
    if e[0] == "f" and e[1].lower() in ("createobject", "createarray"):
        return all(is_data(a) for a in e[2])
    return False


def chain_shape(e):
    """Why expression tree `e` is not a path into one module parameter, or None when it is:
    `parameters('x')` followed by members, literal indexes and `copyIndex()` indexes, with
    `tryGet` for a safe member and `coalesce(<path>, <literal data>)` for a default."""
    k = e[0]
    if k == "f":
        name = e[1].lower()
        args = e[2]
        if name == "parameters":
            return None
        if name == "tryget" and args:
            for a in args[1:]:
                if a[0] not in ("s", "n"):
                    return "tryGet with a computed key"
            return chain_shape(args[0])
        if name == "coalesce" and len(args) == 2 and is_data(args[1]):
            return chain_shape(args[0])
        return f"{e[1]}(...)"
    if k == ".":
        return chain_shape(e[1])
    if k == "[]":
        index = e[2]
        if index[0] in ("s", "n") or index[0] == "ci":
            return chain_shape(e[1])
        return "an index computed by an expression"
    return "not a parameter"


def binding_shape(e):
    """Why expression tree `e` is not a proven image binding, or None when it is: literal data,
    a path into one parameter (`chain_shape`), data holding bindings, `if(c, <binding>, null())`
    (the image, when there is one, is the binding's), `coalesce(<binding>, <literal data>)` (a
    default) and `string(<binding>)` (its JSON text)."""
    if e[0] in ("s", "n", "b", "null"):
        return None
    if e[0] == "f":
        name = e[1].lower()
        args = e[2]
        if name == "createobject":
            if len(args) % 2 or any(k[0] != "s" for k in args[0::2]):
                return "an object with computed keys"
            for a in args[1::2]:
                why = binding_shape(a)
                if why:
                    return why
            return None
        if name == "createarray":
            for a in args:
                why = binding_shape(a)
                if why:
                    return why
            return None
        if name == "if" and len(args) == 3:
            if args[2][0] == "null":
                return binding_shape(args[1])
            if args[1][0] == "null":
                return binding_shape(args[2])
            return "if(...) choosing between two values"
        if name == "coalesce" and len(args) == 2 and is_data(args[1]):
            return binding_shape(args[0])
        if name == "string" and len(args) == 1:
            return binding_shape(args[0])
    return chain_shape(e)


def value_shape(v):
    """Why traced value `v` is not a proven image binding, or None when it is: data whose
    expression leaves each read one path into a module parameter."""
    if isinstance(v, Bad):
        return v.why
    if isinstance(v, Ex):
        return binding_shape(v.e)
    if isinstance(v, Merge):
        return f"{v.name}(...)"
    if isinstance(v, dict):
        for x in v.values():
            why = value_shape(x)
            if why:
                return why
    elif isinstance(v, list):
        for x in v:
            why = value_shape(x)
            if why:
                return why
    elif isinstance(v, PLoop):
        count = v.loop.count
        if isinstance(count, Bad):
            return count.why
        return value_shape(v.input)
    return None


# --- Scopes ---------------------------------------------------------------------------------


def classify(s):
    """A JSON string of a template as ARM reads it (imagegate's `eval::expr::classify`):
    ('expr', text inside the brackets) or ('literal', text), `[[` escaping a literal `[`."""
    trimmed = s.rstrip()
    if len(trimmed) >= 2 and trimmed.startswith("[") and trimmed.endswith("]"):
        if trimmed.startswith("[["):
            return "literal", s[1:]
        return "expr", trimmed[1:-1]
    return "literal", s


def is_expression(s):
    return isinstance(s, str) and classify(s)[0] == "expr"


class Scope:
    """Where a template's expressions are traced: the module's own template (its parameters
    are the module's), or an inner-scope nested template (its parameters are the values the
    deploying template passes, or their defaults)."""

    def __init__(self, template, passed=None, root=None):
        self.template = template
        self.root = root  # None for the module's template
        self.passed = passed  # name (lower) -> (raw, scope, ctx)
        self.params = {k.lower(): (k, v) for k, v in (template.get("parameters") or {}).items()}
        variables = template.get("variables") or {}
        self.variables = {k.lower(): v for k, v in variables.items() if k != "copy"}
        self.variable_loops = set()
        for loop in variables.get("copy") or []:
            if isinstance(loop, dict) and isinstance(loop.get("name"), str):
                self.variable_loops.add(loop["name"].lower())
        self.memo_params = {}
        self.memo_vars = {}
        self.busy = set()
        self.used = {}  # root only: canonical name -> declaration

    def param(self, name):
        low = name.lower()
        if low in self.memo_params:
            return self.memo_params[low]
        if ("p", low) in self.busy:
            return Bad("a parameter that refers to itself")
        self.busy.add(("p", low))
        try:
            v = self._param(name, low)
        finally:
            self.busy.discard(("p", low))
        self.memo_params[low] = v
        return v

    def _param(self, name, low):
        declared = self.params.get(low)
        if self.root is None:
            if declared is None:
                return Bad(f"undeclared parameter '{name}'")
            canonical, decl = declared
            self.used[canonical] = decl
            return Ex(("f", "parameters", [("s", canonical)]))
        if declared is None:
            return Bad(f"undeclared parameter '{name}' of a nested template")
        canonical, decl = declared
        if isinstance(self.passed, Bad):
            return self.passed
        got = self.passed.get(low)
        if got is not None:
            raw, scope, ctx = got
            if is_expression(raw):
                # The whole entry computed (`{value: ...}` chosen by a condition).
                return access(trace_raw(raw, scope, ctx), "value")
            if not isinstance(raw, dict) or "value" not in raw:
                return Bad(f"nested parameter '{canonical}' passed as a reference")
            return trace_raw(raw["value"], scope, ctx)
        if isinstance(decl, dict) and "defaultValue" in decl:
            return trace_raw(decl["defaultValue"], self, Ctx())
        if isinstance(decl, dict) and decl.get("nullable"):
            return None
        return Bad(f"nested parameter '{canonical}' not passed and without a default")

    def var(self, name):
        low = name.lower()
        if low in self.memo_vars:
            return self.memo_vars[low]
        if low in self.variable_loops:
            return Bad(f"variable '{name}' built by a copy loop")
        raw = self.variables.get(low, MISSING)
        if raw is MISSING:
            return Bad(f"undeclared variable '{name}'")
        if ("v", low) in self.busy:
            return Bad("a variable that refers to itself")
        self.busy.add(("v", low))
        try:
            v = trace_raw(raw, self, Ctx())
        finally:
            self.busy.discard(("v", low))
        self.memo_vars[low] = v
        return v


class Ctx:
    """The copy loops an expression sits in: the resource's (or deployment's) own, and the
    property loops around it by name (lower-cased)."""

    __slots__ = ("loop", "properties")

    def __init__(self, loop=None, properties=None):
        self.loop = loop
        self.properties = properties or {}

    def with_property(self, name, loop):
        p = dict(self.properties)
        p[name.lower()] = loop
        return Ctx(self.loop, p)


def trace_raw(raw, scope, ctx):
    """The traced value of a JSON value of the template (strings may be expressions; objects
    may hold property copy loops)."""
    if isinstance(raw, str):
        kind, text = classify(raw)
        if kind == "literal":
            return text
        try:
            tree = parse_expr(text)
        except ExprError as e:
            return Bad(f"an expression imagegate's tracer does not read ({e})")
        return trace(tree, scope, ctx)
    if isinstance(raw, list):
        return [trace_raw(x, scope, ctx) for x in raw]
    if isinstance(raw, dict):
        out = {}
        for k, x in raw.items():
            if k == "copy" and isinstance(x, list) and all(
                isinstance(l, dict) and "name" in l and "input" in l for l in x
            ):
                for l in x:
                    name = l["name"]
                    if not isinstance(name, str):
                        out[str(name)] = Bad("a property loop with a computed name")
                        continue
                    loop = Loop("property", name, trace_raw(l.get("count"), scope, ctx))
                    out[name] = PLoop(loop, trace_raw(l["input"], scope, ctx.with_property(name, loop)))
                continue
            out[k] = trace_raw(x, scope, ctx)
        return out
    return raw


def literal_key(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (str, int)):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def trace(e, scope, ctx):
    """The traced value of expression tree `e` in `scope`."""
    k = e[0]
    if k == "s":
        return e[1]
    if k == "n":
        return e[1]
    if k == "b":
        return e[1]
    if k == "null":
        return None
    if k == ".":
        return access(trace(e[1], scope, ctx), e[2])
    if k == "[]":
        base = trace(e[1], scope, ctx)
        index = trace(e[2], scope, ctx)
        key = literal_key(index)
        if key is not None:
            return access(base, key)
        if isinstance(base, Bad):
            return base
        if isinstance(base, PLoop):
            return Bad("an index into a property copy loop")
        b, i = as_expr(base), as_expr(index)
        if isinstance(b, Bad):
            return b
        if isinstance(i, Bad):
            return i
        return Ex(("[]", b, i))
    if k != "f":
        return Bad("unexpected expression")
    name = e[1]
    low = name.lower()
    args = e[2]
    if low == "parameters":
        if len(args) != 1 or args[0][0] != "s":
            return Bad("parameters() with a computed name")
        return scope.param(args[0][1])
    if low == "variables":
        if len(args) != 1 or args[0][0] != "s":
            return Bad("variables() with a computed name")
        return scope.var(args[0][1])
    if low == "copyindex":
        rest = [a for a in args]
        loop = ctx.loop
        if rest and rest[0][0] == "s":
            named = rest[0][1].lower()
            loop = ctx.properties.get(named)
            if loop is None and ctx.loop is not None and (ctx.loop.name or "").lower() == named:
                loop = ctx.loop
            rest = rest[1:]
        if loop is None:
            return Bad("copyIndex() outside a loop the tracer knows")
        traced = [as_expr(trace(a, scope, ctx)) for a in rest]
        for t in traced:
            if isinstance(t, Bad):
                return t
        return Ex(("ci", loop, traced))
    if not args and low in ("null", "true", "false"):
        return None if low == "null" else low == "true"
    if "." in name:
        return Bad(f"the user-defined function {name}()")
    traced = [trace(a, scope, ctx) for a in args]
    if low == "createobject" and len(traced) % 2 == 0:
        out = {}
        for i in range(0, len(traced), 2):
            key = traced[i]
            if not isinstance(key, str):
                return generic(name, traced)
            out[key] = traced[i + 1]
        return out
    if low == "createarray":
        return list(traced)
    if low == "shallowmerge" and len(traced) == 1 and isinstance(traced[0], list):
        return Merge(name, traced[0], deep=False)
    if low == "union" and traced and all(isinstance(t, (dict, Ex)) or t is None for t in traced) \
            and any(isinstance(t, dict) for t in traced):
        return Merge(name, traced, deep=True)
    if low == "tryget" and len(traced) >= 2:
        v = traced[0]
        for key in traced[1:]:
            key = literal_key(key)
            if key is None:
                return generic(name, traced)
            v = access(v, key, safe=True)
        return v
    if low == "coalesce" and traced:
        first = traced[0]
        if first is None:
            return trace(("f", name, args[1:]), scope, ctx) if len(args) > 1 else None
        if isinstance(first, (dict, list, str, int, float, bool)):
            return first
        return generic(name, traced)
    return generic(name, traced)


def generic(name, traced):
    args = []
    for t in traced:
        a = as_expr(t)
        if isinstance(a, Bad):
            return a
        args.append(a)
    return Ex(("f", name, args))


# --- The walk over a module's template -------------------------------------------------------


class Found:
    """What the walk over one module version found."""

    def __init__(self):
        self.types = {}  # lower -> as written
        self.images = []  # Placed image-bearing resources
        self.opaque = []  # why some deployment's contents are unknown


class Placed:
    """An image-bearing resource where the walk found it: its declaration, the scope and loop
    context its expressions are traced in, the copy loops and conditions of the deployments
    around it (outermost first) and its own."""

    __slots__ = ("type", "symbol", "raw", "scope", "ctx", "loops", "conditions")

    def __init__(self, rtype, symbol, raw, scope, ctx, loops, conditions):
        self.type = rtype
        self.symbol = symbol
        self.raw = raw
        self.scope = scope
        self.ctx = ctx
        self.loops = loops
        self.conditions = conditions


def resource_list(resources):
    """(symbolic name or None, declaration) of a template's `resources`."""
    if isinstance(resources, dict):
        return list(resources.items())
    if isinstance(resources, list):
        return [(None, r) for r in resources]
    return []


def walk(resources, scope, found, catalog, parent_type, loops, conditions, depth):
    """Records what `resources` deploy (children and nested deployments included): `loops`
    and `conditions` are those of the deployments around them, outermost first."""
    for symbol, r in resource_list(resources):
        if not isinstance(r, dict) or r.get("existing") is True:
            continue
        rtype = r.get("type")
        if not isinstance(rtype, str) or is_expression(rtype):
            found.opaque.append("a resource whose type is an expression")
            continue
        full = rtype
        if parent_type is not None and "/" not in rtype:
            full = parent_type + "/" + rtype
        own_loops = list(loops)
        ctx = Ctx()
        copy = r.get("copy")
        if isinstance(copy, dict):
            loop = Loop("resource", copy.get("name"), None)
            ctx = Ctx(loop)
            loop.count = trace_raw(copy.get("count"), scope, ctx)
            own_loops.append(loop)
        own_conditions = list(conditions)
        if "condition" in r:
            own_conditions.append(trace_raw(r["condition"], scope, ctx))
        low = full.lower()
        if low == DEPLOYMENTS:
            props = r.get("properties")
            props = props if isinstance(props, dict) else {}
            nested = props.get("template")
            if isinstance(nested, str):
                # A template Bicep loaded with `loadJsonContent` into a variable.
                m = re.fullmatch(r"\[variables\('([^']*)'\)\]", nested.rstrip())
                if m:
                    nested = scope.variables.get(m.group(1).lower())
            if isinstance(nested, dict):
                if depth >= MAX_DEPTH:
                    found.opaque.append("deployments nested too deep")
                    continue
                options = props.get("expressionEvaluationOptions")
                inner = isinstance(options, dict) and str(options.get("scope", "")).lower() == "inner"
                if inner:
                    passed_raw = props.get("parameters", {})
                    if isinstance(passed_raw, dict):
                        passed = {k.lower(): (v, scope, ctx) for k, v in passed_raw.items()}
                    else:
                        passed = Bad("nested parameters passed as one expression")
                    inner_scope = Scope(nested, passed, root=scope.root or scope)
                else:
                    inner_scope = scope
                walk(nested.get("resources"), inner_scope, found, catalog, None, own_loops,
                     own_conditions, depth + 1)
                continue
            found.types.setdefault(low, full)
            if "templateLink" in props:
                found.opaque.append("a deployment of a linked template")
            else:
                found.opaque.append("a deployment whose template is not written inline")
            continue
        found.types.setdefault(low, full)
        if low in catalog:
            found.images.append(Placed(full, symbol, r, scope, ctx, own_loops, own_conditions))
        children = r.get("resources")
        if isinstance(children, list) and children:
            walk(children, scope, found, catalog, full, loops, conditions, depth)


# --- Contracts ------------------------------------------------------------------------------


def relevant_paths(entry):
    """The dotted paths of an `[[arm]]` entry's image properties that decide its images, and
    which of them are only `when` keys (an attached OS disk, form `os-disk`, is reported but
    never judged: not traced)."""
    paths = []
    when_keys = []
    for image in entry:
        if image.get("form") == "os-disk":
            continue
        base = image["path"]
        if image.get("form") == "reference" and base in ("", "properties") and not image.get("at"):
            # The reference's fields are properties of the resource itself (a Service Fabric
            # node type's `vmImagePublisher`, …): each field is a path.
            for key in reference_keys(image):
                paths.append(f"{base}.{key}" if base else key)
        elif image.get("each") or not image.get("at"):
            paths.append(base)
        else:
            paths.append(f"{base}.{image['at']}" if base else image["at"])
        when = image.get("when")
        if when:
            key = f"{base}.{when['key']}" if base else when["key"]
            paths.append(key)
            when_keys.append(key)
    out = []
    for p in paths:
        if p not in out:
            out.append(p)
    images = [p for p in out if p not in when_keys or paths.count(p) > when_keys.count(p)]
    return out, set(images)


def reference_keys(image):
    """The property names of an image reference (`form = "reference"`), as catalog.toml names
    them (its defaults are imagegate's, `catalog.rs`)."""
    keys = list(image.get("id_keys", ["id"]))
    keys.append(image.get("shared_key", "sharedGalleryImageId"))
    keys.append(image.get("community_key", "communityGalleryImageId"))
    for field, default in (("publisher", "publisher"), ("offer", "offer"), ("sku", "sku"),
                           ("version", "version")):
        keys.append(image.get(f"{field}_key", default))
    if image.get("plan_key"):
        keys.append(image["plan_key"])
    return keys


def locate(raw, path, scope, ctx):
    """The value of the resource at dotted `path`: (steps, traced value), where `steps` is how
    far down the path the value sits (an expression covers what is below it), or None when the
    resource does not set it."""
    steps = path.split(".")
    node = raw
    for i, step in enumerate(steps):
        if isinstance(node, str) and is_expression(node):
            return follow(trace_raw(node, scope, ctx), steps, i)
        if isinstance(node, dict):
            got = dict_get(node, step)
            if got is MISSING:
                loops = node.get("copy")
                if isinstance(loops, list):
                    for l in loops:
                        if isinstance(l, dict) and str(l.get("name", "")).lower() == step.lower():
                            value = trace_raw({"copy": [l]}, scope, ctx)
                            return follow(next(iter(value.values())), steps, i + 1)
                return None
            node = got
            continue
        if node is None:
            return None
        return steps[:i], Bad("a path through a value that is not an object")
    return steps, trace_raw(node, scope, ctx)


def follow(v, steps, i):
    """`locate` on from traced value `v` at `steps[i]`: down through data and merges, up to
    an expression."""
    while i < len(steps):
        if isinstance(v, (dict, Merge)):
            v = access(v, steps[i], safe=True)
            i += 1
            if v is None:
                return None
            continue
        if v is None:
            return None
        if isinstance(v, (Ex, Bad)):
            break
        return steps[:i], Bad("a path through a value that is not an object")
    return steps[:i], v


def put(body, steps, value):
    """Sets `value` at `steps` of the nested dict `body` (a value set higher up covers it)."""
    node = body
    for step in steps[:-1]:
        got = node.get(step)
        if got is None:
            got = node[step] = {}
        if not isinstance(got, dict):
            return
        node = got
    node.setdefault(steps[-1], value)


def emit(v, loop):
    """Traced value `v` as JSON of the catalogue: expressions as `[...]` strings, property loops
    as ARM's `copy` arrays, `loop` (the stub resource's own, or None) as `copyIndex()`."""
    if isinstance(v, Merge):
        v = Ex(as_expr(v))
    if isinstance(v, Ex):
        return "[" + show(bind(v.e, loop)) + "]"
    if isinstance(v, str):
        return "[" + v if is_expression(v) else v
    if isinstance(v, list):
        return [emit(x, loop) for x in v]
    if isinstance(v, dict):
        out = {}
        copies = []
        for k, x in v.items():
            if isinstance(x, PLoop):
                copies.append(
                    {"name": x.loop.name, "count": emit(x.loop.count, loop), "input": emit(x.input, loop)}
                )
            else:
                out[k] = emit(x, loop)
        if copies:
            out["copy"] = copies
        return out
    return v


def bind(e, loop):
    """Expression tree `e` with its `copyIndex` bindings written out."""
    if e[0] == "ci":
        target, args = e[1], [bind(a, loop) for a in e[2]]
        if target is loop:
            return ("f", "copyIndex", args)
        return ("f", "copyIndex", [("s", target.name)] + args)
    out = [e[0]]
    for x in e[1:]:
        if isinstance(x, tuple):
            out.append(bind(x, loop))
        elif isinstance(x, list):
            out.append([bind(a, loop) for a in x])
        else:
            out.append(x)
    return tuple(out)


def auxiliary(value, loop, limit):
    """A traced value the stub carries besides the image (`tags`, `name`), when it can be
    written over the module's parameters in the stub's own loop in at most `limit` characters:
    else None (left out)."""
    if value is None or first_bad(value):
        return None
    used = set()
    loops_of(value, used)
    if any(l is not loop and l.kind != "property" for l in used):
        return None
    if len(json.dumps(emit(value, loop))) > limit:
        return None
    return value


def contract_resource(placed, catalog, accept, accepted):
    """The contract of one image-bearing resource: a dict, None when it sets no image
    property, or a `Bad` saying why it cannot be traced. A shape failure named in `accept` (an
    override's) is let through, and added to `accepted`."""
    full, raw, scope, ctx = placed.type, placed.raw, placed.scope, placed.ctx
    paths, image_paths = relevant_paths(catalog[full.lower()])
    body = {}
    holds_image = False
    for path in paths:
        got = locate(raw, path, scope, ctx)
        if got is None:
            continue
        steps, value = got
        why = value_shape(value)
        if why:
            reason = f"{full} {path}: {why}"
            if reason not in accept or first_bad(value):
                return Bad(reason)
            accepted.add(reason)
        if not steps:
            return Bad(f"{full}: the whole resource is an expression")
        put(body, steps, value)
        if path in image_paths:
            holds_image = True
    if not holds_image:
        return None
    bound = set()
    loops_of(body, bound)
    resource_loops = [l for l in bound if l.kind != "property"]
    if len(resource_loops) > 1:
        return Bad(f"{full}: its image is read through nested copy loops")
    loop = resource_loops[0] if resource_loops else None
    if loop is not None:
        if loop not in placed.loops:
            return Bad(f"{full}: copyIndex() of a loop that does not deploy it")
        inner = set()
        loops_of(loop.count, inner)
        if first_bad(loop.count) or inner or isinstance(loop.count, (dict, list, PLoop, Merge)):
            return Bad(f"{full}: the count of the copy loop its image is read in")
    reads = set()
    value_params(body, reads)
    if loop is not None:
        value_params(loop.count, reads)
    # The deployment condition: the conjuncts that can be written over the module's parameters
    # (the others are left out: judged as if they held).
    kept = []
    for c in placed.conditions:
        if c is False:
            return None
        if not isinstance(c, Ex) or len(show(bind(c.e, loop))) > MAX_CONDITION:
            continue
        used = set()
        mentions_loop(c.e, used)
        if any(l is not loop for l in used):
            continue
        kept.append(c.e)
    out = {"type": full}
    if placed.symbol:
        out["symbol"] = placed.symbol
    name = locate(raw, "name", scope, ctx)
    name = auxiliary(name[1], loop, MAX_NAME) if name and name[0] == ["name"] else None
    if name is not None and not isinstance(name, (dict, list, PLoop)):
        out["name"] = emit(name, loop)
    if kept:
        cond = kept[0] if len(kept) == 1 else ("f", "and", kept)
        out["condition"] = "[" + show(bind(cond, loop)) + "]"
    if loop is not None:
        out["count"] = emit(loop.count, None)
    tags = locate(raw, "tags", scope, ctx)
    tags = auxiliary(tags[1], loop, MAX_TAGS) if tags and tags[0] == ["tags"] else None
    if tags is not None:
        body["tags"] = tags
    out["body"] = emit(body, loop)
    out["reads"] = sorted(reads)
    return out


def parameter_decl(decl):
    """The catalogue's declaration of a module parameter: its default (data, or expressions
    over other parameters) and whether it is nullable."""
    out = {}
    if isinstance(decl, dict):
        if "defaultValue" in decl:
            out["default"] = decl["defaultValue"]
        if decl.get("nullable"):
            out["nullable"] = True
    return out


def collect_json_params(v, out):
    """Adds to `out` the parameters the expressions of catalogue JSON `v` read."""
    if isinstance(v, str):
        kind, text = classify(v)
        if kind == "expr":
            try:
                params_of(parse_expr(text), out)
            except ExprError:
                pass
    elif isinstance(v, list):
        for x in v:
            collect_json_params(x, out)
    elif isinstance(v, dict):
        for x in v.values():
            collect_json_params(x, out)


def analyse(text, catalog, accept=()):
    """The types and contract of one module version's compiled template (`accept`: the
    shape failures an override lets through)."""
    template = json.loads(text)
    scope = Scope(template)
    found = Found()
    walk(template.get("resources"), scope, found, catalog, None, [], [], 0)
    types = sorted(found.types.values(), key=lambda t: (t.lower(), t))
    result = {"types": types, "images": bool(found.images or found.opaque)}
    if found.opaque:
        result["untraced"] = "; ".join(sorted(set(found.opaque)))
        return result
    if not found.images:
        return result
    resources = []
    accepted = set()
    for placed in found.images:
        r = contract_resource(placed, catalog, set(accept), accepted)
        if isinstance(r, Bad):
            result["untraced"] = r.why
            return result
        if r is not None:
            resources.append(r)
    result["accepted"] = accepted
    # Symbols unique within the stub (fingerprints are made from them).
    seen = set()
    for i, r in enumerate(resources):
        symbol = r.get("symbol") or f"{r['type'].rsplit('/', 1)[1]}{i}"
        while symbol.lower() in seen:
            symbol += "_"
        seen.add(symbol.lower())
        r["symbol"] = symbol
    used = set()
    for r in resources:
        for key in ("condition", "count", "name", "body"):
            collect_json_params(r.get(key), used)
    # Parameters whose defaults are expressions read others: declare those too.
    declared = {}
    pending = sorted(used)
    while pending:
        name = pending.pop()
        if name in declared:
            continue
        got = scope.params.get(name.lower())
        if got is None:
            result["untraced"] = f"the contract reads the undeclared parameter '{name}'"
            return result
        canonical, decl = got
        d = parameter_decl(decl)
        declared[canonical] = d
        if "default" in d:
            more = set()
            collect_json_params(d["default"], more)
            pending += sorted(more - set(declared))
    result["contract"] = {
        "parameters": {k: declared[k] for k in sorted(declared)},
        "resources": resources,
    }
    return result


# --- Reading the repository ------------------------------------------------------------------


def module_files(repo, tags):
    """Yields (tag, text of main.json or None), reading every tag's template through one
    `git cat-file --batch`."""
    requests = []
    for tag in tags:
        module = tag.rsplit("/", 1)[0]
        prefix = "" if module.startswith("avm/") else "modules/"
        requests.append((tag, f"{tag}:{prefix}{module}/main.json"))
    proc = subprocess.Popen(
        ["git", "--git-dir", repo, "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )

    def feed():
        for _, spec in requests:
            proc.stdin.write((spec + "\n").encode())
        proc.stdin.close()

    threading.Thread(target=feed, daemon=True).start()
    for tag, _ in requests:
        header = proc.stdout.readline().decode().rstrip("\n")
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            yield tag, None
            continue
        size = int(header.split()[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)
        yield tag, data.decode("utf-8-sig")
    if proc.wait() != 0:
        raise SystemExit("git cat-file failed")


def load_catalog(path):
    """The `[[arm]]` entries of catalog.toml: lower-cased type -> its `images`."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    catalog = {}
    for entry in data.get("arm", []):
        for t in entry["types"]:
            catalog[t.lower()] = entry["images"]
    return catalog


def semver(v):
    return tuple(int(x) for x in VERSION.match(v).groups())


# --- Overrides ------------------------------------------------------------------------------


def load_overrides(path):
    """The overrides: module, versions, rationale, the shape failures they accept, and the
    texts of main.json they rely on."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = data.get("override", [])
    for o in out:
        for key in ("module", "versions", "rationale", "accept", "expects"):
            if key not in o:
                raise SystemExit(f"{path}: an override without `{key}`")
    return out


def overridden(override, tag, text, result, catalog):
    """The version analysed again under `override`, after checking that the override still
    matches: untraced on its own, traced with every failure it accepts met, and main.json
    holding every text it relies on. Returns (result, error)."""
    if "contract" in result or not result["images"]:
        what = "traces it" if "contract" in result else "finds no image-bearing resource in it"
        return result, f"{tag}: the override is stale (the tracer {what})"
    for needle in override["expects"]:
        if needle not in text:
            return result, f"{tag}: main.json no longer holds {needle!r}"
    again = analyse(text, catalog, accept=override["accept"])
    if "contract" not in again:
        return result, f"{tag}: the override no longer matches ({again.get('untraced')})"
    unmet = set(override["accept"]) - again["accepted"]
    if unmet:
        return result, f"{tag}: the override accepts what the tracer no longer meets: {sorted(unmet)}"
    again["override"] = override["rationale"]
    return again, None


# --- Output ---------------------------------------------------------------------------------


def group_key(result):
    return json.dumps(
        {k: result.get(k) for k in ("types", "images", "untraced", "contract", "override")},
        sort_keys=True,
    )


def render(document, modules):
    """The catalogue's text: compact JSON, one module a line (small diffs on refresh)."""
    head = ",".join(
        json.dumps(k) + ":" + json.dumps(document[k], separators=(",", ":"), ensure_ascii=False)
        for k in document
    )
    lines = ["{" + head + ',"modules":{']
    names = list(modules)
    for i, m in enumerate(names):
        sep = "," if i + 1 < len(names) else ""
        lines.append(
            json.dumps(m) + ":" + json.dumps(modules[m], separators=(",", ":"), ensure_ascii=False) + sep
        )
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", required=True, help="git directory of Azure/bicep-registry-modules")
    ap.add_argument("--commit", help="the commit to pin (default: the repository's HEAD)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="where to write the catalogue")
    ap.add_argument("--overrides", default=OVERRIDES_TOML, help="the hand-checked contracts")
    ap.add_argument("--check", action="store_true", help="fail if the output would change")
    ap.add_argument("--show", metavar="MODULE", help="print one module's analysis, write nothing")
    args = ap.parse_args()

    git = ["git", "--git-dir", args.repo]
    commit = subprocess.run(
        git + ["rev-parse", "--verify", (args.commit or "HEAD") + "^{commit}"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    tags = subprocess.run(
        git + ["tag", "--merged", commit], check=True, capture_output=True, text=True
    ).stdout.split()
    tags = [t for t in tags if "/" in t and VERSION.match(t.rsplit("/", 1)[1])]
    if args.show:
        tags = [t for t in tags if t.rsplit("/", 1)[0] == args.show]
    tags.sort(key=lambda t: (t.rsplit("/", 1)[0], semver(t.rsplit("/", 1)[1])))

    catalog = load_catalog(CATALOG_TOML)
    overrides = load_overrides(args.overrides)
    by_version = {}
    for o in overrides:
        for v in o["versions"]:
            by_version[(o["module"], v)] = o
    seen_overrides = set()
    errors = []
    modules = {}
    for tag, text in module_files(args.repo, tags):
        module, version = tag.rsplit("/", 1)
        if text is None:
            continue
        try:
            result = analyse(text, catalog)
        except (ValueError, RecursionError) as e:
            result = {"types": [], "images": True, "untraced": f"main.json not read ({e})"}
        o = by_version.get((module, version))
        if o is not None:
            seen_overrides.add((module, version))
            result, err = overridden(o, tag, text, result, catalog)
            if err:
                errors.append(err)
        result.pop("accepted", None)
        modules.setdefault(module, []).append((version, result))
    if not args.show:
        for key in sorted(set(by_version) - seen_overrides):
            errors.append(f"{key[0]}/{key[1]}: the override names a version that is not published")

    if args.show:
        for version, result in modules.get(args.show, []):
            print(version, json.dumps(result, indent=1))
        for e in errors:
            print(f"error: {e}", file=sys.stderr)
        return 1 if errors else 0

    # Figures: versions, and modules at their newest version.
    count = {"modules": len(modules), "versions": 0, "image-bearing": 0, "traced": 0,
             "overridden": 0, "untraced": 0}
    newest = {"image-bearing": 0, "traced": 0, "overridden": 0, "untraced": 0}
    untraced_newest = []
    for module, versions in modules.items():
        for i, (version, r) in enumerate(versions):
            count["versions"] += 1
            if not r["images"]:
                continue
            kind = "overridden" if "override" in r else "untraced" if "untraced" in r else "traced"
            count["image-bearing"] += 1
            count[kind] += 1
            if i == len(versions) - 1:
                newest["image-bearing"] += 1
                newest[kind] += 1
                if kind == "untraced":
                    untraced_newest.append(f"{module}/{version}: {r['untraced']}")

    # The catalogue: resource types by index, versions grouped.
    types = sorted({t for vs in modules.values() for _, r in vs for t in r["types"]},
                   key=lambda t: (t.lower(), t))
    index = {t: i for i, t in enumerate(types)}
    out_modules = {}
    for module in sorted(modules):
        groups = []
        for version, r in modules[module]:
            key = group_key(r)
            if groups and groups[-1][0] == key:
                groups[-1][1]["versions"].append(version)
                continue
            g = {"versions": [version], "types": [index[t] for t in r["types"]]}
            if "contract" in r:
                g["contract"] = r["contract"]
                if "override" in r:
                    g["override"] = r["override"]
            elif r["images"]:
                g["untraced"] = r["untraced"]
            groups.append((key, g))
        out_modules[module] = [g for _, g in groups]
    document = {
        "about": "imagegate's catalogue of the public Bicep registry's modules (issue #23), "
                 "written by scripts/avm_catalogue.py: do not edit, regenerate",
        "commit": commit,
        "command": "python3 scripts/avm_catalogue.py --repo <git dir of "
                   f"https://github.com/Azure/bicep-registry-modules> --commit {commit}",
        "figures": count,
        "types": types,
    }
    text = render(document, out_modules)

    print(f"pinned commit  {commit}")
    print(f"modules        {count['modules']}")
    print(f"versions       {count['versions']}")
    print(f"image-bearing  {count['image-bearing']} versions, {newest['image-bearing']} modules at their newest version")
    print(f"  traced       {count['traced']} versions, {newest['traced']} modules")
    print(f"  overridden   {count['overridden']} versions, {newest['overridden']} modules")
    print(f"  untraced     {count['untraced']} versions, {newest['untraced']} modules")
    for line in untraced_newest:
        print(f"    {line}")
    print(f"catalogue      {len(text.encode())} bytes")
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if errors:
        return 1
    if args.check:
        try:
            with open(args.out, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print(f"error: {args.out} is not what the script writes", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
