"""A record that does not match the JSON Schema of its type (see ``schemas/``).

The schemas describe what Claude Code writes and needs to load a record: a user record needs
``uuid``, ``parentUuid``, ``timestamp`` and ``message{role, content}``, an assistant record also
``message.id``; content blocks need their ids (``tool_use.id``, ``tool_result.tool_use_id``).
Unknown fields and unknown record types are always allowed: newer Claude Code versions keep adding
them. A record that breaks its schema is skipped or mis-read by Claude Code and by other tools.
There is no automatic fix: what the record should have held is not known.

Failing example (a tool_result without the id of the call it answers)::

    {"type":"user","uuid":"u2","parentUuid":"a1",...,"message":{"role":"user","content":[{"type":"tool_result","content":"ok"}]}}

Passing example::

    {"type":"user","uuid":"u2","parentUuid":"a1",...,"message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok"}]}}
"""

from ..findings import ERROR, NO_FIX
from ._base import factory

CODE = "TD005"
NAME = "schema-violation"
SEVERITY = ERROR
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    by_line = {r.line: r for r in context.transcript.records}
    for v in context.transcript.schema_violations:
        yield finding(
            f"{v.schema} record breaks its schema at {v.path}: {v.message}",
            line=v.line,
            record=by_line.get(v.line),
        )
