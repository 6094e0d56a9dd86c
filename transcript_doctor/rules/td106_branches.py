"""The conversation has more than one leaf: rewinds, edits or retries left side branches.

``claude --resume`` continues exactly one chain: from the message with the latest timestamp back
to the root. Messages on other branches are not sent. This is information, and it names the line
that resume continues from, which is often not the last line of the file. Faults on side branches
are reported as warnings: they do not break resume.

Failing example (two answers to u1; resume continues from the later one, a2)::

    {"type":"user","uuid":"u1","parentUuid":null,"timestamp":"...:00Z",...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1","timestamp":"...:01Z",...}
    {"type":"assistant","uuid":"a2","parentUuid":"u1","timestamp":"...:05Z",...}

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
"""

from ..findings import INFO, NO_FIX
from ..tree import BRANCH
from ._base import factory

CODE = "TD106"
NAME = "branches"
SEVERITY = INFO
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    tree = context.tree
    # A fork rejoins the resumed chain; a piece cut off by a missing parent is TD102's finding.
    branches = [c for c in tree.side if c.kind == BRANCH and c.stop == "main"]
    if not branches or tree.leaf is None:
        return
    more = tree.side_leaves_total - len(tree.side)
    extra = f" (+{more:,} more not analysed)" if more > 0 else ""
    lines = ", ".join(str(c.leaf.line) for c in branches[:5]) + (", …" if len(branches) > 5 else "")
    f = finding(
        f"{len(branches)} side branch(es){extra} end at line(s) {lines}; resume continues from line"
        f" {tree.leaf.line} ({tree.leaf_reason})",
        record=tree.leaf,
    )
    f.where = "file"
    yield f
