"""Two records with the same uuid.

Claude Code keeps the later line when it loads a session, so the earlier record is not part of
the conversation any more. Identical copies (the same bytes written twice, typically by a tool
that concatenated files or by a retried write) are harmless; the fix removes the later copy and
keeps it in ``<output>.rejects``. Copies that differ are reported with no automatic fix: which one
is right is a human call.

Failing example::

    {"type":"user","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"hi"},...}
    {"type":"user","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"hello"},...}

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"hi"},...}
"""

from ..findings import NO_FIX, SAFE, WARNING
from ._base import factory

CODE = "TD101"
NAME = "duplicate-uuid"
SEVERITY = WARNING
FIX = SAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    t = context.transcript
    reported_runs: dict[str, int] = {}
    for earlier, later in context.tree.duplicates:
        identical = t.read_raw(earlier) == t.read_raw(later)
        if identical:
            message = f"uuid {later.uuid} repeats line {earlier.line} byte for byte"
        else:
            if later.uuid in reported_runs:
                continue  # one finding per uuid re-used by different records
            uses = 1 + sum(1 for _, b in context.tree.duplicates if b.uuid == later.uuid)
            reported_runs[later.uuid] = uses
            message = (
                f"uuid {later.uuid} is used by {uses} different records (first on line {earlier.line});"
                " Claude Code keeps only the last one"
            )
        yield finding(
            message,
            record=later,
            fix_override=SAFE if identical else NO_FIX,
            data={"identical": identical, "first_line": earlier.line},
        )


def fix(f, plan):
    if (f.data or {}).get("identical"):
        plan.remove_line(f, f.line)
