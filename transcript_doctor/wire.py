"""The request body behind a projection, and the request log Claude Code 2.1.3xx keeps in the file.

`message_json` turns a projected `ApiMessage` back into the JSON the client sends, reading the
blocks from the records' own lines (the projection keeps only summaries). `logged_requests`
rebuilds the `messages` of every `api-request` record: each logs the first `keep` messages of the
request before it plus the hashes of the messages after them (`tail`); a hash resolves to an
`api-request-blob` record or to a message rebuilt from the records. What cannot be resolved stays
a hash, so a new client behaviour shows up as a difference instead of a wrong index.
"""

from __future__ import annotations

import json

import orjson
from dataclasses import dataclass, field
from typing import Any

from .profiles import ClientProfile, profile_for
from .projection import ApiMessage, Conversation
from .records import Record, rendered_text, sent_content
from .transcript import Transcript


class RecordReader:
    """Reads records' lines again through one open handle, keeping the last few parsed."""

    KEEP = 256

    def __init__(self, transcript: Transcript, profile: ClientProfile | None = None) -> None:
        self.transcript = transcript
        self.profile = profile or profile_for(None)
        self._values: dict[int, Any] = {}
        self._handle = None

    def value(self, record: Record) -> Any:
        cached = self._values.get(record.line)
        if cached is None:
            try:
                cached = self._read(record)
            except (OSError, ValueError):
                cached = {}
            if len(self._values) >= self.KEEP:  # a few recent lines, never the whole file
                self._values.pop(next(iter(self._values)))
            self._values[record.line] = cached
        return cached

    def _read(self, record: Record) -> Any:
        if self._handle is None:
            self._handle = open(self.transcript.path, "rb")
        self._handle.seek(record.offset)
        raw = self._handle.read(record.length).rstrip(b"\r\n")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return self.transcript.read_value(record)  # the tolerant path: BOM, replaced bytes

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def content(self, record: Record) -> Any:
        return sent_content(self.value(record))

    def last_date(self) -> str:
        """The day of the file's last record: the date a client resuming it soon adds as context."""
        stamps = [r.timestamp for r in self.transcript.records[-50:] if r.timestamp]
        return max(stamps)[:10] if stamps else ""

    def rendered(self, record: Record) -> list[str]:
        value = self.value(record)
        if record.rendered_role is None:
            template = self.profile.attachment_text(record.attachment_type)
            attachment = value.get("attachment") if isinstance(value, dict) else None
            content = attachment.get("content") if isinstance(attachment, dict) else None
            return [template.format(content=content)] if template and isinstance(content, str) else []
        rendered = value.get("rendered") if isinstance(value, dict) else None
        if not isinstance(rendered, list):
            return []
        return [rendered_text(r["content"], record.rendered_role) for r in rendered
                if isinstance(r, dict) and isinstance(r.get("content"), str)]


def message_json(msg: ApiMessage, reader: RecordReader) -> dict[str, Any]:
    """The message as the client sends it (content always as a list of blocks)."""
    if msg.role == "system":
        texts = [t for r in msg.records for t in reader.rendered(r)]
        return {"role": "system", "content": [{"type": "text", "text": "\n\n".join(texts)}] if texts else []}
    content: list[Any] = []
    rendered_seen: dict[int, int] = {}
    profile = reader.profile
    for i, part in enumerate(msg.parts):
        rec = part.record
        joined = profile.newline_between_texts and msg.role == "user" and i < len(msg.parts) - 1
        if part.added == "context":
            text = (profile.context_reminder or "").format(date=reader.last_date())
            content.append({"type": "text", "text": text + "\n" if joined else text})
            continue
        if part.added == "continue":
            content.append({"type": "text", "text": profile.continue_after_results or ""})
            continue
        if rec.type == "attachment":
            n = rendered_seen.get(rec.line, 0)
            rendered_seen[rec.line] = n + 1
            texts = reader.rendered(rec)
            text = texts[n] if n < len(texts) else ""
            content.append({"type": "text", "text": text + "\n" if joined else text})
            continue
        raw = reader.content(rec)
        if isinstance(raw, str) or part.block.index is None:
            text = raw if isinstance(raw, str) else ""
            if rec.is_notification and profile.notification_wrapper:
                text = profile.notification_wrapper.format(text=text)
            # 2.1.3xx ends each text of a merged user message but the last with a newline.
            content.append({"type": "text", "text": text + "\n" if joined else text})
        elif isinstance(raw, list) and part.block.index < len(raw):
            content.append(raw[part.block.index])
        else:
            content.append({"type": part.block.kind})
    return {"role": msg.role, "content": content}


def conversation_json(conversation: Conversation, reader: RecordReader) -> list[dict[str, Any]]:
    return [message_json(m, reader) for m in conversation.messages]


def normalised(message: dict[str, Any]) -> dict[str, Any]:
    """The form the client hashes: role and content only (no output_config), string content as
    one text block, no cache_control anywhere."""
    out = {"role": message.get("role"), "content": message.get("content")}
    content = out["content"]
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    if isinstance(content, list):
        content = [_without_cache_control(b) for b in content]
    out["content"] = content
    return out


def _without_cache_control(block: Any) -> Any:
    if isinstance(block, dict):
        return {k: _without_cache_control(v) for k, v in block.items() if k != "cache_control"}
    if isinstance(block, list):
        return [_without_cache_control(v) for v in block]
    return block


def message_hash(message: dict[str, Any]) -> str:
    text = json.dumps(normalised(message), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    import hashlib  # here: most commands never hash a message, and OpenSSL takes a while to load

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class LoggedRequest:
    """One `api-request` record, its messages rebuilt where the file allows."""

    record: Record
    hashes: list[str]
    messages: list[dict[str, Any] | None] = field(default_factory=list)  # None: the hash resolved to nothing
    keep: int = 0  # messages kept from the request before; the rest (`tail`) are new in this one

    @property
    def line(self) -> int:
        return self.record.line

    @property
    def complete(self) -> bool:
        return all(m is not None for m in self.messages)


def logged_requests(transcript: Transcript, conversations: list[Conversation], reader: RecordReader | None = None,
                    session_id: str | None = None, last_only: bool = False) -> list[LoggedRequest]:
    """Every request the file logs for `session_id` (default: any), rebuilt in order. Hashes
    resolve through the blobs and through the messages of `conversations` (the resumed one, and
    the compacted ones for requests sent before a compaction); with none, through the blobs
    alone (cheap: no conversation is rebuilt). `last_only`: just the last request (a long session
    logs thousands, each repeating the thousands of messages before it)."""
    reader = reader or RecordReader(transcript, conversations[0].profile if conversations else None)
    known: dict[str, dict[str, Any]] = {}
    requests: list[Record] = []
    for rec in transcript.records:
        if rec.type == "api-request-blob":
            value = reader.value(rec)
            message = value.get("message") if isinstance(value, dict) else None
            digest = value.get("hash") if isinstance(value, dict) else None
            if isinstance(message, dict) and isinstance(digest, str):
                known[digest] = message
        elif rec.type == "api-request" and (session_id is None or rec.session_id in (session_id, None)):
            requests.append(rec)
    if not requests:
        return []
    for conversation in conversations:
        for message in conversation_json(conversation, reader):
            known.setdefault(message_hash(message), message)
    out: list[LoggedRequest] = []
    previous: list[str] = []
    last: tuple[Record, int] | None = None
    for rec in requests:
        value = reader.value(rec)
        if not isinstance(value, dict):
            continue
        keep = value.get("keep") if isinstance(value.get("keep"), int) else 0
        tail = [h for h in value.get("tail") or [] if isinstance(h, str)]
        kept = min(keep, len(previous))
        del previous[kept:]  # the hashes of this request: the kept ones, then the new ones
        previous.extend(tail)
        if last_only:
            last = (rec, kept)
        else:
            out.append(LoggedRequest(rec, list(previous), [known.get(h) for h in previous], kept))
    if last is not None:
        out.append(LoggedRequest(last[0], previous, [known.get(h) for h in previous], last[1]))
    return out
