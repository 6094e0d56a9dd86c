"""A tool_result whose tool_use is nowhere in the conversation.

The API answers::

    400 messages.N.content.M: unexpected `tool_use_id` found in `tool_result` blocks: toolu_X.
    Each `tool_result` block must have a corresponding `tool_use` block in the previous message.

It happens when the assistant record holding the call was lost (a dropped line, a rewind that
kept the result) or when records of two sessions were mixed. The safe fix keeps the result's
content as a plain text block in the same record, so nothing the tool returned is lost; with
``--unsafe-fixes`` the block is dropped instead.

Failing example (no tool_use toolu_07 anywhere before)::

    {"type":"user","uuid":"r1",...,"message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_07","content":"42 files"}]}}

Passing example::

    {"type":"assistant","uuid":"a1",...,"message":{"id":"msg_1","role":"assistant","content":[{"type":"tool_use","id":"toolu_07","name":"Bash","input":{}}]}}
    {"type":"user","uuid":"r1","parentUuid":"a1",...,"message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_07","content":"42 files"}]}}
"""

from ..findings import ERROR, SAFE
from ._base import client_effect, factory
from .td402_tool_pair_split_by_compaction import split_use

CODE = "TD202"
NAME = "orphan-tool-result"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    uses = conversation.tool_use_sites
    for i, msg in enumerate(conversation.messages):
        if msg.role != "user":
            continue
        asked = conversation.uses_before(i)
        # A patching client drops an orphan result, or sends "(no content)" when nothing else is left.
        only_orphans = all(p.block.kind == "tool_result" and p.block.tool_id not in asked for p in msg.parts)
        fault = "orphan-results-only" if only_orphans else "orphan-result"
        for part in msg.tool_results():
            tool_id = part.block.tool_id
            if tool_id is None or tool_id in asked or tool_id in uses:
                continue
            if conversation.partial and i <= 1:
                continue  # the call may sit in the main conversation before the fork
            if split_use(conversation, context, tool_id) is not None:
                continue  # the call is before a compaction boundary: TD402
            yield finding(
                f"tool_result for {tool_id} answers no tool_use in this conversation"
                + client_effect(context, fault, part, keeps="keeps its output as text the model can read"),
                api_message=msg,
                part=part,
                tool_use_id=tool_id,
            )


def fix(f, plan):
    plan.result_to_text(f)
