"""Stage 7 (triage side): describe projected messages for people and programs.

Used by `show`, `explain` and `bundle`: one line per API message with its index, role, lines,
timestamps and a summary of its blocks.
"""

from __future__ import annotations

from typing import Any

from .projection import ApiMessage, Conversation


def block_summary(part) -> str:
    b = part.block
    if b.kind == "text":
        return f'text "{b.preview}"' if b.preview else "text (empty)"
    if b.kind == "tool_use":
        return f"tool_use {b.name or '?'} {b.tool_id}"
    if b.kind == "tool_result":
        status = "error, " if b.is_error else ""
        return f"tool_result {b.tool_id} ({status}{b.size:,} chars)"
    if b.kind == "thinking":
        return f"thinking ({b.size:,} chars{'' if b.signed else ', no signature'})"
    if b.kind == "image":
        return f"image ({b.size / 1024:,.0f} KB base64)"
    return b.kind


def lines_label(msg: ApiMessage) -> str:
    first, last = msg.lines
    return f"line {first}" if first == last else f"lines {first}-{last}"


def content_rows(sent: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks of a message as the client sends it: type, ids, and the text of text blocks."""
    out = []
    for block in sent.get("content") or []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        row: dict[str, Any] = {"type": kind}
        if kind == "text":
            row["text"] = block.get("text")
        elif kind == "tool_use":
            row["id"], row["name"] = block.get("id"), block.get("name")
        elif kind == "tool_result":
            row["tool_use_id"] = block.get("tool_use_id")
            if block.get("is_error"):
                row["is_error"] = True
        out.append(row)
    return out


def message_row(msg: ApiMessage, sent: dict[str, Any] | None = None) -> dict[str, Any]:
    """One message for programs; with `sent` (wire.message_json), its blocks as the client sends them."""
    stamps = [r.timestamp for r in msg.records if r.timestamp]
    extra = {"content": content_rows(sent)} if sent is not None else {}
    return {
        "index": msg.index,
        "role": msg.role,
        "lines": list(msg.lines),
        "uuids": [r.uuid for r in msg.records],
        "first_timestamp": min(stamps) if stamps else None,
        "last_timestamp": max(stamps) if stamps else None,
        "blocks": [block_summary(p) for p in msg.parts],
        **extra,
    }


def message_line(msg: ApiMessage, marker: str = " ") -> str:
    stamps = [r.timestamp for r in msg.records if r.timestamp]
    when = (min(stamps)[11:19] if stamps else "--:--:--")
    blocks = ", ".join(block_summary(p) for p in msg.parts) or "(no content)"
    return f"{marker} messages.{msg.index:<4} {msg.role:<9} {lines_label(msg):<15} {when}  {blocks}"


def window(conversation: Conversation, index: int, around: int = 2) -> list[ApiMessage]:
    lo, hi = max(0, index - around), min(len(conversation.messages), index + around + 1)
    return conversation.messages[lo:hi]
