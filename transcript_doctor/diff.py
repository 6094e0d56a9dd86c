"""`fix --diff`: what a repair would change, field by field, without writing anything."""

from __future__ import annotations

import json
from typing import Any, Iterator

import orjson

from .repair import RepairPlan
from .writer import render_lines

MAX_VALUE = 100


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def field_diff(old: Any, new: Any, path: str = "") -> Iterator[str]:
    """Yield `path: old -> new` lines for every leaf that differs."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            sub = f"{path}.{key}" if path else key
            if key not in new:
                yield f"{sub}: removed ({_show(old[key])})"
            else:
                yield from field_diff(old[key], new[key], sub)
        for key in new:
            if key not in old:
                yield f"{(path + '.') if path else ''}{key}: added {_show(new[key])}"
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            yield from field_diff(a, b, f"{path}[{i}]")
        return
    if old != new:
        yield f"{path or '(record)'}: {_show(old)} -> {_show(new)}"


def _parse(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def render_diff(plan: RepairPlan, output_name: str) -> list[str]:
    source = str(plan.analysis.transcript.path)
    out = [f"--- {source}", f"+++ {output_name}"]
    for number, kind, data, original in render_lines(plan):
        if kind == "copy":
            if number in plan.add_newline_at:
                out.append(f"@@ line {number} @@ newline added at the end of the file")
            continue
        if kind == "removed":
            out.append(f"@@ line {number} @@ removed ({len(original or b''):,} bytes, kept in the rejects file)")
            out.append("- " + _show(original.decode("utf-8", "replace")) if original else "-")
        elif kind == "inserted":
            value = _parse(data)
            out.append(f"@@ after line {number} @@ inserted")
            out.append("+ " + _show(value.get("message", {}).get("content") if isinstance(value, dict) else data.decode()))
        else:
            old, new = _parse(original or b""), _parse(data)
            out.append(f"@@ line {number} @@ changed")
            if old is None or new is None:
                out.append("- " + _show((original or b"").decode("utf-8", "replace")))
                out.append("+ " + _show(data.decode("utf-8", "replace").rstrip("\n")))
            else:
                out.extend("  " + line for line in field_diff(old, new))
    return out
