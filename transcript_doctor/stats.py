"""`stats`: what a session is made of and how its context grew, from one analysis."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .analysis import Analysis

SPARK = "▁▂▃▄▅▆▇█"


def compute(analysis: Analysis, top: int = 5) -> dict[str, Any]:
    t = analysis.transcript
    tree = analysis.tree
    by_type = Counter(r.type or "(none)" for r in t.records)
    tool_names: dict[str, str] = {}
    calls: Counter = Counter()
    for rec in t.records:
        for b in rec.blocks:
            if b.kind == "tool_use" and b.tool_id:
                tool_names[b.tool_id] = b.name or "?"
                calls[b.name or "?"] += 1
    errored: Counter = Counter()
    for rec in t.records:
        for b in rec.blocks:
            if b.kind == "tool_result" and b.is_error:
                errored[tool_names.get(b.tool_id or "", "?")] += 1
    timeline = []
    seen_messages = set()
    main = analysis.context.main
    sidechain_file = tree.sidechain_only
    for rec in t.records:  # file order: the whole session, before and after each compaction
        if rec.sidechain and not sidechain_file:
            continue
        if rec.type == "assistant" and rec.usage_context and rec.message_id not in seen_messages and not rec.is_api_error:
            seen_messages.add(rec.message_id)
            timeline.append({"line": rec.line, "timestamp": rec.timestamp, "context_tokens": rec.usage_context})
        if rec.is_compact_boundary:
            timeline.append({"line": rec.line, "timestamp": rec.timestamp, "context_tokens": 0, "compaction": True})
    blocks = []
    for rec in t.records:
        for b in rec.blocks:
            if b.size:
                blocks.append({"line": rec.line, "kind": b.kind, "size": b.size, "tool_use_id": b.tool_id})
    blocks.sort(key=lambda x: -x["size"])
    timestamps = [r.timestamp for r in t.records if r.timestamp and r.timestamp[:1].isdigit()]
    return {
        "path": str(t.path),
        "size": t.size,
        "lines": t.line_count,
        "records": len(t.records),
        "records_by_type": dict(by_type.most_common()),
        "versions": sorted({r.version for r in t.records if r.version}),
        "models": sorted({r.model for r in t.records if r.model and r.model != "<synthetic>"}),
        "first_timestamp": min(timestamps) if timestamps else None,
        "last_timestamp": max(timestamps) if timestamps else None,
        "api_messages": len(main.messages) if main else 0,
        "side_branches": sum(1 for c in tree.side if c.kind == "branch"),
        "sidechains": sum(1 for c in tree.side if c.kind == "sidechain"),
        "compactions": len(tree.compact_boundaries),
        "tool_calls": {name: {"calls": n, "errors": errored.get(name, 0)} for name, n in calls.most_common()},
        "api_error_records": sum(1 for r in t.records if r.error_text is not None),
        "context_timeline": timeline,
        "peak_context_tokens": max((p["context_tokens"] for p in timeline), default=0),
        "largest_blocks": blocks[:top],
    }


def sparkline(values: list[int], width: int = 60) -> str:
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [max(values[int(i * step): int((i + 1) * step)] or [0]) for i in range(width)]
    top = max(values) or 1
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1)))] for v in values)
