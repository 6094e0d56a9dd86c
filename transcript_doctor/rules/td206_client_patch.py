"""Records and requests that Claude Code patched itself: history the model saw altered.

From 2.1.20 Claude Code does not let broken tool pairing reach the API: it changes the request in
memory, and on resume it writes its own stand-ins into the file. The user sees no error; the model
sees a history that did not happen. This rule names each patch and what it replaced:

- a tool_result Claude Code wrote for a call the session ended on (``toolDenialKind:
  "interrupted"``, "[Tool call interrupted ...]"): the call's real output is lost;
- a ``<synthetic>`` assistant reply "No response requested." that Claude Code wrote between two
  user messages: the model never answered the prompt before it;
- in the request log (``api-request``), a result it invented ("[Tool result missing due to internal
  error]") or emptied ("(no content)").

These records are valid, so nothing is repaired; the finding says what was lost. Where the
original result or answer still exists elsewhere in the file, `show --branch` reaches it.

Failing example (the client's own result for an interrupted call)::

    {"type":"assistant","uuid":"a1",...,"message":{"content":[{"type":"tool_use","id":"toolu_01","name":"Bash",...}]}}
    {"type":"user","uuid":"r1","parentUuid":"a1","toolDenialKind":"interrupted",...,"message":{"content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"[Tool call interrupted ...]","is_error":true}]}}

Passing example (the tool's own result)::

    {"type":"user","uuid":"r1","parentUuid":"a1",...,"message":{"content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok"}]}}
"""

from ..findings import INFO, NO_FIX
from ._base import factory

CODE = "TD206"
NAME = "client-patch"
SEVERITY = INFO
FIX = NO_FIX
SCOPE = "file"
finding = factory(CODE, NAME, SEVERITY, FIX)

INTERRUPTED = "[Tool call interrupted"
NO_RESPONSE = "No response requested."
INVENTED = "[Tool result missing due to internal error]"
EMPTIED = "(no content)"


def check(context):
    main = context.main
    for rec in context.transcript.records:
        if rec.type == "user":
            for block in rec.blocks:
                if block.kind == "tool_result" and (rec.tool_denial == "interrupted" or block.head.startswith(INTERRUPTED)):
                    yield finding(
                        f'tool_result "{INTERRUPTED} ...]" for {block.tool_id} was written by Claude Code, not by the tool:'
                        " the call was cut off and its real output is lost",
                        record=rec, api_message=main.message_of(rec) if main else None, tool_use_id=block.tool_id,
                    )
        elif (rec.type == "assistant" and rec.model == "<synthetic>" and not rec.is_api_error
              and rec.blocks and rec.blocks[0].kind == "text" and rec.blocks[0].head.strip() == NO_RESPONSE):
            yield finding(
                f'"{NO_RESPONSE}" was written by Claude Code, not by the model: the prompt before it was never answered',
                record=rec, api_message=main.message_of(rec) if main else None,
            )
    yield from _logged_patches(context)


def _logged_patches(context):
    """Results the client invented or emptied in the requests it logged (api-request-blob)."""
    from ..wire import RecordReader

    blobs = [r for r in context.transcript.records if r.type == "api-request-blob"]
    if not blobs:
        return
    reader = RecordReader(context.transcript, context.profile)
    seen: set[tuple[str, str]] = set()
    try:
        for rec in blobs:
            value = reader.value(rec)
            message = value.get("message") if isinstance(value, dict) else None
            content = message.get("content") if isinstance(message, dict) else None
            if message and message.get("role") == "user" and _text(content) == EMPTIED and ("", EMPTIED) not in seen:
                seen.add(("", EMPTIED))
                yield finding(
                    f'a request Claude Code logged (line {rec.line}) sent "{EMPTIED}" in place of a message of tool'
                    " results whose calls are gone: the model never saw them",
                    record=rec,
                )
                continue
            for block in content if isinstance(content, list) else ():
                if not isinstance(block, dict) or block.get("type") != "tool_result":
                    continue
                text = _text(block.get("content"))
                tool_id = block.get("tool_use_id") if isinstance(block.get("tool_use_id"), str) else "?"
                if text.startswith(INVENTED):
                    what = f'a result it invented, "{INVENTED}",'
                elif text == EMPTIED:
                    what = f'an empty "{EMPTIED}" result'
                else:
                    continue
                if (tool_id, what) in seen:
                    continue
                seen.add((tool_id, what))
                yield finding(
                    f"a request Claude Code logged (line {rec.line}) sent {what} for {tool_id}: the model never saw"
                    " the call's real result",
                    record=rec, tool_use_id=tool_id,
                )
    finally:
        reader.close()


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""
