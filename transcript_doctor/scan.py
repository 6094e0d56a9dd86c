"""`scan`: the health of every session file under a folder, worst first, on every core."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable

HEALTH_ORDER = {"unreadable": 0, "errors": 1, "warnings": 2, "clean": 3}


def default_root() -> Path:
    from .sessions import projects_dir  # $CLAUDE_CONFIG_DIR/projects when set, as Claude Code does

    return projects_dir()


def find_sessions(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jsonl") if p.is_file())


def summarise(path: Path) -> dict[str, Any]:
    """One file's health. Runs in a worker process: returns plain data, never raises."""
    from .analysis import analyse
    from .reader import UnreadableInput

    try:
        analysis = analyse(path)
    except UnreadableInput as exc:
        return {"path": str(path), "health": "unreadable", "size": None, "records": 0, "last_activity": None,
                "first_prompt": None, "errors": 0, "warnings": 0, "top_finding": str(exc)}
    except Exception as exc:  # a bug must not stop a scan of 1,000 files; it is reported per file
        return {"path": str(path), "health": "unreadable", "size": None, "records": 0, "last_activity": None,
                "first_prompt": None, "errors": 0, "warnings": 0, "top_finding": f"internal error: {exc!r}"}
    t = analysis.transcript
    health = "errors" if analysis.errors else ("warnings" if analysis.warnings else "clean")
    top = analysis.findings[0] if analysis.findings and analysis.findings[0].severity != "info" else None
    stamps = [r.timestamp for r in t.records if r.timestamp and r.timestamp[:1].isdigit()]
    first_prompt = None
    main = analysis.context.main
    for msg in main.messages if main else []:
        if msg.role == "user":
            texts = [p.block.preview for p in msg.parts if p.block.kind == "text" and p.block.preview
                     and not p.block.preview.startswith("<")]
            if texts:
                first_prompt = texts[0]
                break
    return {
        "path": str(path),
        "health": health,
        "size": t.size,
        "records": len(t.records),
        "last_activity": max(stamps) if stamps else None,
        "first_prompt": first_prompt,
        "errors": analysis.errors,
        "warnings": analysis.warnings,
        "top_finding": f"{top.code} line {top.line}: {top.message}" if top else None,
    }


def _in_worker() -> None:
    from . import transcript

    transcript.side_validation_allowed = False  # every core already runs a worker


def scan(paths: Iterable[Path], workers: int | None = None, progress: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    paths = list(paths)
    workers = workers or os.cpu_count() or 1
    results: list[dict[str, Any]] = []
    if workers <= 1 or len(paths) < 4:
        for p in paths:
            results.append(summarise(p))
            if progress:
                progress()
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_in_worker) as pool:
            for item in pool.map(summarise, paths, chunksize=max(1, min(16, len(paths) // (workers * 8) or 1))):
                results.append(item)
                if progress:
                    progress()
    results.sort(key=lambda r: (HEALTH_ORDER[r["health"]], -r["errors"], -r["warnings"], -(r["size"] or 0)))
    return results


# --- one line per session ----------------------------------------------------------------------

TSV_COLUMNS = ("health", "path", "project", "session", "size", "records", "last_activity", "errors", "warnings",
               "top_finding", "first_prompt")
PROJECT_WIDTH = 22


def _short_id(name: str) -> str:
    stem = name[:-6] if name.endswith(".jsonl") else name
    if len(stem) == 36 and stem.count("-") == 4:
        return stem[:8]
    if stem.startswith("agent-"):
        return stem[:14]
    return stem if len(stem) <= 24 else stem[:23] + "…"


def short_names(results: list[dict[str, Any]], root: Path) -> list[tuple[str, str]]:
    """(project, session) for each result, short enough for one line: the project folder with
    the part every project shares removed, the session id cut to 8 characters (a sub-agent file
    is `<session>/agent-…`)."""
    rels = [Path(os.path.relpath(r["path"], root)).parts for r in results]
    projects = [parts[0] if len(parts) > 1 else "." for parts in rels]
    distinct = sorted(set(projects))
    common = os.path.commonprefix(distinct) if len(distinct) > 1 else ""
    common = common[: common.rfind("-") + 1] if "-" in common else ""
    out = []
    for parts, project in zip(rels, projects):
        short = project[len(common):] if common and len(project) > len(common) else project
        if len(distinct) == 1 and "-" in short.strip("-"):
            short = short.rstrip("-").rsplit("-", 1)[-1] or short
        if len(short) > PROJECT_WIDTH:
            short = "…" + short[-(PROJECT_WIDTH - 1):]
        session = _short_id(parts[-1])
        if len(parts) >= 3 and parts[-2] == "subagents":
            session = f"{_short_id(parts[-3])}/{session}"
        out.append((short, session))
    return out


def compact_time(stamp: str | None, this_year: str) -> str:
    """`12-01 21:31` this year, `2025-12-01` before: eleven characters at most."""
    if not stamp or len(stamp) < 16:
        return "-"
    if stamp[:4] == this_year:
        return f"{stamp[5:10]} {stamp[11:16]}"
    return stamp[:10]


def human_size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}{unit}" if size < 10 * scale else f"{size // scale}{unit}"
    return f"{size}B"


def text_lines(results: list[dict[str, Any]], root: Path, width: int | None, this_year: str) -> list[tuple[str, str, str]]:
    """(health, the line after the health column, its style) per session; `width` crops each
    line (a terminal), None leaves it whole (a pipe)."""
    names = short_names(results, root)
    pw = max([len("project")] + [len(p) for p, _ in names])
    sw = max([len("session")] + [len(s) for _, s in names])
    rows = [("health    ", f"{'project':<{pw}}  {'session':<{sw}}  {'size':>6}  {'records':>7}  {'last':<11}  top finding / first prompt", "bold")]
    style = {"unreadable": "bold red", "errors": "red", "warnings": "yellow", "clean": "green"}
    for r, (project, session) in zip(results, names):
        what = r["top_finding"] or (f'"{r["first_prompt"]}"' if r["first_prompt"] else "")
        what = " ".join(what.split())
        rest = (f"{project:<{pw}}  {session:<{sw}}  {human_size(r['size']):>6}  {r['records']:>7,}  "
                f"{compact_time(r['last_activity'], this_year):<11}  {what}")
        rows.append((f"{r['health']:<10}", rest, style[r["health"]]))
    if width:
        rows = [(h, rest if len(h) + len(rest) <= width else rest[: max(0, width - len(h) - 1)] + "…", s) for h, rest, s in rows]
    return rows


def tsv_lines(results: list[dict[str, Any]], root: Path) -> list[str]:
    names = short_names(results, root)
    out = ["\t".join(TSV_COLUMNS)]
    for r, (project, session) in zip(results, names):
        values = {**r, "project": project, "session": session}
        out.append("\t".join(_cell(values.get(c)) for c in TSV_COLUMNS))
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())
