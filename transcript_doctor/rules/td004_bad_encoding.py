"""Bytes that are not clean UTF-8 JSON text: invalid UTF-8, a BOM, NUL bytes, lone surrogates.

- A byte order mark at the start (a warning): Claude Code drops it, other tools may not.
- Invalid UTF-8 inside a record (a warning): Claude Code reads it as U+FFFD, so the text is
  already damaged; the fix writes the U+FFFD it reads.
- A line of NUL bytes (a warning): zeros a crash left behind; the fix removes the line.
- NUL bytes inside a record (an error): the line no longer parses and Claude Code drops it; the
  fix removes the NULs, which recovers the record.
- A lone UTF-16 surrogate escape such as ``\\ud83d`` without its pair (an error): the API rejects
  the whole request: "The request body is not valid JSON: no low surrogate in string". The fix
  replaces the lone half with U+FFFD.

The original bytes of every line the fix changes or removes are kept in ``<output>.rejects``.

Failing example (a tool result cut in the middle of an emoji)::

    {"type":"user",...,"message":{"role":"user","content":[{"type":"tool_result","content":"ok \\ud83d"}]}}

Passing example::

    {"type":"user",...,"message":{"role":"user","content":[{"type":"tool_result","content":"ok \\ud83d\\ude00"}]}}
"""

from ..findings import ERROR, SAFE, WARNING
from ..reader import BAD_ENCODING
from ._base import factory

CODE = "TD004"
NAME = "bad-encoding"
SEVERITY = ERROR
FIX = SAFE
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    defects = [d for d in context.transcript.defects if d.defect.kind == BAD_ENCODING]
    lines = {d.line for d in defects}
    by_line = {r.line: r for r in context.transcript.records if r.line in lines} if defects else {}
    for d in defects:
        record = by_line.get(d.line)
        # A lone surrogate makes the API refuse the request; NULs inside a record make Claude Code
        # drop the whole line. Both lose the session; the others are cosmetic for Claude Code.
        dropped = d.defect.encoding == "nul" and record is None and "nothing else" not in d.defect.detail
        severity = ERROR if d.defect.encoding == "surrogate" or dropped else WARNING
        consequence = {
            "bom": "Claude Code skips it; other readers may choke on the first record",
            "invalid-utf8": "Claude Code reads those bytes as U+FFFD",
            "nul": "Claude Code drops the line",
            "surrogate": 'the API rejects the request: "no low surrogate in string"',
        }.get(d.defect.encoding, "")
        yield finding(
            f"{d.defect.detail}: {consequence}",
            line=d.line,
            record=record,
            severity_override=severity,
            data={"encoding": d.defect.encoding},
        )


def fix(f, plan):
    plan.clean_encoding(f, f.line, (f.data or {}).get("encoding"))
