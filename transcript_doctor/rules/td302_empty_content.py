"""A message with no content, or only empty text.

The API answers ``400 messages.N: all messages must have non-empty content except for the
optional final assistant message``; for a message of whitespace only it names the text block:
``messages.N.content.0.text: text content blocks must contain non-whitespace text``. Seen after an
interrupted response, a tool that wrote ``"content": ""``, or a prompt of spaces. The fix writes
``(empty message)`` into the empty record (the original line goes to the rejects file); not
Claude Code's own ``(no content)``, which marks what the client emptied itself (TD206).

Failing example::

    {"type":"user","uuid":"u2",...,"message":{"role":"user","content":""}}

Passing example::

    {"type":"user","uuid":"u2",...,"message":{"role":"user","content":"(empty message)"}}
"""

from ..findings import ERROR, SAFE
from ._base import factory

CODE = "TD302"
NAME = "empty-content"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def is_empty(msg) -> bool:
    return all(p.block.kind == "text" and p.block.empty for p in msg.parts)


def check(conversation, context):
    last = len(conversation.messages) - 1
    for i, msg in enumerate(conversation.messages):
        if msg.role == "system" or (msg.role == "assistant" and i == last):
            continue  # a client's own system message may be empty (2.1.3xx sends [] after a compaction)
        if any(r.role is None for r in msg.records):
            continue  # a record with no message at all breaks its schema: TD005 reports it
        if is_empty(msg):
            blank = next((p for p in msg.parts if p.block.size), None)
            data = {"lines": [r.line for r in msg.records]}
            if blank is not None:
                # The API judges the block before the message: `messages.N.content.M.text: text
                # content blocks must contain non-whitespace text`.
                yield finding(f"{msg.role} message holds only whitespace: the API refuses its text block"
                              " (\"text content blocks must contain non-whitespace text\")",
                              api_message=msg, part=blank, data=data)
            else:
                yield finding(f"{msg.role} message has no content (\"all messages must have non-empty content\")",
                              api_message=msg, record=msg.records[0], data=data)


def fix(f, plan):
    for line in (f.data or {}).get("lines", [f.line]):
        plan.fill_empty(f, line)
