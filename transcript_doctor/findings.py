"""Findings: what a rule reports, in the shape every output format shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}

SAFE = "safe"
UNSAFE = "unsafe"
NO_FIX = "none"


@dataclass(slots=True)
class Finding:
    code: str
    name: str
    severity: str
    line: int | None
    message: str
    uuid: str | None = None
    message_index: int | None = None
    content_index: int | None = None
    tool_use_id: str | None = None
    fix: str = NO_FIX
    where: str = "main"  # main | branch | sidechain | compacted | file
    # Extra facts a repair needs (line numbers of related records...), not shown to people.
    data: dict[str, Any] | None = None

    def sort_key(self) -> tuple:
        return (SEVERITY_ORDER.get(self.severity, 9), self.line or 0, self.code)

    @property
    def api_path(self) -> str | None:
        if self.message_index is None:
            return None
        path = f"messages.{self.message_index}"
        if self.content_index is not None:
            path += f".content.{self.content_index}"
        return path

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "line": self.line,
            "uuid": self.uuid,
            "message_index": self.message_index,
            "content_index": self.content_index,
            "tool_use_id": self.tool_use_id,
            "message": self.message,
            "fix": self.fix,
            "where": self.where,
        }
