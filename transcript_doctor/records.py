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
    head: str = ""  # the first characters of the text, as written; `preview` tidies them

    @property
    def preview(self) -> str:
        shown = _preview(self.head)
        if len(self.head) < self.size and shown and not shown.endswith("…"):
            shown += "…"
        return shown


@dataclass(slots=True)
class RareFields:
    """The fields few records have, kept off the `Record` itself: a million records must not
    each carry eleven empty slots."""

    subtype: str | None = None
    logical_parent: str | None = None
    leaf_uuid: str | None = None  # summary / last-prompt records
    agent_id: str | None = None
    tool_result_agent: str | None = None  # toolUseResult.agentId: the sub-agent a Task result came from
    error_text: str | None = None  # API error records: what the error said (a preview)
    rendered_role: str | None = None  # attachment records (2.1.3xx): "user" or "system" when the client sends them
    attachment_type: str | None = None  # attachment.type of attachment records
    preserved: tuple[str, ...] = ()  # compact_boundary: uuids of the messages kept verbatim after the summary
    preserved_anchor: str | None = None  # ... and the record they follow (the summary)
    tool_denial: str | None = None  # toolDenialKind of a tool result the client wrote itself ("interrupted")


def _rare(name: str, default):
    def get(self: "Record"):
        rare = self.rare
        return default if rare is None else getattr(rare, name)

    def set_(self: "Record", value) -> None:
        if self.rare is None:
            if value == default:
                return
            self.rare = RareFields()
        setattr(self.rare, name, value)

    return property(get, set_)


def _flag(bit: int):
    def get(self: "Record") -> bool:
        return bool(self.flags & bit)

    def set_(self: "Record", value: bool) -> None:
        self.flags = self.flags | bit if value else self.flags & ~bit

    return property(get, set_)


@dataclass(slots=True)
class Record:
    """One line's record, summarised: where it is, its links, and its content blocks. The
    booleans share one integer and the fields few records have live in `rare`; both read and
    write as plain attributes."""

    line: int
    offset: int
    length: int
    type: str | None
    uuid: str | None = None
    parent: str | None = None
    session_id: str | None = None
    timestamp: str | None = None
    role: str | None = None
    message_id: str | None = None
    model: str | None = None
    blocks: tuple[Block, ...] = ()
    version: str | None = None
    usage_context: int = 0  # input + cache tokens of the response that wrote this record
    output_tokens: int = 0
    flags: int = 0  # the booleans below
    rare: RareFields | None = None

    has_parent_field = _flag(1)  # the line names a parentUuid (null included)
    sidechain = _flag(2)
    content_is_string = _flag(4)
    is_meta = _flag(8)
    is_compact_summary = _flag(16)
    is_api_error = _flag(32)
    is_notification = _flag(64)  # a background task's notification, sent wrapped as a system notice

    subtype = _rare("subtype", None)
    logical_parent = _rare("logical_parent", None)
    leaf_uuid = _rare("leaf_uuid", None)
    agent_id = _rare("agent_id", None)
    tool_result_agent = _rare("tool_result_agent", None)
    error_text = _rare("error_text", None)
    rendered_role = _rare("rendered_role", None)
    attachment_type = _rare("attachment_type", None)
    preserved = _rare("preserved", ())
    preserved_anchor = _rare("preserved_anchor", None)
    tool_denial = _rare("tool_denial", None)

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


PREVIEW = 60
_HEAD = PREVIEW + 20  # kept per text block; a little more than shown, as whitespace runs collapse


def _preview(text: str, limit: int = PREVIEW) -> str:
    text = " ".join(text[: limit * 4].split())  # a 90 KB tool output is not split to show 60 characters
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _result_size(content: Any) -> tuple[int, str]:
    if type(content) is str:
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
    # Runs for every content block of a file: no copies of long texts (`isspace` stops at the
    # first visible character; only the head is kept, tidied when shown).
    if type(block) is not dict and not getattr(block, "reads_like_a_block", False):  # decode.ContentBlock
        return Block("?", index)
    kind = block.get("type")
    if kind == "text":
        text = block.get("text")
        if type(text) is not str:
            text = ""
        return Block(kind, index, empty=not text or text.isspace(), trailing_ws=text[-1:].isspace(),
                     size=len(text), head=text[:_HEAD])
    if kind == "tool_use":
        tool_id = block.get("id")
        name = block.get("name")
        return Block(kind, index, tool_id if type(tool_id) is str else None, name if type(name) is str else None)
    if kind == "tool_result":
        tool_id = block.get("tool_use_id")
        size, first = _result_size(block.get("content"))
        return Block(kind, index, tool_id if type(tool_id) is str else None, size=size,
                     is_error=block.get("is_error") is True, head=first[:_HEAD])
    if kind == "thinking":
        signature = block.get("signature")
        thinking = block.get("thinking")
        if type(thinking) is not str:
            thinking = ""
        return Block(kind, index, signed=type(signature) is str and bool(signature), size=len(thinking),
                     head=thinking[:_HEAD])
    if kind == "image":
        source = block.get("source")
        data = source.get("data") if isinstance(source, dict) else None
        return Block(kind, index, size=len(data) if isinstance(data, str) else 0)
    return Block(kind if isinstance(kind, str) else "?", index)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _shared(value: Any) -> str | None:
    """Strings repeated on many records (session ids, versions, models, uuids a child names as its
    parent) are kept once: a gigabyte transcript holds a million records."""
    return sys.intern(value) if isinstance(value, str) and len(value) < 200 else None


_MISSING = object()


def summarise(value: dict[str, Any], line: int, offset: int, length: int) -> Record:
    """Summarise one parsed record. Never raises: odd shapes give empty summaries.

    Runs once per line of every file: fields most records lack are only set when present."""
    get = value.get
    rec = Record(line, offset, length, _shared(get("type")))
    x = get("uuid")
    if x is not None:
        rec.uuid = _shared(x)
    x = get("parentUuid", _MISSING)
    if x is not _MISSING:
        rec.has_parent_field = True
        if x is not None:
            rec.parent = _shared(x)
    x = get("sessionId")
    if x is not None:
        rec.session_id = _shared(x)
    x = get("timestamp")
    if type(x) is str:
        rec.timestamp = x
    if get("isSidechain") is True:
        rec.sidechain = True
    x = get("version")
    if x is not None:
        rec.version = _shared(x)
    x = get("logicalParentUuid")
    if x is not None:
        rec.logical_parent = _shared(x)
    x = get("subtype")
    if x is not None:
        rec.subtype = _shared(x)
    if get("isMeta") is True:
        rec.is_meta = True
    if get("isCompactSummary") is True:
        rec.is_compact_summary = True
    if get("isApiErrorMessage") is True:
        rec.is_api_error = True
    x = get("agentId")
    if type(x) is str:
        rec.agent_id = x
    x = get("leafUuid")
    if type(x) is str:
        rec.leaf_uuid = x
    x = get("toolUseResult")
    if type(x) is dict:
        x = x.get("agentId")
        if type(x) is str:
            rec.tool_result_agent = x
    if rec.is_api_error or rec.subtype == "api_error":
        rec.error_text = _api_error_text(value)
    x = get("toolDenialKind")
    if type(x) is str:
        rec.tool_denial = x
    x = get("origin")
    if type(x) is dict and x.get("kind") == "task-notification":
        rec.is_notification = True
    if rec.type == "attachment":
        _summarise_attachment(rec, value)
        return rec
    if rec.type == "system" and rec.subtype == "compact_boundary":
        _summarise_preserved(rec, value)
    elif rec.type in _LOGS:
        return rec  # request logs repeat messages that are already on the chain: no blocks of their own
    message = get("message")
    if type(message) is dict:
        mget = message.get
        x = mget("role")
        if x is not None:
            rec.role = _shared(x)
        x = mget("id")
        if x is not None:
            rec.message_id = _shared(x)
        x = mget("model")
        if x is not None:
            rec.model = _shared(x)
        usage = mget("usage")
        if type(usage) is dict:
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
        content = mget("content")
        if type(content) is list:
            rec.blocks = tuple([summarise_block(b, i) for i, b in enumerate(content)])
        elif isinstance(content, str):
            rec.content_is_string = True
            rec.blocks = (summarise_block({"type": "text", "text": content}, None),)
    elif rec.type == "system" and rec.subtype == "local_command":
        content = get("content")
        rec.role = "user"
        rec.content_is_string = True
        rec.blocks = (summarise_block({"type": "text", "text": content if isinstance(content, str) else ""}, None),)
    return rec


_LOGS = frozenset({"api-request", "api-request-blob", "api-request-shape"})
REMINDER_OPEN = "<system-reminder>\n"
REMINDER_CLOSE = "\n</system-reminder>"


def rendered_text(content: str, role: str) -> str:
    """The text Claude Code 2.1.3xx sends for one rendered attachment: a user one as it is (a text
    block of its user message), a system one without its reminder wrapper."""
    if role == "system":
        return content.removeprefix(REMINDER_OPEN).removesuffix(REMINDER_CLOSE)
    return content


def _summarise_attachment(rec: Record, value: dict[str, Any]) -> None:
    attachment = value.get("attachment")
    if type(attachment) is dict:
        rec.attachment_type = _shared(attachment.get("type"))
    role = value.get("renderedRole")
    rendered = value.get("rendered")
    if role not in ("user", "system") or type(rendered) is not list:
        # Older clients render some attachments themselves from their content (profiles.attachment_texts).
        content = attachment.get("content") if type(attachment) is dict else None
        if type(content) is str:
            rec.blocks = (summarise_block({"type": "text", "text": content}, None),)
        return
    texts = [rendered_text(r["content"], role) for r in rendered if type(r) is dict and type(r.get("content")) is str]
    if not texts:
        return
    rec.rendered_role = role
    if role == "system":
        texts = ["\n\n".join(texts)]
    rec.blocks = tuple(summarise_block({"type": "text", "text": t}, None) for t in texts)


def _summarise_preserved(rec: Record, value: dict[str, Any]) -> None:
    meta = value.get("compactMetadata")
    kept = meta.get("preservedMessages") if type(meta) is dict else None
    if type(kept) is not dict:
        return
    uuids = kept.get("uuids")
    if type(uuids) is list:
        rec.preserved = tuple(_shared(u) for u in uuids if type(u) is str)
    anchor = kept.get("anchorUuid")
    if type(anchor) is str:
        rec.preserved_anchor = _shared(anchor)


def sent_content(value: Any) -> Any:
    """The content a record's line sends: `message.content`, or a `local_command` system record's
    own `content` (sent as user text). None for anything else."""
    if not isinstance(value, dict):
        return None
    message = value.get("message")
    if isinstance(message, dict):
        return message.get("content")
    if value.get("type") == "system" and value.get("subtype") == "local_command":
        return value.get("content")
    return None


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
