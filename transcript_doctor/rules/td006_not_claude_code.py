"""The file is not a Claude Code session transcript (for example a Codex CLI rollout).

transcript-doctor reads Claude Code's session JSONL. A Codex rollout (records of type
``session_meta``, ``response_item``, ``event_msg``, ``turn_context``) is recognised and reported
as such, so that it is not mistaken for a broken Claude Code file; none of the other rules run
on it.

Failing example::

    {"timestamp":"2025-10-01T10:00:00Z","type":"session_meta","payload":{"id":"...","cli_version":"0.47.0"}}

Passing example::

    {"type":"user","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"hi"},...}
"""

from ..findings import INFO, NO_FIX
from ._base import factory

CODE = "TD006"
NAME = "not-claude-code"
SEVERITY = INFO
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)


def check(context):
    t = context.transcript
    if t.format == "codex":
        first = t.records[0].line if t.records else 1
        f = finding(
            f"a Codex CLI rollout ({len(t.records):,} records), not a Claude Code session: no other rule applies",
            line=first,
        )
        f.where = "file"
        yield f
