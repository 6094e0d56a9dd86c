"""A line that is valid JSON but not an object (an array, a string, a number, null).

Every transcript record is a JSON object. Anything else is not a record Claude Code can load;
it is usually a fragment left by a tool that edited the file by hand.

The fix removes the line and keeps it, byte for byte, in ``<output>.rejects``.

Failing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
    ["user", "u2"]

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,...}
"""

from ..findings import ERROR, SAFE
from ..reader import NOT_AN_OBJECT, TOO_DEEP
from ._base import factory

CODE = "TD003"
NAME = "not-an-object"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    for d in context.transcript.defects:
        if d.defect.kind in (NOT_AN_OBJECT, TOO_DEEP):
            yield finding(f"line is {d.defect.detail}, not a transcript record", line=d.line)


def fix(f, plan):
    plan.remove_line(f, f.line)
