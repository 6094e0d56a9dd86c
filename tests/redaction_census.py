"""False redactions on real transcripts: run the redactor over every file of a corpus and count
what it replaced, by kind (the corpus holds no live secret, so every replacement of a secret kind
is a false one; emails and the home path are replaced by design).

    python tests/redaction_census.py ../shared/corpus [--samples 5]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from transcript_doctor.redact import Redactor, _detect_home_in  # noqa: E402


def census(root: Path) -> tuple[int, int, int, Counter, Counter, dict]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    lines = strings = 0
    replaced: Counter = Counter()
    distinct: Counter = Counter()
    samples: dict[str, list[str]] = {}
    for path in files:
        redactor = Redactor(home=_detect_home_in(path))
        with open(path, "rb") as handle:
            for n, raw in enumerate(handle, 1):
                redactor.line = n
                redactor.redact_line(raw.rstrip(b"\n"))
                lines += 1
        replaced.update(redactor.found)
        for (kind, secret) in redactor.placeholders:
            distinct[kind] += 1
            samples.setdefault(kind, []).append(f"{path.name}: {secret[:60]!r}")
    return len(files), lines, strings, replaced, distinct, samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--samples", type=int, default=0)
    args = parser.parse_args()
    nfiles, lines, _, replaced, distinct, samples = census(args.root)
    print(f"{nfiles} files, {lines:,} lines")
    print("| kind | replacements | distinct strings |\n|---|---|---|")
    for kind, n in sorted(replaced.items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {n} | {distinct.get(kind, '-')} |")
    if args.samples:
        for kind, items in samples.items():
            print(f"\n{kind}:")
            for s in items[: args.samples]:
                print("   ", s)


if __name__ == "__main__":
    main()
