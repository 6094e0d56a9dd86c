"""A thinking block without its signature.

The API checks every thinking block it is sent back: ``messages.N.content.M.thinking.signature:
Field required`` (or ``Invalid signature``). Signatures are missing when a transcript was edited
or redacted by a tool, or when a response was cut off while its thinking streamed. The fix
(unsafe: the thinking text leaves the conversation, though the original line is kept in
``<output>.rejects``) removes the thinking block.

Failing example::

    {"type":"assistant",...,"content":[{"type":"thinking","thinking":"Let me look at the tests."}]}

Passing example::

    {"type":"assistant",...,"content":[{"type":"thinking","thinking":"Let me look at the tests.","signature":"EqQBCkYIBxgC..."}]}
"""

from ..findings import ERROR, UNSAFE
from ._base import factory

CODE = "TD305"
NAME = "thinking-without-signature"
SEVERITY = ERROR
FIX = UNSAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    for msg in conversation.messages:
        if msg.role != "assistant":
            continue
        for part in msg.parts:
            if part.block.kind == "thinking" and not part.block.signed:
                yield finding("thinking block has no signature", api_message=msg, part=part,
                              data={"block": part.block.index})


def fix(f, plan):
    plan.drop_block(f, f.line, (f.data or {}).get("block"))
