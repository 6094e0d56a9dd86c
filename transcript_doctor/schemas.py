"""The JSON Schemas in `schemas/`, loaded and compiled once per process.

In a source checkout the schemas are read from the repository's top-level `schemas/`; an
installed wheel carries the same files as `transcript_doctor/schemas/`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Iterator

PACKAGE_DIR = Path(__file__).resolve().parent


def schema_dir() -> Path:
    for candidate in (PACKAGE_DIR / "schemas", PACKAGE_DIR.parent / "schemas"):
        if (candidate / "report.schema.json").is_file():
            return candidate
    raise FileNotFoundError("transcript-doctor's schemas/ folder is missing from this installation")


@functools.cache
def _documents() -> dict[str, dict[str, Any]]:
    docs = {}
    for path in sorted(schema_dir().glob("*.schema.json")):
        docs[path.name.removesuffix(".schema.json")] = json.loads(path.read_text(encoding="utf-8"))
    return docs


@functools.cache
def _registry():
    from referencing import Registry, Resource

    resources = []
    for name, doc in _documents().items():
        resource = Resource.from_contents(doc)
        resources.append((doc.get("$id", f"{name}.schema.json"), resource))
    return Registry().with_resources(resources)


@functools.cache
def validator(name: str):
    """A compiled Draft 2020-12 validator for `schemas/<name>.schema.json`."""
    from jsonschema import Draft202012Validator

    docs = _documents()
    doc = docs.get(name) or docs["unknown"]
    return Draft202012Validator(doc, registry=_registry())


@functools.cache
def record_schema_names() -> frozenset[str]:
    return frozenset(n for n in _documents() if n not in {"report", "defs", "unknown", "fix-report"})


def record_validator(record_type: Any):
    name = record_type if isinstance(record_type, str) and record_type in record_schema_names() else "unknown"
    return name, validator(name)


# ---- the fast path ------------------------------------------------------------------------
# jsonschema validates about 1,400 records a second here; a gigabyte transcript holds a million.
# The record schemas use a small subset of JSON Schema, compiled below into plain Python
# predicates. A record the predicate accepts is valid; a record it rejects, or a schema keyword
# it does not know, goes to jsonschema, which stays the judge and words the error.

_ANNOTATIONS = frozenset({"title", "description", "$schema", "$id", "$defs", "$comment", "examples", "default"})
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def _never(value: Any) -> bool:
    return False


def _always(value: Any) -> bool:
    return True


def _same_json(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


class _Compiler:
    def __init__(self) -> None:
        self.by_id = {doc.get("$id", name): doc for name, doc in _documents().items()}
        self.cache: dict[tuple[str, str], Any] = {}

    def ref(self, base: str, ref: str):
        from urllib.parse import urldefrag, urljoin

        target, pointer = urldefrag(urljoin(base, ref))
        key = (target, pointer)
        if key not in self.cache:
            doc = self.by_id.get(target)
            if doc is None:
                return _never
            node: Any = doc
            for part in [p for p in pointer.split("/") if p]:
                node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
            holder: list = [_never]
            self.cache[key] = lambda v: holder[0](v)
            holder[0] = self.node(node, target)
        return self.cache[key]

    def discriminated(self, branches: list, base: str):
        """`allOf: [{if: {properties: {K: {const: X}}, required: [K]}, then: T}, ...]` (one branch per
        block type) as one dict lookup on v[K] instead of testing every branch."""
        key = None
        table: dict[Any, Any] = {}
        for branch in branches:
            if not isinstance(branch, dict) or set(branch) - {"if", "then", "description", "title", "$comment"}:
                return None
            cond = branch.get("if")
            if not isinstance(cond, dict) or set(cond) - {"properties", "required"}:
                return None
            props = cond.get("properties") or {}
            if len(props) != 1:
                return None
            (k, spec), = props.items()
            if not isinstance(spec, dict) or set(spec) != {"const"} or cond.get("required", [k]) != [k]:
                return None
            if key not in (None, k) or not isinstance(spec["const"], str) or spec["const"] in table:
                return None
            key = k
            table[spec["const"]] = self.node(branch.get("then", True), base)
        if key is None:
            return None

        def check(v, key=key, table=table):
            if not isinstance(v, dict):
                return True
            branch = table.get(v.get(key)) if isinstance(v.get(key), str) else None
            return branch is None or branch(v)

        return check

    def node(self, node: Any, base: str):
        if node is True or node == {}:
            return _always
        if not isinstance(node, dict):
            return _never
        checks = []
        for key, val in node.items():
            if key in _ANNOTATIONS or key in ("then", "else"):
                continue
            if key == "type":
                names = val if isinstance(val, list) else [val]
                if any(n not in _TYPES for n in names):
                    return _never
                simple = {"object": dict, "array": list, "string": str, "null": type(None), "boolean": bool}
                if all(n in simple for n in names):
                    # one isinstance: exact, as int (and so bool's base) is never in the tuple
                    pytypes = tuple(simple[n] for n in names)
                    checks.append(lambda v, pytypes=pytypes: isinstance(v, pytypes))
                else:
                    tests = [_TYPES[n] for n in names]
                    checks.append(lambda v, tests=tests: any(t(v) for t in tests))
            elif key == "properties":
                props = tuple((k, self.node(sub, base)) for k, sub in val.items())

                def check_properties(v, props=props):
                    if type(v) is not dict:
                        return not isinstance(v, dict) or all(k not in v or c(v[k]) for k, c in props)
                    for k, c in props:
                        if k in v and not c(v[k]):
                            return False
                    return True

                checks.append(check_properties)
            elif key == "required":

                def check_required(v, req=tuple(val)):
                    if not isinstance(v, dict):
                        return True
                    for k in req:
                        if k not in v:
                            return False
                    return True

                checks.append(check_required)
            elif key == "const":
                checks.append(lambda v, c=val: _same_json(v, c))
            elif key == "enum":
                checks.append(lambda v, options=tuple(val): any(_same_json(v, o) for o in options))
            elif key == "minLength":
                checks.append(lambda v, n=val: not isinstance(v, str) or len(v) >= n)
            elif key == "items" and isinstance(val, (dict, bool)):
                item = self.node(val, base)
                checks.append(lambda v, item=item: not isinstance(v, list) or all(item(x) for x in v))
            elif key == "allOf":
                dispatch = self.discriminated(val, base)
                if dispatch is not None:
                    checks.append(dispatch)
                    continue
                subs = [self.node(x, base) for x in val]
                checks.append(lambda v, subs=subs: all(c(v) for c in subs))
            elif key == "anyOf":
                subs = [self.node(x, base) for x in val]
                checks.append(lambda v, subs=subs: any(c(v) for c in subs))
            elif key == "oneOf":
                subs = [self.node(x, base) for x in val]
                checks.append(lambda v, subs=subs: sum(1 for c in subs if c(v)) == 1)
            elif key == "if":
                cond = self.node(val, base)
                then = self.node(node.get("then", True), base)
                other = self.node(node.get("else", True), base)
                checks.append(lambda v, cond=cond, then=then, other=other: then(v) if cond(v) else other(v))
            elif key == "$ref":
                checks.append(self.ref(base, val))
            elif key == "additionalProperties" and val is True:
                continue
            else:
                return _never  # a keyword this path does not know: let jsonschema decide
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        checks_t = tuple(checks)

        def check_all(v, checks=checks_t):
            for c in checks:
                if not c(v):
                    return False
            return True

        return check_all


@functools.cache
def fast_check(name: str):
    """A predicate that returns True only for values valid against `schemas/<name>.schema.json`."""
    docs = _documents()
    doc = docs.get(name) or docs["unknown"]
    return _Compiler().node(doc, doc.get("$id", f"{name}.schema.json"))


def record_errors(value: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Yield (schema name, JSON path, message) for each way `value` breaks its record schema."""
    record_type = value.get("type")
    name = record_type if isinstance(record_type, str) and record_type in record_schema_names() else "unknown"
    if fast_check(name)(value):
        return
    name, checker = record_validator(record_type)
    errors = sorted(checker.iter_errors(value), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    for error in errors[:3]:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(record)"
        yield name, path, _short_message(error)


def _short_message(error) -> str:
    if error.validator in ("anyOf", "oneOf") and error.context:
        best = min(error.context, key=lambda e: len(e.absolute_path))
        return _short_message(best)
    msg = error.message
    return msg if len(msg) <= 120 else msg[:119] + "…"
