"""`fix --diff`: what a repair would change, field by field, without writing anything."""

from __future__ import annotations

import json
from typing import Any, Iterator

import orjson

from pathlib import Path

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


def render_diff(source: Path, staged: Path | None, line_sources: list[int | None], output_name: str,
                label: str | None = None) -> list[str]:
    """Line-aligned diff of the input and the staged repair, from the repair's line map. An
    inserted record is shown whole, one field per line: it is new content the user should see."""
    out = [f"--- {label or source}", f"+++ {output_name}"]
    if staged is None:
        return out
    with open(source, "rb") as handle:
        original = handle.read().split(b"\n")
    if original and original[-1] == b"":
        original.pop()
    with open(staged, "rb") as handle:
        repaired = handle.read().split(b"\n")[:-1]
    kept = {src for src in line_sources if src is not None}
    last_source = 0
    for src, data in zip(line_sources, repaired):
        if src is not None:
            for gone in range(last_source + 1, src):
                if gone not in kept:
                    raw = original[gone - 1]
                    out.append(f"@@ line {gone} @@ removed ({len(raw):,} bytes, kept in the rejects file)")
                    out.append("- " + _show(raw.decode("utf-8", "replace")))
            last_source = max(last_source, src)
            old = original[src - 1]
            if old == data:
                continue
            old_value, new_value = _parse(old), _parse(data)
            out.append(f"@@ line {src} @@ changed")
            if old_value is None or new_value is None:
                out.append("- " + _show(old.decode("utf-8", "replace")))
                out.append("+ " + _show(data.decode("utf-8", "replace")))
            else:
                out.extend("  " + line for line in field_diff(old_value, new_value))
        else:
            value = _parse(data)
            out.append(f"@@ after line {last_source} @@ inserted")
            if value is None:
                out.append("+ " + data.decode("utf-8", "replace"))
            else:
                out.extend("+ " + line for line in json.dumps(value, indent=2, ensure_ascii=False).split("\n"))
    for gone in range(last_source + 1, len(original) + 1):
        if gone not in kept:
            raw = original[gone - 1]
            out.append(f"@@ line {gone} @@ removed ({len(raw):,} bytes, kept in the rejects file)")
            out.append("- " + _show(raw.decode("utf-8", "replace")))
    return out
