"""Stage 7 (read side): render analyses for people (rich text) and for programs (JSON)."""

from __future__ import annotations

from typing import Any

from . import __version__
from .analysis import Analysis
from .findings import ERROR, INFO, WARNING, Finding

SEVERITY_STYLE = {ERROR: "bold red", WARNING: "yellow", INFO: "cyan"}
WHERE_LABEL = {"branch": "side branch", "sidechain": "sidechain", "compacted": "before compaction", "detached": "detached"}


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def file_stats(analysis: Analysis) -> dict[str, Any]:
    tree = analysis.tree
    convs = analysis.context.conversations
    main = analysis.context.main
    return {
        "path": str(analysis.transcript.path),
        "format": analysis.transcript.format,
        "size": analysis.transcript.size,
        "lines": analysis.transcript.line_count,
        "records": len(analysis.transcript.records),
        "conversation_records": len(main.chain.records) if main else 0,
        "api_messages": len(main.messages) if main else 0,
        "side_branches": sum(1 for c in convs if c.kind == "branch"),
        "sidechains": sum(1 for c in convs if c.kind == "sidechain"),
        "compactions": len(tree.compact_boundaries),
        "client": {**analysis.profile.to_json(), "chosen_by": tree.profile_source} if tree.profile else None,
        "leaf": (
            {"line": tree.leaf.line, "uuid": tree.leaf.uuid, "timestamp": tree.leaf.timestamp, "reason": tree.leaf_reason}
            if tree.leaf
            else None
        ),
    }


def summary_line(analysis: Analysis) -> str:
    s = file_stats(analysis)
    counts = f"{plural(analysis.errors, 'error')}, {plural(analysis.warnings, 'warning')}"
    if analysis.transcript.format == "empty":
        return f"{counts} in {plural(s['lines'], 'line')} ({'; '.join(analysis.notes) or 'no records'})"
    if analysis.transcript.format == "codex":
        return f"{counts} in {plural(s['lines'], 'line')} (a Codex rollout, not checked)"
    if s["leaf"] is None:
        parts = ["no conversation: no user or assistant record to resume"]
    else:
        resumed = f" as {s['client']['name']} resumes it" if s["client"] else ""
        parts = [f"1 conversation of {plural(s['conversation_records'], 'record')}{resumed}, {plural(s['api_messages'], 'API message')}"]
    if s["side_branches"]:
        parts.append(plural(s["side_branches"], "side branch").replace("branchs", "branches"))
    if s["sidechains"]:
        parts.append(plural(s["sidechains"], "sidechain"))
    if s["compactions"]:
        parts.append(plural(s["compactions"], "compaction"))
    return f"{counts} in {plural(s['lines'], 'line')} ({'; '.join(parts)})"


def finding_row(name: str, f: Finding) -> tuple[str, str, str, str, str, str]:
    where = f"{name}:{f.line}" if f.line else name
    api = f.api_path or "-"
    label = WHERE_LABEL.get(f.where)
    message = f"{f.message} ({label})" if label else f.message
    fix = f"[fix: {f.fix}]" if f.fix != "none" else ""
    return where, f.code, f.severity, api, message, fix


def render_text(console, analyses: list[Analysis], show_info: bool = True, *, named: bool | None = None,
                label: str | None = None) -> None:
    """Findings, then one summary line per file; the summary names its file when `named` (by
    default when there are several). `label` replaces the path (standard input). A plain
    console (cli.PlainConsole) gets the same text without styles."""
    if getattr(console, "plain", False):
        Text = _PlainText
    else:
        from rich.text import Text

    for analysis in analyses:
        name = label or str(analysis.transcript.path)
        shown = [f for f in analysis.findings if show_info or f.severity != INFO]
        rows = [finding_row(name, f) for f in shown]
        width_where = max((len(r[0]) for r in rows), default=0)
        width_api = max((len(r[3]) for r in rows), default=0)
        for (where, code, severity, api, message, fix), f in zip(rows, shown):
            line = Text()
            line.append(where.ljust(width_where), style="bold")
            line.append("  ")
            line.append(code, style="bold")
            line.append(" ")
            line.append(severity.ljust(7), style=SEVERITY_STYLE.get(severity, ""))
            line.append(" ")
            line.append(api.ljust(width_api), style="magenta" if api != "-" else "dim")
            line.append("  ")
            line.append(message)
            if fix:
                line.append("  ")
                line.append(fix, style="green" if f.fix == "safe" else "dim")
            console.print(line, soft_wrap=True)
        style = "bold red" if analysis.errors else ("yellow" if analysis.warnings else "green")
        prefix = Text(f"{name}: ", style="bold") if (len(analyses) > 1 if named is None else named) else Text("")
        console.print(prefix + Text(summary_line(analysis), style=style), soft_wrap=True)


class _PlainText:
    """rich.text.Text's `append` and `+`, without the styles: for a plain console."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.text = text

    def append(self, text: str, style: str = "") -> None:
        self.text += text

    def __add__(self, other: "_PlainText") -> "_PlainText":
        return _PlainText(self.text + other.text)

    def __str__(self) -> str:
        return self.text


def analysis_json(analysis: Analysis) -> dict[str, Any]:
    stats = file_stats(analysis)
    return {
        **stats,
        "errors": analysis.errors,
        "warnings": analysis.warnings,
        "infos": analysis.infos,
        "notes": list(analysis.notes),
        "unreadable": None,
        "findings": [f.to_json() for f in analysis.findings],
    }


def unreadable_json(path: str, message: str) -> dict[str, Any]:
    return {
        "path": path,
        "format": None,
        "size": None,
        "lines": 0,
        "records": 0,
        "conversation_records": 0,
        "api_messages": 0,
        "side_branches": 0,
        "sidechains": 0,
        "compactions": 0,
        "client": None,
        "leaf": None,
        "errors": 0,
        "warnings": 0,
        "infos": 0,
        "notes": [],
        "unreadable": message,
        "findings": [],
    }


def report_json(files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "tool": "transcript-doctor",
        "version": __version__,
        "files": files,
        "summary": {
            "files": len(files),
            "errors": sum(f["errors"] for f in files),
            "warnings": sum(f["warnings"] for f in files),
            "infos": sum(f["infos"] for f in files),
            "unreadable": sum(1 for f in files if f["unreadable"]),
        },
    }
