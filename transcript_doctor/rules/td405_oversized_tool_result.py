"""A tool result so large that it alone takes a large part of the context window.

A ``cat`` of a log file or a huge ``grep`` can return hundreds of kilobytes. Every later request
carries it again: it crowds out the conversation, triggers early compaction, and past the window
makes the session fail with ``prompt is too long``. Reported when one result is estimated at more
than a quarter of a 200,000-token window (about 4 characters a token). No automatic fix: the
content is the user's; ``transcript-doctor compact FILE --max-result-chars C`` keeps its head and
tail in a compacted copy (the whole result stays in the history and the rejects file), or
``/compact`` or a fork without it.

Failing example::

    {"type":"user",...,"content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"<300,000 characters of log>"}]}

Passing example::

    {"type":"user",...,"content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"<3,000 characters>"}]}
"""

from ..findings import NO_FIX, WARNING
from ._base import factory

CODE = "TD405"
NAME = "oversized-tool-result"
SEVERITY = WARNING
FIX = NO_FIX
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)
CHARS_PER_TOKEN = 4
SHARE = 0.25
WINDOW = 200_000


def check(conversation, context):
    if not conversation.is_main:
        return
    for msg in conversation.messages:
        for part in msg.tool_results():
            tokens = part.block.size // CHARS_PER_TOKEN
            if tokens > WINDOW * SHARE:
                yield finding(
                    f"tool_result for {part.block.tool_id} is about {tokens:,} tokens ({tokens / WINDOW:.0%} of a 200k window);"
                    " `transcript-doctor compact --max-result-chars` shrinks it",
                    api_message=msg,
                    part=part,
                    tool_use_id=part.block.tool_id,
                )
