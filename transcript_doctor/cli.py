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
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def _console(stderr: bool = False, plain_when_piped: bool = False):
    """Where a command prints. `plain_when_piped`: the command prints only lines of text, so
    when rich would print them without colour (not a terminal, colour not forced) a plain writer
    does it without importing rich (a fifth of a short command's time)."""
    stream = sys.stderr if stderr else sys.stdout
    if plain_when_piped and not _colour_forced() and not _isatty(stream):
        return PlainConsole(stream, stderr)
    from rich.console import Console

    # emoji=False: a transcript's ":name:" is text to show as it is, not a code to replace
    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


def _colour_forced() -> bool:
    return any(os.environ.get(name) for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"))


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# The control characters rich's Text leaves out of what it prints: a plain writer leaves them out too.
_RICH_STRIPPED = dict.fromkeys((7, 8, 11, 12, 13))


class PlainConsole:
    """The part of rich's Console that check and fix use, for a pipe or a file: the text as rich
    would write it there (no colour, no wrapping), without loading rich."""

    is_terminal = False
    plain = True

    def __init__(self, stream, stderr: bool) -> None:
        self.file = stream
        self.stderr = stderr

    def print(self, *objects, sep: str = " ", end: str = "\n", style=None, markup=None, highlight=None,
              soft_wrap=None, crop=None, emoji=None) -> None:
        text = sep.join(str(o) for o in objects).translate(_RICH_STRIPPED)
        self.file.write(text + end)


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
        console = _console(stderr=True) if self.total >= PROGRESS_MIN_BYTES else None
        if console is not None and console.is_terminal:
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
    _console(stderr=True, plain_when_piped=True).print(f"transcript-doctor: {message}", markup=False, highlight=False)
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


def client_version_option():
    return typer.Option(
        None, "--client-version", metavar="X.Y.Z",
        help="Model the request this Claude Code version sends on resume (or 'latest'; default: the newest version in the file).",
    )


def checked_client_version(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    from .profiles import UnknownVersion, profile_for

    try:
        profile_for(value)
    except UnknownVersion as exc:
        raise fail(str(exc))
    return value


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


SESSION_OPTION = typer.Option(None, "--session", help="With no path: the session with this id (a unique prefix is enough).")
PROJECT_OPTION = typer.Option(None, "--project", help="With no path: a session of the project in this folder (default: the current one).")


def resolve_inputs(paths: Optional[List[Path]], session: Optional[str], project: Optional[Path]) -> List[Path]:
    """The paths given, or else the session picked the way `claude --continue` picks it (the
    latest of this project, or --session ID, or --project DIR's); says which on stderr."""
    if paths:
        if session is not None or project is not None:
            raise fail("give a transcript path, or --session/--project, not both")
        return list(paths)
    from .sessions import NothingFound, describe, pick

    try:
        picked = pick(session, project)
    except NothingFound as exc:
        raise fail(str(exc))
    _console(stderr=True).print(f"transcript-doctor: {describe(picked)}", markup=False)
    return [picked.path]


def resolve_input(path: Optional[Path], session: Optional[str], project: Optional[Path]) -> Path:
    return resolve_inputs([path] if path is not None else None, session, project)[0]


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
    paths: Optional[List[Path]] = typer.Argument(None, help="Transcript files (.jsonl) or folders to search for them; - reads standard input (default: this project's latest session)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text for people, json for programs."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only these rules: codes, names or prefixes (TD2), comma-separated."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rules: codes, names or prefixes."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Leave out info findings, and files with neither errors nor warnings."),
    client_version: Optional[str] = client_version_option(),
    session: Optional[str] = SESSION_OPTION,
    project_dir: Optional[Path] = PROJECT_OPTION,
) -> None:
    """Report every structural fault, most severe first: file:line, code, severity, messages.N.

    `-` reads the transcript from standard input. With several files each summary names its
    file and a total closes the run. Exit code 0 when no errors are found, 1 when there are
    errors, 2 when a path cannot be read (or nothing given is a transcript).
    """
    from .api import check as check_file
    from .reader import UnreadableInput
    from .report import render_text, report_json, unreadable_json
    from .sniff import NotATranscript

    paths = resolve_inputs(paths, session, project_dir)
    choose_rules(select, ignore)
    client_version = checked_client_version(client_version)
    targets = expand_paths(paths)
    files_json = []
    unreadable = not_transcripts = clean = 0
    errors = 0
    console = _console(plain_when_piped=True)
    warnings = files = 0
    named = len(targets) > 1
    # One file at a time, each reported as soon as it is read and then let go: a folder of
    # large transcripts is never in memory at once.
    sizes = {p: _size(p) for p, problem in targets if problem is None}
    with ReadingProgress(sum(sizes.values())) as progress:
        for path, problem in targets:
            if problem is not None:
                unreadable += 1
            else:
                try:
                    report = check_file(path, select=select, ignore=ignore, include_info=not quiet,
                                        progress=progress.reading, client_version=client_version)
                except NotATranscript as exc:
                    not_transcripts += 1
                    problem = str(exc)
                except UnreadableInput as exc:
                    unreadable += 1
                    problem = str(exc)
            if problem is not None:
                if output_format is OutputFormat.json:
                    files_json.append(unreadable_json(str(path), problem))
                else:
                    _console(stderr=True, plain_when_piped=True).print(f"transcript-doctor: {problem}", markup=False)
                continue
            errors += report.errors
            warnings += report.warnings
            files += 1
            clean += report.clean
            if output_format is OutputFormat.json:
                files_json.append(report.to_json())
            elif not (quiet and report.clean):
                render_text(console, [report.analysis], named=named, label=report.path)
            report = None
    if output_format is OutputFormat.json:
        import json

        sys.stdout.write(json.dumps(report_json(files_json), indent=2, ensure_ascii=False) + "\n")
    elif named:
        console.print(_check_total(errors, warnings, files, clean, unreadable, not_transcripts), markup=False)
    nothing_checkable = files == 0 and not_transcripts > 0
    if unreadable or nothing_checkable:
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


def _check_total(errors: int, warnings: int, files: int, clean: int, unreadable: int, not_transcripts: int) -> str:
    from .report import plural

    parts = [f"{clean:,} clean"]
    if unreadable:
        parts.append(f"{unreadable:,} unreadable")
    if not_transcripts:
        parts.append(f"{plural(not_transcripts, 'file')} not a transcript")
    return f"total: {plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')} ({', '.join(parts)})"


@app.command()
def fix(
    path: Optional[Path] = typer.Argument(None, help="The transcript (.jsonl) to repair; - reads standard input (default: this project's latest session)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write the repaired transcript, always (a copy when nothing changes; - for standard output; default: <name>.fixed.jsonl beside it, written only when something changes)."),
    diff: bool = typer.Option(False, "--diff", help="Show what would change, field by field; write nothing."),
    in_place: bool = typer.Option(False, "--in-place", help="Replace the file itself, keeping the original as <file>.bak."),
    new_session: bool = typer.Option(False, "--new-session", help="Write a resumable copy under a new session id where `claude --resume` looks for it."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply repairs that drop or invent content (originals still go to the rejects file)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text for people, json for programs."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Only repair findings of these rules."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Leave findings of these rules alone."),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="Where to keep the original bytes of removed and changed lines (default: <output>.rejects; needed to keep them when the output is standard output)."),
    client_version: Optional[str] = client_version_option(),
    session: Optional[str] = SESSION_OPTION,
    project_dir: Optional[Path] = PROJECT_OPTION,
) -> None:
    """Repair a transcript so that Claude Code resumes it and the API accepts it, losing nothing.

    Every change is reported; removed and changed lines are kept byte for byte in
    <output>.rejects. Exit code 0 when the result has no errors, 1 when errors are left (or, with
    --diff, when there is something to change), 2 on bad usage or unreadable input.
    """
    from .api import fix as fix_file
    from .reader import UnreadableInput
    from .stdio import is_stdio
    from .writer import WriteRefused

    path = resolve_input(path, session, project_dir)
    choose_rules(select, ignore)
    client_version = checked_client_version(client_version)
    size = _size(path)
    progress = ReadingProgress(size)
    with progress:
        try:
            result = fix_file(path, output, unsafe_fixes, in_place=in_place, new_session=new_session, rejects=rejects,
                              select=select, ignore=ignore, dry_run=diff, progress=progress.reading,
                              client_version=client_version)
        except (ValueError, UnreadableInput, WriteRefused) as exc:
            raise fail(str(exc))
    # The repaired transcript may be on standard output: then the report goes to standard error.
    console = _console(stderr=is_stdio(result.output), plain_when_piped=True)
    if diff:
        if output_format is OutputFormat.json:
            _print_json({"path": result.path, "changes": [c.to_json() for c in result.changes]}, console)
        else:
            for line in result.diff or []:
                console.print(line, markup=False)
            console.print(f"{len(result.changes)} change(s) would be made; nothing written", markup=False)
        raise typer.Exit(EXIT_FINDINGS if result.changes else EXIT_OK)
    if output_format is OutputFormat.json:
        _print_json(result.to_json(), console)
    else:
        _print_fix_result(console, result)
    raise typer.Exit(EXIT_FINDINGS if result.errors_left else EXIT_OK)


def _print_json(payload, console) -> None:
    import json

    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if console.stderr:
        sys.stderr.write(text)
    else:
        sys.stdout.write(text)


def _print_fix_result(console, result) -> None:
    name = result.path
    for c in result.changes:
        where = f"{name}:{c.line}" if c.line else f"{name} (a record an earlier repair pass inserted)"
        console.print(f"{where}  {c.code}  {c.description}", markup=False)
    for s in result.not_fixed:
        console.print(f"{name}:{s.finding.line}  {s.finding.code}  {s.reason}", markup=False, style="dim")
    to_stdout = result.output == "-"
    written = "the repaired transcript to standard output" if to_stdout else result.output
    if result.output is None:
        console.print(f"{name}: nothing to fix" if not result.errors_left else f"{name}: no safe repair to make; nothing written", markup=False)
    elif result.unchanged_copy and result.session_id is None:
        what = "nothing to fix" if not result.errors_left else "no safe repair to make"
        console.print(f"{what}; wrote an unchanged copy to {'standard output' if to_stdout else written}", markup=False)
    else:
        where = f"wrote {written}"
        if result.backup:
            where += f" (original kept as {result.backup})"
        if result.rejects:
            where += f"; removed and changed lines kept in {result.rejects}"
        if result.rejects_not_written:
            where += (f"; the original bytes of {result.rejects_not_written} removed or changed line(s) were not kept"
                      " (give --rejects PATH to keep them)")
        console.print(f"{len(result.changes)} change(s); {where}", markup=False)
    if result.errors_left:
        console.print(f"{len(result.errors_left)} error(s) left:", markup=False, style="bold red")
        for f in result.errors_left:
            console.print(f"  {f.code} line {f.line}: {f.message}", markup=False)
        if result.unsafe_left:
            n = len(result.unsafe_left)
            console.print(f"{n} of them {'needs' if n == 1 else 'need'} --unsafe-fixes (repairs that invent or drop content)", markup=False)
    if result.resume_note:
        console.print(f"note: {result.resume_note}", markup=False)
    if result.resume:
        kept = f"  (the original is kept as {result.backup})" if result.backup else ""
        console.print(f"resume it with: {result.resume}{kept}", markup=False)


def _analyse_or_fail(path: Path, rules=None, client_version: Optional[str] = None):
    from .analysis import analyse
    from .reader import UnreadableInput
    from .sniff import check_is_transcript
    from .stdio import input_path

    try:
        path = input_path(path)
        check_is_transcript(path)
        return analyse(path, rules, client_version=checked_client_version(client_version))
    except UnreadableInput as exc:
        raise fail(str(exc))


@app.command()
def explain(
    path: Optional[Path] = typer.Argument(None, help="The transcript the error came from; - reads standard input (default: this project's latest session)."),
    error: Optional[str] = typer.Argument(None, help="The API error text (read from standard input when left out)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
    around: int = typer.Option(2, "--around", help="Messages of context to show on each side."),
    client_version: Optional[str] = client_version_option(),
    session: Optional[str] = SESSION_OPTION,
    project_dir: Optional[Path] = PROJECT_OPTION,
) -> None:
    """Map an API error (messages.N, content.M, tool ids, prompt too long) onto the transcript.

    Shows the messages involved with their lines and uuids, the rule that explains the error and
    what `fix` would do. Exit code 0 when the error is recognised, 1 when it is not.
    """
    import json

    from .api import explain as explain_file
    from .reader import UnreadableInput
    from .rules import lookup
    from .stdio import is_stdio
    from .views import message_line, message_row, window

    if error is None and path is not None and not os.path.exists(path) and str(path) != "-" and not path.name.endswith(".jsonl"):
        path, error = None, str(path)  # `explain "messages.3: ..."`: the one argument is the error, not a file
    path = resolve_input(path, session, project_dir)
    if error is None:
        if is_stdio(path):
            raise fail("the transcript is on standard input: give the error text as an argument")
        if sys.stdin is None or sys.stdin.isatty():
            raise fail("give the error text as an argument or on standard input")
        error = sys.stdin.read()
    if not error.strip():
        raise fail("the error text is empty")
    try:
        explained = explain_file(path, error, client_version=checked_client_version(client_version))
    except (ValueError, UnreadableInput) as exc:
        raise fail(str(exc))
    parsed, result, analysis, fix_actions = explained.error, explained, explained.analysis, explained.fix_actions
    main = analysis.context.main
    index = result.findings[0].message_index if result.findings and result.findings[0].message_index is not None else parsed.message_index
    shown = window(main, index, around) if main is not None and index is not None and index < len(main.messages) else []
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
            "tool_ids_not_in_file": explained.missing_tool_ids,
            "client": analysis.profile.to_json(),
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
    console.print(f"read:  as {analysis.profile.name} resumes it ({analysis.tree.profile_source})", markup=False)
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
            console.print(f"{explained.path}:{f.line}  {f.code} {f.severity}  {f.api_path or '-'}  uuid {f.uuid}  {f.message}", markup=False)
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
    path: Optional[Path] = typer.Argument(None, help="The transcript to show; - reads standard input (default: this project's latest session)."),
    around: Optional[int] = typer.Option(None, "--around", help="Only messages.N and a few on each side."),
    lines: Optional[str] = typer.Option(None, "--lines", help="Only messages with records on lines A:B."),
    branch: Optional[str] = typer.Option(None, "--branch", help="Show the conversation ending at this leaf (a uuid or a line number)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per message."),
    context: int = typer.Option(3, "--context", help="Messages on each side with --around."),
    client_version: Optional[str] = client_version_option(),
    session: Optional[str] = SESSION_OPTION,
    project_dir: Optional[Path] = PROJECT_OPTION,
) -> None:
    """The conversation as the API would receive it on resume, one line per message."""
    import json

    from .projection import project
    from .tree import BRANCH, Chain, _walk_up
    from .views import message_line, message_row, window

    path = resolve_input(path, session, project_dir)
    analysis = _analyse_or_fail(path, client_version=client_version)
    conversation = analysis.context.main
    if branch is not None:
        tree = analysis.tree
        leaf = tree.by_uuid.get(branch)
        if leaf is None and branch.isdigit():
            leaf = next((r for r in analysis.transcript.records if r.line == int(branch) and r.uuid), None)
        if leaf is None:
            raise fail(f"no record with uuid or line {branch!r}")
        records, stop, stop_record = _walk_up(tree, leaf)
        conversation = project(tree, Chain(BRANCH, leaf, records, stop, stop_record), BRANCH, profile=analysis.profile)
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
        earlier = _earlier_messages(analysis, conversation, lo, hi) if branch is None else []
    else:
        earlier = []
    if as_json:
        from .wire import RecordReader, message_json

        reader = RecordReader(analysis.transcript, analysis.profile)
        for kind, m in earlier:
            row = {**message_row(m, message_json(m, reader)), "conversation": kind}
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        for m in messages:
            row = message_row(m, message_json(m, reader))
            if earlier:
                row["conversation"] = conversation.kind
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    console = _console()
    if earlier:
        from .report import WHERE_LABEL

        console.print("not sent on resume:", markup=False, style="dim")
        for kind, m in earlier:
            console.print(f"{message_line(m, '~')}  ({WHERE_LABEL.get(kind, kind)})", markup=False)
        if messages:
            console.print("the resumed conversation:", markup=False, style="dim")
    for m in messages:
        console.print(message_line(m), markup=False)
    leaf = conversation.chain.leaf
    console.print(f"{len(conversation.messages)} messages as {analysis.profile.name} sends them; leaf line {leaf.line} ({leaf.uuid})",
                  markup=False, style="dim")


def _earlier_messages(analysis, shown, lo: int, hi: int) -> list:
    """Messages on lines lo..hi that the resumed conversation does not send: the history before
    a compaction first, then side branches; each once, as (kind, message)."""
    seen = {m.lines for m in shown.messages}
    out = []
    convs = sorted((c for c in analysis.context.conversations if c is not shown), key=lambda c: c.kind != "compacted")
    for conv in convs:
        for m in conv.messages:
            if m.lines[1] >= lo and m.lines[0] <= hi and m.lines not in seen:
                seen.add(m.lines)
                out.append((conv.kind, m))
    return out


@app.command()
def stats(
    path: Optional[Path] = typer.Argument(None, help="The transcript to measure; - reads standard input (default: this project's latest session)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
    session: Optional[str] = SESSION_OPTION,
    project_dir: Optional[Path] = PROJECT_OPTION,
) -> None:
    """Records by type, branches, tool calls and their errors, API errors, context size over time."""
    import json

    from .stats import compute, sparkline

    path = resolve_input(path, session, project_dir)
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


class ScanFormat(str, Enum):
    text = "text"
    json = "json"
    tsv = "tsv"


@app.command()
def sessions(
    project: Optional[Path] = typer.Option(None, "--project", help="The project in this folder (default: the current one)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
) -> None:
    """This project's sessions, newest first: last activity, health, size, id and last prompt,
    and the one `claude --continue` (and a command given no path) picks.

    Exit code 1 when any session has errors, 2 when Claude Code has no sessions for the folder.
    """
    import json

    from .sessions import NothingFound, overview, overview_lines

    try:
        data = overview(project)
    except NothingFound as exc:
        raise fail(str(exc))
    bad = any(r["health"] in ("errors", "unreadable") for r in data["sessions"])
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)
    console = _console()
    for line in overview_lines(data, console.width):
        console.print(line, markup=False)
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


@app.command()
def scan(
    root: Optional[Path] = typer.Argument(None, help="Folder to scan (default ~/.claude/projects, or $CLAUDE_CONFIG_DIR/projects)."),
    output_format: ScanFormat = typer.Option(ScanFormat.text, "--format", "-f", help="text: one line per session; json: everything, full paths; tsv: for spreadsheets and sort."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Processes to use (default: every core)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Show only the N worst files."),
) -> None:
    """The health of every session under a folder, worst first: clean, warnings, errors or unreadable.

    One line per session (short project and session names; the full paths are in --format json
    and tsv). Exit code 1 when any file has errors or is unreadable.
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
    if console.is_terminal and output_format is ScanFormat.text and paths:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"scanning {len(paths):,} files", total=len(paths))
            results = scanning.scan(paths, workers, progress=lambda: bar.advance(task))
    else:
        results = scanning.scan(paths, workers)
    for r in results:
        r["path"] = os.path.abspath(r["path"])
    bad = sum(1 for r in results if r["health"] in ("errors", "unreadable"))
    shown = results[:limit] if limit else results
    if output_format is ScanFormat.json:
        counts = {h: sum(1 for r in results if r["health"] == h) for h in scanning.HEALTH_ORDER}
        for r, (project, session) in zip(shown, scanning.short_names(shown, root)):
            r["project"], r["session"] = project, session
        sys.stdout.write(json.dumps({"root": os.path.abspath(root), "files": shown, "summary": counts}, indent=2, ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)
    if output_format is ScanFormat.tsv:
        sys.stdout.write("".join(line + "\n" for line in scanning.tsv_lines(shown, root)))
        raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)
    from datetime import datetime, timezone

    from rich.text import Text

    out = _console()
    width = out.width if out.is_terminal else None  # in a pipe a line is never cut: it is one line anyway
    this_year = str(datetime.now(timezone.utc).year)
    for health, rest, style in scanning.text_lines(shown, root, width, this_year):
        out.print(Text(health, style=style) + Text(rest), soft_wrap=True, crop=False)
    counts = ", ".join(f"{sum(1 for r in results if r['health'] == h)} {h}" for h in scanning.HEALTH_ORDER)
    out.print(f"{len(results):,} files: {counts}", markup=False)
    raise typer.Exit(EXIT_FINDINGS if bad else EXIT_OK)


@app.command()
def redact(
    path: Path = typer.Argument(..., help="The transcript to redact; - reads standard input."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Where to write the redacted copy; - for standard output."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
    report: bool = typer.Option(False, "--report", help="Also list what was found, by kind and line (never the secret)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if the file holds anything redact would "
                                                     "replace, 0 if not (a gate before sharing)."),
) -> None:
    """Replace secrets (API keys, tokens, private keys, passwords, emails) and the home path with
    stable placeholders, keeping structure, ids and tool pairing intact. Reports counts (with
    --report, kinds and lines), never a secret."""
    import json

    from .api import redact as redact_file
    from .reader import UnreadableInput
    from .redact import RedactionUnavailable
    from .stdio import is_stdio
    from .writer import WriteRefused

    if check and output is not None:
        raise fail("--check writes nothing: leave out -o")
    if not check and output is None:
        raise fail("say where to write the redacted copy (-o FILE, or -o - for standard output), or give --check")
    try:
        result = redact_file(path, None if check else output)
    except (ValueError, UnreadableInput, WriteRefused) as exc:
        raise fail(str(exc))
    except RedactionUnavailable as exc:
        raise fail(str(exc))
    code = EXIT_FINDINGS if check and result.findings else EXIT_OK
    to_stderr = output is not None and is_stdio(output)  # the copy is on standard output: the report goes aside
    if output_format is OutputFormat.json:
        doc = result.to_json()
        if report or check:
            doc["findings"] = result.findings
        (sys.stderr if to_stderr else sys.stdout).write(json.dumps(doc, indent=2) + "\n")
        raise typer.Exit(code)
    console = _console(stderr=to_stderr)
    if report or check:
        by_kind: dict[str, list[int]] = {}
        for f in result.findings:
            by_kind.setdefault(f["kind"], []).extend([f["line"]] * f["count"])
        for kind, lines in sorted(by_kind.items()):
            shown = sorted(set(lines))
            more = f", ... ({len(shown) - 20} more lines)" if len(shown) > 20 else ""
            console.print(f"{kind} x{len(lines)}: line{'s' if len(shown) > 1 else ''} {', '.join(map(str, shown[:20]))}{more}",
                          markup=False)
    found = ", ".join(f"{k} x{v}" for k, v in result.found.items()) or "nothing to redact"
    if check:
        console.print(f"{result.path}: {'would redact' if result.findings else 'clean'}: {found}", markup=False)
    else:
        where = "the redacted copy to standard output" if to_stderr else str(output)
        console.print(f"wrote {where}: {result.lines_changed:,} of {result.lines:,} lines changed; {found}", markup=False)
    raise typer.Exit(code)


@app.command()
def compact(
    path: Optional[Path] = typer.Argument(None, help="The transcript (.jsonl) that has grown too long (default: this project's latest session)."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Budget for the resumed conversation (default: the model's window minus 40,000 for the reply)."),
    max_image_age: Optional[int] = typer.Option(None, "--max-image-age", help="Replace images older than this many turns with a note."),
    max_result_chars: Optional[int] = typer.Option(None, "--max-result-chars", help="Cut tool results longer than this to their head and tail."),
    in_place: bool = typer.Option(False, "--in-place", help="Replace the file itself, keeping the original as <file>.bak."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of a new session beside the input."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text for people, json for programs."),
    session: Optional[str] = SESSION_OPTION,
    project_dir: Optional[Path] = PROJECT_OPTION,
) -> None:
    """Compact a session that is too long to resume, without a model: a compaction boundary, a
    summary made from the transcript, and the most recent turns verbatim, within the budget.

    Written as a new session beside the input (prints `claude --resume <id>`) unless --in-place or
    -o is given. Every input line is kept byte for byte before the boundary. Exit code 0 when
    written or nothing needed, 1 when it cannot be compacted (errors: fix first; budget too small),
    2 on bad usage or unreadable input.
    """
    import json

    from .compact import CompactError, compact_file, describe
    from .writer import WriteRefused

    path = resolve_input(path, session, project_dir)

    if in_place and output is not None:
        raise fail("choose one of --output and --in-place")
    try:
        report = compact_file(path, max_tokens=max_tokens, max_image_age=max_image_age,
                              max_result_chars=max_result_chars, in_place=in_place, output=output)
    except CompactError as exc:
        raise fail(str(exc), exc.code)
    except (WriteRefused, OSError) as exc:
        raise fail(f"{getattr(exc, 'strerror', None) or exc}; the input is untouched")
    if output_format is OutputFormat.json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        for line in describe(report, new_session=not in_place and output is None):
            _console().print(line, markup=False)
    raise typer.Exit(EXIT_OK)


@app.command()
def bundle(
    path: Path = typer.Argument(..., help="The transcript to report on."),
    output: Path = typer.Option("-", "--output", "-o", help="Where to write the Markdown report (default: standard output)."),
    client_version: Optional[str] = client_version_option(),
    as_html: bool = typer.Option(False, "--html", help="Write the HTML report (as `report` does) instead of Markdown."),
) -> None:
    """A redacted Markdown triage report to attach to a bug: versions, sizes, findings with the
    messages around each, the context timeline, and what fix would do."""
    from .bundle import render
    from .stdio import is_stdio
    from .writer import WriteRefused, atomic_file

    from .redact import RedactionUnavailable

    if as_html:
        return report(path, output, no_redact=False, client_version=client_version)
    analysis = _analyse_or_fail(path, client_version=client_version)
    try:
        text, found = render(analysis)
    except RedactionUnavailable as exc:
        raise fail(str(exc))
    if is_stdio(output):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        _console(stderr=True).print(f"({len(text):,} characters; {sum(found.values())} redactions)", markup=False, style="dim")
        return
    try:
        with atomic_file(output) as out:
            out.write(text.encode("utf-8"))
    except (WriteRefused, OSError) as exc:
        raise fail(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}")
    _console().print(f"wrote {output} ({len(text):,} characters; {sum(found.values())} redactions)", markup=False)


@app.command()
def report(
    path: Path = typer.Argument(..., help="The transcript to report on."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the HTML file (`-` for standard output)."),
    no_redact: bool = typer.Option(False, "--no-redact", help="Keep secrets and the home path as they are (the report is redacted by default)."),
    client_version: Optional[str] = client_version_option(),
) -> None:
    """One self-contained HTML file showing the session: the tree with its branches, sidechains,
    compactions and findings, the context curve, the findings with what fix would do, the resumed
    conversation (anchored as report.html#messages.N) and the tool calls. It makes no network
    request. Exit code 0 when written, 2 when the input cannot be read or the output written."""
    from .html_report import render as render_html
    from .writer import WriteRefused, atomic_file

    analysis = _analyse_or_fail(path, client_version=client_version)
    result = render_html(analysis, redact=not no_redact)
    data = result.html.encode("utf-8")
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with atomic_file(output) as out:
            out.write(data)
    except (WriteRefused, OSError) as exc:
        raise fail(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}")
    redacted = "not redacted" if no_redact else f"{sum(result.redactions.values())} redactions"
    written = (f"; {result.messages_written:,} of {result.messages_total:,} messages written in full"
               if result.messages_written < result.messages_total else "")
    _console().print(f"wrote {output} ({len(data) / 1e6:,.1f} MB; {redacted}{written})", markup=False)


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
        from .rst import render_rst

        console.print(render_rst(rule.doc), markup=False)
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
        app(prog_name="transcript-doctor")  # also under `python -m`: completion scripts key on this name
    except KeyboardInterrupt:
        print("transcript-doctor: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FINDINGS)
