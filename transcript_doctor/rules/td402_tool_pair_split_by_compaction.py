"""A tool_use before a compaction boundary whose tool_result comes after it.

Compaction that starts while a tool call is running cuts the pair in two: the call is summarised
away, its result lands in the new conversation and answers nothing, and every request fails with
``messages.N.content.M: unexpected `tool_use_id` found in `tool_result` blocks``. The fix keeps the
result's content as a plain text block in the same record, so nothing the tool returned is lost.

Failing example::

    {"type":"assistant","uuid":"a9",...,"content":[{"type":"tool_use","id":"toolu_05",...}]}
    {"type":"system","subtype":"compact_boundary","uuid":"b1","parentUuid":null,"logicalParentUuid":"a9",...}
    {"type":"user","uuid":"s1","parentUuid":"b1","isCompactSummary":true,...}
    {"type":"user","uuid":"r1","parentUuid":"s1",...,"content":[{"type":"tool_result","tool_use_id":"toolu_05",...}]}

Passing example (the result is in before the boundary)::

    {"type":"assistant","uuid":"a9",...,"content":[{"type":"tool_use","id":"toolu_05",...}]}
    {"type":"user","uuid":"r1","parentUuid":"a9",...,"content":[{"type":"tool_result","tool_use_id":"toolu_05",...}]}
    {"type":"system","subtype":"compact_boundary","uuid":"b1","parentUuid":null,"logicalParentUuid":"r1",...}
"""

from ..findings import ERROR, SAFE
from ._base import factory

CODE = "TD402"
NAME = "tool-pair-split-by-compaction"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def split_use(conversation, context, tool_id):
    """The record of a tool_use that sits outside this conversation, before one of its boundaries."""
    if not any(r.is_compact_boundary for r in conversation.chain.records[:1]):
        return None
    rec = context.tree.tool_use_records.get(tool_id)
    if rec is None or conversation.message_of(rec) is not None:
        return None
    return rec


def check(conversation, context):
    uses = conversation.tool_use_sites
    for msg in conversation.messages:
        if msg.role != "user":
            continue
        for part in msg.tool_results():
            tool_id = part.block.tool_id
            if tool_id is None or tool_id in uses:
                continue
            use = split_use(conversation, context, tool_id)
            if use is not None:
                yield finding(
                    f"tool_result for {tool_id} answers a call made before the compaction boundary (line {use.line})",
                    api_message=msg,
                    part=part,
                    tool_use_id=tool_id,
                )


def fix(f, plan):
    plan.result_to_text(f)
