"""An image whose base64 data is over the API's 5 MB limit.

The API answers ``400 messages.N.content.M.image.source.base64: image exceeds 5 MB maximum``
for every later request of the session. The fix (unsafe: the image leaves the conversation; the
original line is kept in ``<output>.rejects``) replaces the image with a text block that says
what was there. ``transcript-doctor compact FILE --max-image-age K`` does the same for every image
older than K turns in a compacted copy, keeping the original history in the file.

Failing example::

    {"type":"user",...,"content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"<6 MB>"}}]}

Passing example::

    {"type":"user",...,"content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"<300 KB>"}}]}
"""

from ..findings import ERROR, UNSAFE
from ._base import factory

CODE = "TD306"
NAME = "oversized-image"
SEVERITY = ERROR
FIX = UNSAFE
SCOPE = "conversation"
finding = factory(CODE, NAME, SEVERITY, FIX)
LIMIT = 5 * 1024 * 1024


def check(conversation, context):
    for msg in conversation.messages:
        for part in msg.parts:
            if part.block.kind == "image" and part.block.size > LIMIT:
                yield finding(
                    f"image is {part.block.size / 1024 / 1024:.1f} MB of base64, over the API's 5 MB limit",
                    api_message=msg,
                    part=part,
                    data={"block": part.block.index, "size": part.block.size},
                )


def fix(f, plan):
    plan.replace_image(f, f.line, (f.data or {}).get("block"), (f.data or {}).get("size", 0))
