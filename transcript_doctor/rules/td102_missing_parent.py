"""A record whose parentUuid names a record that is not in the file.

The conversation that resume continues is the chain of parentUuid links from the leaf back to
the root. A link to a record that is not there cuts the chain: everything before the break is
silently left out of the resumed conversation (Claude Code 2.1.100+ guesses a bridge to a record
written within 5 s; older versions just stop). This usually follows a line that was dropped
(TD001, TD002) or a record removed by hand.

The fix (unsafe: it asserts a link that was never written) re-links the record to the nearest
earlier record of the same conversation in the file.

Failing example (u2's parent "a9" does not exist)::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
    {"type":"user","uuid":"u2","parentUuid":"a9",...}

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
    {"type":"user","uuid":"u2","parentUuid":"a1",...}
"""

from ..findings import ERROR, INFO, NO_FIX, UNSAFE
from ._base import factory

CODE = "TD102"
NAME = "missing-parent"
SEVERITY = ERROR
FIX = UNSAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    main = context.main
    sub_agent_file = context.tree.sidechain_only
    for rec in context.tree.missing_parents:
        if sub_agent_file and rec.sidechain:
            # Sub-agent and compaction transcripts link their records into the parent session.
            yield finding(
                f"parentUuid {rec.parent} is in the parent session, not in this sub-agent file",
                record=rec,
                severity_override=INFO,
                fix_override=NO_FIX,
            )
            continue
        lost = ""
        if main is not None and main.chain.stop_record is rec:
            lost = ": the resumed conversation starts here, everything before it is left out"
        yield finding(f"parentUuid {rec.parent} is not in the file{lost}", record=rec)


def fix(f, plan):
    plan.relink_to_previous(f, f.line)
