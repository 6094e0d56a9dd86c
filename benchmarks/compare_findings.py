"""Prove that a change of representation changes nothing a user sees: the findings of `check` on
every example, corpus and hostile file, and the bytes `fix -o` writes for every example.

    python benchmarks/compare_findings.py --write snap.json       # before the change
    python benchmarks/compare_findings.py --compare snap.json     # after: exit 1 and a diff if anything moved

Files: every *.jsonl under examples/, tests/corpus/ (recursively), tests/hostile/ and, when it is
there, ../shared/corpus/ (leave it out with --no-shared). A snapshot remembers the folders it was
built from; --compare checks exactly those again (exit 2 if one of them is missing here).

Per file the snapshot holds what `check --format json` reports (counts, unreadable message, and for
every finding its code, line, severity, message_index, content_index, tool_use_id, where, fix and
message); per example the sha256 of the file `fix -o` writes, of its rejects file, and fix's exit
code, with and without --unsafe-fixes (the uuids of records fix inserts are fresh uuid4s: they are
numbered in order of appearance before hashing). benchmarks/findings-snapshot.json is the committed
one (built from examples/ and tests/ only, so that CI can compare); regenerate it only on purpose.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ROOTS = ("examples", "tests/corpus", "tests/hostile")
SHARED = "../shared/corpus"
FINDING_FIELDS = ("code", "line", "severity", "message_index", "content_index", "tool_use_id", "where", "fix", "message")


def files_under(root: str) -> list[Path]:
    base = (REPO / root).resolve()
    return sorted(p for p in base.rglob("*.jsonl") if p.is_file())


def key_of(path: Path, root: str) -> str:
    return f"{root}/{path.resolve().relative_to((REPO / root).resolve()).as_posix()}"


def check_entry(path: Path) -> dict:
    from transcript_doctor.analysis import analyse
    from transcript_doctor.reader import UnreadableInput
    from transcript_doctor.report import analysis_json

    try:
        report = analysis_json(analyse(path))
    except UnreadableInput as exc:
        return {"unreadable": str(exc).replace(str(path), "FILE")}
    return {
        "format": report["format"],
        "records": report["records"],
        "errors": report["errors"],
        "warnings": report["warnings"],
        "infos": report["infos"],
        "findings": [{k: _timeless(f[k]) if k == "message" else f[k] for k in FINDING_FIELDS} for f in report["findings"]],
    }


# TD002 adds how long ago the file changed when that is a few seconds (a fresh clone in CI)
STILL_WRITING = re.compile(r"; the file changed \d+s ago: Claude Code may still be writing it$")


def _timeless(message: str) -> str:
    return STILL_WRITING.sub("", message)


def fix_entry(path: Path, workdir: Path) -> dict:
    """`fix FILE -o OUT` run in this process through the real command line."""
    from typer.testing import CliRunner

    from transcript_doctor.cli import app

    runner = CliRunner()
    known = set(UUID.findall(path.read_bytes()))
    entry = {}
    for label, extra in (("fix", []), ("fix --unsafe-fixes", ["--unsafe-fixes"])):
        out = workdir / f"{path.stem}{'-unsafe' if extra else ''}.fixed.jsonl"
        result = runner.invoke(app, ["fix", str(path), "-o", str(out), *extra], env={"NO_COLOR": "1"})
        rejects = Path(str(out) + ".rejects")
        entry[label] = {
            "exit": result.exit_code,
            "output_sha256": _digest(out, known) if out.exists() else None,
            "rejects_sha256": _digest(rejects, known) if rejects.exists() else None,
        }
    return entry


UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _digest(path: Path, known: set[bytes]) -> str:
    """sha256 of the file, with the uuids fix makes up (records it inserts get a fresh uuid4, so
    two runs differ there) replaced by their order of appearance; every other byte counts."""
    fresh: dict[bytes, bytes] = {}

    def name(m: re.Match) -> bytes:
        u = m.group(0)
        if u in known:
            return u
        return fresh.setdefault(u, b"NEW-UUID-%d" % (len(fresh) + 1))

    return hashlib.sha256(UUID.sub(name, path.read_bytes())).hexdigest()


def snapshot(roots: list[str]) -> dict:
    files: dict[str, dict] = {}
    fixes: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="td-compare-") as tmp:
        for root in roots:
            for path in files_under(root):
                key = key_of(path, root)
                files[key] = check_entry(path)
                if root == "examples":
                    fixes[key] = fix_entry(path, Path(tmp))
    return {"roots": roots, "check": files, "fix": fixes}


def differences(before: dict, after: dict) -> list[str]:
    out: list[str] = []
    for section in ("check", "fix"):
        old, new = before.get(section, {}), after.get(section, {})
        for key in sorted(old.keys() | new.keys()):
            if key not in new:
                out.append(f"{section} {key}: in the snapshot, not found now")
            elif key not in old:
                out.append(f"{section} {key}: new, not in the snapshot")
            elif old[key] != new[key]:
                out.extend(_entry_diff(section, key, old[key], new[key]))
    return out


def _entry_diff(section: str, key: str, old: dict, new: dict) -> list[str]:
    out = []
    for field in sorted(old.keys() | new.keys()):
        a, b = old.get(field), new.get(field)
        if a == b:
            continue
        if field == "findings":
            gone = [f for f in a or [] if f not in (b or [])]
            came = [f for f in b or [] if f not in (a or [])]
            for f in gone:
                out.append(f"{section} {key}: - {_short(f)}")
            for f in came:
                out.append(f"{section} {key}: + {_short(f)}")
            if not gone and not came:
                out.append(f"{section} {key}: same findings in another order")
        else:
            out.append(f"{section} {key}: {field}: {json.dumps(a)} -> {json.dumps(b)}")
    return out


def _short(f: dict) -> str:
    where = f"line {f['line']}" if f.get("line") else "file"
    api = f" messages.{f['message_index']}" if f.get("message_index") is not None else ""
    api += f".content.{f['content_index']}" if f.get("content_index") is not None else ""
    tool = f" {f['tool_use_id']}" if f.get("tool_use_id") else ""
    return f"{f['code']} {f['severity']} {where}{api}{tool} [{f.get('where')}, fix {f.get('fix')}]: {f['message']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, metavar="FILE", help="write a snapshot of the current findings and fix outputs")
    mode.add_argument("--compare", type=Path, metavar="FILE", help="compare the current ones with a snapshot")
    parser.add_argument("--no-shared", action="store_true", help=f"--write: leave out {SHARED} even when it is there")
    args = parser.parse_args(argv)

    if args.write:
        roots = list(ROOTS)
        if not args.no_shared and (REPO / SHARED).is_dir():
            roots.append(SHARED)
        snap = snapshot(roots)
        args.write.write_text(json.dumps(snap, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {args.write}: {len(snap['check'])} files checked, {len(snap['fix'])} examples fixed ({', '.join(roots)})")
        return 0
    try:
        before = json.loads(args.compare.read_text())
    except (OSError, ValueError) as exc:
        print(f"{args.compare}: cannot read the snapshot ({exc})", file=sys.stderr)
        return 2
    missing = [r for r in before.get("roots", []) if not (REPO / r).is_dir()]
    if missing:
        print(f"{args.compare}: built from {', '.join(missing)}, which is not here", file=sys.stderr)
        return 2
    after = snapshot(before["roots"])
    diff = differences(before, after)
    if diff:
        print(f"{len(diff)} difference(s) against {args.compare}:")
        for line in diff:
            print("  " + line)
        return 1
    print(f"identical: {len(after['check'])} files checked, {len(after['fix'])} examples fixed ({', '.join(before['roots'])})")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
