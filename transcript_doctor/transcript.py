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
from .records import CODEX_TYPES, Record, looks_like_codex, summarise


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
    violations: list[SchemaViolation] = field(default_factory=list)
    format: str = "claude-code"  # or "codex", "empty"
    fingerprint: tuple[int, int, int] = (0, 0, 0)  # size, mtime_ns, inode when it was opened
    other_lines: int = 0  # lines that parsed but hold no record we model (non-objects)

    # the schema check of a large file, still running beside the analysis (see `_SideValidation`)
    pending_validation: "_PendingValidation | None" = field(default=None, repr=False)
    refused_lines: list[int] = field(default_factory=list, repr=False)  # what that check found unreadable
    typed_unchecked: bool = False  # the typed path left the UTF-8 check to that process

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def schema_violations(self) -> list[SchemaViolation]:
        """Every record that breaks its schema, by line. On a large file the check runs in a
        process of its own while this one builds the tree and runs the other rules; the first
        read of this list waits for it."""
        if self.pending_validation is not None:
            pending, self.pending_validation = self.pending_validation, None
            violations, self.refused_lines = pending.finish()
            self.violations.extend(violations)
            self.violations.sort(key=lambda v: v.line)
        return self.violations

    def misread_lines(self) -> set[int]:
        """Lines the typed path read although orjson refuses them (bytes that are not UTF-8 in a
        field no rule reads: the typed path does not look there when the check beside the load
        reads every line anyway). Empty unless that happened; then `analysis.analyse` reads the
        file again with these lines on the full path."""
        if not self.typed_unchecked:
            return set()
        self.schema_violations  # the check beside the load knows which lines orjson refuses
        flagged = {d.line for d in self.defects}
        return {n for n in self.refused_lines if n not in flagged}

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


@dataclass
class Carried:
    """What a repair pass hands to the load of the file it wrote: its records, and for every line
    it wrote the line of the previous file it copied byte for byte (None: changed or new). The
    load moves those records over instead of decoding their lines again."""

    records: list[Record]
    violations: list[SchemaViolation]
    copied_from: list[int | None]


def load(path: str | os.PathLike[str], *, validate: bool = True, progress: Callable[[int], None] | None = None,
         carried: Carried | None = None, full_lines: frozenset[int] = frozenset()) -> Transcript:
    """Read `path` into a Transcript. Raises reader.UnreadableInput only when the path itself
    cannot be read; anything wrong inside the file becomes a defect. With `carried`, the records
    of lines copied from the previous pass are moved over, not decoded (their owner must be done
    with them: their line numbers change). `full_lines` take the full path whatever their size."""
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
        record_errors = valid = None
        side = None
        if validate:
            from .schemas import record_checker, record_errors

            if carried is None:
                side = _SideValidation.start(path, size, transcript.fingerprint)
            valid = None if side else record_checker()
        codex_votes = 0
        records = transcript.records
        moved = _Mover(carried, transcript) if carried is not None else None
        # Without a schema check in this process, lines are decoded straight into the fields the
        # rules read (decode.py); the check needs the whole parsed object, so it keeps orjson.
        typed = valid is None
        if typed:
            from .decode import decode_line, summarise_typed  # msgspec is loaded only for this path
        # The process beside reads every line with orjson: the typed path need not check UTF-8 too.
        check_utf8 = side is None
        transcript.typed_unchecked = typed and not check_utf8
        try:
            for number, offset, chunk, is_last in reader.iter_chunks(handle, size):
                transcript.line_count = number
                if moved is not None and moved.take(number, offset, len(chunk)):
                    continue
                if typed and number > 1 and not is_last and number not in full_lines:
                    line = decode_line(chunk, check_utf8)
                    if line is not None and line.type not in CODEX_TYPES:
                        record = summarise_typed(line, number, offset, len(chunk))
                        if record is not None:
                            records.append(record)
                            if progress is not None:
                                progress(offset + len(chunk))
                            continue
                raw = reader.raw_line(number, offset, chunk, is_last)
                value = raw.value
                if raw.defects or type(value) is not dict:
                    _take(transcript, raw, None if side else record_errors)
                    codex_votes += raw.parsed and isinstance(value, dict) and looks_like_codex(value)
                else:
                    record = summarise(value, raw.number, raw.offset, raw.length)
                    records.append(record)
                    if record.type in CODEX_TYPES and looks_like_codex(value):
                        codex_votes += 1
                    elif valid is not None and not valid(value):
                        _note_violations(transcript, record, value, record_errors)
                if progress is not None:
                    progress(offset + len(chunk))
        except OSError as exc:
            if side:
                side.abandon()
            raise reader.UnreadableInput(f"{path}: read failed ({exc.strerror or exc})") from None
    if side:
        transcript.pending_validation = _PendingValidation(side, path, size)
    if size == 0 or (not transcript.records and not transcript.defects):
        transcript.format = "empty"
    elif codex_votes and codex_votes >= len(transcript.records) // 2:
        transcript.format = "codex"
    return transcript


class _Mover:
    """Walks the previous pass's records (in line order) beside the lines of the file it wrote."""

    def __init__(self, carried: Carried, transcript: Transcript) -> None:
        self.copied_from = carried.copied_from
        self.previous = carried.records
        self.at = 0  # the first previous record not yet moved or passed
        self.violations: dict[int, list[SchemaViolation]] = {}
        for v in carried.violations:
            self.violations.setdefault(v.line, []).append(v)
        self.records = transcript.records
        self.found = transcript.violations

    def take(self, number: int, offset: int, length: int) -> bool:
        """Move the record of a line copied from the previous file; False: decode this line."""
        source = self.copied_from[number - 1] if number <= len(self.copied_from) else None
        if source is None:
            return False
        previous, at = self.previous, self.at
        while at < len(previous) and previous[at].line < source:
            at += 1
        self.at = at
        record = previous[at] if at < len(previous) and previous[at].line == source else None
        if record is None or record.length != length:
            return False
        self.at = at + 1
        record.line = number
        record.offset = offset
        self.records.append(record)
        for v in self.violations.get(source, ()):
            self.found.append(SchemaViolation(number, v.uuid, v.schema, v.path, v.message))
        return True


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
        _note_violations(transcript, record, value, record_errors)


def _note_violations(transcript: Transcript, record: Record, value: dict[str, Any], record_errors) -> None:
    for schema, path, message in record_errors(value):
        transcript.violations.append(SchemaViolation(record.line, record.uuid, schema, path, message))


# ---- schema validation beside the load ------------------------------------------------------
# Checking every record against its schema is a third of a load's work and independent of the
# rest, so on a large file a forked process does it while this one summarises: it reads the same
# bytes again and sends back only the violations. Anything unexpected (no fork, a file changed in
# between, a failed child) falls back to validating in this process.

SIDE_VALIDATION_MIN_BYTES = 8 * 1024 * 1024
side_validation_allowed = True  # scan's worker processes turn it off: their cores are taken


def validate_lines(path, size: int, valid, record_errors, refused: list[int] | None = None):
    """Yield a SchemaViolation for every record in the first `size` bytes of `path` that breaks
    its schema; the same records `load` would check (parsed objects, Codex lines excepted).
    `refused` collects the lines that are not one clean JSON object."""
    with open(path, "rb") as handle:
        for raw in reader.iter_lines(handle, size):
            value = raw.value
            if refused is not None and (raw.defects or type(value) is not dict) and not raw.blank:
                refused.append(raw.number)
            if type(value) is dict and not valid(value) and not looks_like_codex(value):
                uuid = value.get("uuid")
                uuid = uuid if isinstance(uuid, str) and len(uuid) < 200 else None
                for schema, where, message in record_errors(value):
                    yield SchemaViolation(raw.number, uuid, schema, where, message)


@dataclass
class _PendingValidation:
    side: "_SideValidation"
    path: str | os.PathLike[str]
    size: int

    def finish(self) -> tuple[list[SchemaViolation], list[int]]:
        """The violations, and the lines that are not one clean JSON object."""
        found = self.side.result()
        if found is None:  # the side process failed: validate here after all
            from .schemas import record_checker, record_errors

            refused: list[int] = []
            found = list(validate_lines(self.path, self.size, record_checker(), record_errors, refused)), refused
        return found


class _SideValidation:
    def __init__(self, pid: int, read_end: int) -> None:
        self.pid = pid
        self.read_end = read_end

    @classmethod
    def start(cls, path, size: int, fingerprint: tuple[int, int, int]) -> "_SideValidation | None":
        if not side_validation_allowed or size < SIDE_VALIDATION_MIN_BYTES or not hasattr(os, "fork"):
            return None
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if cores < 2:
            return None
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the side process: never returns
            code = 1
            try:
                os.close(read_end)
                from .schemas import record_checker, record_errors

                st = os.stat(path)
                if st.st_ino == fingerprint[2] and st.st_size >= size:  # still the file being loaded
                    refused: list[int] = []
                    found = [(v.line, v.uuid, v.schema, v.path, v.message)
                             for v in validate_lines(path, size, record_checker(), record_errors, refused)]
                    with os.fdopen(write_end, "wb") as out:
                        out.write(orjson.dumps({"violations": found, "refused": refused}))
                    code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        return cls(pid, read_end)

    def result(self) -> "tuple[list[SchemaViolation], list[int]] | None":
        with os.fdopen(self.read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            found = orjson.loads(data)
            return [SchemaViolation(*row) for row in found["violations"]], found["refused"]
        except (orjson.JSONDecodeError, TypeError, KeyError):
            return None

    def abandon(self) -> None:
        try:
            os.kill(self.pid, 9)
        except OSError:
            pass
        self.result()
