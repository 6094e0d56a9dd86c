"""Stage 8 driver: repair a transcript in passes until nothing repairable is left.

Repairs interact: re-linking a broken chain can turn "orphan" results into answered ones. So
each pass applies either the structural (file-scope) repairs or, once the structure is sound,
the conversation repairs; the result is analysed again and the next pass works on it. Line
numbers in the change report are mapped back to the input file; the rejects of every pass are
kept, so the original bytes of every changed or removed line survive. Untouched lines are
copied byte for byte through every pass. The final file replaces the target in one rename.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .analysis import Analysis, analyse
from .repair import Change, Skipped, plan_repairs
from .rules import Rule
from .transcript import Carried
from .writer import (
    WriteRefused,
    atomic_file,
    backup_path,
    changed_message,
    copy_with_rewrite,
    fingerprint,
    fsync_dir,
    fsync_path,
    write_pass,
)

MAX_PASSES = 6


@dataclass
class Repair:
    source: Path
    first: Analysis
    final: Analysis | None = None
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    passes: int = 0
    output: Path | None = None
    rejects: Path | None = None
    backup: Path | None = None
    # the last pass's file and its map back to input lines, while the repair is not yet placed
    staged: Path | None = None
    line_sources: list[int | None] = field(default_factory=list)
    workdir: Path | None = None
    pass_rejects: list[Path] = field(default_factory=list)
    rejects_not_written: int = 0  # removed or changed lines whose original bytes were not kept (rejects refused)

    @property
    def profile_version(self) -> str:
        """Every pass is judged as the first was: by the same client's rules."""
        return self.first.profile.version

    @property
    def errors_left(self):
        final = self.final or self.first
        return [f for f in final.findings if f.severity == "error"]

    def cleanup(self) -> None:
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def stage(analysis: Analysis, rules: tuple[Rule, ...] | None, unsafe: bool, workdir_parent: Path,
          *, release: bool = False, progress: Callable[[str, int], Callable[[int], None] | None] | None = None) -> Repair:
    """Run every pass into a private folder next to the target; nothing visible changes yet.

    With `release`, `analysis` lets go of its records once its pass is written (its findings
    stay): a gigabyte transcript is then never held twice."""
    source = analysis.transcript.path
    repair = Repair(source=source, first=analysis)
    current = analysis
    line_map: list[int | None] | None = None  # current file's line -> input line
    try:
        repair.workdir = Path(tempfile.mkdtemp(prefix=".transcript-doctor-", dir=workdir_parent))
    except OSError as exc:
        raise WriteRefused(f"cannot write in {workdir_parent}: {exc.strerror or exc}") from None
    try:
        _run_passes(repair, current, rules, unsafe, line_map, release, progress)
    except BaseException:
        repair.cleanup()
        raise
    return repair


def _run_passes(repair: Repair, current: Analysis, rules, unsafe: bool, line_map, release: bool, progress) -> None:
    seen: set[tuple] = set()
    for n in range(1, MAX_PASSES + 1):
        plan = plan_repairs(current, unsafe=unsafe)
        if not plan.changes:
            repair.skipped = plan.skipped
            break
        attempt = frozenset((c.code, c.action, c.description) for c in plan.changes)
        if attempt in seen:
            # The same repair again: it did not take. Stop rather than loop; check reports what is left.
            repair.skipped = plan.skipped
            break
        seen.add(attempt)
        result = write_pass(plan, repair.workdir / f"pass{n}.jsonl", repair.workdir / f"pass{n}.rejects")
        for change in plan.changes:
            change.line = _to_input(change.line, line_map)
            repair.changes.append(change)
        line_map = [_to_input(src, line_map) for src in result.line_sources]
        repair.pass_rejects.append(result.rejects)
        repair.passes = n
        repair.staged = result.output
        carried = None
        if release or current is not repair.first:
            # Lines the pass copied keep their records: the next analysis decodes only what changed.
            done = current.transcript
            carried = Carried(done.records, done.schema_violations, result.copied_from)
            current.release()
        plan = current = None  # before the next analysis, not after it
        size = result.output.stat().st_size
        current = analyse(result.output, rules, progress=progress(f"checking repair pass {n}", size) if progress else None,
                          client_version=repair.profile_version, carried=carried)
        carried = None
    else:
        repair.skipped = plan_repairs(current, unsafe=unsafe).skipped
    repair.line_sources = line_map or []
    repair.final = current


def _to_input(line: int | None, line_map: list[int | None] | None) -> int | None:
    if line is None or line_map is None:
        return line
    return line_map[line - 1] if 0 < line <= len(line_map) else None


def place(repair: Repair, target: Path, *, in_place: bool = False, session_rewrite: tuple[bytes, bytes] | None = None,
          rejects: Path | None = None, keep_rejects: bool = True) -> None:
    """Move the staged result to `target` (the input itself with `in_place`), atomically.

    The original bytes of removed and changed lines go to `rejects` (default `<target>.rejects`);
    with `keep_rejects=False` (output on standard output and no rejects path given) they are only
    counted in `repair.rejects_not_written`."""
    source = repair.source
    before = repair.first.transcript.fingerprint
    staged = repair.staged or source
    mode = os.stat(source).st_mode & 0o777
    if in_place:
        target = Path(os.path.realpath(source))  # through a symlink: replace the file, keep the link
        if fingerprint(target) != before:
            raise WriteRefused(changed_message(source))
        repair.backup = backup_path(target)
        try:
            shutil.copy2(target, repair.backup)
        except OSError as exc:
            raise WriteRefused(f"cannot write the backup {repair.backup}: {exc.strerror or exc}; nothing was changed") from None
    try:
        rejects = rejects or target.with_name(target.name + ".rejects")
        if not keep_rejects:
            repair.rejects_not_written = sum(_count_lines(p) for p in repair.pass_rejects)
        elif repair.pass_rejects and any(p.stat().st_size for p in repair.pass_rejects):
            with atomic_file(rejects, mode) as out:
                for part in repair.pass_rejects:
                    with open(part, "rb") as handle:
                        shutil.copyfileobj(handle, out)
            repair.rejects = rejects
        if session_rewrite is not None or repair.staged is None:
            copy_with_rewrite(staged, target, session_rewrite, mode)
        else:
            if in_place and fingerprint(target) != before:
                raise WriteRefused(changed_message(source))
            os.chmod(staged, mode)
            fsync_path(staged)  # the passes were written without fsync: once, here, before the rename
            os.replace(staged, target)
            fsync_dir(target.parent if str(target.parent) else Path("."))
    except WriteRefused:
        if repair.backup is not None:
            repair.backup.unlink(missing_ok=True)
            repair.backup = None
        raise
    repair.output = target
    for change in repair.changes:
        change.new_line = None
    if repair.line_sources:
        where = {}
        for out_line, src in enumerate(repair.line_sources, 1):
            if src is not None and src not in where:
                where[src] = out_line
        for change in repair.changes:
            change.new_line = where.get(change.line or 0)


def _count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)
