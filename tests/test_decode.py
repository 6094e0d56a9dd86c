"""The typed decoding (decode.py + records.summarise_typed) must read every line exactly as the
parsed-dict path (orjson + records.summarise) does: the same Record, field for field, and never
accept a line orjson refuses (those go to the full path, which says what is wrong with them)."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_doctor import transcript as transcript_mod
from transcript_doctor.decode import decode_line, summarise_typed
from transcript_doctor.records import Record, summarise

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p
    for folder in (ROOT / "examples", ROOT / "tests" / "corpus", ROOT / "tests" / "hostile", ROOT.parent / "shared" / "corpus")
    if folder.is_dir()
    for p in folder.rglob("*.jsonl")
)


NAMES = [f.name for f in dataclasses.fields(Record) if f.name not in ("flags", "rare")] + [
    name for name, value in vars(Record).items() if isinstance(value, property)]


def fields(rec: Record) -> dict:
    """Everything a rule can read of a record (the booleans and the rare fields included)."""
    return {name: getattr(rec, name) for name in NAMES}


def agree(line: bytes) -> str:
    """'typed' when the typed path read the line (and agreed), 'full' when it handed it over."""
    typed = decode_line(line)
    if typed is None:
        return "full"
    value = orjson.loads(line)  # raises if the typed path accepted what orjson refuses
    assert type(value) is dict, line[:80]
    record = summarise_typed(typed, 7, 100, len(line))
    if record is None:
        return "full"
    assert fields(record) == fields(summarise(value, 7, 100, len(line))), line[:200]
    return "typed"


def test_every_fixture_line_reads_the_same_either_way():
    counts = {"typed": 0, "full": 0}
    for path in FIXTURES:
        for line in path.read_bytes().splitlines(keepends=True):
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                assert decode_line(line) is None, (path.name, line[:80])
                continue
            counts[agree(line)] += 1
    assert counts["typed"] > 2000  # the corpus really went through the typed path
    assert counts["full"] > 0  # and some lines (API errors, odd shapes) through the other


def test_the_typed_load_and_the_dict_load_give_the_same_transcript():
    """`load` without an in-process schema check takes the typed path; with it, the dict path."""
    for path in FIXTURES:
        try:
            typed = transcript_mod.load(path, validate=False)
        except transcript_mod.reader.UnreadableInput:
            continue  # not a transcript at all (hostile/): neither path reads it
        full = transcript_mod.load(path, validate=True)
        assert [fields(r) for r in typed.records] == [fields(r) for r in full.records], path.name
        assert [(d.line, d.defect.kind) for d in typed.defects] == [(d.line, d.defect.kind) for d in full.defects]
        assert (typed.line_count, typed.blank_lines, typed.other_lines, typed.format) == (
            full.line_count, full.blank_lines, full.other_lines, full.format)


BASE = {
    "parentUuid": "p-1",
    "isSidechain": False,
    "sessionId": "s-1",
    "version": "2.0.30",
    "type": "assistant",
    "uuid": "u-1",
    "timestamp": "2026-01-01T00:00:00.000Z",
    "toolUseResult": {"agentId": "a-1", "stdout": "x" * 50},
    "message": {
        "id": "msg_1",
        "role": "assistant",
        "model": "claude",
        "usage": {"input_tokens": 3, "cache_creation_input_tokens": 4, "cache_read_input_tokens": 5, "output_tokens": 6},
        "content": [
            {"type": "text", "text": "hello  "},
            {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}},
            {"type": "tool_result", "tool_use_id": "toolu_0", "content": [{"type": "text", "text": "out"}], "is_error": True},
            {"type": "thinking", "thinking": "hm", "signature": ""},
            {"type": "image", "source": {"type": "base64", "data": "QUJD"}},
        ],
    },
}

ODD_VALUES = [None, True, False, 0, -1, 2**63, 2**64, -(2**63) - 1, 10**30, 1.5, "", " ", "x" * 300, [], [1, "a"], {}, {"a": 1},
              {"type": "text"}, [{"type": "text", "text": 5}], "\u2014 unicode \U0001f600"]
PATHS = [
    ("type",), ("uuid",), ("parentUuid",), ("sessionId",), ("timestamp",), ("isSidechain",), ("version",),
    ("logicalParentUuid",), ("subtype",), ("isMeta",), ("isCompactSummary",), ("isApiErrorMessage",), ("agentId",),
    ("leafUuid",), ("toolUseResult",), ("toolUseResult", "agentId"), ("toolDenialKind",), ("origin",), ("origin", "kind"),
    ("renderedRole",), ("rendered",), ("attachment",), ("compactMetadata",), ("content",), ("message",),
    ("message", "role"), ("message", "id"), ("message", "model"), ("message", "usage"),
    ("message", "usage", "input_tokens"), ("message", "usage", "output_tokens"), ("message", "content"),
    ("message", "content", 0), ("message", "content", 0, "text"), ("message", "content", 1, "id"),
    ("message", "content", 1, "name"), ("message", "content", 2, "content"), ("message", "content", 2, "is_error"),
    ("message", "content", 2, "tool_use_id"), ("message", "content", 3, "signature"), ("message", "content", 3, "thinking"),
    ("message", "content", 4, "source"), ("message", "content", 4, "source", "data"),
]


def mutated(path: tuple, value) -> dict:
    record = copy.deepcopy(BASE)
    node = record
    for key in path[:-1]:
        node = node[key] if (isinstance(key, int) and isinstance(node, list) and key < len(node)) or (
            isinstance(node, dict) and key in node) else None
        if node is None:
            return record
    if isinstance(node, dict) or (isinstance(node, list) and path[-1] < len(node)):
        node[path[-1]] = value
    return record


@pytest.mark.parametrize("path", PATHS, ids=lambda p: ".".join(map(str, p)))
def test_odd_shapes_read_the_same_either_way(path):
    for value in ODD_VALUES:
        for kind in ("assistant", "user", "system", "attachment", "api-request", "summary"):
            record = mutated(path, value)
            if path != ("type",):
                record["type"] = kind
            if kind == "system":
                record["subtype"] = "compact_boundary" if path[0] == "compactMetadata" else "local_command"
            agree(json.dumps(record).encode() + b"\n")
        agree(json.dumps(mutated(path, value)).encode())


def test_lines_orjson_refuses_are_left_to_the_full_path():
    good = json.dumps(BASE)
    refused = [
        good[:-1].encode() + b',"cwd":"\xff\xfe"}',  # invalid UTF-8 in a field the typed path skips
        good[:-1].encode() + b',"cwd":"\\ud800"}',  # a lone surrogate there
        good[:-1].encode() + b',"cwd":"a\x01b"}',  # a raw control character
        good[:-1].encode() + b',"cwd":NaN}',
        good.encode() + good.encode(),  # two records glued
        good[: len(good) // 2].encode(),  # torn
        b"[1, 2]",
        b'"just a string"',
    ]
    for line in refused:
        with pytest.raises((orjson.JSONDecodeError, AssertionError)):
            value = orjson.loads(line)
            assert type(value) is dict
        assert decode_line(line) is None, line[:80]


def test_a_number_too_large_for_a_double_in_an_unread_field_is_read_as_claude_code_reads_it():
    # orjson refuses the line; JSON.parse (Claude Code) reads Infinity, and so does the typed path.
    line = json.dumps(BASE)[:-1].encode() + b',"costUSD":1e400}\n'
    assert decode_line(line) is not None
    assert json.loads(line)["costUSD"] == float("inf")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "text", "id", "name", "content", "agentId", "kind", "data", "uuids", "anchorUuid",
                         "preservedMessages", "role", "tool_use_id", "x"]), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(path=st.sampled_from(PATHS), value=json_values, kind=st.sampled_from(["assistant", "user", "attachment", "system"]))
def test_any_value_anywhere_reads_the_same_either_way(path, value, kind):
    record = mutated(path, value)
    if path != ("type",):
        record["type"] = kind
    agree(json.dumps(record).encode() + b"\n")


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork on this platform")
def test_bytes_that_are_not_utf8_where_no_rule_looks_are_still_found_beside_a_large_load(tmp_path, monkeypatch):
    """With the schema check in a process of its own, the typed path leaves the UTF-8 check to
    it; a line it read that orjson refuses is then read again on the full path."""
    from transcript_doctor.analysis import analyse

    lines = (ROOT / "examples" / "clean-2.0.30-parallel-tools.jsonl").read_bytes().splitlines(keepends=True)
    middle = len(lines) // 2
    lines[middle] = lines[middle].replace(b'"cwd":"', b'"cwd":"\xff\xfe', 1)
    assert b"\xff\xfe" in lines[middle]
    path = tmp_path / "bad-byte.jsonl"
    path.write_bytes(b"".join(lines))

    def findings(side: bool):
        monkeypatch.setattr(transcript_mod, "SIDE_VALIDATION_MIN_BYTES", 0)
        monkeypatch.setattr(transcript_mod, "side_validation_allowed", side)
        analysis = analyse(path)
        return [(f.code, f.line, f.message) for f in analysis.findings], analysis.transcript.typed_unchecked

    here, unchecked_here = findings(False)
    beside, unchecked_beside = findings(True)
    assert unchecked_beside and not unchecked_here  # the two ways really differ in who checks UTF-8
    assert any(code == "TD004" and line == middle + 1 for code, line, _ in here)
    assert beside == here
