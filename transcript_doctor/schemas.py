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


def record_errors(value: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Yield (schema name, JSON path, message) for each way `value` breaks its record schema."""
    name, checker = record_validator(value.get("type"))
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
