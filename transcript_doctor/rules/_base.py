"""What every rule module shares: building a `Finding` from its own metadata."""

from __future__ import annotations

from typing import Any, Callable

from ..findings import Finding
from ..projection import ApiMessage, ApiPart
from ..records import Record


def factory(code: str, name: str, severity: str, fix: str) -> Callable[..., Finding]:
    def make(
        message: str,
        *,
        record: Record | None = None,
        line: int | None = None,
        api_message: ApiMessage | None = None,
        part: ApiPart | None = None,
        tool_use_id: str | None = None,
        severity_override: str | None = None,
        fix_override: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        if record is None and part is not None:
            record = part.record
        return Finding(
            code=code,
            name=name,
            severity=severity_override or severity,
            line=line if line is not None else (record.line if record else None),
            message=message,
            uuid=record.uuid if record else None,
            message_index=api_message.index if api_message is not None else None,
            content_index=part.content_index if part is not None else None,
            tool_use_id=tool_use_id,
            fix=fix_override or fix,
            data=data,
        )

    return make


def tool_label(part: ApiPart) -> str:
    name = f" ({part.block.name})" if part.block.name else ""
    return f"{part.block.tool_id}{name}"
