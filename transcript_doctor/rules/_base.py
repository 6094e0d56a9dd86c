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


def call_label(context, part: ApiPart) -> str:
    """The call in a user's words: the command a Bash call ran, else the tool and its id."""
    block = context.transcript.read_block(part.record, part.block.index) if part.block.index is not None else None
    tool_input = block.get("input") if isinstance(block, dict) else None
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    if isinstance(command, str) and command.strip():
        command = " ".join(command.split())
        return f"`{command[:60]}{'…' if len(command) > 60 else ''}`"
    return f"the {part.block.name} call {part.block.tool_id}" if part.block.name else f"call {part.block.tool_id}"


def client_effect(context, fault: str, part: ApiPart | None = None, keeps: str = "") -> str:
    """"; <what the user's client does with this fault>; <what fix does>", or "" for a client that
    sends the request as it is (the API's 400 is then the whole story)."""
    call = call_label(context, part) if part is not None and part.block.kind == "tool_use" else "the call"
    text = context.profile.effect(fault, call=call, tool_id=part.block.tool_id if part else "")
    if text is None:
        return ""
    return f"; {text}" + (f"; `fix` {keeps}" if keeps else "")
