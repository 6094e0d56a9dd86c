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

`records.summarise_typed` turns the decoded `Line` into a `Record`; a test checks that it gives
the same `Record` as `records.summarise` over the parsed dict for every record in the corpus,
the examples and the test fixtures, and for records of every odd shape.
"""

from __future__ import annotations

from typing import Any, Union

import msgspec
from msgspec import Struct


class Usage(Struct, gc=False):
    input_tokens: Any = None
    cache_creation_input_tokens: Any = None
    cache_read_input_tokens: Any = None
    output_tokens: Any = None


class ContentBlock(Struct, gc=False):
    """One item of `message.content`: `records.summarise_block` reads it as it reads the dict."""

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
    # Read only for some record types, and only when their line names them: kept undecoded.
    # A sub-agent's result names its agent; other outputs (often the largest field) are skipped.
    toolUseResult: Union[AgentOnly, str, None] = None
    attachment: msgspec.Raw = msgspec.Raw(b"null")
    rendered: msgspec.Raw = msgspec.Raw(b"null")
    compactMetadata: msgspec.Raw = msgspec.Raw(b"null")
    content: msgspec.Raw = msgspec.Raw(b"null")
    message: Union[Message, None] = None


_decoder = msgspec.json.Decoder(Line)
_Failed = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)


def decode_line(data: bytes) -> Line | None:
    """The typed fields of one line, or None when the line needs the full path."""
    if not data.isascii():
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

