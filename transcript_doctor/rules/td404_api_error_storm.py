"""A run of API error records: the retry storms users report ("Request timed out", 529, 500...).

Claude Code writes an error record (``system``/``api_error`` with ``retryAttempt``, or an assistant
record with ``isApiErrorMessage``) for each failed request. Three or more in a row mean the
session spent that stretch retrying; the texts tell whether it was the network, an overloaded
service or a request the API will never accept (a 400, which retrying cannot fix: see the other
rules). Information for triage, no fix.

Failing example::

    {"type":"system","subtype":"api_error","error":{"message":"Request timed out."},"retryAttempt":1,...}
    {"type":"system","subtype":"api_error","error":{"message":"Request timed out."},"retryAttempt":2,...}
    {"type":"system","subtype":"api_error","error":{"message":"Request timed out."},"retryAttempt":3,...}

Passing example::

    {"type":"system","subtype":"api_error","error":{"message":"Request timed out."},"retryAttempt":1,...}
    {"type":"assistant",...,"message":{"id":"msg_2","role":"assistant","content":[{"type":"text","text":"Done."}]}}
"""

from ..findings import NO_FIX, WARNING
from ._base import factory

CODE = "TD404"
NAME = "api-error-storm"
SEVERITY = WARNING
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)
RUN = 3


def check(context):
    run = []
    for rec in context.transcript.records + [None]:
        if rec is not None and rec.error_text is not None:
            run.append(rec)
            continue
        if rec is not None and rec.type not in ("user", "assistant"):
            continue  # progress and other bookkeeping between retries do not end a storm
        if len(run) >= RUN:
            texts: dict[str, int] = {}
            for r in run:
                texts[r.error_text] = texts.get(r.error_text, 0) + 1
            common = max(texts, key=texts.get)
            yield finding(
                f"{len(run)} API errors in a row (lines {run[0].line}-{run[-1].line}), most often: {common}",
                record=run[0],
            )
        run = []
