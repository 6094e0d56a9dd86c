"""A text block that is empty or only whitespace, in a message that has other content.

The API answers ``400 messages.N.content.M.text: text content blocks must be non-empty`` (or
``must contain non-whitespace text``). The fix removes the empty block; where it is the only block
of its record, it writes ``(empty message)`` instead, so the record keeps a valid shape.

Failing example::

    {"type":"assistant",...,"message":{"id":"msg_1","role":"assistant","content":[{"type":"text","text":"  "}]}}
    {"type":"assistant",...,"message":{"id":"msg_1","role":"assistant","content":[{"type":"tool_use","id":"toolu_01",...}]}}

Passing example::

    {"type":"assistant",...,"message":{"id":"msg_1","role":"assistant","content":[{"type":"tool_use","id":"toolu_01",...}]}}
"""

from ..findings import ERROR, SAFE
from ._base import factory
from .td302_empty_content import is_empty

CODE = "TD303"
NAME = "empty-text-block"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    last = len(conversation.messages) - 1
    for i, msg in enumerate(conversation.messages):
        if is_empty(msg):
            continue  # the whole message is empty: TD302
        for part in msg.parts:
            if part.block.kind == "text" and part.block.empty:
                if msg.role == "assistant" and i == last and part is msg.parts[-1]:
                    continue
                what = "empty" if part.block.size == 0 else "only whitespace"
                yield finding(f"text block is {what}", api_message=msg, part=part,
                              data={"block": part.block.index})


def fix(f, plan):
    plan.drop_empty_text(f, f.line, (f.data or {}).get("block"))
