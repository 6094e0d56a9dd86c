"""Stages 1+2 together: load a file into a `Transcript` of records and line defects.

Loading streams the file once. What is kept per line is small (position and a content
summary); the raw bytes are read again by the writer when a repaired file is produced.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from . import reader
from .reader import LineDefect, RawLine
from .records import Record, looks_like_codex, summarise


@dataclass(slots=True)
class DefectiveLine:
    line: int
    offset: int
    length: int
    defect: LineDefect


@dataclass(slots=True)
class SchemaViolation:
    line: int
    uuid: str | None
    schema: str
    path: str
    message: str


@dataclass
class Transcript:
    path: Path
    size: int
    mtime: float
    line_count: int = 0
    blank_lines: int = 0
    records: list[Record] = field(default_factory=list)
    defects: list[DefectiveLine] = field(default_factory=list)
    schema_violations: list[SchemaViolation] = field(default_factory=list)
    format: str = "claude-code"  # or "codex", "empty"
    fingerprint: tuple[int, int, int] = (0, 0, 0)  # size, mtime_ns, inode when it was opened
    other_lines: int = 0  # lines that parsed but hold no record we model (non-objects)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def seconds_since_write(self) -> float:
        return max(0.0, time.time() - self.mtime)

    def read_raw(self, record: "Record") -> bytes:
        """The record's line as it is on disk, without its newline."""
        with open(self.path, "rb") as handle:
            handle.seek(record.offset)
            data = handle.read(record.length)
        return data[:-1] if data.endswith(b"\n") else data

    def read_value(self, record: "Record") -> Any:
        raw = self.read_raw(record)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return json.loads(raw.decode("utf-8", "replace").lstrip("\ufeff"))

    def read_content(self, record: "Record") -> Any:
        value = self.read_value(record)
        message = value.get("message") if isinstance(value, dict) else None
        return message.get("content") if isinstance(message, dict) else None

    def read_block(self, record: "Record", index: int | None) -> Any:
        content = self.read_content(record)
        if index is None or not isinstance(content, list) or index >= len(content):
            return content
        return content[index]

    @property
    def session_id_from_name(self) -> str | None:
        stem = self.path.stem
        if len(stem) == 36 and stem.count("-") == 4:
            return stem
        return None


def load(path: str | os.PathLike[str], *, validate: bool = True, progress: Callable[[int], None] | None = None) -> Transcript:
    """Read `path` into a Transcript. Raises reader.UnreadableInput only when the path itself
    cannot be read; anything wrong inside the file becomes a defect."""
    handle, size = reader.open_transcript(path)
    with handle:
        try:
            mtime = os.fstat(handle.fileno()).st_mtime
        except OSError:
            mtime = time.time()
        transcript = Transcript(path=Path(path), size=size, mtime=mtime)
        try:
            st = os.fstat(handle.fileno())
            transcript.fingerprint = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            pass
        record_errors = None
        if validate:
            from .schemas import record_errors
        codex_votes = 0
        try:
            for raw in reader.iter_lines(handle, size):
                transcript.line_count = raw.number
                _take(transcript, raw, record_errors)
                if raw.parsed and isinstance(raw.value, dict) and looks_like_codex(raw.value):
                    codex_votes += 1
                if progress is not None:
                    progress(raw.offset + raw.length)
        except OSError as exc:
            raise reader.UnreadableInput(f"{path}: read failed ({exc.strerror or exc})") from None
    if size == 0 or (not transcript.records and not transcript.defects):
        transcript.format = "empty"
    elif codex_votes and codex_votes >= len(transcript.records) // 2:
        transcript.format = "codex"
    return transcript


def _take(transcript: Transcript, raw: RawLine, record_errors) -> None:
    for defect in raw.defects:
        transcript.defects.append(DefectiveLine(raw.number, raw.offset, raw.length, defect))
    if not raw.parsed:
        if raw.blank and not raw.defects:
            transcript.blank_lines += 1
        return
    value = raw.value
    if not isinstance(value, dict):
        transcript.other_lines += 1
        return
    record = summarise(value, raw.number, raw.offset, raw.length)
    transcript.records.append(record)
    if record_errors is not None and not looks_like_codex(value):
        for schema, path, message in record_errors(value):
            transcript.schema_violations.append(SchemaViolation(raw.number, record.uuid, schema, path, message))
