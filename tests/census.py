"""Property census: run N randomly broken transcripts through check and fix and count failures.

Unlike tests/test_properties.py (hypothesis, stops at the first failure and shrinks it), this
runs every case and tallies what failed, with a fixed seed, so two versions of the tool can be
compared on the same cases:

    python tests/census.py --cases 2000 --seed 7

Invariants per case: check does not raise; after fix no error that has a repair is left; a
second fix changes nothing; every input line is in the output or, byte for byte, in the rejects
file; every input uuid is in the output or in the rejects file.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
BASES = [ROOT / "examples" / "clean-2.0.30-parallel-tools.jsonl", ROOT / "tests" / "corpus" / "spotter-tool-heavy-2.1.38.jsonl",
         ROOT / "tests" / "corpus" / "b3edadab-bca0-4054-9b41-f7ffa6941260.jsonl",
         ROOT / "tests" / "corpus" / "03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl"]


def broken(rng: random.Random) -> bytes:
    lines = BASES[rng.randrange(len(BASES))].read_bytes().split(b"\n")[:-1]
    terminated = True
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        op = rng.choice(("drop", "duplicate", "swap", "truncate", "flip", "join", "split"))
        i = rng.randrange(len(lines))
        if op == "drop":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines = lines[:i] + [lines[i][: rng.randrange(max(1, len(lines[i])))]]
            terminated = False
        elif op == "flip" and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:k] + bytes([rng.randrange(256)]) + lines[i][k + 1:]
        elif op == "join" and i + 1 < len(lines):
            lines[i:i + 2] = [lines[i] + lines[i + 1]]
        elif op == "split" and lines[i]:
            k = rng.randrange(len(lines[i]) + 1)
            lines[i:i + 1] = [lines[i][:k], lines[i][k:]]
    return b"\n".join(lines) + (b"\n" if terminated and lines else b"")


def repair(src: Path, out: Path, folder: Path) -> bool:
    """Run the tool's fix (with unsafe repairs) on src; True when it wrote out."""
    from transcript_doctor.analysis import analyse

    try:
        from transcript_doctor.fixer import place, stage
    except ImportError:  # versions before the multi-pass fixer
        from transcript_doctor.repair import plan_repairs
        from transcript_doctor.writer import write

        plan = plan_repairs(analyse(src), unsafe=True)
        if not plan.changes:
            return False
        write(plan, out, out.with_name(out.name + ".rejects"))
        return True
    staged = stage(analyse(src), None, True, folder)
    try:
        if not staged.changes:
            return False
        place(staged, out)
        return True
    finally:
        staged.cleanup()


def uuids(data: bytes) -> set[str]:
    found = set()
    for raw in data.split(b"\n"):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get("uuid"), str):
            found.add(value["uuid"])
    return found


def one_case(data: bytes) -> str | None:
    from transcript_doctor.analysis import analyse
    from transcript_doctor.reader import UnreadableInput

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        src, out = folder / "s.jsonl", folder / "s.fixed.jsonl"
        src.write_bytes(data)
        try:
            analyse(src)
        except UnreadableInput:
            return None
        except Exception:
            return "check raised " + traceback.format_exc().strip().splitlines()[-1][:80]
        try:
            wrote = repair(src, out, folder)
        except Exception:
            return "fix raised " + traceback.format_exc().strip().splitlines()[-1][:80]
        if not wrote:
            return None
        after = analyse(out)
        if any(f.severity == "error" and f.fix != "none" for f in after.findings):
            return "a repairable error left after fix"
        again = folder / "again.jsonl"
        if repair(out, again, folder):
            return "fix not idempotent"
        out_data = out.read_bytes()
        rejects = out.with_name(out.name + ".rejects")
        rejected = set(rejects.read_bytes().split(b"\n")) if rejects.exists() else set()
        kept = set(out_data.split(b"\n"))
        for raw in data.split(b"\n"):
            if raw and raw not in kept and raw not in rejected:
                return "an input line neither in the output nor in the rejects file"
        for uuid in uuids(data) - uuids(out_data):
            if not any(uuid.encode() in r for r in rejected):
                return "a uuid lost without a trace"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures: Counter = Counter()
    for _ in range(args.cases):
        problem = one_case(broken(rng))
        if problem:
            failures[problem] += 1
    print(f"{args.cases} cases, {sum(failures.values())} failed")
    for problem, n in failures.most_common():
        print(f"  {n:5d}  {problem}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
