"""Stage 8: write a repaired transcript from the original file and a `RepairPlan`.

The input is streamed a second time; untouched lines are copied byte for byte, in order.
Every removed or changed line's original bytes go to the rejects file. Output files are written
to a temporary file in the same folder, fsynced and renamed into place, so a crash at any
moment leaves the input and any earlier output intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import orjson

from . import reader
from .repair import RepairPlan


class WriteRefused(Exception):
    """The repair was not written, to keep data safe (the input changed, the folder is not writable...)."""


@contextmanager
def atomic_file(path: Path, mode: int | None = None, durable: bool = True) -> Iterator[BinaryIO]:
    """Write `path` through a temporary file in the same folder, renamed into place on success.
    `durable=False` skips the fsyncs: for the passes of a repair, private files that are made
    durable once, when the last of them is placed (`fixer.place`)."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteRefused(f"cannot write in {folder}: {exc.strerror or exc}") from None
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
        if durable:
            fsync_dir(folder)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def fsync_path(path: Path) -> None:
    """Make a file written without fsync durable before it is renamed into place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fingerprint(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ino


def render_lines(plan: RepairPlan, session_rewrite: tuple[bytes, bytes] | None = None) -> Iterator[tuple[int, str, bytes, bytes | None]]:
    """Yield (input line, kind, output bytes, original bytes or None) for every line of the result.

    kind is "copy", "changed", "removed" (output bytes empty) or "inserted".
    """
    transcript = plan.analysis.transcript
    handle, _ = reader.open_transcript(transcript.path)
    with handle:
        for number, _offset, chunk, _last in reader.iter_chunks(handle, transcript.size):
            body = chunk[:-1] if chunk.endswith(b"\n") else chunk
            if number in plan.removed:
                yield number, "removed", b"", body
            elif number in plan.replaced_bytes:
                yield number, "changed", _rewrite(plan.replaced_bytes[number], session_rewrite) + b"\n", body
            elif number in plan.values:
                yield number, "changed", _rewrite(orjson.dumps(plan.values[number]), session_rewrite) + b"\n", body
            else:
                out = chunk if chunk.endswith(b"\n") or number not in plan.add_newline_at else chunk + b"\n"
                yield number, "copy", _rewrite(out, session_rewrite), None
            for record in plan.inserted.get(number, ()):
                yield number, "inserted", _rewrite(orjson.dumps(record), session_rewrite) + b"\n", None


def _rewrite(data: bytes, session_rewrite: tuple[bytes, bytes] | None) -> bytes:
    if session_rewrite is None:
        return data
    return data.replace(session_rewrite[0], session_rewrite[1])


@dataclass
class PassResult:
    output: Path
    rejects: Path
    line_sources: list[int | None]  # for each output line, the input line it came from (None: inserted)
    rejected_lines: int
    copied_from: list[int | None]  # for each output line, the input line it is a byte-for-byte copy of


def write_pass(plan: RepairPlan, output: Path, rejects: Path, session_rewrite: tuple[bytes, bytes] | None = None) -> PassResult:
    """Write one repair pass: the repaired transcript to `output`, the original bytes of every
    removed or changed line to `rejects`. Both through temporary files, renamed when complete."""
    source = plan.analysis.transcript.path
    try:
        mode = os.stat(source).st_mode & 0o777
    except OSError:
        mode = None
    sources: list[int | None] = []
    copied: list[int | None] = []
    rejected = 0
    # A plan that did the line repairs and the next phase together keeps the rejects in the order
    # two passes wrote them: the lines repaired first, then the rest.
    later = tempfile.TemporaryFile(dir=rejects.parent) if plan.lines_phase_done else None
    with atomic_file(output, mode, durable=False) as out, atomic_file(rejects, mode, durable=False) as rej:
        for number, kind, data, original in render_lines(plan, session_rewrite):
            if original is not None:
                first = later is None or plan.removed.get(number, "").startswith("TD0")
                (rej if first else later).write(original + b"\n")
                rejected += 1
            if kind == "removed":
                continue
            out.write(data)
            lines = 1 if kind == "copy" else max(1, data.count(b"\n"))
            sources.extend([None if kind == "inserted" else number] * lines)
            verbatim = kind == "copy" and session_rewrite is None and number not in plan.add_newline_at
            copied.extend([number if verbatim else None] * lines)
        if later is not None:
            later.seek(0)
            shutil.copyfileobj(later, rej)
            later.close()
    return PassResult(output, rejects, sources, rejected, copied)


def copy_with_rewrite(source: Path, target: Path, session_rewrite: tuple[bytes, bytes] | None, mode: int | None) -> None:
    with open(source, "rb") as src, atomic_file(target, mode) as out:
        for chunk in src:
            out.write(_rewrite(chunk, session_rewrite))


def changed_message(source: Path) -> str:
    return (
        f"{source} changed while it was being repaired (is Claude Code still running this session?);"
        " the original is untouched"
    )


def backup_path(source: Path) -> Path:
    return _backup_path(source)


def _backup_path(source: Path) -> Path:
    candidate = source.with_name(source.name + ".bak")
    n = 1
    while candidate.exists():
        candidate = source.with_name(f"{source.name}.bak.{n}")
        n += 1
    return candidate
