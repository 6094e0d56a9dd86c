"""The committed findings snapshot still holds: every example, corpus and hostile file gives the
findings it recorded, and every example's `fix -o` writes the bytes it recorded. A change that
moves any of them fails here with the diff; regenerate the snapshot only on purpose
(`python benchmarks/compare_findings.py --no-shared --write benchmarks/findings-snapshot.json`)."""

from __future__ import annotations

import copy
import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import compare_findings  # noqa: E402

SNAPSHOT = ROOT / "benchmarks" / "findings-snapshot.json"


def test_findings_and_fix_outputs_match_the_committed_snapshot(capsys):
    code = compare_findings.main(["--compare", str(SNAPSHOT)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "identical: " in out


def test_a_moved_finding_is_reported_as_a_readable_diff():
    before = json.loads(SNAPSHOT.read_text())
    after = copy.deepcopy(before)
    key = "examples/td201-orphan-tool-use.jsonl"
    finding = after["check"][key]["findings"][0]
    finding["line"] += 1
    after["fix"][key]["fix"]["output_sha256"] = "0" * 64
    diff = compare_findings.differences(before, after)
    assert f"check {key}: - {finding['code']}" in "\n".join(diff)
    assert f"check {key}: + {finding['code']} {finding['severity']} line {finding['line']}" in "\n".join(diff)
    assert any(line.startswith(f"fix {key}: fix: ") for line in diff)
    assert len(diff) == 3
