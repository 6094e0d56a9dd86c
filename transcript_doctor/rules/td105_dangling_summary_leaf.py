"""A summary record whose leafUuid names a record that is not in the file.

Claude Code writes ``summary`` records (the session titles shown by ``--resume``) with the uuid
of the leaf they summarise. Versions 1.0.x write summaries of other sessions into a file as well,
so a dangling leafUuid is common and harmless; it is reported as information because a title in
the resume picker may then describe another conversation.

Failing example::

    {"type":"summary","summary":"Fix the login bug","leafUuid":"not-in-this-file"}

Passing example::

    {"type":"summary","summary":"Fix the login bug","leafUuid":"a1"}
    {"type":"assistant","uuid":"a1",...}
"""

from ..findings import INFO, NO_FIX
from ._base import factory

CODE = "TD105"
NAME = "dangling-summary-leaf"
SEVERITY = INFO
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    by_uuid = context.tree.by_uuid
    for rec in context.transcript.records:
        if rec.type == "summary" and rec.leaf_uuid and rec.leaf_uuid not in by_uuid:
            yield finding(f"summary names leaf {rec.leaf_uuid}, which is not in this file", record=rec)
