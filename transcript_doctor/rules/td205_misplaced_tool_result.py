"""A tool_result that exists, but not in the message right after its tool_use.

The API wants each result in the very next message. A result written late (after the next
assistant response, typically when parallel calls finish out of order and a crash interrupts
the write) makes the request fail with ``messages.N: `tool_use` ids were found without
`tool_result` blocks immediately after``; before 2.1.20 Claude Code's own repair cannot help,
since the result exists somewhere. The fix moves the result record to right after its call and
re-links the chain around it.

Failing example (the result of toolu_02 comes after the next response)::

    {"type":"assistant","uuid":"a1",...,"content":[{"type":"tool_use","id":"toolu_02",...}]}
    {"type":"assistant","uuid":"a2","parentUuid":"a1",...,"content":[{"type":"text","text":"done"}]}  (message msg_2)
    {"type":"user","uuid":"r1","parentUuid":"a2",...,"content":[{"type":"tool_result","tool_use_id":"toolu_02",...}]}

Passing example::

    {"type":"assistant","uuid":"a1",...,"content":[{"type":"tool_use","id":"toolu_02",...}]}
    {"type":"user","uuid":"r1","parentUuid":"a1",...,"content":[{"type":"tool_result","tool_use_id":"toolu_02",...}]}
    {"type":"assistant","uuid":"a2","parentUuid":"r1",...,"content":[{"type":"text","text":"done"}]}
"""

from ..findings import ERROR, SAFE
from ._base import client_effect, factory, tool_label

CODE = "TD205"
NAME = "misplaced-tool-result"
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
            if tool_id is None or tool_id in answered or tool_id not in results:
                continue
            result_msg, result_part = results[tool_id][0]
            yield finding(
                f"tool_result for {tool_label(part)} is in messages.{result_msg.index} (line {result_part.record.line}),"
                f" not right after its tool_use (line {part.record.line})"
                + client_effect(context, "late-result", part, keeps="moves the result right after its call"),
                api_message=msg,
                record=result_part.record,
                tool_use_id=tool_id,
                data={"use_line": part.record.line, "after_line": max(r.line for r in msg.records),
                      "result_line": result_part.record.line},
            )


def fix(f, plan):
    plan.move_result(f)
