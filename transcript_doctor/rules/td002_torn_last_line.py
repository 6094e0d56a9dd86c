"""The last line is cut off, or is complete but has no newline after it.

A crash or a full disk while Claude Code appends a record leaves the last line incomplete. Claude
Code drops it on load, and its next append is glued onto it, so the next record is lost too. A
complete last record without a newline has the second problem only (a warning).

If the file changed in the last seconds, Claude Code may still be writing it: check again when the
session is closed. The fix moves a torn line to ``<output>.rejects`` (byte for byte) and adds the
missing newline after a complete one.

Failing example (no newline at the end, record cut off)::

    {"type":"user","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"hi"},...}
    {"type":"assistant","uuid":"a1","parentUuid":"u1","message":{"id":"msg_1","role":"assis

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"hi"},...}
"""

from ..findings import ERROR, SAFE, WARNING
from ..reader import TORN_LAST_LINE, UNTERMINATED_LAST_LINE
from ._base import client_effect, factory

CODE = "TD002"
NAME = "torn-last-line"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)
STILL_WRITING_SECONDS = 10


def check(context):
    t = context.transcript
    for d in t.defects:
        if d.defect.kind == TORN_LAST_LINE:
            message = d.defect.detail
            if t.seconds_since_write < STILL_WRITING_SECONDS:
                message += f"; the file changed {t.seconds_since_write:.0f}s ago: Claude Code may still be writing it"
            main = context.main
            if main is not None and main.messages and main.messages[-1].role == "user" and not main.messages[-1].tool_results():
                message += client_effect(context, "unanswered-prompt")  # the torn line was the answer
            yield finding(message, line=d.line, data={"kind": "torn"})
        elif d.defect.kind == UNTERMINATED_LAST_LINE:
            yield finding(
                "last record has no newline after it: Claude Code's next append would be glued onto it",
                line=d.line,
                severity_override=WARNING,
                data={"kind": "unterminated"},
            )


def fix(f, plan):
    if (f.data or {}).get("kind") == "unterminated":
        plan.add_newline(f, f.line)
    else:
        plan.remove_line(f, f.line)
