"""The benchmark runs: a smoke test on a small file of each shape (nothing is timed here; speed is
measured by running benchmarks/run.py, see benchmarks/README.md), and every shape the generator
makes checks clean."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, run

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import write_session  # noqa: E402


def test_benchmark_runs_on_a_small_file_and_reports_throughput(tmp_path):
    results = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "300KB", "--shapes", "mixed,long",
         "--sessions", "3", "--session-size", "10KB", "--keep", str(tmp_path / "bench"), "--results", str(results)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "MB/s" in proc.stdout
    rows = json.loads(results.read_text())["rows"]
    steps = {(r["input"].split(" (")[0], r["step"]): r for r in rows}
    for shape in ("300KB", "300KB long"):
        for step in ("floor (orjson.loads)", "check", "check --format json", "fix"):
            assert steps[(shape, step)]["mb_per_s"] > 0, (shape, step)
        assert steps[(shape, "check --format json")]["errors"] == 0
        assert steps[(shape, "fix")]["errors_after_fix"] == 0
    assert steps[("3 sessions", "scan --format json")]["health"]["errors"] == 0


@pytest.mark.parametrize("style", ["mixed", "long", "2.1.328"])
def test_generated_files_check_clean(tmp_path, style):
    path = tmp_path / f"{style}.jsonl"
    write_session(path, 400_000, seed=7, style=style, compact_every=150_000)
    result = run("check", path, "--format", "json")
    report = result.json()["files"][0]
    assert (result.code, report["errors"], report["warnings"]) == (0, 0, 0), report["findings"][:5]
    versions = {json.loads(line).get("version") for line in path.read_text().splitlines()} - {None}
    assert versions == {"mixed": {"2.0.30", "2.1.39"}, "long": {"2.0.30"}, "2.1.328": {"2.1.328"}}[style]
    if style == "long":  # one chain, nothing beside it
        assert report["compactions"] == 0 and report["sidechains"] == 0
