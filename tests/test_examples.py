"""Every example transcript gives exactly the findings its .expected.json states, and nothing else."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import EXAMPLES, example_names, finding_key, run

CLEAN = sorted(p.name for p in EXAMPLES.glob("clean-*.jsonl"))


@pytest.mark.parametrize("name", example_names())
def test_example_findings_match_expected(name):
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    result = run("check", EXAMPLES / f"{name}.jsonl", "--format", "json")
    report = result.json()
    got = sorted(finding_key(f) for f in report["files"][0]["findings"])
    assert got == sorted(finding_key(f) for f in expected)
    has_error = any(f["severity"] == "error" for f in expected)
    assert result.code == (1 if has_error else 0)


@pytest.mark.parametrize("name", CLEAN)
def test_clean_example_has_no_finding(name):
    result = run("check", EXAMPLES / name)
    assert result.code == 0, result.out
    assert "TD" not in result.out
    assert result.out.strip().endswith("API messages)")
    assert "0 errors, 0 warnings" in result.out


def test_every_rule_with_an_example_has_one():
    codes = {f["code"] for n in example_names() for f in json.loads((EXAMPLES / f"{n}.expected.json").read_text())}
    from transcript_doctor.rules import catalog

    # TD006 (Codex rollouts) is covered by the corpus tests; TD306 needs a 5 MB image and is built in test_fix.
    missing = {r.code for r in catalog()} - codes - {"TD006", "TD306"}
    assert not missing


def test_examples_are_what_the_builder_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("build_examples", EXAMPLES / "build_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in module.CASES:
        text, expected = module.build(name)
        assert (EXAMPLES / f"{name}.jsonl").read_text(encoding="utf-8") == text, name
        assert json.loads((EXAMPLES / f"{name}.expected.json").read_text()) == expected, name


def test_text_output_leads_with_file_line_code(tmp_path):
    result = run("check", EXAMPLES / "td201-orphan-tool-use.jsonl")
    first = result.out.splitlines()[0]
    assert first.startswith(f"{EXAMPLES / 'td201-orphan-tool-use.jsonl'}:53")
    assert "TD201 error" in first and "messages.23.content.1" in first
    assert "toolu_01601f3b3fe6054257 (Bash) has no tool_result in the next message" in first
    assert "[fix: safe]" in first
    assert result.out.splitlines()[-1].startswith("2 errors, 0 warnings in 56 lines (1 conversation of")
