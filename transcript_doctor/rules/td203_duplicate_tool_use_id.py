"""The same tool_use id used by two tool_use blocks in one conversation.

The API answers ``400 messages.N: `tool_use` ids must be unique``. Duplicates come from records
written twice under different uuids (a retried write) or from hand-merged sessions. Where the
second block is an identical copy of the first (same record content), the safe fix removes the
copy; conflicting blocks (the same id for different calls) need ``--unsafe-fixes``, which gives
the later call and its result a fresh id.

Failing example::

    {"type":"assistant","uuid":"a1",...,"content":[{"type":"tool_use","id":"toolu_01","name":"Bash",...}]}
    {"type":"assistant","uuid":"a2",...,"content":[{"type":"tool_use","id":"toolu_01","name":"Bash",...}]}

Passing example::

    {"type":"assistant","uuid":"a1",...,"content":[{"type":"tool_use","id":"toolu_01","name":"Bash",...}]}
    {"type":"assistant","uuid":"a2",...,"content":[{"type":"tool_use","id":"toolu_02","name":"Bash",...}]}
"""

from ..findings import ERROR, SAFE, UNSAFE
from ._base import client_effect, factory, tool_label

CODE = "TD203"
NAME = "duplicate-tool-use-id"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    t = context.transcript
    for tool_id, sites in conversation.tool_use_sites.items():
        if len(sites) < 2:
            continue
        first_msg, first = sites[0]
        for msg, part in sites[1:]:
            identical = t.read_content(part.record) == t.read_content(first.record)
            yield finding(
                f"tool_use {tool_label(part)} repeats the id of line {first.record.line}"
                + (" (an identical copy)" if identical else " (a different call)")
                + client_effect(context, "duplicate-call", part,
                                keeps="removes the identical copy (kept in the rejects file)" if identical
                                else "gives the second call an id of its own, so both are sent"),
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
        plan.rename_tool_id(f)
