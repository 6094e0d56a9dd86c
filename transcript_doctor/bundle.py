"""`bundle`: a redacted Markdown triage report to attach to a bug report."""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import __version__
from .analysis import Analysis
from .redact import Redactor
from .report import summary_line
from .stats import compute, sparkline
from .views import message_line, window


def render(analysis: Analysis) -> tuple[str, dict[str, int]]:
    t = analysis.transcript
    redactor = Redactor(home=Redactor.detect_home(analysis.transcript.read_value(r).get("cwd") for r in t.records[:50]
                                                  if r.type in ("user", "assistant")))
    red = redactor.redact_text
    data = compute(analysis)
    main = analysis.context.main
    out = [f"# transcript-doctor triage report: `{red(t.name)}`", ""]
    out += [
        f"- transcript-doctor {__version__}",
        f"- Claude Code versions in the file: {', '.join(data['versions']) or 'unknown'}; models: {', '.join(data['models']) or 'unknown'}",
        f"- `messages.N` as {analysis.profile.name} resumes it ({analysis.tree.profile_source})",
        f"- size: {t.size:,} bytes, {t.line_count:,} lines, {len(t.records):,} records; from {data['first_timestamp'] or '?'} to {data['last_timestamp'] or '?'}",
        f"- {red(summary_line(analysis))}",
        "",
        "## Findings",
        "",
    ]
    if analysis.findings:
        out += ["| line | code | severity | API position | finding |", "|---|---|---|---|---|"]
        for f in analysis.findings:
            message = red(f.message).replace("|", "\\|")
            out.append(f"| {f.line or '-'} | {f.code} {f.name} | {f.severity} | {f.api_path or '-'} | {message} |")
    else:
        out.append("No findings.")
    errors = [f for f in analysis.findings if f.severity == "error" and f.message_index is not None]
    if errors and main is not None:
        out += ["", "## Around each error", ""]
        for f in errors[:20]:
            out += [f"### {f.code} at line {f.line} ({f.api_path})", "", "```"]
            for msg in window(main, f.message_index, 2):
                out.append(red(message_line(msg, ">" if msg.index == f.message_index else " ")))
            out += ["```", ""]
    points = [p["context_tokens"] for p in data["context_timeline"]]
    if points:
        out += ["", "## Context size over the session", "",
                f"Peak {data['peak_context_tokens']:,} tokens over {len(points)} responses (compactions: {data['compactions']}).", "",
                "```", sparkline(points), "```"]
    if data["tool_calls"]:
        out += ["", "## Tool calls", "", "| tool | calls | errors |", "|---|---|---|"]
        out += [f"| {red(name)} | {v['calls']} | {v['errors']} |" for name, v in data["tool_calls"].items()]
    out += ["", "## What `transcript-doctor fix` would do", ""]
    try:
        from .fixer import stage

        repair = stage(analysis, None, False, Path(tempfile.gettempdir()))
        repair.cleanup()
        if repair.changes:
            out += [f"- line {c.line}: {c.code} {red(c.description)}" for c in repair.changes]
        else:
            out.append("Nothing: no fault with a safe repair.")
        out += [f"- not fixed: line {s.finding.line} {s.finding.code}: {red(s.reason)}" for s in repair.skipped]
    except Exception as exc:  # the report must still be written
        out.append(f"(could not plan the repair: {exc})")
    found = dict(redactor.found)
    out += ["", "## Redaction", "",
            "Secrets and the home path in this report were replaced with placeholders"
            + (": " + ", ".join(f"{k} x{v}" for k, v in sorted(found.items())) if found else " (none were found)") + "."]
    return "\n".join(out) + "\n", found
