"""Stage 1: read a transcript file line by line, never raising on its content.

Each line becomes a `RawLine`: where it sits in the file (number, byte offset, length), the
parsed JSON value when there is one, and a `LineDefect` when the bytes are not a clean JSON
line. Claude Code's own loader splits on newlines, drops a BOM, skips blank lines and silently
drops any line that does not parse; every one of those silent drops is surfaced here so that
the rules can report it.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

import orjson

BOM = b"\xef\xbb\xbf"

# Defect kinds, consumed by the TD00x rules.
INVALID_JSON = "invalid-json"
TORN_LAST_LINE = "torn-last-line"
UNTERMINATED_LAST_LINE = "unterminated-last-line"
NOT_AN_OBJECT = "not-an-object"
BAD_ENCODING = "bad-encoding"
TOO_DEEP = "too-deep"


@dataclass(slots=True)
class LineDefect:
    kind: str
    detail: str
    # For a line holding a cut-off record followed by a complete one (a crash, then an append):
    # the byte offset inside the line where the complete record starts.
    recoverable_at: int | None = None
    # The encoding sub-kind for bad-encoding: "bom", "invalid-utf8", "nul", "surrogate".
    encoding: str | None = None
    # Both parts around `recoverable_at` are complete records (only the newline is missing).
    glued: bool = False


@dataclass(slots=True)
class RawLine:
    number: int
    offset: int
    length: int  # bytes, including the newline when there is one
    terminated: bool
    raw: bytes  # the line (without its newline unless it parsed); only alive while it is processed
    value: Any = None
    parsed: bool = False
    defects: tuple[LineDefect, ...] = ()

    @property
    def blank(self) -> bool:
        return not self.raw.strip()


class UnreadableInput(Exception):
    """The path cannot be read as a transcript at all (missing, a directory, no permission...)."""


def open_transcript(path: str | os.PathLike[str]) -> tuple[BinaryIO, int]:
    """Open `path` for reading and return the handle with the size to read up to.

    The size is taken once, at open: a file that Claude Code is still appending to is read as
    it was at that moment, so a half-written line at the end is seen as torn, not half-read.
    """
    p = os.fspath(path)
    try:
        if not stat.S_ISREG(os.stat(p).st_mode) and not os.path.isdir(p):
            # Opening a pipe would block until something writes to it.
            raise UnreadableInput(f"{p}: not a regular file (a pipe or device); copy it to a file first")
    except OSError:
        pass  # open() below gives the precise reason
    try:
        handle = open(p, "rb")
    except FileNotFoundError:
        raise UnreadableInput(f"{p}: no such file") from None
    except IsADirectoryError:
        raise UnreadableInput(f"{p}: is a directory (give a .jsonl file, or use it with `scan`)") from None
    except PermissionError:
        raise UnreadableInput(f"{p}: permission denied") from None
    except OSError as exc:
        raise UnreadableInput(f"{p}: cannot open ({exc.strerror or exc})") from None
    try:
        st = os.fstat(handle.fileno())
    except OSError as exc:
        handle.close()
        raise UnreadableInput(f"{p}: cannot stat ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        handle.close()
        raise UnreadableInput(f"{p}: not a regular file (a pipe or device); copy it to a file first")
    try:
        head = handle.read(512)
        handle.seek(0)
    except OSError as exc:
        handle.close()
        raise UnreadableInput(f"{p}: read failed ({exc.strerror or exc})") from None
    problem = _sniff(head)
    if problem:
        handle.close()
        raise UnreadableInput(f"{p}: {problem}")
    return handle, st.st_size


def _sniff(head: bytes) -> str | None:
    """Files that are not UTF-8 text at all get one clear message, not a finding per line."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip-compressed, not a transcript: decompress it first (gunzip -k FILE)"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32 text; Claude Code writes UTF-8: convert it first (iconv -f UTF-32 -t UTF-8 FILE > NEW)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]):
        return "UTF-16 text; Claude Code writes UTF-8: convert it first (iconv -f UTF-16 -t UTF-8 FILE > NEW)"
    text_start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text_start and not text_start.startswith(b"{") and b"\x00" in head[:512]:
        return "binary data, not a JSONL transcript"
    return None


READ_BLOCK = 1 << 20


def iter_chunks(handle: BinaryIO, size: int) -> Iterator[tuple[int, int, bytes, bool]]:
    """(line number, byte offset, the line with its newline, is it the last one) for every line of
    the first `size` bytes: a file still being appended to is read as it was when it was opened.

    Reads a megabyte at a time and cuts lines out of it (a `readline` per line cost a fifth of a
    load); a line longer than a block is joined once from the blocks it spans."""
    offset = 0
    number = 0
    remaining = size
    pending: list[bytes] = []  # the start of a line that goes on in the next block
    while remaining > 0:
        block = handle.read(min(READ_BLOCK, remaining))
        if not block:
            break  # the file shrank since it was opened
        remaining -= len(block)
        start = 0
        cut = block.find(b"\n")
        if pending:
            if cut < 0:
                pending.append(block)
                continue
            pending.append(block[:cut + 1])
            chunk = b"".join(pending)
            pending = []
            start = cut + 1
            number += 1
            yield number, offset, chunk, remaining <= 0 and start >= len(block)
            offset += len(chunk)
            cut = block.find(b"\n", start)
        end = len(block)
        while cut >= 0:
            chunk = block[start:cut + 1]
            start = cut + 1
            number += 1
            yield number, offset, chunk, remaining <= 0 and start >= end
            offset += len(chunk)
            cut = block.find(b"\n", start)
        if start < end:
            pending.append(block[start:])
    if pending:
        number += 1
        yield number, offset, b"".join(pending), True


def iter_lines(handle: BinaryIO, size: int) -> Iterator[RawLine]:
    """Yield every line of the first `size` bytes of `handle`, parsed where possible."""
    for number, offset, chunk, is_last in iter_chunks(handle, size):
        yield raw_line(number, offset, chunk, is_last)


def raw_line(number: int, offset: int, chunk: bytes, is_last: bool) -> RawLine:
    """One line (with its newline, if it has one) parsed, or classified when it does not parse."""
    # The common case first: a complete line holding one JSON object (orjson reads past the
    # newline as whitespace). Everything else takes the full classification in `_parse`.
    if number > 1 and not is_last:
        try:
            value = orjson.loads(chunk)
        except (orjson.JSONDecodeError, RecursionError):
            value = None
        if type(value) is dict and chunk[-1:] == b"\n":
            return RawLine(number, offset, len(chunk), True, chunk, value, True)
    terminated = chunk.endswith(b"\n")
    line = RawLine(number=number, offset=offset, length=len(chunk), terminated=terminated,
                   raw=chunk[:-1] if terminated else chunk)
    _parse(line, is_last=is_last)
    return line


def _parse(line: RawLine, is_last: bool) -> None:
    body = line.raw
    defects: list[LineDefect] = []
    if line.number == 1 and body.startswith(BOM):
        defects.append(LineDefect(BAD_ENCODING, "starts with a UTF-8 byte order mark", encoding="bom"))
        body = body[len(BOM):]
    if not body.strip():
        line.defects = tuple(defects)
        return
    if not body.strip(b"\x00\r\n\t "):
        defects.append(
            LineDefect(BAD_ENCODING, f"{body.count(0):,} NUL bytes and nothing else (zeros left by a crash)", encoding="nul")
        )
        line.defects = tuple(defects)
        return
    try:
        line.value = orjson.loads(body)
        line.parsed = True
    except orjson.JSONDecodeError as exc:
        _parse_slow(line, body, str(exc), defects, is_last)
    except RecursionError:
        defects.append(LineDefect(TOO_DEEP, "JSON nested too deeply to read"))
    if line.parsed:
        if not isinstance(line.value, dict):
            defects.append(LineDefect(NOT_AN_OBJECT, f"a JSON {_json_kind(line.value)}, not an object"))
        elif is_last and not line.terminated:
            defects.append(LineDefect(UNTERMINATED_LAST_LINE, "the last record has no newline after it"))
    line.defects = tuple(defects)


def _parse_slow(line: RawLine, body: bytes, orjson_error: str, defects: list[LineDefect], is_last: bool) -> None:
    """Classify a line orjson rejects; recover what Claude Code (JSON.parse over UTF-8) would read."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        defects.append(
            LineDefect(
                BAD_ENCODING,
                f"invalid UTF-8 at byte {exc.start:,} of the line (read as U+FFFD)",
                encoding="invalid-utf8",
            )
        )
        text = body.decode("utf-8", "replace")
    if "\x00" in text:
        defects.append(LineDefect(BAD_ENCODING, f"{text.count(chr(0)):,} raw NUL bytes in the line", encoding="nul"))
    try:
        value = json.loads(text)
    except RecursionError:
        defects.append(LineDefect(TOO_DEEP, "JSON nested too deeply to read"))
        return
    except ValueError as exc:
        if any(d.encoding == "nul" for d in defects):
            return
        recoverable_at = _find_complete_tail(body)
        head_complete = recoverable_at is not None and _is_object(memoryview(body)[:recoverable_at])
        if head_complete:
            kind = INVALID_JSON
            detail = "two complete records glued on one line (the newline between them is missing)"
        elif is_last and not line.terminated and recoverable_at is None:
            kind, detail = TORN_LAST_LINE, f"last line is cut off after {len(line.raw):,} bytes (write interrupted)"
        elif recoverable_at is not None:
            kind = INVALID_JSON
            detail = (
                f"a cut-off record ({recoverable_at:,} bytes) with a complete record glued after it"
                " (a write was interrupted, then the next one appended)"
            )
        else:
            kind, detail = INVALID_JSON, f"not valid JSON: {_short_error(exc)}"
        defects.append(LineDefect(kind, detail, recoverable_at=recoverable_at, glued=head_complete))
        return
    line.value = value
    line.parsed = True
    if not any(d.kind == BAD_ENCODING for d in defects):
        # Valid UTF-8 and valid JSON for a lenient parser: orjson objects to a lone surrogate escape,
        # which the API rejects too ("no low surrogate in string").
        defects.append(
            LineDefect(BAD_ENCODING, f"a lone UTF-16 surrogate escape ({_short(orjson_error)})", encoding="surrogate")
        )


def _find_complete_tail(body: bytes) -> int | None:
    """Offset of a complete JSON object that ends the line after a cut-off one, if there is one."""
    start = 1
    for _ in range(64):
        at = body.find(b'{"', start)
        if at < 0:
            return None
        try:
            value = orjson.loads(memoryview(body)[at:])
        except orjson.JSONDecodeError:
            start = at + 1
            continue
        return at if isinstance(value, dict) else None
    return None


def _is_object(data) -> bool:
    try:
        return isinstance(orjson.loads(data), dict)
    except orjson.JSONDecodeError:
        return False


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def _short_error(exc: ValueError) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    col = getattr(exc, "pos", None)
    return f"{msg} at byte {col:,}" if isinstance(col, int) else _short(msg)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
