"""Records whose sessionId differs from the session the file is named after.

Claude Code names a session file after its session id. Records of another session appear after
``--continue``/``--resume`` in some versions, or when files were concatenated by hand. This is
information for whoever reads the file (which session a message really belongs to); it does not
stop resume. Sub-agent files (``agent-*.jsonl``) carry their parent's session id and are not
checked.

Failing example (file 3f2c....jsonl)::

    {"type":"user","sessionId":"3f2c...","uuid":"u1",...}
    {"type":"user","sessionId":"9a01...","uuid":"u2","parentUuid":"u1",...}

Passing example::

    {"type":"user","sessionId":"3f2c...","uuid":"u1",...}
    {"type":"user","sessionId":"3f2c...","uuid":"u2","parentUuid":"u1",...}
"""

from ..findings import INFO, NO_FIX
from ._base import factory

CODE = "TD104"
NAME = "foreign-session"
SEVERITY = INFO
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    t = context.transcript
    expected = context.tree.expected_session
    if expected is None or context.tree.sidechain_only:
        return
    runs: dict[str, list] = {}
    for rec in t.records:
        if rec.session_id and rec.session_id != expected:
            runs.setdefault(rec.session_id, []).append(rec)
    for session, recs in runs.items():
        yield finding(
            f"{len(recs):,} record(s) of session {session} (first on line {recs[0].line}) in the file of session {expected}",
            record=recs[0],
        )
