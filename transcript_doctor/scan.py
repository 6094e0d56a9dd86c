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
