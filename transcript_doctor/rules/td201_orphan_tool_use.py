"""A tool_use with no tool_result in the next message.

The failure users report most. A tool call is interrupted (Ctrl-C, a crash, a killed terminal,
a lost network) and its result is never written. Every later request then fails with::

    400 messages.N: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_X.
    Each `tool_use` block must have a corresponding `tool_result` block in the next message.

Claude Code 2.0.x strips such calls silently before sending (the model never learns the call
happened) and 2.1.20+ invents a result in memory; the file stays broken for older versions,
exports and other tools. The fix inserts a tool-result record right after the assistant message,
shaped exactly like Claude Code's own, with ``is_error: true`` and a text saying that the result
was never recorded, and re-links the chain through it.

Failing example::

    {"type":"assistant","uuid":"a1",...,"message":{"id":"msg_1","role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"make"}}]}}
    {"type":"user","uuid":"u2","parentUuid":"a1",...,"message":{"role":"user","content":"what happened?"}}

Passing example::

    {"type":"assistant","uuid":"a1",...,"message":{"id":"msg_1","role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"make"}}]}}
    {"type":"user","uuid":"r1","parentUuid":"a1",...,"message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok"}]}}
    {"type":"user","uuid":"u2","parentUuid":"r1",...,"message":{"role":"user","content":"what happened?"}}
"""

from ..findings import ERROR, SAFE
from ..tree import COMPACTED
from ._base import client_effect, factory, tool_label

CODE = "TD201"
NAME = "orphan-tool-use"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    results = conversation.tool_result_sites
    for i, msg in enumerate(conversation.messages):
        if msg.role != "assistant":
            continue
        answered = conversation.results_after(i)
        for part in msg.tool_uses():
            tool_id = part.block.tool_id
            if tool_id is None or tool_id in answered or tool_id in results:
                continue
            if conversation.kind == COMPACTED and tool_id in context.tree.tool_result_ids:
                continue  # its result landed after the compaction boundary: TD402 reports the pair
            yield finding(
                f"tool_use {tool_label(part)} has no tool_result in the next message"
                + client_effect(context, "interrupted-call" if msg is conversation.messages[-1] else "unanswered-call", part,
                                keeps="keeps the call and records that its result was lost"),
                api_message=msg,
                part=part,
                tool_use_id=tool_id,
                data={"after_line": _anchor_line(conversation, msg), "name": part.block.name},
            )


def _anchor_line(conversation, msg) -> int:
    """The response's last record on the conversation's own chain: results inserted after it
    stay on the chain that resume walks (spliced, off-chain records would leave them aside)."""
    on_chain = {r.uuid for r in conversation.chain.records}
    chained = [r.line for r in msg.records if r.uuid in on_chain]
    return max(chained or [r.line for r in msg.records])


def fix(f, plan):
    plan.insert_missing_result(f)
