"""Replace secrets and the user's home path in a transcript with stable placeholders.

Every string of every record is scanned, except the fields that hold identifiers and opaque data
(uuids, tool ids, timestamps, thinking signatures, image data): structure, ids and tool pairing
stay exactly as they were, so a redacted transcript still checks, fixes and resumes the same.
The same secret always gets the same placeholder (`[REDACTED:github-token:1]`). What is reported
is only how many of each kind were found, never a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

# Fields whose values are identifiers or opaque data: never rewritten.
KEEP = frozenset({
    "uuid", "parentUuid", "logicalParentUuid", "leafUuid", "sessionId", "id", "tool_use_id", "requestId",
    "messageId", "timestamp", "type", "role", "signature", "data", "toolUseID", "parentToolUseID",
    "sourceToolAssistantUUID", "agentId", "promptId", "model", "version", "media_type", "subtype", "operation",
})

# (kind, pattern, group to replace: 0 for the whole match). Order matters: specific before generic.
PATTERNS: list[tuple[str, re.Pattern[str], int]] = [
    ("private-key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"), 0),
    ("anthropic-api-key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), 0),
    ("openai-api-key", re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}"), 0),
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 0),
    ("aws-secret-access-key", re.compile(r"(?i)(aws_secret_access_key[\"']?\s*[=:]\s*[\"']?)([A-Za-z0-9/+=]{40})"), 2),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"), 0),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), 0),
    ("slack-token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"), 0),
    ("stripe-key", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{16,}"), 0),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), 0),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), 0),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), 0),
    ("url-password", re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@\"']+:)([^\s@/\"']+)(@)"), 2),
    ("bearer-token", re.compile(r"(\b[Bb]earer\s+)([A-Za-z0-9._~+/-]{16,}=*)"), 2),
    ("password", re.compile(r"(?i)((?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token)[\"']?\s*[:=]\s*[\"']?)([^\s\"',;)]{6,})"), 2),
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"), 0),
]
_HOME = re.compile(r"^(/Users/[^/]+|/home/[^/]+|[A-Za-z]:\\\\Users\\\\[^\\\\]+)")
HOME_PLACEHOLDER = "/home/[user]"


@dataclass
class Redactor:
    home: str | None = None
    placeholders: dict[tuple[str, str], str] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def detect_home(cwd_values) -> str | None:
        for cwd in cwd_values:
            if isinstance(cwd, str):
                m = _HOME.match(cwd)
                if m:
                    return m.group(1)
        return None

    def _placeholder(self, kind: str, secret: str) -> str:
        key = (kind, secret)
        if key not in self.placeholders:
            n = 1 + sum(1 for k in self.placeholders if k[0] == kind)
            self.placeholders[key] = f"[REDACTED:{kind}:{n}]"
        self.found[kind] = self.found.get(kind, 0) + 1
        return self.placeholders[key]

    def redact_text(self, text: str) -> str:
        for kind, pattern, group in PATTERNS:
            if group == 0:
                text = pattern.sub(lambda m, k=kind: self._placeholder(k, m.group(0)), text)
            else:
                def keep_rest(m, k=kind, g=group):
                    parts = [m.group(i) or "" for i in range(1, (m.lastindex or 0) + 1)]
                    parts[g - 1] = self._placeholder(k, m.group(g))
                    return "".join(parts)

                text = pattern.sub(keep_rest, text)
        if self.home and self.home in text:
            count = text.count(self.home)
            self.found["home-path"] = self.found.get("home-path", 0) + count
            text = text.replace(self.home, HOME_PLACEHOLDER)
        return text

    def redact_value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, str):
            return value if key in KEEP else self.redact_text(value)
        if isinstance(value, list):
            return [self.redact_value(v, key if key in KEEP else None) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_value(v, k) for k, v in value.items()}
        return value

    def redact_line(self, raw: bytes) -> bytes:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            text = raw.decode("utf-8", "replace")
            cleaned = self.redact_text(text)
            return raw if cleaned == text else cleaned.encode("utf-8")
        before = dict(self.found)
        redacted = self.redact_value(value)
        if self.found == before:
            return raw
        return orjson.dumps(redacted)


def redact_file(src: Path, dst: Path, home: str | None = None) -> dict[str, Any]:
    """Stream `src` into `dst` with secrets replaced; `dst` is written atomically."""
    from .writer import atomic_file

    if home is None:
        home = _detect_home_in(src)
    redactor = Redactor(home=home)
    lines = changed = 0
    with open(src, "rb") as handle, atomic_file(dst) as out:
        for chunk in handle:
            lines += 1
            ending = b"\n" if chunk.endswith(b"\n") else b""
            body = chunk[:-1] if ending else chunk
            new = redactor.redact_line(body)
            if new != body:
                changed += 1
            out.write(new + ending)
    return {"lines": lines, "lines_changed": changed, "found": dict(sorted(redactor.found.items()))}


def _detect_home_in(src: Path, limit: int = 200) -> str | None:
    cwds = []
    with open(src, "rb") as handle:
        for i, line in enumerate(handle):
            if i >= limit:
                break
            m = re.search(rb'"cwd"\s*:\s*"([^"]+)"', line)
            if m:
                cwds.append(m.group(1).decode("utf-8", "replace"))
    return Redactor.detect_home(cwds)
