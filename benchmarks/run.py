"""Measure transcript-doctor against the floor, in one run, and print a table.

    python benchmarks/run.py                 # 100 MB file and a folder of 1,000 sessions
    python benchmarks/run.py --sizes 100MB,1GB --sessions 1000 --cache /tmp/td-bench

Each step runs in a fresh process, so its peak memory (RSS) is its own:
- floor: read the file line by line and `orjson.loads` every line, nothing else;
- check, check --format json: the whole analysis and report;
- fix: a copy with faults injected (interrupted tool calls, a torn tail), written to a new file;
- scan: every session of the folder, on every core (CPU time above wall time shows both used).
Targets (from the issue): check within 1.5x the floor's time, fix within 2.5x, peak RSS of check
and fix at most 50 MB plus a tenth of the file's size. This is a measurement: it always exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import parse_size, write_folder, write_session  # noqa: E402

FLOOR = "import orjson,sys\nfor line in open(sys.argv[1],'rb'):\n    orjson.loads(line)\n"


def measure(argv: list[str]) -> dict:
    """Run argv in a child; wall time, CPU time and the child's own peak RSS (it is our only child)."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "rss_mb": after.ru_maxrss / 1024}


def isolated(argv: list[str]) -> dict:
    """ru_maxrss of RUSAGE_CHILDREN is a maximum over all children so far: measure in a fresh wrapper."""
    code = ("import json,sys\nsys.path.insert(0,%r)\nfrom run import measure\nprint(json.dumps(measure(%r)))" % (str(HERE), argv))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def inject_faults(src: Path, dst: Path) -> None:
    """Drop every 500th tool result (interrupted calls) and tear the last line."""
    dropped = 0
    with open(src, "rb") as inp, open(dst, "wb") as out:
        for n, line in enumerate(inp):
            if b'"type":"tool_result"' in line and n % 500 == 0:
                dropped += 1
                continue
            out.write(line)
    data_size = dst.stat().st_size
    with open(dst, "r+b") as handle:
        handle.truncate(data_size - 40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100MB")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "transcript-doctor-bench")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    td = [sys.executable, "-m", "transcript_doctor"]
    rows = []
    for label in args.sizes.split(","):
        size = parse_size(label)
        path = args.cache / f"session-{label}.jsonl"
        if not path.exists() or path.stat().st_size < size:
            write_session(path, size)
        faulty = args.cache / f"faulty-{label}.jsonl"
        if not faulty.exists():
            inject_faults(path, faulty)
        mb = path.stat().st_size / 1024 / 1024
        floor = isolated([sys.executable, "-c", FLOOR, str(path)])
        steps = [
            ("floor (read + orjson.loads)", floor),
            ("check", isolated(td + ["check", str(path)])),
            ("check --format json", isolated(td + ["check", str(path), "--format", "json"])),
            ("fix", isolated(td + ["fix", str(faulty), "-o", str(args.cache / f"fixed-{label}.jsonl")])),
        ]
        for name, m in steps:
            target = {"check": 1.5, "check --format json": 1.5, "fix": 2.5}.get(name)
            rss_cap = 50 + mb / 10
            rows.append({"input": f"{label} ({mb:,.0f} MB)", "step": name, "wall_s": round(m["wall"], 2),
                         "mb_per_s": round(mb / m["wall"], 1), "peak_rss_mb": round(m["rss_mb"], 1),
                         "x_floor": round(m["wall"] / floor["wall"], 2), "time_target": target,
                         "time_ok": None if target is None else m["wall"] / floor["wall"] <= target,
                         "rss_target_mb": None if target is None else round(rss_cap, 1),
                         "rss_ok": None if target is None else m["rss_mb"] <= rss_cap})
    if args.sessions:
        folder = args.cache / f"sessions-{args.sessions}"
        if not folder.exists():
            write_folder(folder, args.sessions)
        total = sum(p.stat().st_size for p in folder.rglob("*.jsonl")) / 1024 / 1024
        m = isolated(td + ["scan", str(folder), "--format", "json"])
        one = isolated(td + ["scan", str(folder), "--format", "json", "-j", "1"])
        rows.append({"input": f"{args.sessions} sessions ({total:,.0f} MB)", "step": "scan (all cores)", "wall_s": round(m["wall"], 2),
                     "mb_per_s": round(total / m["wall"], 1), "peak_rss_mb": round(m["rss_mb"], 1),
                     "x_floor": None, "cpu_s": round(m["cpu"], 2), "speedup_vs_1_core": round(one["wall"] / m["wall"], 2)})
    print(f"{'input':<22} {'step':<28} {'wall s':>8} {'MB/s':>8} {'peak RSS MB':>12} {'x floor':>8}  targets")
    for r in rows:
        marks = []
        if r.get("time_target"):
            marks.append(f"time <= {r['time_target']}x: {'PASS' if r['time_ok'] else 'FAIL'}")
            marks.append(f"RSS <= {r['rss_target_mb']} MB: {'PASS' if r['rss_ok'] else 'FAIL'}")
        if "cpu_s" in r:
            marks.append(f"CPU {r['cpu_s']} s over {r['wall_s']} s wall; {r['speedup_vs_1_core']}x faster than one core")
        xf = f"{r['x_floor']:.2f}" if r["x_floor"] is not None else "-"
        print(f"{r['input']:<22} {r['step']:<28} {r['wall_s']:>8.2f} {r['mb_per_s']:>8.1f} {r['peak_rss_mb']:>12.1f} {xf:>8}  {'; '.join(marks)}")
    (HERE / "results.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
