"""The conversation ends with an assistant message whose last text ends in whitespace.

The API answers ``400 messages.N: final assistant content cannot end with trailing whitespace``
when the request ends with that message (a continuation or prefill, as some tools and exports
send). A normal resume appends a new user prompt, so this is a warning. The fix strips the
trailing whitespace from that one text block.

Failing example (last line of the file)::

    {"type":"assistant",...,"message":{"id":"msg_9","role":"assistant","content":[{"type":"text","text":"Done.\\n\\n"}]}}

Passing example::

    {"type":"assistant",...,"message":{"id":"msg_9","role":"assistant","content":[{"type":"text","text":"Done."}]}}
"""

from ..findings import SAFE, WARNING
from ._base import factory

CODE = "TD304"
NAME = "final-assistant-trailing-whitespace"
SEVERITY = WARNING
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    if not conversation.messages:
        return
    last = conversation.messages[-1]
    if last.role != "assistant" or not last.parts:
        return
    part = last.parts[-1]
    if part.block.kind == "text" and part.block.trailing_ws and not part.block.empty:
        yield finding("final assistant text ends with whitespace", api_message=last, part=part,
                      data={"block": part.block.index})


def fix(f, plan):
    plan.strip_trailing_whitespace(f, f.line, (f.data or {}).get("block"))
