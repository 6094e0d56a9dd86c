"""`explain`: read an API error text, map it onto a transcript, say which rule and what fix does.

Only error texts the Messages API and Claude Code are known to produce are recognised; anything
else gets an honest "not recognised" instead of a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import Analysis
from .findings import Finding

# (pattern, rule codes it points at, what it means)
KNOWN = [
    (re.compile(r"`?tool_use`? ids were found without `?tool_result`? blocks immediately after"), ("TD201", "TD205"),
     "a tool call has no result in the message right after it"),
    (re.compile(r"unexpected `?tool_use_id`? found in `?tool_result`? blocks"), ("TD202", "TD402", "TD204"),
     "a tool result answers no call in the message right before it"),
    (re.compile(r"`?tool_use`? ids must be unique"), ("TD203",), "two tool calls share one id"),
    (re.compile(r"Did not find \d+ `?tool_result`? block\(s\) at the beginning"), ("TD205", "TD201"),
     "the message after tool calls does not start with their results"),
    (re.compile(r"first message must use the .user. role"), ("TD301",), "the conversation does not start with a user message"),
    (re.compile(r"roles must alternate"), ("TD301",), "two messages of the same role follow each other"),
    (re.compile(r"all messages must have non-empty content"), ("TD302",), "a message is empty"),
    (re.compile(r"text content blocks must (be non-empty|contain non-whitespace text)"), ("TD303", "TD302"),
     "a text block is empty or whitespace"),
    (re.compile(r"final assistant content cannot end with trailing whitespace"), ("TD304",), "the last assistant text ends in whitespace"),
    (re.compile(r"thinking\.signature|Invalid `?signature`? in `?thinking`? block"), ("TD305",), "a thinking block lacks a valid signature"),
    (re.compile(r"`?thinking`? or `?redacted_thinking`? blocks in the latest assistant message cannot be modified"), ("TD305",),
     "a thinking block of the last response was changed"),
    (re.compile(r"image exceeds 5 MB maximum"), ("TD306",), "an image is over the 5 MB limit"),
    (re.compile(r"prompt is too long"), ("TD403", "TD405"), "the conversation is longer than the model's window"),
    (re.compile(r"no low surrogate in string|not valid JSON"), ("TD004",), "a string holds half of a UTF-16 surrogate pair"),
    (re.compile(r"tool_use\.id: String should match pattern"), ("TD005",), "a tool call id has characters the API refuses"),
    (re.compile(r"due to tool use concurrency issues"), ("TD205", "TD201"),
     "Claude Code's own wording for a tool call and result that are not adjacent (before 2.1.20)"),
]

_INDEX = re.compile(r"messages\.(\d+)(?:\.content\.(\d+))?")
_TOOL_ID = re.compile(r"\b((?:srv)?toolu_[A-Za-z0-9_-]+)")
_TOO_LONG = re.compile(r"prompt is too long:\s*([\d,]+)\s*tokens\s*>\s*([\d,]+)")


@dataclass
class ParsedError:
    text: str
    message_index: int | None = None
    content_index: int | None = None
    tool_ids: list[str] = field(default_factory=list)
    codes: tuple[str, ...] = ()
    meaning: str | None = None
    tokens: tuple[int, int] | None = None

    @property
    def recognised(self) -> bool:
        return self.meaning is not None


def parse_error(text: str) -> ParsedError:
    parsed = ParsedError(text=" ".join(text.split()))
    m = _INDEX.search(text)
    if m:
        parsed.message_index = int(m.group(1))
        parsed.content_index = int(m.group(2)) if m.group(2) else None
    parsed.tool_ids = list(dict.fromkeys(_TOOL_ID.findall(text)))
    t = _TOO_LONG.search(text)
    if t:
        parsed.tokens = (int(t.group(1).replace(",", "")), int(t.group(2).replace(",", "")))
    for pattern, codes, meaning in KNOWN:
        if pattern.search(text):
            parsed.codes, parsed.meaning = codes, meaning
            break
    return parsed


@dataclass
class Explanation:
    error: ParsedError
    findings: list[Finding]
    note: str | None = None


def explain(parsed: ParsedError, analysis: Analysis) -> Explanation:
    """The findings of `analysis` that explain `parsed`, most specific first."""
    candidates = [f for f in analysis.findings if f.code in parsed.codes]
    index = parsed.message_index
    logged_note = None
    if index is not None:
        mapped = _through_request_log(analysis, index)
        if mapped is not None:
            index, logged_note = mapped
    chosen: list[Finding] = []
    if parsed.tool_ids:
        chosen = [f for f in candidates if f.tool_use_id in parsed.tool_ids]
    if not chosen and index is not None:
        chosen = [f for f in candidates if f.message_index == index]
    if not chosen and index is not None:
        chosen = [f for f in candidates if f.message_index is not None and abs(f.message_index - index) <= 1]
    if not chosen:
        chosen = [f for f in candidates if f.where == "main"]
    note = logged_note
    main = analysis.context.main
    client = analysis.profile.name
    if index is not None and main is not None and index >= len(main.messages):
        note = (
            f"as {client} resumes it, the conversation has {len(main.messages)} messages, so messages.{index} is not in it:"
            " the request also carried the new prompt, or another client version built it (see --client-version)"
        )
    elif chosen and index is not None and all(f.message_index != index for f in chosen):
        near = chosen[0].message_index
        note = (
            f"the fault is at messages.{near} here, not messages.{index} ({client} builds the request so): the client that"
            " sent the request counted differently (versions differ in the system messages they add and the records"
            " they leave out); name it with --client-version to match its count"
        )
    elif not chosen and parsed.recognised:
        note = (f"as {client} resumes it, this transcript shows no such fault now: it may have been fixed already, or the"
                " error came from another file or another client version (see --client-version)")
    return Explanation(parsed, chosen, note)


def _through_request_log(analysis: Analysis, index: int) -> tuple[int, str] | None:
    """Where the file logs its requests (2.1.3xx), the message the client really sent as
    messages.N, found in the projection: its index there and a note naming the line."""
    if not any(r.type == "api-request" for r in analysis.transcript.records) or analysis.context.main is None:
        return None
    from .wire import RecordReader, logged_requests, message_json, normalised

    main = analysis.context.main
    reader = RecordReader(analysis.transcript, analysis.profile)
    try:
        logs = logged_requests(analysis.transcript, [main], reader, session_id=analysis.tree.expected_session,
                               last_only=True)
        for log in reversed(logs):
            if index >= len(log.messages) or log.messages[index] is None:
                continue
            wanted = normalised(log.messages[index])
            for msg in main.messages:
                if normalised(message_json(msg, reader)) == wanted:
                    return msg.index, (f"the request Claude Code logged on line {log.line} sent this transcript's"
                                       f" messages.{msg.index} (lines {msg.lines[0]}-{msg.lines[1]}) as messages.{index}")
            return None
    finally:
        reader.close()
    return None
