"""The rule catalog: every rule is documented, explainable and selectable."""

from __future__ import annotations

import re

import pytest
from conftest import EXAMPLES, run

from transcript_doctor.rules import catalog

RULES = catalog()


def test_codes_and_names_are_unique_and_well_formed():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    for r in RULES:
        assert re.fullmatch(r"TD\d{3}", r.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name)
        assert r.severity in ("error", "warning", "info")
        assert r.fix in ("safe", "unsafe", "none")
        assert r.scope in ("file", "conversation")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_docstring_has_failing_and_passing_examples(rule):
    doc = rule.doc
    assert "Failing example" in doc and "Passing example" in doc
    assert len(rule.summary) > 20
    assert (rule.fix == "none") == (not rule.can_fix) or rule.code in ("TD101", "TD102")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rules_explains_every_code(rule):
    by_code = run("rules", rule.code)
    by_name = run("rules", rule.name)
    assert by_code.code == 0 and by_code.out == by_name.out
    assert by_code.out.startswith(f"{rule.code} {rule.name}")
    assert "Failing example" in by_code.out


def test_rules_lists_the_catalog():
    result = run("rules", "--format", "json")
    assert [r["code"] for r in result.json()] == [r.code for r in RULES]


def test_unknown_rule_is_a_usage_error():
    result = run("rules", "TD999")
    assert result.code == 2 and "unknown rule" in result.err
    result = run("check", EXAMPLES / "td201-orphan-tool-use.jsonl", "--select", "TD999")
    assert result.code == 2


def test_select_and_ignore_by_code_name_and_prefix():
    path = EXAMPLES / "td001-invalid-json.jsonl"
    codes = lambda *a: sorted({f["code"] for f in run("check", path, "-f", "json", *a).json()["files"][0]["findings"]})
    assert codes() == ["TD001", "TD102"]
    assert codes("--select", "TD1") == ["TD102"]
    assert codes("--select", "invalid-json") == ["TD001"]
    assert codes("--ignore", "TD106,missing-parent") == ["TD001"]
    assert run("check", path, "--ignore", "TD0,TD1").code == 0
