"""Stage 1, fast path: decode a line straight into the few fields the rules read (msgspec).

Most of a transcript's bytes are fields no rule reads (`toolUseResult` repeats every tool output,
`cwd`, `gitBranch`, snapshots, request logs' parameters). orjson builds a Python dict for all of
them; msgspec decodes into narrow `Struct`s and skips the rest without making an object, which
is where the time and the garbage of a load went.

The typed path only *accepts* what orjson accepts; anything it is not sure of returns None and
the line takes the full path in `reader` (orjson, then the classification of what is wrong):

- invalid UTF-8 anywhere in the line (msgspec does not look inside fields it skips);
- a field of an unexpected shape (`message` that is a string, a content item that is not an
  object): msgspec raises, the dict path summarises it as it always did;
- JSON nested deeper than msgspec reads, a lone surrogate, a control character: msgspec raises.

One difference is kept on purpose: a number too large for a double (`1e400`) in a field the tool
does not read. orjson rejects the line, msgspec skips the number. Claude Code reads such a line
(JSON.parse gives Infinity), so the typed path agrees with the client.

`summarise_typed` turns the decoded `Line` into a `Record`; a test checks that it gives
the same `Record` as `records.summarise` over the parsed dict for every record in the corpus,
the examples and the test fixtures, and for records of every odd shape.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, Union

import msgspec
from msgspec import Struct

from .records import _LOGS, Record, _shared, _summarise_attachment, _summarise_preserved, summarise_block


class Usage(Struct, gc=False):
    input_tokens: Any = None
    cache_creation_input_tokens: Any = None
    cache_read_input_tokens: Any = None
    output_tokens: Any = None


class ContentBlock(Struct, gc=False):
    """One item of `message.content`: `records.summarise_block` reads it as it reads the dict."""

    reads_like_a_block: ClassVar[bool] = True

    type: Any = None
    text: Any = None
    id: Any = None
    name: Any = None
    tool_use_id: Any = None
    content: Any = None
    is_error: Any = None
    thinking: Any = None
    signature: Any = None
    source: Any = None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


class AgentOnly(Struct, gc=False):
    """`toolUseResult` when it is an object: only the sub-agent it names is read."""

    agentId: Any = None


class Message(Struct, gc=False):
    role: Any = None
    id: Any = None
    model: Any = None
    usage: Union[Usage, None] = None
    content: Union[str, list[ContentBlock], None] = None


# A field that is absent, as opposed to present and null (`parentUuid: null` starts a chain).
ABSENT = msgspec.UNSET


class Line(Struct, gc=False):
    """The top-level fields `records.summarise` reads; everything else is skipped."""

    type: Any = None
    uuid: Any = None
    parentUuid: Any = ABSENT
    sessionId: Any = None
    timestamp: Any = None
    isSidechain: Any = None
    version: Any = None
    logicalParentUuid: Any = None
    subtype: Any = None
    isMeta: Any = None
    isCompactSummary: Any = None
    isApiErrorMessage: Any = None
    agentId: Any = None
    leafUuid: Any = None
    toolDenialKind: Any = None
    origin: Any = None
    renderedRole: Any = None
    # A sub-agent's result names its agent; other outputs (often the largest field) are skipped.
    toolUseResult: Union[AgentOnly, str, None] = None
    # Read only for some record types: kept undecoded until then.
    attachment: msgspec.Raw = msgspec.Raw(b"null")
    rendered: msgspec.Raw = msgspec.Raw(b"null")
    compactMetadata: msgspec.Raw = msgspec.Raw(b"null")
    content: msgspec.Raw = msgspec.Raw(b"null")
    message: Union[Message, None] = None


_decoder = msgspec.json.Decoder(Line)
_Failed = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)


def decode_line(data: bytes, check_utf8: bool = True) -> Line | None:
    """The typed fields of one line, or None when the line needs the full path. `check_utf8=False`
    when something else reads every line strictly (transcript.Transcript.misread_lines)."""
    if check_utf8 and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        return _decoder.decode(data)
    except _Failed:
        return None


def raw_value(raw: msgspec.Raw) -> Any:
    """A field kept undecoded, decoded now (None when absent)."""
    return msgspec.json.decode(raw)


def summarise_typed(s: Line, line: int, offset: int, length: int) -> Record | None:
    """`records.summarise` over a line decoded by `decode_line`: the same `Record`, field for field
    (a test holds the two to that). None for an API error record: its wording is read by
    `records.summarise` from the whole record.

    Runs once per line of every large file: attribute reads, no dict, nothing built for a field
    the rules do not read."""
    if s.isApiErrorMessage is True or s.subtype == "api_error":
        return None
    intern = sys.intern  # `_shared`, written out: this runs for every line of a large file
    x = s.type
    rec = Record(line, offset, length, intern(x) if type(x) is str and len(x) < 200 else None)
    x = s.uuid
    if x is not None:
        rec.uuid = intern(x) if type(x) is str and len(x) < 200 else None
    x = s.parentUuid
    if x is not ABSENT:
        rec.has_parent_field = True
        if x is not None:
            rec.parent = intern(x) if type(x) is str and len(x) < 200 else None
    x = s.sessionId
    if x is not None:
        rec.session_id = intern(x) if type(x) is str and len(x) < 200 else None
    x = s.timestamp
    if type(x) is str:
        rec.timestamp = x
    if s.isSidechain is True:
        rec.sidechain = True
    x = s.version
    if x is not None:
        rec.version = intern(x) if type(x) is str and len(x) < 200 else None
    x = s.logicalParentUuid
    if x is not None:
        rec.logical_parent = _shared(x)
    x = s.subtype
    if x is not None:
        rec.subtype = _shared(x)
    if s.isMeta is True:
        rec.is_meta = True
    if s.isCompactSummary is True:
        rec.is_compact_summary = True
    x = s.agentId
    if type(x) is str:
        rec.agent_id = x
    x = s.leafUuid
    if type(x) is str:
        rec.leaf_uuid = x
    x = s.toolUseResult
    if type(x) is AgentOnly and type(x.agentId) is str:
        rec.tool_result_agent = x.agentId
    x = s.toolDenialKind
    if type(x) is str:
        rec.tool_denial = x
    x = s.origin
    if type(x) is dict and x.get("kind") == "task-notification":
        rec.is_notification = True
    if rec.type == "attachment":
        _summarise_attachment(rec, {"attachment": raw_value(s.attachment), "renderedRole": s.renderedRole,
                                    "rendered": raw_value(s.rendered)})
        return rec
    if rec.type == "system" and rec.subtype == "compact_boundary":
        _summarise_preserved(rec, {"compactMetadata": raw_value(s.compactMetadata)})
    elif rec.type in _LOGS:
        return rec
    message = s.message
    if message is not None:
        x = message.role
        if x is not None:
            rec.role = _shared(x)
        x = message.id
        if x is not None:
            rec.message_id = _shared(x)
        x = message.model
        if x is not None:
            rec.model = _shared(x)
        usage = message.usage
        if usage is not None:
            total = 0
            for n in (usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens):
                if isinstance(n, int) and _INT_MIN <= n <= _UINT_MAX:
                    total += n
            rec.usage_context = total
            out = usage.output_tokens
            rec.output_tokens = out if isinstance(out, int) and _INT_MIN <= out <= _UINT_MAX else 0
        content = message.content
        if type(content) is list:
            rec.blocks = tuple([summarise_block(b, i) for i, b in enumerate(content)])
        elif type(content) is str:
            rec.content_is_string = True
            rec.blocks = (summarise_block({"type": "text", "text": content}, None),)
    elif rec.type == "system" and rec.subtype == "local_command":
        content = raw_value(s.content)
        rec.role = "user"
        rec.content_is_string = True
        rec.blocks = (summarise_block({"type": "text", "text": content if isinstance(content, str) else ""}, None),)
    return rec


# The integers orjson reads as integers; beyond them it gives a float (msgspec an int), which
# `records.summarise` leaves out of a sum.
_INT_MIN, _UINT_MAX = -(2**63), 2**64 - 1
