"""The JSON Schemas: the report follows report.schema.json, and the compiled fast path agrees
with jsonschema (it may only ever send doubtful records on to jsonschema, never wave one through)."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import CORPUS, EXAMPLES, SHARED_CORPUS, run
from jsonschema import Draft202012Validator

from transcript_doctor import schemas


def report_validator():
    return schemas.validator("report")


@pytest.mark.parametrize("path", [EXAMPLES / "td201-orphan-tool-use.jsonl", CORPUS / "codex-small.jsonl",
                                  CORPUS / "4fe49c7c-ff82-4ac7-b3f2-79c22036bd58.jsonl", CORPUS], ids=str)
def test_json_report_follows_its_schema(path):
    report = run("check", path, "--format", "json").json()
    errors = list(report_validator().iter_errors(report))
    assert not errors, errors[0].message


def test_json_report_of_an_unreadable_file_follows_its_schema(tmp_path):
    report = run("check", tmp_path / "missing.jsonl", EXAMPLES / "clean-2.0.30-parallel-tools.jsonl", "--format", "json").json()
    assert not list(report_validator().iter_errors(report))
    assert report["summary"]["unreadable"] == 1


def test_every_schema_is_valid_draft_2020_12():
    for name in sorted(schemas.record_schema_names() | {"report", "defs", "unknown"}):
        Draft202012Validator.check_schema(schemas._documents()[name])


def _records():
    paths = sorted(CORPUS.glob("*.jsonl")) + sorted(EXAMPLES.glob("*.jsonl"))
    if SHARED_CORPUS.is_dir():
        paths += sorted(SHARED_CORPUS.rglob("*.jsonl"))
    for path in paths:
        for line in path.read_bytes().splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                yield value


def _mutations(value):
    yield value
    m = copy.deepcopy(value)
    m["uuid"] = 5
    yield m
    m = copy.deepcopy(value)
    m["parentUuid"] = ["x"]
    yield m
    m = copy.deepcopy(value)
    m["isSidechain"] = "true"
    yield m
    m = copy.deepcopy(value)
    m.pop("timestamp", None)
    yield m
    if isinstance(value.get("message"), dict):
        m = copy.deepcopy(value)
        m["message"]["content"] = 7
        yield m
        content = value["message"].get("content")
        if isinstance(content, list) and content:
            m = copy.deepcopy(value)
            block = m["message"]["content"][0]
            for key in ("id", "tool_use_id", "text", "thinking", "source", "input"):
                block.pop(key, None)
            yield m


def test_fast_path_agrees_with_jsonschema():
    """Never accepts what jsonschema refuses; and refuses nothing jsonschema accepts, or every record
    would take the slow path."""
    checked = refused = 0
    for value in _records():
        for candidate in _mutations(value):
            name, validator = schemas.record_validator(candidate.get("type"))
            fast = schemas.fast_check(name)(candidate)
            slow = not any(True for _ in validator.iter_errors(candidate))
            assert fast == slow, (name, candidate.get("uuid"), fast)
            checked += 1
            refused += not slow
    assert checked > 5000 and refused > 1000  # the mutations really break records


def test_schema_errors_name_the_field():
    value = json.loads((EXAMPLES / "clean-2.0.30-parallel-tools.jsonl").read_text().splitlines()[4])
    value["message"]["content"][0].pop("id")
    errors = list(schemas.record_errors(value))
    assert errors and errors[0][0] == "assistant" and "message.content[0]" in errors[0][1] and "'id'" in errors[0][2]
