"""`-` as a path: standard input for reading, standard output for writing.

Every stage reads a transcript from a file it can open again (fix reads its input once per
pass), so standard input is spooled into a private temporary file first; output meant for
standard output is written to a temporary file and streamed out once it is complete, so a
failed repair never sends half a transcript down a pipe.
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

STDIO = "-"
STDIN_LABEL = "<stdin>"


def is_stdio(path: str | os.PathLike[str] | None) -> bool:
    return path is not None and os.fspath(path) == STDIO


@contextmanager
def readable(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A file path to read `path` from: the path itself, or a spooled copy of standard input."""
    if not is_stdio(path):
        yield Path(path)
        return
    if sys.stdin is None or sys.stdin.isatty():
        from .reader import UnreadableInput

        raise UnreadableInput("-: standard input is a terminal, not a transcript: pipe one in (transcript-doctor check - < session.jsonl)")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="transcript-doctor-stdin-"))
    try:
        spooled = folder / "stdin.jsonl"
        with open(spooled, "wb") as out:
            source = getattr(sys.stdin, "buffer", None)
            if source is not None:
                shutil.copyfileobj(source, out)
            elif sys.stdin is not None:
                out.write(sys.stdin.read().encode("utf-8"))
        yield spooled
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def writable(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A file path to write `path` to: the path itself, or a temporary file that is copied to
    standard output when the block ends without an exception."""
    if not is_stdio(path):
        yield Path(path)
        return
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="transcript-doctor-stdout-"))
    try:
        staged = folder / "stdout"
        yield staged
        if staged.exists():
            send_to_stdout(staged)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def send_to_stdout(path: Path) -> None:
    sys.stdout.flush()
    target = getattr(sys.stdout, "buffer", None)
    with open(path, "rb") as handle:
        if target is None:
            sys.stdout.write(handle.read().decode("utf-8", "replace"))
        else:
            shutil.copyfileobj(handle, target)
            target.flush()


def input_path(path: str | os.PathLike[str]) -> Path:
    """`path`, or standard input spooled into a temporary file that lives until the process
    ends (for commands that read the transcript again while they print)."""
    if not is_stdio(path):
        return Path(path)
    import atexit

    context = readable(path)
    spooled = context.__enter__()
    atexit.register(context.__exit__, None, None, None)
    return spooled
