"""The resumed conversation does not start with a user message.

The API answers ``400 messages: first message must use the "user" role``. It happens when the
chain is cut right before an assistant record (a missing parent, TD102, or a record removed by
hand) or when a compaction summary was lost. No automatic fix: what the user said is not known;
fixing the break in the chain (TD102) usually fixes this too.

Failing example::

    {"type":"assistant","uuid":"a1","parentUuid":null,...}

A sub-agent's own file (``agent-*.jsonl``, every record a sidechain) may start with an
assistant message as Claude Code wrote it; such files are never resumed, so there it is
information.

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
"""

from ..findings import ERROR, INFO, NO_FIX
from ._base import factory

CODE = "TD301"
NAME = "first-message-not-user"
SEVERITY = ERROR
FIX = NO_FIX
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(conversation, context):
    if conversation.partial or not conversation.messages:
        return
    first = conversation.messages[0]
    if first.role != "user":
        if context.tree.leaf is not None and context.tree.leaf.sidechain:
            yield finding(f"the sub-agent conversation starts with an {first.role} message; sub-agent files are never resumed",
                          api_message=first, record=first.records[0], severity_override=INFO)
            return
        yield finding(f"the conversation starts with an {first.role} message", api_message=first, record=first.records[0])
