"""Stage 2: turn parsed lines into slim `Record`s that keep only what the rules need.

A `Record` remembers where its line is (number, offset, length) so that the writer can copy the
original bytes later, and a compact summary of its content blocks. The parsed dict itself is
dropped once summarised: a gigabyte transcript must not live in memory as Python objects.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

# Types whose records take part in the parentUuid chain (anything with a uuid does too).
MESSAGE_TYPES = frozenset({"user", "assistant"})
CODEX_TYPES = frozenset({"session_meta", "response_item", "event_msg", "turn_context", "compacted"})


@dataclass(slots=True)
class Block:
    """One content block, summarised."""

    kind: str
    index: int | None  # position in the record's content list; None for string content
    tool_id: str | None = None  # tool_use.id or tool_result.tool_use_id
    name: str | None = None  # tool name
    empty: bool = False  # text block that is empty or only whitespace
    trailing_ws: bool = False  # text that ends with whitespace
    signed: bool = True  # thinking block carries a non-empty signature
    size: int = 0  # characters of text/result/thinking, or base64 characters of an image
    is_error: bool = False
    preview: str = ""


@dataclass(slots=True)
class Record:
    line: int
    offset: int
    length: int
    type: str | None
    uuid: str | None = None
    parent: str | None = None
    has_parent_field: bool = False
    logical_parent: str | None = None
    session_id: str | None = None
    timestamp: str | None = None
    sidechain: bool = False
    subtype: str | None = None
    role: str | None = None
    message_id: str | None = None
    model: str | None = None
    content_is_string: bool = False
    blocks: tuple[Block, ...] = ()
    is_meta: bool = False
    is_compact_summary: bool = False
    is_api_error: bool = False
    leaf_uuid: str | None = None  # summary / last-prompt records
    version: str | None = None
    agent_id: str | None = None
    usage_context: int = 0  # input + cache tokens of the response that wrote this record
    output_tokens: int = 0
    tool_result_agent: str | None = None  # toolUseResult.agentId: the sub-agent a Task result came from
    error_text: str | None = None  # API error records: what the error said (a preview)

    @property
    def is_message(self) -> bool:
        return self.type in MESSAGE_TYPES

    @property
    def is_compact_boundary(self) -> bool:
        return self.type == "system" and self.subtype == "compact_boundary"

    @property
    def sends_as_user_text(self) -> bool:
        """System records Claude Code sends to the API as user text."""
        return self.type == "system" and self.subtype == "local_command"

    def where(self) -> str:
        return f"line {self.line}"


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _preview(text: str, limit: int = 60) -> str:
    text = " ".join(text[: limit * 4].split())  # a 90 KB tool output is not split to show 60 characters
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _result_size(content: Any) -> tuple[int, str]:
    if isinstance(content, str):
        return len(content), content
    if isinstance(content, list):
        size = 0
        first = ""
        for part in content:
            if isinstance(part, dict):
                if part.get("type") == "text":
                    text = _text_of(part.get("text"))
                    size += len(text)
                    first = first or text
                elif part.get("type") == "image":
                    source = part.get("source")
                    if isinstance(source, dict):
                        size += len(_text_of(source.get("data")))
        return size, first
    return 0, ""


def summarise_block(block: Any, index: int | None) -> Block:
    if not isinstance(block, dict):
        return Block(kind="?", index=index)
    kind = block.get("type")
    kind = kind if isinstance(kind, str) else "?"
    if kind == "text":
        text = block.get("text")
        text = text if isinstance(text, str) else ""
        return Block(
            kind=kind,
            index=index,
            empty=not text.strip(),
            trailing_ws=text != text.rstrip(),
            size=len(text),
            preview=_preview(text),
        )
    if kind == "tool_use":
        tool_id = block.get("id")
        name = block.get("name")
        return Block(
            kind=kind,
            index=index,
            tool_id=tool_id if isinstance(tool_id, str) else None,
            name=name if isinstance(name, str) else None,
        )
    if kind == "tool_result":
        tool_id = block.get("tool_use_id")
        size, first = _result_size(block.get("content"))
        return Block(
            kind=kind,
            index=index,
            tool_id=tool_id if isinstance(tool_id, str) else None,
            size=size,
            is_error=block.get("is_error") is True,
            preview=_preview(first),
        )
    if kind == "thinking":
        signature = block.get("signature")
        thinking = _text_of(block.get("thinking"))
        return Block(
            kind=kind,
            index=index,
            signed=isinstance(signature, str) and bool(signature),
            size=len(thinking),
            preview=_preview(thinking),
        )
    if kind == "image":
        source = block.get("source")
        data = source.get("data") if isinstance(source, dict) else None
        return Block(kind=kind, index=index, size=len(data) if isinstance(data, str) else 0)
    return Block(kind=kind, index=index)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _shared(value: Any) -> str | None:
    """Strings repeated on many records (session ids, versions, models, uuids a child names as its
    parent) are kept once: a gigabyte transcript holds a million records."""
    return sys.intern(value) if isinstance(value, str) and len(value) < 200 else None


def summarise(value: dict[str, Any], line: int, offset: int, length: int) -> Record:
    """Summarise one parsed record. Never raises: odd shapes give empty summaries."""
    rec = Record(line=line, offset=offset, length=length, type=_shared(value.get("type")))
    rec.uuid = _shared(value.get("uuid"))
    rec.has_parent_field = "parentUuid" in value
    rec.parent = _shared(value.get("parentUuid"))
    rec.logical_parent = _shared(value.get("logicalParentUuid"))
    rec.session_id = _shared(value.get("sessionId"))
    rec.timestamp = _str(value.get("timestamp"))
    rec.sidechain = value.get("isSidechain") is True
    rec.subtype = _shared(value.get("subtype"))
    rec.is_meta = value.get("isMeta") is True
    rec.is_compact_summary = value.get("isCompactSummary") is True
    rec.is_api_error = value.get("isApiErrorMessage") is True
    rec.version = _shared(value.get("version"))
    rec.agent_id = _str(value.get("agentId"))
    rec.leaf_uuid = _str(value.get("leafUuid"))
    tool_use_result = value.get("toolUseResult")
    if isinstance(tool_use_result, dict):
        rec.tool_result_agent = _str(tool_use_result.get("agentId"))
    if rec.subtype == "api_error" or rec.is_api_error:
        rec.error_text = _api_error_text(value)
    message = value.get("message")
    if isinstance(message, dict):
        rec.role = _shared(message.get("role"))
        rec.message_id = _shared(message.get("id"))
        rec.model = _shared(message.get("model"))
        usage = message.get("usage")
        if isinstance(usage, dict):
            rec.usage_context = sum(
                n
                for n in (
                    usage.get("input_tokens"),
                    usage.get("cache_creation_input_tokens"),
                    usage.get("cache_read_input_tokens"),
                )
                if isinstance(n, int)
            )
            out = usage.get("output_tokens")
            rec.output_tokens = out if isinstance(out, int) else 0
        content = message.get("content")
        if isinstance(content, str):
            rec.content_is_string = True
            rec.blocks = (summarise_block({"type": "text", "text": content}, None),)
        elif isinstance(content, list):
            rec.blocks = tuple(summarise_block(b, i) for i, b in enumerate(content))
    elif rec.sends_as_user_text:
        content = value.get("content")
        rec.role = "user"
        rec.content_is_string = True
        rec.blocks = (summarise_block({"type": "text", "text": content if isinstance(content, str) else ""}, None),)
    return rec


def _api_error_text(value: dict[str, Any]) -> str:
    for candidate in (value.get("content"), value.get("error"), value.get("message")):
        if isinstance(candidate, str) and candidate:
            return _preview(candidate, 120)
        if isinstance(candidate, dict):
            content = candidate.get("content")
            if isinstance(content, list):
                for block in content:
                    if isinstance(block, dict) and isinstance(block.get("text"), str):
                        return _preview(block["text"], 120)
            for key in ("message", "error"):
                inner = candidate.get(key)
                if isinstance(inner, str):
                    return _preview(inner, 120)
                if isinstance(inner, dict) and isinstance(inner.get("message"), str):
                    return _preview(inner["message"], 120)
    return "API error"


def looks_like_codex(value: dict[str, Any]) -> bool:
    return value.get("type") in CODEX_TYPES and "uuid" not in value and "payload" in value
