"""The file's own request log disagrees with the projection: a client behaviour not yet modelled.

Claude Code 2.1.3xx logs every request it sends in ``api-request`` records (the messages it kept
from the request before, and hashes of the new ones; ``api-request-blob`` records hold what cannot
be rebuilt from the conversation). That log is the file's own ground truth for ``messages.N``.
transcript-doctor rebuilds the last logged request and compares it, message by message, with the
conversation it projects for the same client. A difference means the indexes in other findings
may be off near that message: the client did something the profile does not model yet (a new
client version, a message it added or left out). This is information; nothing is repaired.

Failing example (the last request logged a message that the conversation does not hold)::

    {"type":"user","uuid":"u1",...,"message":{"role":"user","content":"hi"}}
    {"type":"api-request","keep":0,"tail":["<hash of a message that is not u1>"],...}

Passing example (every logged message is the projected one at the same index)::

    {"type":"user","uuid":"u1",...,"message":{"role":"user","content":"hi"}}
    {"type":"api-request","keep":0,"tail":["<hash of messages.0>"],...}
"""

from ..findings import INFO, NO_FIX
from ._base import factory

CODE = "TD107"
NAME = "request-log-mismatch"
SEVERITY = INFO
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)

SHOWN = 3  # differences reported; the first ones matter, the rest usually follow from them


def check(context):
    if not any(r.type == "api-request" for r in context.transcript.records):
        return
    from ..wire import RecordReader, logged_requests, message_hash, message_json, normalised

    main = context.main
    if main is None:
        return
    reader = RecordReader(context.transcript, context.profile)
    try:
        logs = logged_requests(context.transcript, [], reader, session_id=context.tree.expected_session, last_only=True)
        if not logs:
            return
        last = logs[-1]
        # Where the client's own additions sit (messages 0 and 1) and the messages new in the last
        # request: a message added or left out anywhere before them shifts these too. Checking
        # only these keeps a 100 MB session from being rebuilt message by message.
        checked = sorted({0, 1} | set(range(last.keep, len(last.hashes))))
        checked = [n for n in checked if n < len(main.messages)]
        near = {n + d for n in checked for d in (-2, -1, 0, 1, 2) if 0 <= n + d < len(main.messages)}
        projected = {n: message_json(main.messages[n], reader) for n in sorted(near)}
        by_hash = {message_hash(m): m for m in projected.values()}
        shown = 0
        for n in checked:
            mine = projected[n]
            logged_hash = last.hashes[n]
            if message_hash(mine) == logged_hash:
                continue
            # A hash that resolves to nothing proves little (the client's hashing of some messages
            # is not reproduced); a resolved message that differs is a real difference.
            logged = last.messages[n] or by_hash.get(logged_hash)
            if logged is None or normalised(logged) == normalised(mine):
                continue
            msg = main.messages[n]
            yield finding(
                f"the last request {context.profile.name} logged (line {last.line}) sent {_describe(logged)} as messages.{n},"
                f" where transcript-doctor projects {_describe(mine)} from line {msg.first_line}:"
                " indexes near it may differ from the client's",
                record=msg.records[0] if msg.records else last.record,
                api_message=msg,
            )
            shown += 1
            if shown == SHOWN:
                break
    finally:
        reader.close()


def _describe(message: dict) -> str:
    content = message.get("content")
    kinds = [b.get("type", "?") for b in content if isinstance(b, dict)] if isinstance(content, list) else ["text"]
    return f"a {message.get('role', '?')} message ({', '.join(kinds) or 'no content'})"
