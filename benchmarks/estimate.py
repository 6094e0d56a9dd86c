"""How close is compact's token estimate to what the API counted? Over every transcript given
(default: ../shared/corpus), for each response with recorded usage after the first one of its
conversation, predict its context from the first (recorded usage + estimate of what was added
since, as `compact` does) and compare with the recorded figure.

    python benchmarks/estimate.py [FOLDER ...]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from transcript_doctor.analysis import analyse
from transcript_doctor.compact import read_items


def errors_of(path: Path) -> list[tuple[float, int]]:
    try:
        analysis = analyse(path)
    except Exception:
        return []
    if analysis.transcript.format != "claude-code" or analysis.context.main is None:
        return []
    items = read_items(analysis)
    out = []
    anchor = None  # (recorded context, estimated tokens sent before it)
    for n, item in enumerate(items):
        if not item.usage:
            continue
        first = n
        while first > 0 and items[first - 1].message == item.message:
            first -= 1
        recorded = item.record.usage_context
        sent_before = sum(i.tokens for i in items[:first])
        if anchor is None:
            anchor = (recorded, sent_before)
            continue
        predicted = anchor[0] + (sent_before - anchor[1])
        if recorded > anchor[0]:
            out.append(((predicted - recorded) / recorded, recorded - anchor[0]))
    return out


def main(args: list[str]) -> None:
    roots = [Path(a) for a in args] or [Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"]
    files = sorted(p for root in roots for p in ([root] if root.is_file() else root.rglob("*.jsonl")))
    errors: list[float] = []
    sessions = 0
    for path in files:
        found = errors_of(path)
        if found:
            sessions += 1
            errors.extend(e for e, _ in found)
    if not errors:
        print("no transcript with recorded usage")
        return
    errors.sort()
    q = lambda p: errors[min(len(errors) - 1, int(p * len(errors)))]
    print(f"{len(errors)} responses in {sessions} sessions of {len(files)} files")
    print(f"relative error of the predicted context (negative: estimate too low):"
          f" median {statistics.median(errors):+.1%}, p5 {q(0.05):+.1%}, p95 {q(0.95):+.1%},"
          f" mean |error| {statistics.mean(abs(e) for e in errors):.1%}, worst {errors[0]:+.1%} / {errors[-1]:+.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
