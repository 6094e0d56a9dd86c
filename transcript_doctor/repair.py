"""Stage 7 (write side): turn findings into a `RepairPlan` of per-line edits.

Each rule that can repair owns its repair (`rule.fix(finding, plan)`); the plan offers the edit
primitives they share. A plan never drops data silently: every removed or changed line is
recorded as a `Change` (for the report) and its original bytes go to the rejects file. Lines no
edit touches are copied by the writer byte for byte.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from .analysis import Analysis
from .findings import NO_FIX, UNSAFE, Finding
from .records import Record
from .rules import Rule, catalog

MISSING_RESULT_TEXT = (
    "[transcript-doctor] The result of this tool call was never recorded: the call was interrupted"
    " before it finished. Whether the tool ran is unknown."
)
# What fills a message left empty: said plainly, and unlike Claude Code's own "(no content)", which
# marks messages the client emptied itself (TD206).
NO_CONTENT = "(empty message)"
_UUID_RE = re.compile(rb'"uuid"\s*:\s*"([^"\\]+)"')
_PARENT_RE = re.compile(rb'"parentUuid"\s*:\s*"([^"\\]+)"')


@dataclass
class Change:
    code: str
    line: int | None  # input line the change is about
    action: str  # removed | changed | inserted | newline | relinked
    description: str
    new_line: int | None = None  # output line, filled by the writer

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "line": self.line,
            "action": self.action,
            "description": self.description,
            "output_line": self.new_line,
        }


@dataclass
class Skipped:
    finding: Finding
    reason: str


@dataclass
class RepairPlan:
    analysis: Analysis
    unsafe: bool = False
    removed: dict[int, str] = field(default_factory=dict)  # line -> code
    values: dict[int, Any] = field(default_factory=dict)  # line -> edited parsed value
    replaced_bytes: dict[int, bytes] = field(default_factory=dict)  # line -> new raw bytes
    add_newline_at: set[int] = field(default_factory=set)
    inserted: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # after line -> new records
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # the line repairs (TD0xx) of this plan were followed by the next phase's, in the same pass:
    # their rejects are written first, as if they had had a pass of their own
    lines_phase_done: bool = False

    # ---- lookups -------------------------------------------------------------------------
    @property
    def tree(self):
        return self.analysis.tree

    def record_at(self, line: int) -> Record | None:
        """The record on `line`: found by bisection (records are in line order), not through a
        dict of every record, which a large file's repair would hold beside its analysis."""
        records = self.analysis.transcript.records
        i = bisect_left(records, line, key=_line_of)
        return records[i] if i < len(records) and records[i].line == line else None

    def value(self, line: int) -> dict[str, Any]:
        """The parsed record on `line`, as edited so far (edits accumulate on one copy)."""
        if line not in self.values:
            rec = self.record_at(line)
            self.values[line] = self.analysis.transcript.read_value(rec)
        return self.values[line]

    def content(self, line: int) -> Any:
        value = self.value(line)
        message = value.get("message")
        if isinstance(message, dict):
            return message.get("content")
        return value.get("content")  # local_command system records carry their text here

    def set_content(self, line: int, content: Any) -> None:
        value = self.value(line)
        message = value.get("message")
        if isinstance(message, dict):
            message["content"] = content
        else:
            value["content"] = content

    @property
    def touched_lines(self) -> set[int]:
        return set(self.removed) | set(self.values) | set(self.replaced_bytes)

    # ---- primitives the rules call -------------------------------------------------------
    def note(self, f: Finding, action: str, description: str, line: int | None = None) -> None:
        self.changes.append(Change(f.code, line if line is not None else f.line, action, description))

    def remove_line(self, f: Finding, line: int) -> None:
        if line in self.removed:
            return
        self.removed[line] = f.code
        self.values.pop(line, None)
        rec = self.record_at(line)
        size = self._line_size(line)
        self.note(f, "removed", f"removed line ({size:,} bytes), kept in the rejects file", line)
        if rec is not None and rec.uuid:
            still_there = any(
                r.uuid == rec.uuid and r.line != line and r.line not in self.removed for r in self.analysis.transcript.records
            )
            if not still_there:
                self._relink_children(f, rec.uuid, rec.parent, line)
        elif rec is None:
            self._relink_around_unparsed(f, self._raw_line(line), line)

    def _relink_around_unparsed(self, f: Finding, raw: bytes, line: int) -> tuple[str | None, str | None]:
        """A line that does not parse may still name its uuid and parent: children of the lost
        record are re-linked to its parent, exactly the link the record itself made."""
        m_uuid, m_parent = _UUID_RE.search(raw), _PARENT_RE.search(raw)
        if m_uuid is None and m_parent is None:
            return None, None
        parent = m_parent.group(1).decode("utf-8", "replace") if m_parent else None
        if parent is not None and parent not in self.tree.by_uuid:
            parent = None
        if m_uuid:
            own = m_uuid.group(1).decode("utf-8", "replace")
        else:
            # Claude Code writes "uuid" after "message", so a cut-off record rarely shows its own
            # uuid. The record it was is the one the next dangling parentUuid after it names.
            dangling = [r for r in self.tree.missing_parents if r.line > line]
            if not dangling or parent is None:
                return None, parent
            own = dangling[0].parent
        if own not in self.tree.by_uuid:
            self._relink_children(f, own, parent, line)
        return own, parent

    def keep_tail(self, f: Finding, line: int, at: int) -> None:
        raw = self._raw_line(line)
        tail = raw[at:]
        own, parent = self._relink_around_unparsed(f, raw[:at], line)
        tail_value = orjson.loads(tail)
        if own is not None and tail_value.get("parentUuid") == own:
            # The complete record was a child of the cut-off one: it takes that record's parent.
            tail_value["parentUuid"] = parent
            self.replaced_bytes[line] = orjson.dumps(tail_value)
        else:
            self.replaced_bytes[line] = tail
        self.note(f, "changed", f"dropped the cut-off record ({at:,} bytes, kept in the rejects file); kept the complete record after it", line)

    def split_line(self, f: Finding, line: int, at: int) -> None:
        raw = self._raw_line(line)
        self.replaced_bytes[line] = raw[:at] + b"\n" + raw[at:]
        self.note(f, "changed", "split two glued records into two lines", line)

    def add_newline(self, f: Finding, line: int) -> None:
        self.add_newline_at.add(line)
        self.note(f, "newline", "added the missing newline at the end of the file", line)

    def clean_encoding(self, f: Finding, line: int, encoding: str | None) -> None:
        raw = self._raw_line(line)
        if encoding == "bom":
            self.replaced_bytes[line] = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
            self.note(f, "changed", "removed the byte order mark", line)
            return
        if encoding == "nul":
            cleaned = raw.replace(b"\x00", b"")
            try:
                orjson.loads(cleaned)
            except orjson.JSONDecodeError:
                self.remove_line(f, line)
                return
            self.replaced_bytes[line] = cleaned
            self.note(f, "changed", f"removed {raw.count(0):,} NUL bytes, which recovers the record", line)
            return
        text = raw.decode("utf-8", "replace")
        if encoding == "surrogate":
            import json

            value = json.loads(text)
            self.values[line] = _replace_surrogates(value)
            self.note(f, "changed", "replaced lone surrogate escapes with U+FFFD", line)
            return
        self.replaced_bytes[line] = text.encode("utf-8")
        self.note(f, "changed", "wrote U+FFFD for the invalid bytes, as Claude Code reads them", line)

    def relink(self, f: Finding, line: int, parent: str | None, why: str) -> None:
        self._set_parent(f, line, parent, why)

    def relink_to_previous(self, f: Finding, line: int, avoid_lines: set[int] | None = None) -> None:
        rec = self.record_at(line)
        if rec is None:
            return
        avoid = set(avoid_lines or ()) | self._descendant_lines(rec)
        candidates = [
            r
            for r in self.analysis.transcript.records
            if r.line < line and r.uuid and r.uuid != rec.uuid and r.line not in avoid and r.sidechain == rec.sidechain
            and r.line not in self.removed and r.is_message
        ]
        new_parent = candidates[-1].uuid if candidates else None
        self.value(line)["parentUuid"] = new_parent
        where = f"line {candidates[-1].line}" if candidates else "nothing (a new root)"
        self.note(f, "relinked", f"parentUuid now points to {where}", line)

    def insert_missing_result(self, f: Finding) -> None:
        after_line = f.data["after_line"]
        anchor = self.record_at(after_line)
        base = self.analysis.transcript.read_value(anchor)
        existing = self.inserted.setdefault(after_line, [])
        parent_uuid = existing[-1]["uuid"] if existing else anchor.uuid
        successor = self._chain_successor(anchor)
        stamp = timestamp_between(
            existing[-1]["timestamp"] if existing else anchor.timestamp,
            successor.timestamp if successor else None,
        )
        record: dict[str, Any] = {}
        for key in ("parentUuid", "isSidechain", "userType", "cwd", "sessionId", "version", "gitBranch", "agentId", "slug"):
            if key in base:
                record[key] = base[key]
        record["parentUuid"] = parent_uuid
        record["type"] = "user"
        record["message"] = {
            "role": "user",
            "content": [
                {"tool_use_id": f.tool_use_id, "type": "tool_result", "content": MISSING_RESULT_TEXT, "is_error": True}
            ],
        }
        # Derived from what the record answers, not random: the same input always gives the same output.
        record["uuid"] = inserted_uuid(base.get("sessionId"), parent_uuid, f.tool_use_id)
        record["timestamp"] = stamp
        record["toolUseResult"] = "Error: " + MISSING_RESULT_TEXT
        existing.append(record)
        name = f" ({f.data.get('name')})" if f.data.get("name") else ""
        self.note(f, "inserted", f"inserted an error tool_result for {f.tool_use_id}{name} after line {after_line}", after_line)
        if successor is not None:
            self._set_parent(f, successor.line, record["uuid"], f"re-linked to the inserted tool_result for {f.tool_use_id}")

    def move_result(self, f: Finding) -> None:
        result_line = f.data["result_line"]
        after_line = f.data["after_line"]
        result = self.record_at(result_line)
        anchor = self.record_at(after_line)
        if result is None or anchor is None:
            return
        old_parent = result.parent
        successor = self._chain_successor(anchor)
        if successor is not None and successor.uuid == result.uuid:
            return
        # Children of the result now hang from its old parent; the anchor's successor from the result.
        self._relink_children(f, result.uuid, old_parent, result_line)
        self._set_parent(f, result_line, anchor.uuid, f"moved the tool_result for {f.tool_use_id} to right after line {after_line}")
        if successor is not None:
            self._set_parent(f, successor.line, result.uuid, f"re-linked after the moved tool_result (line {result_line})")
        self.value(result_line)["timestamp"] = timestamp_between(anchor.timestamp, successor.timestamp if successor else None)

    def result_to_text(self, f: Finding) -> None:
        line = f.line
        content = self.content(line)
        if not isinstance(content, list):
            return
        for i, block in enumerate(content):
            if isinstance(block, dict) and block.get("type") == "tool_result" and block.get("tool_use_id") == f.tool_use_id:
                inner = block.get("content")
                if isinstance(inner, list):
                    texts = [b.get("text", "") for b in inner if isinstance(b, dict) and b.get("type") == "text"]
                    inner = "\n".join(texts)
                text = f"[tool result for {f.tool_use_id}, whose call is missing from this conversation]\n{inner if isinstance(inner, str) else ''}"
                content[i] = {"type": "text", "text": text}
                self.note(f, "changed", f"kept the orphan tool_result for {f.tool_use_id} as a text block", line)
                return

    def drop_duplicate_block(self, f: Finding) -> None:
        self._drop_matching(f, f.line, lambda b: b.get("id") == f.tool_use_id or b.get("tool_use_id") == f.tool_use_id,
                            "removed the duplicate block")

    def rename_tool_id(self, f: Finding) -> None:
        new_id = f"{f.tool_use_id}_td{f.line}"
        for block in self.content(f.line) or []:
            if isinstance(block, dict) and block.get("type") == "tool_use" and block.get("id") == f.tool_use_id:
                block["id"] = new_id
        self.note(f, "changed", f"renamed the repeated tool_use id to {new_id}", f.line)
        later = sorted(
            (r for r in self.analysis.transcript.records if r.line > f.line and any(
                b.kind == "tool_result" and b.tool_id == f.tool_use_id for b in r.blocks)),
            key=lambda r: r.line,
        )
        if later:
            for block in self.content(later[0].line) or []:
                if isinstance(block, dict) and block.get("type") == "tool_result" and block.get("tool_use_id") == f.tool_use_id:
                    block["tool_use_id"] = new_id
            self.note(f, "changed", f"renamed its tool_result to {new_id}", later[0].line)

    def fill_empty(self, f: Finding, line: int) -> None:
        content = self.content(line)
        self.set_content(line, NO_CONTENT if isinstance(content, str) or content is None else [{"type": "text", "text": NO_CONTENT}])
        self.note(f, "changed", f"wrote {NO_CONTENT!r} into the empty message", line)

    def drop_empty_text(self, f: Finding, line: int, index: int | None) -> None:
        content = self.content(line)
        if index is None or not isinstance(content, list):
            self.set_content(line, NO_CONTENT)
            self.note(f, "changed", f"wrote {NO_CONTENT!r} for the empty text", line)
            return
        if sum(1 for b in content if b is not None) <= 1:
            content[index] = {"type": "text", "text": NO_CONTENT}
            self.note(f, "changed", f"wrote {NO_CONTENT!r} for the empty text block", line)
            return
        content[index] = None
        self.note(f, "changed", f"removed empty text block {index}", line)

    def strip_trailing_whitespace(self, f: Finding, line: int, index: int | None) -> None:
        content = self.content(line)
        if isinstance(content, list) and index is not None and isinstance(content[index], dict):
            content[index]["text"] = content[index].get("text", "").rstrip()
        elif isinstance(content, str):
            self.set_content(line, content.rstrip())
        self.note(f, "changed", "stripped trailing whitespace from the final text", line)

    def drop_block(self, f: Finding, line: int, index: int | None) -> None:
        content = self.content(line)
        if index is None or not isinstance(content, list):
            return
        kind = content[index].get("type") if isinstance(content[index], dict) else "block"
        content[index] = None
        self.note(f, "changed", f"removed the {kind} block (original kept in the rejects file)", line)

    def replace_image(self, f: Finding, line: int, index: int | None, size: int) -> None:
        content = self.content(line)
        if index is None or not isinstance(content, list):
            return
        content[index] = {
            "type": "text",
            "text": f"[image removed by transcript-doctor: {size / 1024 / 1024:.1f} MB of base64, over the API's 5 MB limit]",
        }
        self.note(f, "changed", "replaced the oversized image with a text note (original kept in the rejects file)", line)

    # ---- helpers -------------------------------------------------------------------------
    def _line_size(self, line: int) -> int:
        return len(self._raw_line(line))

    def _raw_line(self, line: int) -> bytes:
        t = self.analysis.transcript
        rec = self.record_at(line)
        if rec is not None:
            return t.read_raw(rec)
        for d in t.defects:
            if d.line == line:
                probe = Record(line=line, offset=d.offset, length=d.length, type=None)
                return t.read_raw(probe)
        return b""

    def _descendant_lines(self, record: Record) -> set[int]:
        """Lines below `record` in the tree: linking to one of them would close a loop."""
        out: set[int] = set()
        stack = list(self.tree.children.get(record.uuid, ()))
        while stack:
            node = stack.pop()
            if node.line in out:
                continue
            out.add(node.line)
            stack.extend(self.tree.children.get(node.uuid, ()))
        return out

    def _chain_successor(self, record: Record) -> Record | None:
        """The child of `record` that the conversation containing it continues through."""
        children = [c for c in self.tree.children.get(record.uuid, ()) if c.line not in self.removed]
        if not children:
            return None
        main = self.analysis.context.main
        if main is not None:
            on_main = {r.uuid for r in main.chain.records}
            for child in children:
                if child.uuid in on_main:
                    return child
        return min(children, key=lambda c: c.line)

    def _set_parent(self, f: Finding, line: int, parent: str | None, why: str) -> None:
        self.value(line)["parentUuid"] = parent
        self.note(f, "relinked", why, line)

    def _relink_children(self, f: Finding, uuid: str, parent: str | None, line: int) -> None:
        for child in self.tree.children.get(uuid, ()):
            if child.line in self.removed:
                continue
            self._set_parent(f, child.line, parent, f"re-linked around line {line}")

    def _drop_matching(self, f: Finding, line: int, match, what: str) -> None:
        content = self.content(line)
        if not isinstance(content, list):
            return
        for i, block in enumerate(content):
            if isinstance(block, dict) and match(block):
                content[i] = None
                self.note(f, "changed", what, line)
                return

    def leaves_records_alone(self) -> bool:
        """Only lines that hold no record were removed (or given their newline): what the
        analysis knows of records, chains and conversations still holds."""
        return not (self.values or self.replaced_bytes or self.inserted) and all(
            self.record_at(line) is None for line in self.removed)

    def finish(self) -> None:
        """Compact removed blocks; a record left with no content is removed and re-linked around."""
        for line in sorted(self.values):
            message = self.values[line].get("message") if isinstance(self.values[line], dict) else None
            content = message.get("content") if isinstance(message, dict) else None
            if not (isinstance(content, list) and any(b is None for b in content)):
                continue
            kept = [b for b in content if b is not None]
            if kept:
                message["content"] = kept
                continue
            rec = self.record_at(line)
            code = next((c.code for c in self.changes if c.line == line), "TD000")
            parent = self.values.pop(line).get("parentUuid", rec.parent if rec else None)
            self.removed[line] = code
            self.changes.append(Change(code, line, "removed", "removed the record, left with no content; kept in the rejects file"))
            if rec is not None and rec.uuid:
                for child in self.tree.children.get(rec.uuid, ()):
                    if child.line not in self.removed:
                        self.value(child.line)["parentUuid"] = parent
                        self.changes.append(Change(code, child.line, "relinked", f"re-linked around removed line {line}"))


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {k: _replace_surrogates(v) for k, v in value.items()}
    return value


def _parse_ts(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _format_ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


INSERTED_NAMESPACE = uuidlib.UUID("6f1d2c1e-7a0b-5d7e-9c51-2b7d0c6f4a11")


def inserted_uuid(session_id: str | None, parent_uuid: str | None, tool_use_id: str | None) -> str:
    """The uuid of the tool_result record inserted for `tool_use_id` under `parent_uuid`."""
    return str(uuidlib.uuid5(INSERTED_NAMESPACE, f"missing-tool-result\0{session_id}\0{parent_uuid}\0{tool_use_id}"))


def timestamp_between(before: str | None, after: str | None) -> str:
    """A timestamp inside the gap (before, after]: resume follows the latest timestamp, so an
    inserted record must never look newer than the records that come after it."""
    start, end = _parse_ts(before), _parse_ts(after)
    if start is None:
        start = end or datetime.now(timezone.utc)
    candidate = start + timedelta(milliseconds=1)
    if end is not None and start < end <= candidate:
        candidate = start  # no millisecond free in the gap: tie with the record before it
    # When `after` is not later than `before`, resume never walks from it to `before` (it follows
    # the latest timestamp), so the new record only has to come after `before`.
    return _format_ts(candidate)


def fixable(f: Finding, rule: Rule) -> bool:
    if rule.scope == "file":
        return True
    return f.message_index is not None


def repair_phase(rule: Rule) -> int:
    """Lines first (a recovered line may restore a missing parent), then links, then conversations."""
    if rule.code.startswith("TD0"):
        return 0
    return 1 if rule.scope == "file" else 2


def _line_of(record: Record) -> int:
    return record.line


def plan_repairs(analysis: Analysis, unsafe: bool = False) -> RepairPlan:
    """The edits of one repair pass: only the earliest phase that has work (see `repair_phase`).
    Later phases are planned on the next pass, against the repaired file."""
    plan = RepairPlan(analysis=analysis, unsafe=unsafe)
    rules = {r.code: r for r in catalog()}
    todo = []
    for f in sorted(analysis.findings, key=lambda f: (f.line or 0, f.code)):
        rule = rules.get(f.code)
        if rule is None or f.fix == NO_FIX or not rule.can_fix:
            continue
        if not fixable(f, rule):
            plan.skipped.append(Skipped(f, f"not fixed: on a {f.where.replace('branch', 'side branch')}, which resume does not send"))
            continue
        if f.fix == UNSAFE and not unsafe:
            plan.skipped.append(Skipped(f, "not fixed: the repair is unsafe (it invents or drops content); use --unsafe-fixes"))
            continue
        todo.append((f, rule))
    phases = sorted({repair_phase(rule) for _, rule in todo})
    for phase in phases:
        for f, rule in todo:
            if repair_phase(rule) != phase:
                continue
            if f.code in ("TD102", "TD103") and f.line in plan.values and "parentUuid" in plan.values[f.line]:
                continue  # already re-linked by the repair of the line it pointed to
            rule.module.fix(f, plan)
        if not (phase == 0 and len(phases) > 1 and plan.leaves_records_alone()):
            break
        # The usual crash (a torn last line and a call that never got its result): the lines
        # repaired so far held no record, so the tree, the conversations and every other finding
        # are what this analysis found, and the next phase is planned now, in the same pass.
        plan.lines_phase_done = True
    plan.finish()
    return plan
