"""A compaction boundary without the summary message after it (or a summary with no boundary).

When Claude Code compacts a conversation it writes a ``system``/``compact_boundary`` record
(``parentUuid: null``) and right after it the ``isCompactSummary`` user message ("This session is
being continued from a previous conversation..."). Resume loads only what follows the last
boundary, so a boundary without its summary leaves the model with no memory of the session:
the "conversation is gone" users report when compaction stalls or crashes.

The fix (unsafe: the resumed conversation becomes as long as it was before compaction, which may
be too long for the model) re-links the record after the lonely boundary to the boundary's
``logicalParentUuid``, so the whole pre-compaction history is resumed again.

Failing example::

    {"type":"system","subtype":"compact_boundary","uuid":"b1","parentUuid":null,"logicalParentUuid":"a9",...}
    {"type":"user","uuid":"u10","parentUuid":"b1","message":{"role":"user","content":"go on"},...}

Passing example::

    {"type":"system","subtype":"compact_boundary","uuid":"b1","parentUuid":null,"logicalParentUuid":"a9",...}
    {"type":"user","uuid":"s1","parentUuid":"b1","isCompactSummary":true,"message":{"role":"user","content":"This session is being continued..."},...}
"""

from ..findings import UNSAFE, WARNING
from ._base import factory

CODE = "TD401"
NAME = "compaction-without-summary"
SEVERITY = WARNING
FIX = UNSAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    tree = context.tree
    for boundary in tree.compact_boundaries:
        children = tree.children.get(boundary.uuid, ())
        if any(c.is_compact_summary for c in children):
            continue
        follower = min(children, key=lambda c: c.line) if children else None
        restorable = boundary.logical_parent in tree.by_uuid if boundary.logical_parent else False
        yield finding(
            "compaction boundary has no summary message after it: resume continues with no memory of the session"
            + (f"; the history before it ends at line {tree.by_uuid[boundary.logical_parent].line}" if restorable else ""),
            record=boundary,
            fix_override=UNSAFE if (restorable and follower is not None) else "none",
            data={"follower": follower.line if follower else None, "restore_to": boundary.logical_parent},
        )
    for rec in context.transcript.records:
        if rec.is_compact_summary and rec.parent is not None:
            parent = tree.by_uuid.get(rec.parent)
            if parent is not None and not parent.is_compact_boundary:
                yield finding("compaction summary message does not follow a compaction boundary", record=rec,
                              fix_override="none")


def fix(f, plan):
    follower = (f.data or {}).get("follower")
    if follower is not None and f.fix == UNSAFE:
        plan.relink(f, follower, f.data["restore_to"], "re-linked to the history before the compaction")
