"""Two tool_result blocks for the same tool_use id in one conversation.

Each tool_use takes exactly one result. A second one makes the API reject the request (the
second result answers no call in the previous message). Identical copies collapse (safe); a
second result with different content is kept as plain text in its record with
``--unsafe-fixes`` (it may be the real output, so nothing is thrown away).

Failing example::

    {"type":"user","uuid":"r1",...,"content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok"}]}
    {"type":"user","uuid":"r2",...,"content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok"}]}

Passing example::

    {"type":"user","uuid":"r1",...,"content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok"}]}
"""

from ..findings import ERROR, SAFE, UNSAFE
from ._base import client_effect, factory

CODE = "TD204"
NAME = "duplicate-tool-result"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    t = context.transcript
    for tool_id, sites in conversation.tool_result_sites.items():
        if len(sites) < 2:
            continue
        first_msg, first = sites[0]
        for msg, part in sites[1:]:
            identical = t.read_block(part.record, part.block.index) == t.read_block(first.record, first.block.index)
            yield finding(
                f"second tool_result for {tool_id} (the first is on line {first.record.line})"
                + (", an identical copy" if identical else ", with different content")
                + client_effect(context, "duplicate-result", part,
                                keeps="removes the identical copy (kept in the rejects file)" if identical
                                else "keeps its output as text the model can read"),
                api_message=msg,
                part=part,
                tool_use_id=tool_id,
                fix_override=SAFE if identical else UNSAFE,
                data={"identical": identical, "first_line": first.record.line},
            )


def fix(f, plan):
    if (f.data or {}).get("identical"):
        plan.drop_duplicate_block(f)
    else:
        plan.result_to_text(f)
