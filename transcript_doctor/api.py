"""The Python API: what the command line does, as functions that return data.

    import transcript_doctor as td

    report = td.check("session.jsonl")
    if not report.ok:
        result = td.fix("session.jsonl", "repaired.jsonl")
        print(result.status, result.errors_left)

Every function takes the transcript path first (`"-"` reads standard input), options after it
keyword-only, and raises `UnreadableInput` (or its subclass `NotATranscript`) when the path
cannot be read as a transcript, `WriteRefused` when an output cannot be written safely, and
`ValueError` for a bad option. The CLI calls these same functions and only prints their results.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Union

from .analysis import Analysis, analyse
from .findings import ERROR, INFO, WARNING, Finding
from .reader import UnreadableInput
from .sniff import NotATranscript, check_is_transcript
from .stdio import STDIN_LABEL, is_stdio, readable, writable

if TYPE_CHECKING:  # only `fix`, `explain` and `redact` load these: `check` stays as light as it was
    from .explain import Explanation, ParsedError
    from .repair import Change, Skipped
    from .writer import WriteRefused

PathLike = Union[str, "os.PathLike[str]"]
Progress = Callable[[str, int], Optional[Callable[[int], None]]]

__all__ = [
    "Report", "FixResult", "ExplainResult", "RedactResult",
    "check", "fix", "explain", "redact",
    "UnreadableInput", "NotATranscript", "WriteRefused",
]


def __getattr__(name: str) -> Any:
    if name == "WriteRefused":  # listed in __all__, imported only when asked for
        from .writer import WriteRefused

        return WriteRefused
    raise AttributeError(name)


def _rules(select: Iterable[str] | None, ignore: Iterable[str] | None):
    from .rules import select as select_rules
    from .rules import unknown_keys

    chosen = [k for v in (select or ()) for k in v.split(",") if k.strip()]
    dropped = [k for v in (ignore or ()) for k in v.split(",") if k.strip()]
    unknown = unknown_keys(chosen + dropped)
    if unknown:
        raise ValueError(f"unknown rule code or name: {', '.join(unknown)} (see `transcript-doctor rules`)")
    return select_rules(chosen or None, dropped or None)


def _label(path: PathLike) -> str:
    return STDIN_LABEL if is_stdio(path) else os.fspath(path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


# --- check -----------------------------------------------------------------------------------


@dataclass
class Report:
    """What `check` found in one transcript."""

    path: str  # as given; "<stdin>" for standard input
    findings: list[Finding]
    notes: list[str]
    analysis: Analysis = field(repr=False)  # the whole analysis: tree, projected conversations

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    @property
    def infos(self) -> int:
        return sum(1 for f in self.findings if f.severity == INFO)

    @property
    def ok(self) -> bool:
        """No errors: Claude Code can resume it, as far as the structure goes."""
        return self.errors == 0

    @property
    def clean(self) -> bool:
        """No errors and no warnings."""
        return self.errors == 0 and self.warnings == 0

    def to_json(self) -> dict[str, Any]:
        """The file's entry of `check --format json` (schemas/report.schema.json)."""
        from .report import analysis_json

        data = analysis_json(self.analysis)
        data.update(path=self.path, errors=self.errors, warnings=self.warnings, infos=self.infos,
                    findings=[f.to_json() for f in self.findings])
        return data


def check(path: PathLike, *, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
          include_info: bool = True, progress: Progress | None = None, client_version: str | None = None) -> Report:
    """Check one transcript: every structural fault, most severe first.

    `select` / `ignore` take rule codes (`TD201`), names (`orphan-tool-use`) or prefixes (`TD2`).
    `include_info=False` leaves out info findings. `progress(label, size)` may return a callback
    that is called with the bytes read so far. `client_version` ("2.1.112", "latest") models the
    request that Claude Code version sends on resume; by default the newest version in the file.
    """
    rules = _rules(select, ignore)
    label = _label(path)
    with readable(path) as source:
        check_is_transcript(source)
        analysis = analyse(source, rules, progress=progress(f"checking {Path(label).name}", _size(source)) if progress else None,
                           client_version=client_version)
    if not include_info:
        analysis.findings = [f for f in analysis.findings if f.severity != INFO]
    return Report(path=label, findings=analysis.findings, notes=list(analysis.notes), analysis=analysis)


# --- fix -------------------------------------------------------------------------------------


@dataclass
class FixResult:
    """What `fix` did, and what is left."""

    path: str  # the input, as given
    output: str | None  # where the transcript was written ("-": standard output); None: nothing written
    changes: list[Change]
    not_fixed: list[Skipped]  # findings left alone, each with the reason (unsafe, on a side branch...)
    errors_left: list[Finding]  # errors the output still has
    rejects: str | None = None  # the original bytes of every removed or changed line
    rejects_not_written: int = 0  # such lines not kept anywhere (output on standard output, no rejects path)
    backup: str | None = None  # with in_place: the original
    session_id: str | None = None  # with new_session: the new session's id
    cwd: str | None = None  # with new_session: the session's working directory
    resume_note: str | None = None  # with new_session: what to do before `claude --resume` finds it
    passes: int = 0
    diff: list[str] | None = None  # with dry_run: the changes, field by field
    resume: str | None = None  # the shell line that resumes the result with Claude Code (None: errors left)

    @property
    def unchanged_copy(self) -> bool:
        """The output was written although nothing needed changing (an explicit output)."""
        return self.output is not None and not self.changes

    @property
    def unsafe_left(self) -> list[Skipped]:
        return [s for s in self.not_fixed if "--unsafe-fixes" in s.reason]

    @property
    def status(self) -> str:
        """"clean" (nothing to change), "fixed" (changed, no errors left) or "errors-left"."""
        if self.errors_left:
            return "errors-left"
        return "fixed" if self.changes else "clean"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "output": self.output,
            "rejects": self.rejects,
            "rejects_not_written": self.rejects_not_written,
            "backup": self.backup,
            "session_id": self.session_id,
            "passes": self.passes,
            "status": self.status,
            "changes": [c.to_json() for c in self.changes],
            "not_fixed": [{**s.finding.to_json(), "reason": s.reason} for s in self.not_fixed],
            "errors_left": [f.to_json() for f in self.errors_left],
            "resume": self.resume,
        }


def default_output(path: PathLike) -> str:
    """Where `fix` writes when no output is named: `<name>.fixed.jsonl` beside the input, or
    standard output when the input is standard input."""
    if is_stdio(path):
        return "-"
    p = Path(path)
    return str(p.with_name(p.stem + ".fixed.jsonl"))


def fix(path: PathLike, output: PathLike | None = None, unsafe: bool = False, *, in_place: bool = False,
        new_session: bool = False, rejects: PathLike | None = None, select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None, dry_run: bool = False, progress: Progress | None = None,
        client_version: str | None = None) -> FixResult:
    """Repair a transcript so that Claude Code resumes it, losing nothing.

    `output` (`"-"`: standard output) is always written, even when nothing needed changing (then
    it is a byte-for-byte copy) or when only unsafe repairs are left (then it holds the safe
    ones); without `output` the result goes to `<name>.fixed.jsonl` and only when something
    changed. `unsafe=True` also applies repairs that invent links or drop content. `in_place`
    replaces the input (atomically, keeping `<file>.bak`); `new_session` writes a copy under a
    new session id where `claude --resume` looks for it. The original bytes of removed and
    changed lines go to `rejects` (default `<output>.rejects`; not written for standard output
    unless named). `dry_run` writes nothing and fills `FixResult.diff`. Same input, same output
    bytes. `client_version` judges the file as that Claude Code version resumes it (default: the
    newest version in the file); `FixResult.resume` is the shell line that resumes the result.
    """
    if sum(bool(x) for x in (output is not None, in_place, new_session)) > 1:
        raise ValueError("choose one of --output, --in-place and --new-session")
    if is_stdio(path) and (in_place or new_session):
        raise ValueError("--in-place and --new-session need a file, not standard input")
    rules = _rules(select, ignore)
    target_name = os.fspath(output) if output is not None else (None if in_place or new_session else default_output(path))
    # A named output, or standard output (a filter must always pass the transcript on), is always written.
    explicit = output is not None or is_stdio(target_name)
    if target_name is not None and is_stdio(target_name) and is_stdio(rejects):
        raise ValueError("the rejects cannot go to standard output too: name a file with --rejects")
    with readable(path) as source:
        check_is_transcript(source)
        if target_name is not None and not is_stdio(target_name) and not is_stdio(path):
            if Path(target_name).resolve() == source.resolve():
                raise ValueError("the output would overwrite the input: use --in-place to replace it (a backup is kept)")
        size = _size(source)
        analysis = analyse(source, rules, progress=progress(f"checking {Path(_label(path)).name}", size) if progress else None,
                           client_version=client_version)
        return _fix_analysed(path, source, analysis, rules, target_name, explicit, unsafe, in_place, new_session,
                             rejects, dry_run, progress)


def _fix_analysed(path, source: Path, analysis: Analysis, rules, target_name, explicit, unsafe, in_place, new_session,
                  rejects, dry_run, progress) -> FixResult:
    import tempfile
    import uuid as uuidlib

    from .fixer import place, stage
    from .placement import place_new_session
    from .writer import WriteRefused

    if analysis.transcript.format == "codex":
        raise NotATranscript(f"{_label(path)}: a Codex CLI rollout, not a Claude Code transcript: nothing to repair")
    result = FixResult(path=_label(path), output=None, changes=[], not_fixed=[], errors_left=[])
    cwd, recorded_session = _session_cwd(analysis), analysis.tree.expected_session  # read before the records are let go
    session_rewrite = None
    if new_session:
        old_id = recorded_session
        result.session_id = str(uuidlib.uuid4())
        result.cwd = cwd
        where = place_new_session(source, result.cwd)
        result.resume_note = where.note
        target = where.folder / f"{result.session_id}.jsonl"
        if old_id:
            session_rewrite = (f'"sessionId":"{old_id}"'.encode(), f'"sessionId":"{result.session_id}"'.encode())
    elif in_place:
        target = source
    else:
        target = Path(target_name)
    to_stdout = not in_place and not new_session and is_stdio(target_name)
    if dry_run or to_stdout:
        workdir_parent = Path(tempfile.gettempdir())
    else:
        workdir_parent = target.parent if str(target.parent) else Path(".")
        if new_session:
            try:
                workdir_parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WriteRefused(f"cannot create {workdir_parent}: {exc.strerror or exc}; the input is untouched") from None
    try:
        repair = stage(analysis, rules, unsafe, workdir_parent, release=True, progress=progress)
    except OSError as exc:
        raise WriteRefused(f"cannot write in {workdir_parent}: {exc.strerror or exc}; the input is untouched") from None
    try:
        result.changes, result.not_fixed, result.passes = repair.changes, repair.skipped, repair.passes
        if dry_run:
            from .diff import render_diff

            result.diff = render_diff(source, repair.staged, repair.line_sources,
                                      os.fspath(target_name) if target_name else str(target), label=_label(path))
            result.errors_left = repair.errors_left
            return result
        if repair.changes or new_session or explicit:
            with writable(target_name if to_stdout else target) as written:
                keep = not to_stdout or rejects is not None
                try:
                    place(repair, written, in_place=in_place, session_rewrite=session_rewrite,
                          rejects=Path(rejects) if rejects is not None else None, keep_rejects=keep)
                except OSError as exc:
                    raise WriteRefused(f"cannot write {target}: {exc.strerror or exc}; the input is untouched") from None
            result.output = "-" if to_stdout else str(repair.output)
            result.rejects = str(repair.rejects) if repair.rejects else None
            result.rejects_not_written = repair.rejects_not_written
            result.backup = str(repair.backup) if repair.backup else None
            if new_session:
                repair.final = analyse(target, rules, client_version=analysis.profile.version)
    finally:
        repair.cleanup()
    result.errors_left = repair.errors_left
    if not result.errors_left and result.output != "-" and not is_stdio(path):
        from .sessions import resume_command

        written = Path(result.output) if result.output else source
        result.resume = resume_command(written, result.session_id or recorded_session, cwd)
    return result


def _session_cwd(analysis: Analysis) -> str | None:
    leaf = analysis.tree.leaf
    if leaf is None:
        return None
    value = analysis.transcript.read_value(leaf)
    cwd = value.get("cwd") if isinstance(value, dict) else None
    return cwd if isinstance(cwd, str) else None


# --- explain ---------------------------------------------------------------------------------


@dataclass
class ExplainResult:
    """An API error mapped onto a transcript."""

    path: str
    error: ParsedError  # what was read from the error text: indices, tool ids, meaning
    explanation: Explanation  # the findings that explain it, and a note
    analysis: Analysis = field(repr=False)
    missing_tool_ids: list[str] = field(default_factory=list)  # tool ids of the error that are nowhere in the file
    fix_actions: list[Change] = field(default_factory=list)  # what `fix` would do about it

    @property
    def recognised(self) -> bool:
        return self.error.recognised

    @property
    def findings(self) -> list[Finding]:
        return self.explanation.findings

    @property
    def note(self) -> str | None:
        notes = [n for n in (self.explanation.note, self.missing_note) if n]
        return "; ".join(notes) or None

    @property
    def missing_note(self) -> str | None:
        if not self.missing_tool_ids:
            return None
        ids = ", ".join(self.missing_tool_ids)
        return (f"{ids} {'is' if len(self.missing_tool_ids) == 1 else 'are'} not in this file: the error likely came from"
                " another session file, or from this one before it was fixed")


def explain(path: PathLike, error: str, *, progress: Progress | None = None,
            client_version: str | None = None) -> ExplainResult:
    """Map an API error text (`messages.N`, `content.M`, tool ids, `prompt is too long`) onto
    the transcript: which findings explain it, what `fix` would do, and whether the tool ids it
    names are in this file at all."""
    import tempfile

    from .explain import explain as explain_error
    from .explain import parse_error
    from .fixer import stage

    if not error or not error.strip():
        raise ValueError("the error text is empty")
    with readable(path) as source:
        check_is_transcript(source)
        analysis = analyse(source, client_version=client_version)
        parsed = parse_error(error)
        explanation = explain_error(parsed, analysis)
        tree = analysis.tree
        missing = [t for t in parsed.tool_ids if t not in tree.tool_use_records and t not in tree.tool_result_ids]
        try:
            repair = stage(analysis, None, True, Path(tempfile.gettempdir()))
            repair.cleanup()
            actions = [c for c in repair.changes if c.code in {f.code for f in explanation.findings}]
        except Exception:  # explaining must not depend on being able to stage a repair
            actions = []
    return ExplainResult(_label(path), parsed, explanation, analysis, missing, actions)


# --- redact ----------------------------------------------------------------------------------


@dataclass
class RedactResult:
    path: str
    output: str | None  # None: a check, nothing written
    lines: int
    lines_changed: int
    found: dict[str, int]  # kind of secret -> how many; never the secrets
    findings: list[dict[str, Any]] = field(default_factory=list)  # {"line", "kind", "count"}: where, never what

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "output": self.output, "lines": self.lines, "lines_changed": self.lines_changed,
                "found": self.found}


def redact(path: PathLike, output: PathLike | None) -> RedactResult:
    """Write a copy of the transcript with credentials, secret-named values, high-entropy values,
    emails and the home path replaced by stable placeholders; ids, hashes, timestamps and
    signatures untouched. `output` may be `"-"` (standard output); it must not be the input.
    With `output` None nothing is written: the result says what would be redacted, and where
    (`redact --check`). Raises `RedactionUnavailable` when the secret-scanning library is missing."""
    from .reader import open_transcript
    from .redact import redact_file
    from .writer import WriteRefused

    with readable(path) as source:
        handle, _ = open_transcript(source)
        handle.close()
        check_is_transcript(source)
        if output is None:
            report = redact_file(source, None)
        else:
            if not is_stdio(output) and not is_stdio(path) and Path(output).resolve() == source.resolve():
                raise ValueError("write the redacted copy to another file (-o)")
            with writable(output) as target:
                try:
                    report = redact_file(source, target)
                except OSError as exc:
                    raise WriteRefused(f"cannot write {output}: {exc.strerror or exc}") from None
    return RedactResult(_label(path), os.fspath(output) if output is not None else None, report["lines"],
                        report["lines_changed"], report["found"], report["findings"])
