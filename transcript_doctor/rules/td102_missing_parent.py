"""A record whose parentUuid names a record that is not in the file.

The conversation that resume continues is the chain of parentUuid links from the leaf back to
the root. A link to a record that is not there cuts the chain: everything before the break is
silently left out of the resumed conversation. This usually follows a line that was dropped
(TD001, TD002) or a record removed by hand.

Claude Code 2.1.100 and later bridge the gap on load: the record is linked to the record written
last before it, when that is at most 5 s earlier, and the whole history is sent. Where the user's
client bridges the gap, the finding is a warning and the fix writes that same link into the file
(safe: it is the link the client already uses). Everywhere else the fix (unsafe: it asserts a link
that was never written) re-links the record to the nearest earlier record of the same
conversation in the file.

Failing example (u2's parent "a9" does not exist)::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
    {"type":"user","uuid":"u2","parentUuid":"a9",...}

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
    {"type":"user","uuid":"u2","parentUuid":"a1",...}
"""

from ..findings import ERROR, INFO, NO_FIX, SAFE, UNSAFE, WARNING
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
        bridge = context.tree.bridges.get(rec.uuid)
        if bridge is not None:
            yield finding(
                f"parentUuid {rec.parent} is not in the file; {context.profile.name} links this record to line"
                f" {bridge.line}, written just before it, and sends the history before it; older clients stop here",
                record=rec,
                severity_override=WARNING,
                fix_override=SAFE,
                data={"bridge": bridge.uuid, "bridge_line": bridge.line},
            )
            continue
        lost = ""
        if main is not None and main.chain.stop_record is rec:
            window = context.profile.bridges_missing_parent_s
            client = context.profile.name
            why = f"{client} bridges only gaps of up to {window:g} s" if window is not None else f"{client} does not bridge it"
            lost = f": the resumed conversation starts here, everything before it is left out ({why})"
        yield finding(f"parentUuid {rec.parent} is not in the file{lost}", record=rec)


def fix(f, plan):
    bridge = (f.data or {}).get("bridge")
    if bridge is not None:
        plan.relink(f, f.line, bridge, f"parentUuid now points to line {f.data['bridge_line']}, as the client bridges it")
    else:
        plan.relink_to_previous(f, f.line)
