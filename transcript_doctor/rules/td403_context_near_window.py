"""The context is at (or past) the model's window and no compaction followed.

Claude Code records the ``usage`` of every response: input plus cache tokens is what the
conversation weighed at that request. When the last figure is within 5% of the window (200,000
tokens; 1,000,000 for 1M-context models) and no compaction came after it, the next request fails
with ``prompt is too long: X tokens > 200000 maximum`` and keeps failing on resume. Information
for the person triaging: ``transcript-doctor compact FILE`` writes a compacted session offline
(no model needed, so it works when ``/compact`` itself is too long), or ``/compact``, or fork the
session. An API error record that says "prompt is too long" is reported too. No automatic fix.

Failing example (last response)::

    {"type":"assistant",...,"message":{...,"usage":{"input_tokens":12,"cache_read_input_tokens":196000,...}}}

Passing example::

    {"type":"assistant",...,"message":{...,"usage":{"input_tokens":12,"cache_read_input_tokens":96000,...}}}
"""

from ..findings import NO_FIX, WARNING
from ._base import factory

CODE = "TD403"
NAME = "context-near-window"
SEVERITY = WARNING
FIX = NO_FIX
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)
MARGIN = 0.95


def window_for(model: str | None) -> int:
    return 1_000_000 if model and "1m" in model.lower() else 200_000


def check(conversation, context):
    if not conversation.is_main:
        return
    last = None
    for rec in conversation.chain.records:
        if rec.type == "assistant" and rec.usage_context and not rec.is_api_error:
            last = rec
        if rec.error_text and "prompt is too long" in rec.error_text:
            yield finding(f"the API refused a request: {rec.error_text}; `transcript-doctor compact` writes a session that fits", record=rec)
    if last is None:
        return
    window = window_for(last.model)
    if last.usage_context >= window * MARGIN:
        yield finding(
            f"the last response used {last.usage_context:,} of {window:,} context tokens"
            f" ({last.usage_context / window:.0%}) and no compaction followed: the next request may fail as too long"
            " (`transcript-doctor compact` writes a session that fits)",
            record=last,
            api_message=conversation.message_of(last),
        )
