"""A line that is not valid JSON (and is not the torn last line).

Claude Code drops such a line silently when it loads the session, so the record it held is gone
from the conversation, and every record whose parentUuid pointed at it loses its parent. The
usual cause is a write that was cut off, followed by more appends: the line then holds a cut-off
record with a complete record glued after it, and that complete record can be recovered.

The fix removes the line and keeps it, byte for byte, in ``<output>.rejects``; where a complete
record is glued after the cut-off part, that record is kept as its own line, and two complete
records glued together (only the newline missing) are split into two lines.

Failing example (line 2 is cut off and the next write was appended to it)::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","messa{"type":"user","uuid":"u2","parentUuid":"a1",...}

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1",...}
"""

from ..findings import ERROR, SAFE
from ..reader import INVALID_JSON
from ._base import factory

CODE = "TD001"
NAME = "invalid-json"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    for d in context.transcript.defects:
        if d.defect.kind == INVALID_JSON:
            yield finding(
                f"line is {d.defect.detail}; Claude Code drops it on load",
                line=d.line,
                data={"recoverable_at": d.defect.recoverable_at, "glued": d.defect.glued},
            )


def fix(f, plan):
    data = f.data or {}
    if data.get("glued"):
        plan.split_line(f, f.line, data["recoverable_at"])
    elif data.get("recoverable_at") is not None:
        plan.keep_tail(f, f.line, data["recoverable_at"])
    else:
        plan.remove_line(f, f.line)
