"""Is a file a transcript at all? Files that sit beside sessions (a sub-agent's `.meta.json`
sidecar, a `MANIFEST.tsv`, notes) are named by globs such as `subagents/*`; checking them would
report a flood of "invalid JSON" lines about a file that was never meant to be JSON lines.

A `.jsonl` file is always a transcript, however broken (a torn or garbled session must be
checked). Any other file is one only when one of its first lines is a JSON object that looks
like a record (it has a `type`, a `uuid` or a `sessionId`).
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from .reader import UnreadableInput

RECORD_KEYS = ("type", "uuid", "sessionId", "parentUuid")
SNIFF_LINES = 20
SNIFF_BYTES = 1 << 20


class NotATranscript(UnreadableInput):
    """The file is readable but holds no transcript (a sidecar, a manifest, a note...)."""


def not_a_transcript_reason(path: str | os.PathLike[str]) -> str | None:
    """Why `path` is not a transcript, or None when it may be one (or cannot be read: the
    reader then gives the precise reason)."""
    p = Path(path)
    if p.suffix == ".jsonl" or not p.is_file():
        return None
    try:
        with open(p, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return None
    if not head.strip():
        return None  # an empty file is reported as such by check
    what = _kind(p)
    for line in head.split(b"\n")[:SNIFF_LINES]:
        line = line.strip().lstrip(b"\xef\xbb\xbf")
        if not line:
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict) and any(k in value for k in RECORD_KEYS):
            return None
    return f"not a transcript: {p} ({what}; transcripts are <session-id>.jsonl files of JSON records)"


def _kind(p: Path) -> str:
    name = p.name
    if name.endswith(".meta.json"):
        return "a sub-agent's metadata sidecar"
    if p.suffix in (".tsv", ".csv"):
        return "a table"
    if p.suffix == ".json":
        return "a JSON file"
    if p.suffix in (".md", ".txt", ".rst"):
        return "a text file"
    return "no JSON record in its first lines"


def check_is_transcript(path: str | os.PathLike[str]) -> None:
    reason = not_a_transcript_reason(path)
    if reason is not None:
        raise NotATranscript(reason)
