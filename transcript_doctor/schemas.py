"""The JSON Schemas in `schemas/`, loaded and compiled once per process.

In a source checkout the schemas are read from the repository's top-level `schemas/`; an
installed wheel carries the same files as `transcript_doctor/schemas/`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Callable, Iterator

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
# The record schemas use a small subset of JSON Schema, which is translated below into Python
# source (one function per schema node, the checks written out inline) and compiled once. A
# record the generated code accepts is valid; a record it rejects goes to jsonschema, which stays
# the judge and words the error. A node with a keyword the translation does not know compiles to
# "refuse", so jsonschema decides every record that reaches it.

_ANNOTATIONS = frozenset({"title", "description", "$schema", "$id", "$defs", "$comment", "examples", "default"})
_SIMPLE_TYPES = {"object": "dict", "array": "list", "string": "str", "null": "NoneType", "boolean": "bool"}
_OTHER_TYPES = {
    "integer": "((type({v}) is int) or (type({v}) is float and {v}.is_integer()))",
    "number": "(type({v}) is int or type({v}) is float)",
}


def _same_json(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


class _Unsupported(Exception):
    pass


class _CodeGen:
    """Writes one `def f<N>(v)` per schema node; `$ref`s become calls, so recursion works."""

    def __init__(self) -> None:
        self.by_id = {doc.get("$id", name): doc for name, doc in _documents().items()}
        self.names: dict[Any, str] = {}
        self.source: list[str] = []
        self.constants: dict[str, Any] = {"_same_json": _same_json, "NoneType": type(None), "_MISSING": object()}
        self.tables: list[dict[str, Any]] = []

    def constant(self, value: Any) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def ref(self, base: str, ref: str) -> str:
        from urllib.parse import urldefrag, urljoin

        target, pointer = urldefrag(urljoin(base, ref))
        key = ("ref", target, pointer)
        if key not in self.names:
            doc = self.by_id.get(target)
            node: Any = doc
            for part in [p for p in pointer.split("/") if p]:
                node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
            self.function(node if doc is not None else False, target, key)
        return self.names[key]

    def function(self, node: Any, base: str, key: Any = None) -> str:
        key = key if key is not None else ("node", id(node))
        if key in self.names:
            return self.names[key]
        name = f"f{len(self.names)}"
        self.names[key] = name  # before the body: a node may refer back to itself
        try:
            body = self.body(node, base)
        except _Unsupported:
            body = ["return False"]
        self.source.append(f"def {name}(v):\n" + "".join(f"    {line}\n" for line in body))
        return name

    def expression(self, node: Any, base: str, var: str) -> str:
        """A boolean expression for `var` against `node`: inline when the node is one simple check."""
        if node is True or node == {}:
            return "True"
        if isinstance(node, dict):
            keys = set(node) - _ANNOTATIONS
            if keys == {"$ref"}:
                return f"{self.ref(base, node['$ref'])}({var})"
            types = node.get("type")
            types = [types] if isinstance(types, str) else types
            if keys <= {"type", "const", "minLength"} and isinstance(types, list) and all(t in _SIMPLE_TYPES for t in types):
                tests = [f"({' or '.join(f'type({var}) is {_SIMPLE_TYPES[t]}' for t in types)})"] if types else []
                if isinstance(node.get("const"), str):
                    tests.append(f"{var} == {node['const']!r}")
                elif "const" in node:
                    tests.append(f"_same_json({var}, {self.constant(node['const'])})")
                if isinstance(node.get("minLength"), int):
                    tests.append(f"(type({var}) is not str or len({var}) >= {node['minLength']})")
                return " and ".join(tests) or "True"
            if keys == {"const"} and isinstance(node["const"], str):
                return f"(type({var}) is str and {var} == {node['const']!r})"
        return f"{self.function(node, base)}({var})"

    def discriminated(self, branches: list, base: str) -> list[str] | None:
        """`allOf: [{if: {properties: {K: {const: X}}, required: [K]}, then: T}, ...]` (one branch
        per block type) as one dict lookup on v[K] instead of testing every branch."""
        key = None
        table: dict[str, str] = {}
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
            table[spec["const"]] = self.function(branch.get("then", True), base)
        if key is None:
            return None
        lookup = self.constant(table)
        self.tables.append(table)  # holds function names until `compile` binds them
        return [
            "if type(v) is dict:",
            f"    d = v.get({key!r})",
            f"    if type(d) is str and d in {lookup} and not {lookup}[d](v):",
            "        return False",
        ]

    def body(self, node: Any, base: str) -> list[str]:
        if node is True or node == {}:
            return ["return True"]
        if not isinstance(node, dict):
            return ["return False"]
        lines: list[str] = []
        for key, val in node.items():
            if key in _ANNOTATIONS or key in ("then", "else"):
                continue
            if key == "type":
                names = val if isinstance(val, list) else [val]
                tests = []
                for n in names:
                    if n in _SIMPLE_TYPES:
                        tests.append(f"type(v) is {_SIMPLE_TYPES[n]}")
                    elif n in _OTHER_TYPES:
                        tests.append(_OTHER_TYPES[n].format(v="v"))
                    else:
                        raise _Unsupported(n)
                lines += [f"if not ({' or '.join(tests)}):", "    return False"]
            elif key == "properties":
                lines.append("if type(v) is dict:")
                for prop, sub in val.items():
                    test = self.expression(sub, base, "x")
                    if test == "True":
                        continue
                    lines += [
                        f"    x = v.get({prop!r}, _MISSING)",
                        f"    if x is not _MISSING and not ({test}):",
                        "        return False",
                    ]
                lines.append("    pass")
            elif key == "required":
                if val:
                    lines += [f"if type(v) is dict and not ({' and '.join(f'{k!r} in v' for k in val)}):", "    return False"]
            elif key == "const":
                lines += [f"if not _same_json(v, {self.constant(val)}):", "    return False"]
            elif key == "enum":
                lines += [f"if not any(_same_json(v, o) for o in {self.constant(tuple(val))}):", "    return False"]
            elif key == "minLength":
                lines += [f"if type(v) is str and len(v) < {int(val)}:", "    return False"]
            elif key == "items" and isinstance(val, (dict, bool)):
                test = self.expression(val, base, "x")
                lines += ["if type(v) is list:", "    for x in v:", f"        if not ({test}):", "            return False"]
            elif key == "allOf":
                dispatch = self.discriminated(val, base)
                if dispatch is not None:
                    lines += dispatch
                    continue
                for sub in val:
                    lines += [f"if not ({self.expression(sub, base, 'v')}):", "    return False"]
            elif key == "anyOf":
                tests = " or ".join(self.expression(sub, base, "v") for sub in val)
                lines += [f"if not ({tests}):", "    return False"]
            elif key == "oneOf":
                tests = ", ".join(self.expression(sub, base, "v") for sub in val)
                lines += [f"if sum(({tests},)) != 1:", "    return False"]
            elif key == "if":
                cond = self.expression(val, base, "v")
                then = self.expression(node.get("then", True), base, "v")
                other = self.expression(node.get("else", True), base, "v")
                lines += [f"if not (({then}) if ({cond}) else ({other})):", "    return False"]
            elif key == "$ref":
                lines += [f"if not {self.ref(base, val)}(v):", "    return False"]
            elif key == "additionalProperties" and val is True:
                continue
            else:
                raise _Unsupported(key)
        return lines + ["return True"]

    def compile(self, entry: str):
        namespace = dict(self.constants)
        exec(compile("\n".join(self.source), "<transcript-doctor schemas>", "exec"), namespace)
        for table in self.tables:
            for k, f in list(table.items()):
                table[k] = namespace[f]
        return namespace[entry]


@functools.cache
def fast_check(name: str):
    """A predicate that returns True only for values valid against `schemas/<name>.schema.json`."""
    docs = _documents()
    doc = docs.get(name) or docs["unknown"]
    gen = _CodeGen()
    entry = gen.function(doc, doc.get("$id", f"{name}.schema.json"))
    return gen.compile(entry)


def record_checker() -> Callable[[dict[str, Any]], bool]:
    """One predicate for every record type: True when the record is valid against its schema."""
    by_type = {name: fast_check(name) for name in record_schema_names()}
    unknown = fast_check("unknown")

    def valid(value: dict[str, Any]) -> bool:
        check = by_type.get(value.get("type"), unknown) if type(value.get("type")) is str else unknown
        return check(value)

    return valid


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
