"""parentUuid links that loop back on themselves.

Walking from a leaf to the root never ends: Claude Code 1.0.x hangs on resume, later versions
stop at an arbitrary record. A cycle is never written by Claude Code itself; it comes from hand
edits or tools that re-used uuids.

The fix (unsafe) breaks the loop by re-linking the record that closes it to the nearest earlier
record in the file that is not part of the loop (or making it a root).

Failing example::

    {"type":"user","uuid":"u1","parentUuid":"a1",...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
"""

from ..findings import ERROR, UNSAFE
from ._base import factory

CODE = "TD103"
NAME = "parent-cycle"
SEVERITY = ERROR
FIX = UNSAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    for cycle in context.tree.cycles:
        first = min(cycle, key=lambda r: r.line)
        lines = ", ".join(str(r.line) for r in sorted(cycle, key=lambda r: r.line)[:8])
        yield finding(f"parentUuid links loop through {len(cycle)} records (lines {lines})", record=first,
                      data={"cycle": [r.line for r in cycle]})


def fix(f, plan):
    plan.relink_to_previous(f, f.line, avoid_lines=set((f.data or {}).get("cycle", ())))
