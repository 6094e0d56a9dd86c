"""The command-line interface: `transcript-doctor check|fix|rules ...`.

Exit codes, for every command: 0 nothing wrong, 1 errors found (or, for `fix`, errors left),
2 usage error or unreadable input.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__

app = typer.Typer(
    name="transcript-doctor",
    help="Find and repair what breaks Claude Code session transcripts (~/.claude/projects/*/*.jsonl).",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_USAGE) -> "typer.Exit":
    _console(stderr=True).print(f"transcript-doctor: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def _split(values: Optional[List[str]]) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v for v in value.split(",") if v.strip())
    return out


def choose_rules(select: Optional[List[str]], ignore: Optional[List[str]]):
    from .rules import select as select_rules
    from .rules import unknown_keys

    chosen, dropped = _split(select), _split(ignore)
    unknown = unknown_keys(chosen + dropped)
    if unknown:
        raise fail(f"unknown rule code or name: {', '.join(unknown)} (see `transcript-doctor rules`)")
    return select_rules(chosen or None, dropped or None)


def expand_paths(paths: List[Path]) -> list[tuple[Path, Optional[str]]]:
    """Files to read, each with the reason it cannot be read (None when it can be tried)."""
    out: list[tuple[Path, Optional[str]]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.jsonl") if p.is_file())
            if not found:
                out.append((path, f"{path}: directory holds no .jsonl files"))
            out.extend((p, None) for p in found)
        else:
            out.append((path, None))
    return out


def _version(value: bool) -> None:
    if value:
        print(f"transcript-doctor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Find and repair what breaks Claude Code session transcripts."""


@app.command()
def check(
    paths: List[Path] = typer.Argument(..., help="Transcript files (.jsonl) or folders to search for them."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text for people, json for programs."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rules: codes, names or prefixes (TD2), comma-separated."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rules: codes, names or prefixes."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Leave out info findings."),
) -> None:
    """Report every structural fault, most severe first: file:line, code, severity, messages.N.

    Exit code 0 when no errors are found, 1 when there are errors, 2 when a path cannot be read.
    """
    from .analysis import analyse
    from .reader import UnreadableInput
    from .report import analysis_json, render_text, report_json, unreadable_json

    rules = choose_rules(select, ignore)
    targets = expand_paths(paths)
    analyses = []
    files_json = []
    unreadable = 0
    errors = 0
    console = _console()
    for path, problem in targets:
        if problem is None:
            try:
                analysis = analyse(path, rules)
            except UnreadableInput as exc:
                problem = str(exc)
        if problem is not None:
            unreadable += 1
            if output_format is OutputFormat.json:
                files_json.append(unreadable_json(str(path), problem))
            else:
                _console(stderr=True).print(f"transcript-doctor: {problem}", markup=False)
            continue
        if quiet:
            analysis.findings = [f for f in analysis.findings if f.severity != "info"]
        errors += analysis.errors
        if output_format is OutputFormat.json:
            files_json.append(analysis_json(analysis))
        else:
            render_text(console, [analysis])
        analyses.append(analysis)
    if output_format is OutputFormat.json:
        import json

        sys.stdout.write(json.dumps(report_json(files_json), indent=2, ensure_ascii=False) + "\n")
    elif len(analyses) > 1:
        from .report import plural

        warnings = sum(a.warnings for a in analyses)
        console.print(f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(len(analyses), 'file')}", markup=False)
    if unreadable:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


@app.command()
def fix(
    path: Path = typer.Argument(..., help="The transcript (.jsonl) to repair."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write the repaired transcript (default: <name>.fixed.jsonl beside it)."),
    diff: bool = typer.Option(False, "--diff", help="Show what would change, field by field; write nothing."),
    in_place: bool = typer.Option(False, "--in-place", help="Replace the file itself, keeping the original as <file>.bak."),
    new_session: bool = typer.Option(False, "--new-session", help="Write a resumable copy under a new session id in the same folder."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply repairs that drop or invent content (originals still go to the rejects file)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text for people, json for programs."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only repair findings of these rules."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Leave findings of these rules alone."),
) -> None:
    """Repair a transcript so that Claude Code resumes it and the API accepts it, losing nothing.

    Every change is reported; removed and changed lines are kept byte for byte in
    <output>.rejects. Exit code 0 when the result has no errors, 1 when errors are left (or, with
    --diff, when there is something to change), 2 on bad usage or unreadable input.
    """
    import json
    import uuid as uuidlib

    from .analysis import analyse
    from .diff import render_diff
    from .reader import UnreadableInput
    from .repair import plan_repairs
    from .writer import WriteRefused, write

    if sum(bool(x) for x in (output is not None, in_place, new_session)) > 1:
        raise fail("choose one of --output, --in-place and --new-session")
    rules = choose_rules(select, ignore)
    try:
        analysis = analyse(path, rules)
    except UnreadableInput as exc:
        raise fail(str(exc))
    transcript = analysis.transcript
    if transcript.format == "codex":
        raise fail(f"{path}: a Codex CLI rollout, not a Claude Code transcript: nothing to repair")
    plan = plan_repairs(analysis, unsafe=unsafe_fixes)
    console = _console()
    if diff:
        target = str(output or path.with_name(path.stem + ".fixed.jsonl"))
        if output_format is OutputFormat.json:
            sys.stdout.write(json.dumps({"path": str(path), "changes": [c.to_json() for c in plan.changes]}, indent=2) + "\n")
        else:
            for line in render_diff(plan, target):
                console.print(line, markup=False)
            console.print(f"{len(plan.changes)} change(s) would be made; nothing written", markup=False)
        raise typer.Exit(EXIT_FINDINGS if plan.changes else EXIT_OK)

    session_rewrite = None
    new_id = None
    if new_session:
        old_id = analysis.tree.expected_session
        new_id = str(uuidlib.uuid4())
        target = path.with_name(f"{new_id}.jsonl")
        if old_id:
            session_rewrite = (f'"sessionId":"{old_id}"'.encode(), f'"sessionId":"{new_id}"'.encode())
    elif in_place:
        target = path
    else:
        target = output or path.with_name(path.stem + ".fixed.jsonl")
        if target.resolve() == path.resolve():
            raise fail("the output would overwrite the input: use --in-place to replace it (a backup is kept)")
    rejects = target.with_name(target.name + ".rejects")

    result = None
    if plan.changes or new_session:
        try:
            result = write(plan, target, rejects, in_place=in_place, session_rewrite=session_rewrite)
        except WriteRefused as exc:
            raise fail(str(exc))
        except OSError as exc:
            raise fail(f"cannot write {target}: {exc.strerror or exc}; the input is untouched")
    after = analyse(result.output, rules) if result else analysis
    left = [f for f in after.findings if f.severity == "error"]

    if output_format is OutputFormat.json:
        payload = {
            "path": str(path),
            "output": str(result.output) if result else None,
            "rejects": str(result.rejects) if result and result.rejects else None,
            "backup": str(result.backup) if result and result.backup else None,
            "session_id": new_id,
            "changes": [c.to_json() for c in plan.changes],
            "not_fixed": [{**s.finding.to_json(), "reason": s.reason} for s in plan.skipped],
            "errors_left": [f.to_json() for f in left],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        name = str(path)
        for c in plan.changes:
            console.print(f"{name}:{c.line}  {c.code}  {c.description}", markup=False)
        for s in plan.skipped:
            console.print(f"{name}:{s.finding.line}  {s.finding.code}  {s.reason}", markup=False, style="dim")
        if result is None:
            console.print(f"{name}: nothing to fix", markup=False)
        else:
            where = f"wrote {result.output}"
            if result.backup:
                where += f" (original kept as {result.backup})"
            if result.rejects:
                where += f"; removed and changed lines kept in {result.rejects}"
            console.print(f"{len(plan.changes)} change(s); {where}", markup=False)
        if left:
            console.print(f"{len(left)} error(s) left:", markup=False, style="bold red")
            for f in left:
                console.print(f"  {f.code} line {f.line}: {f.message}", markup=False)
        if new_id:
            cwd = _session_cwd(analysis)
            hint = f"cd {cwd} && " if cwd else ""
            console.print(f"resume it with: {hint}claude --resume {new_id}", markup=False)
    raise typer.Exit(EXIT_FINDINGS if left else EXIT_OK)


def _session_cwd(analysis) -> Optional[str]:
    leaf = analysis.tree.leaf
    if leaf is None:
        return None
    value = analysis.transcript.read_value(leaf)
    cwd = value.get("cwd") if isinstance(value, dict) else None
    return cwd if isinstance(cwd, str) else None


@app.command()
def rules(
    code: Optional[str] = typer.Argument(None, help="A rule code or name: explain that rule in full."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
) -> None:
    """List the rule catalog, or explain one rule (`transcript-doctor rules TD201`)."""
    from .rules import catalog, lookup

    if code:
        rule = lookup(code)
        if rule is None:
            raise fail(f"unknown rule {code!r} (see `transcript-doctor rules`)")
        if output_format is OutputFormat.json:
            import json

            print(json.dumps({"code": rule.code, "name": rule.name, "severity": rule.severity, "fix": rule.fix, "doc": rule.doc}, indent=2))
            return
        console = _console()
        console.print(f"{rule.code} {rule.name}  (severity: {rule.severity}, fix: {rule.fix})", style="bold", markup=False)
        console.print()
        console.print(rule.doc, markup=False)
        return
    if output_format is OutputFormat.json:
        import json

        print(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity, "fix": r.fix, "summary": r.summary} for r in catalog()], indent=2))
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("code", "name", "severity", "fix", "what it finds"):
        table.add_column(column, overflow="fold")
    for r in catalog():
        table.add_row(r.code, r.name, r.severity, r.fix, r.summary)
    _console().print(table)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        print("transcript-doctor: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FINDINGS)
