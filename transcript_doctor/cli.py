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


# Reading less than this takes under a second or two: no bar. (An environment variable moves
# it, so the tests can watch the bar on a small file.)
PROGRESS_MIN_BYTES = int(os.environ.get("TRANSCRIPT_DOCTOR_PROGRESS_MIN_BYTES", 32 * 1024 * 1024))


class ReadingProgress:
    """A progress bar on stderr for reading large transcripts, shown only when stderr is a
    terminal and the work is large; otherwise every method does nothing. Use as a context manager;
    `reading(label, size)` gives the callback `analyse` calls with the bytes read so far."""

    def __init__(self, total_bytes: int) -> None:
        self.total = total_bytes
        self.bar = None
        self.task = None
        self.done_before = 0

    def __enter__(self) -> "ReadingProgress":
        console = _console(stderr=True)
        if self.total >= PROGRESS_MIN_BYTES and console.is_terminal:
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

            # Rich would send what the command prints to stdout through the bar's console (stderr):
            # right when both are this terminal, wrong when stdout is a pipe or a file.
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                                TimeRemainingColumn(), console=console, transient=True,
                                redirect_stdout=sys.stdout.isatty(), redirect_stderr=False)
            self.bar.__enter__()
            self.task = self.bar.add_task("reading", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Take the bar off the screen (the reading is over); later callbacks do nothing."""
        if self.bar is not None:
            bar, self.bar = self.bar, None
            bar.__exit__(None, None, None)

    def reading(self, label: str, size: int):
        """The callback for one file of `size` bytes; None when no bar is shown."""
        if self.bar is None:
            return None
        bar, task = self.bar, self.task
        if self.done_before + size > self.total:  # fix reads its own output again, pass by pass
            self.total = self.done_before + size
            bar.update(task, total=self.total)
        bar.update(task, description=label)
        base = self.done_before
        self.done_before += size
        step = max(1 << 20, size // 200)  # a redraw per line would cost more than the line
        due = [step]

        def advance(done: int) -> None:
            if done >= due[0]:
                bar.update(task, completed=base + done)
                due[0] = done + step

        return advance


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


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
    files_json = []
    unreadable = 0
    errors = 0
    console = _console()
    warnings = files = 0
    # One file at a time, each reported as soon as it is read and then let go: a folder of
    # large transcripts is never in memory at once.
    sizes = {p: _size(p) for p, problem in targets if problem is None}
    with ReadingProgress(sum(sizes.values())) as progress:
        for path, problem in targets:
            if problem is None:
                try:
                    analysis = analyse(path, rules, progress=progress.reading(f"checking {path.name}", sizes[path]))
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
            warnings += analysis.warnings
            files += 1
            if output_format is OutputFormat.json:
                files_json.append(analysis_json(analysis))
            else:
                render_text(console, [analysis])
            analysis = None
    if output_format is OutputFormat.json:
        import json

        sys.stdout.write(json.dumps(report_json(files_json), indent=2, ensure_ascii=False) + "\n")
    elif files > 1:
        from .report import plural

        console.print(f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}", markup=False)
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
    from .analysis import analyse
    from .reader import UnreadableInput

    if sum(bool(x) for x in (output is not None, in_place, new_session)) > 1:
        raise fail("choose one of --output, --in-place and --new-session")
    rules = choose_rules(select, ignore)
    size = _size(path)
    progress = ReadingProgress(size)
    with progress:
        try:
            analysis = analyse(path, rules, progress=progress.reading(f"checking {path.name}", size))
        except UnreadableInput as exc:
            raise fail(str(exc))
        return _fix_analysed(path, analysis, rules, output, in_place, new_session, diff, unsafe_fixes, output_format, progress)


def _fix_analysed(path, analysis, rules, output, in_place, new_session, diff, unsafe_fixes, output_format, progress):
    import json
    import tempfile
    import uuid as uuidlib

    from .analysis import analyse
    from .diff import render_diff
    from .fixer import place, stage
    from .writer import WriteRefused

    if analysis.transcript.format == "codex":
        raise fail(f"{path}: a Codex CLI rollout, not a Claude Code transcript: nothing to repair")

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

    workdir_parent = Path(tempfile.gettempdir()) if diff else (target.parent if str(target.parent) else Path("."))
    try:
        cwd = _session_cwd(analysis) if new_session else None
        repair = stage(analysis, rules, unsafe_fixes, workdir_parent, release=True, progress=progress.reading)
    except WriteRefused as exc:
        raise fail(str(exc))
    except OSError as exc:
        raise fail(f"cannot write in {workdir_parent}: {exc.strerror or exc}; the input is untouched")
    progress.close()  # the reading is over: the report goes where the bar was
    console = _console()
    try:
        if diff:
            if output_format is OutputFormat.json:
                sys.stdout.write(json.dumps({"path": str(path), "changes": [c.to_json() for c in repair.changes]}, indent=2) + "\n")
            else:
                for line in render_diff(path, repair.staged, repair.line_sources, str(target)):
                    console.print(line, markup=False)
                console.print(f"{len(repair.changes)} change(s) would be made; nothing written", markup=False)
            raise typer.Exit(EXIT_FINDINGS if repair.changes else EXIT_OK)
        if repair.changes or new_session:
            try:
                place(repair, target, in_place=in_place, session_rewrite=session_rewrite)
            except WriteRefused as exc:
                raise fail(str(exc))
            except OSError as exc:
                raise fail(f"cannot write {target}: {exc.strerror or exc}; the input is untouched")
            if new_session:
                repair.final = analyse(target, rules)
    finally:
        repair.cleanup()
    left = repair.errors_left

    if output_format is OutputFormat.json:
        payload = {
            "path": str(path),
            "output": str(repair.output) if repair.output else None,
            "rejects": str(repair.rejects) if repair.rejects else None,
            "backup": str(repair.backup) if repair.backup else None,
            "session_id": new_id,
            "passes": repair.passes,
            "changes": [c.to_json() for c in repair.changes],
            "not_fixed": [{**s.finding.to_json(), "reason": s.reason} for s in repair.skipped],
            "errors_left": [f.to_json() for f in left],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        name = str(path)
        for c in repair.changes:
            where = f"{name}:{c.line}" if c.line else f"{name} (a record an earlier repair pass inserted)"
            console.print(f"{where}  {c.code}  {c.description}", markup=False)
        for s in repair.skipped:
            console.print(f"{name}:{s.finding.line}  {s.finding.code}  {s.reason}", markup=False, style="dim")
        if repair.output is None:
            console.print(f"{name}: nothing to fix", markup=False)
        else:
            where = f"wrote {repair.output}"
            if repair.backup:
                where += f" (original kept as {repair.backup})"
            if repair.rejects:
                where += f"; removed and changed lines kept in {repair.rejects}"
            console.print(f"{len(repair.changes)} change(s); {where}", markup=False)
        if left:
            console.print(f"{len(left)} error(s) left:", markup=False, style="bold red")
            for f in left:
                console.print(f"  {f.code} line {f.line}: {f.message}", markup=False)
        if new_id:
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


def _analyse_or_fail(path: Path, rules=None):
    from .analysis import analyse
    from .reader import UnreadableInput

    try:
        return analyse(path, rules)
    except UnreadableInput as exc:
        raise fail(str(exc))


@app.command()
def explain(
    path: Path = typer.Argument(..., help="The transcript the error came from."),
    error: Optional[str] = typer.Argument(None, help="The API error text (read from standard input when left out)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
    around: int = typer.Option(2, "--around", help="Messages of context to show on each side."),
) -> None:
    """Map an API error (messages.N, content.M, tool ids, prompt too long) onto the transcript.

    Shows the messages involved with their lines and uuids, the rule that explains the error and
    what `fix` would do. Exit code 0 when the error is recognised, 1 when it is not.
    """
    import json

    from .explain import explain as explain_error
    from .explain import parse_error
    from .rules import lookup
    from .views import message_line, message_row, window

    if error is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise fail("give the error text as an argument or on standard input")
        error = sys.stdin.read()
    if not error.strip():
        raise fail("the error text is empty")
    analysis = _analyse_or_fail(path)
    parsed = parse_error(error)
    result = explain_error(parsed, analysis)
    main = analysis.context.main
    index = result.findings[0].message_index if result.findings and result.findings[0].message_index is not None else parsed.message_index
    shown = window(main, index, around) if main is not None and index is not None and index < len(main.messages) else []
    import tempfile

    from .fixer import stage

    try:
        repair = stage(analysis, None, True, Path(tempfile.gettempdir()))
        repair.cleanup()
        fix_actions = [c for c in repair.changes if c.code in {f.code for f in result.findings}]
    except Exception:  # explaining must not depend on being able to stage a repair
        fix_actions = []
    if output_format is OutputFormat.json:
        payload = {
            "error": parsed.text,
            "recognised": parsed.recognised,
            "meaning": parsed.meaning,
            "message_index": parsed.message_index,
            "content_index": parsed.content_index,
            "tool_ids": parsed.tool_ids,
            "rules": list(parsed.codes),
            "findings": [f.to_json() for f in result.findings],
            "messages": [message_row(m) for m in shown],
            "fix": [c.to_json() for c in fix_actions],
            "note": result.note,
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_OK if parsed.recognised else EXIT_FINDINGS)
    console = _console()
    if not parsed.recognised:
        console.print(f"not recognised: {parsed.text[:300]}", markup=False)
        console.print("transcript-doctor knows the Messages API's structural 400 errors (see `transcript-doctor rules`);"
                      " this text is none of them, so no line is named.", markup=False)
        raise typer.Exit(EXIT_FINDINGS)
    console.print(f"error: {parsed.text[:300]}", markup=False)
    console.print(f"means: {parsed.meaning}", markup=False)
    for code in parsed.codes:
        rule = lookup(code)
        if rule and any(f.code == code for f in result.findings):
            console.print(f"rule:  {rule.code} {rule.name}: {rule.summary}", markup=False)
    if shown:
        console.print()
        marked = {f.message_index for f in result.findings} | ({parsed.message_index} if parsed.message_index is not None else set())
        for msg in shown:
            console.print(message_line(msg, ">" if msg.index in marked else " "), markup=False)
    if result.findings:
        console.print()
        for f in result.findings:
            console.print(f"{path}:{f.line}  {f.code} {f.severity}  {f.api_path or '-'}  uuid {f.uuid}  {f.message}", markup=False)
    if result.note:
        console.print(f"note: {result.note}", markup=False)
    if fix_actions:
        console.print()
        console.print("`transcript-doctor fix` would:", markup=False)
        for c in fix_actions:
            unsafe = "" if all(f.fix == "safe" for f in result.findings if f.code == c.code) else " (with --unsafe-fixes)"
            console.print(f"  line {c.line}: {c.description}{unsafe}", markup=False)
    raise typer.Exit(EXIT_OK)


@app.command()
def show(
    path: Path = typer.Argument(..., help="The transcript to show."),
    around: Optional[int] = typer.Option(None, "--around", help="Only messages.N and a few on each side."),
    lines: Optional[str] = typer.Option(None, "--lines", help="Only messages with records on lines A:B."),
    branch: Optional[str] = typer.Option(None, "--branch", help="Show the conversation ending at this leaf (a uuid or a line number)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per message."),
    context: int = typer.Option(3, "--context", help="Messages on each side with --around."),
) -> None:
    """The conversation as the API would receive it on resume, one line per message."""
    import json

    from .projection import project
    from .tree import BRANCH, Chain, _walk_up
    from .views import message_line, message_row, window

    analysis = _analyse_or_fail(path)
    conversation = analysis.context.main
    if branch is not None:
        tree = analysis.tree
        leaf = tree.by_uuid.get(branch)
        if leaf is None and branch.isdigit():
            leaf = next((r for r in analysis.transcript.records if r.line == int(branch) and r.uuid), None)
        if leaf is None:
            raise fail(f"no record with uuid or line {branch!r}")
        records, stop, stop_record = _walk_up(tree, leaf)
        conversation = project(tree, Chain(BRANCH, leaf, records, stop, stop_record), BRANCH)
    if conversation is None:
        raise fail(f"{path}: no conversation to show ({analysis.tree.leaf_reason})", EXIT_OK)
    messages = conversation.messages
    if around is not None:
        if not 0 <= around < len(messages):
            raise fail(f"messages.{around} is not in this conversation of {len(messages)} messages")
        messages = window(conversation, around, context)
    if lines is not None:
        try:
            a, _, b = lines.partition(":")
            lo, hi = int(a or 1), int(b or 10**12)
        except ValueError:
            raise fail("--lines takes A:B, for example 100:250")
        messages = [m for m in messages if m.lines[1] >= lo and m.lines[0] <= hi]
    if as_json:
        for m in messages:
            sys.stdout.write(json.dumps(message_row(m), ensure_ascii=False) + "\n")
        return
    console = _console()
    for m in messages:
        console.print(message_line(m), markup=False)
    leaf = conversation.chain.leaf
    console.print(f"{len(conversation.messages)} messages; leaf line {leaf.line} ({leaf.uuid})", markup=False, style="dim")


@app.command()
def stats(
    path: Path = typer.Argument(..., help="The transcript to measure."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
) -> None:
    """Records by type, branches, tool calls and their errors, API errors, context size over time."""
    import json

    from .stats import compute, sparkline

    data = compute(_analyse_or_fail(path))
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    from rich.table import Table

    console = _console()
    overview = Table(title=f"{path}", box=None, show_header=False, title_justify="left")
    overview.add_column(style="bold")
    overview.add_column()
    overview.add_row("size", f"{data['size']:,} bytes, {data['lines']:,} lines, {data['records']:,} records")
    overview.add_row("versions", ", ".join(data["versions"]) or "-")
    overview.add_row("models", ", ".join(data["models"]) or "-")
    overview.add_row("time", f"{data['first_timestamp'] or '-'} .. {data['last_timestamp'] or '-'}")
    overview.add_row("conversation", f"{data['api_messages']:,} API messages, {data['side_branches']} side branches,"
                     f" {data['sidechains']} sidechains, {data['compactions']} compactions")
    overview.add_row("API errors", f"{data['api_error_records']:,} error records")
    console.print(overview)
    types = Table(title="records by type", title_justify="left")
    types.add_column("type")
    types.add_column("records", justify="right")
    for k, v in data["records_by_type"].items():
        types.add_row(k, f"{v:,}")
    console.print(types)
    if data["tool_calls"]:
        tools = Table(title="tool calls", title_justify="left")
        tools.add_column("tool")
        tools.add_column("calls", justify="right")
        tools.add_column("errors", justify="right")
        for name, v in data["tool_calls"].items():
            tools.add_row(name, f"{v['calls']:,}", f"{v['errors']:,}")
        console.print(tools)
    points = [p["context_tokens"] for p in data["context_timeline"]]
    if points:
        console.print(f"context tokens over the session (peak {data['peak_context_tokens']:,}; ▁ at a compaction):", markup=False)
        console.print("  " + sparkline(points), markup=False)
    if data["largest_blocks"]:
        big = Table(title="largest blocks", title_justify="left")
        for col in ("line", "kind", "chars", "tool id"):
            big.add_column(col)
        for b in data["largest_blocks"]:
            big.add_row(str(b["line"]), b["kind"], f"{b['size']:,}", b["tool_use_id"] or "")
        console.print(big)


@app.command()
def scan(
    root: Optional[Path] = typer.Argument(None, help="Folder to scan (default ~/.claude/projects)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Processes to use (default: every core)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Show only the N worst files."),
) -> None:
    """The health of every session under a folder, worst first: clean, warnings, errors or unreadable.

    Exit code 1 when any file has errors or is unreadable.
    """
    import json

    from . import scan as scanning

    root = root or scanning.default_root()
    if not root.exists():
        raise fail(f"{root}: no such folder")
    if not root.is_dir():
        raise fail(f"{root}: not a folder (use `transcript-doctor check` for one file)")
    paths = scanning.find_sessions(root)
    console = _console(stderr=True)
    if console.is_terminal and output_format is OutputFormat.text and paths:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"scanning {len(paths):,} files", total=len(paths))
            results = scanning.scan(paths, workers, progress=lambda: bar.advance(task))
    else:
        results = scanning.scan(paths, workers)
    bad = sum(1 for r in results if r["health"] in ("errors", "unreadable"))
    shown = results[:limit] if limit else results
    if output_format is OutputFormat.json:
        counts = {h: sum(1 for r in results if r["health"] == h) for h in scanning.HEALTH_ORDER}
        sys.stdout.write(json.dumps({"root": str(root), "files": shown, "summary": counts}, indent=2, ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)
    from rich.table import Table

    table = Table(box=None)
    for col in ("health", "file", "size", "records", "last activity", "first prompt", "top finding"):
        table.add_column(col, overflow="fold")
    style = {"unreadable": "bold red", "errors": "red", "warnings": "yellow", "clean": "green"}
    for r in shown:
        name = os.path.relpath(r["path"], root)
        table.add_row(f"[{style[r['health']]}]{r['health']}[/]", name, f"{(r['size'] or 0) / 1024:,.0f} KB", f"{r['records']:,}",
                      (r["last_activity"] or "-")[:16], (r["first_prompt"] or "")[:40], r["top_finding"] or "")
    out = _console()
    out.print(table)
    counts = ", ".join(f"{sum(1 for r in results if r['health'] == h)} {h}" for h in scanning.HEALTH_ORDER)
    out.print(f"{len(results):,} files: {counts}", markup=False)
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


@app.command()
def redact(
    path: Path = typer.Argument(..., help="The transcript to redact."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write the redacted copy."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
    report: bool = typer.Option(False, "--report", help="Also list what was found, by kind and line (never the secret)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if the file holds anything redact would "
                                                     "replace, 0 if not (a gate before sharing)."),
) -> None:
    """Replace secrets (API keys, tokens, private keys, passwords, emails) and the home path with
    stable placeholders, keeping structure, ids and tool pairing intact. Reports counts (with
    --report, kinds and lines), never a secret."""
    import json

    from .reader import UnreadableInput, open_transcript
    from .redact import RedactionUnavailable, redact_file
    from .writer import WriteRefused

    try:
        handle, _ = open_transcript(path)
        handle.close()
    except UnreadableInput as exc:
        raise fail(str(exc))
    if check and output is not None:
        raise fail("--check writes nothing: leave out -o")
    if not check and output is None:
        raise fail("say where to write the redacted copy (-o FILE), or give --check")
    if output is not None and output.resolve() == path.resolve():
        raise fail("write the redacted copy to another file (-o)")
    try:
        result = redact_file(path, output)
    except (WriteRefused, OSError) as exc:
        raise fail(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}")
    except RedactionUnavailable as exc:
        raise fail(str(exc))
    findings = result.pop("findings")
    code = EXIT_FINDINGS if check and findings else EXIT_OK
    if output_format is OutputFormat.json:
        doc = {"path": str(path), "output": str(output) if output else None, **result}
        if report or check:
            doc["findings"] = findings
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        raise typer.Exit(code)
    console = _console()
    if report or check:
        by_kind: dict[str, list[int]] = {}
        for f in findings:
            by_kind.setdefault(f["kind"], []).extend([f["line"]] * f["count"])
        for kind, lines in sorted(by_kind.items()):
            shown = sorted(set(lines))
            more = f", ... ({len(shown) - 20} more lines)" if len(shown) > 20 else ""
            console.print(f"{kind} x{len(lines)}: line{'s' if len(shown) > 1 else ''} {', '.join(map(str, shown[:20]))}{more}",
                          markup=False)
    found = ", ".join(f"{k} x{v}" for k, v in result["found"].items()) or "nothing to redact"
    if check:
        verdict = "would redact" if findings else "clean"
        console.print(f"{path}: {verdict}: {found}", markup=False)
    else:
        console.print(f"wrote {output}: {result['lines_changed']:,} of {result['lines']:,} lines changed; {found}", markup=False)
    raise typer.Exit(code)


@app.command()
def bundle(
    path: Path = typer.Argument(..., help="The transcript to report on."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the Markdown report."),
) -> None:
    """A redacted Markdown triage report to attach to a bug: versions, sizes, findings with the
    messages around each, the context timeline, and what fix would do."""
    from .bundle import render
    from .writer import WriteRefused, atomic_file

    from .redact import RedactionUnavailable

    analysis = _analyse_or_fail(path)
    try:
        text, found = render(analysis)
    except RedactionUnavailable as exc:
        raise fail(str(exc))
    try:
        with atomic_file(output) as out:
            out.write(text.encode("utf-8"))
    except (WriteRefused, OSError) as exc:
        raise fail(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}")
    _console().print(f"wrote {output} ({len(text):,} characters; {sum(found.values())} redactions)", markup=False)


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
