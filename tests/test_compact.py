"""`compact`: properties over real sessions and random budgets, and the command's behaviour.

Properties (hypothesis, derandomized, bounded; TD_PROPERTY_EXAMPLES sets how many): for a random
budget, image age and result size on a real session, the output checks with 0 errors; no tool
call is separated from its result; every input line is in the output, byte for byte, before the
boundary; the kept copies hold their originals' messages (thinking and signatures included) unless
shrunk; the same input gives the same bytes; and `compact` of its own output under the same
budget changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import orjson
from conftest import CORPUS, EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcript_doctor.analysis import analyse
from transcript_doctor.compact import MARKER, MIN_SUMMARY_TOKENS, CompactError, compact_file, plan, shrink_content

BASES = [
    CORPUS / "fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl",
    CORPUS / "b3edadab-bca0-4054-9b41-f7ffa6941260.jsonl",
    CORPUS / "5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl",
    CORPUS / "spotter-tool-heavy-2.1.38.jsonl",
    CORPUS / "03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl",
    CORPUS / "98ce4f1c-b235-4b7d-bc96-d6e13dba30d7.jsonl",
]
EXAMPLES_TO_RUN = max(10, int(os.environ.get("TD_PROPERTY_EXAMPLES", "150")) // 8)


def _copy(base: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / base.name
    shutil.copyfile(base, target)
    return target


def _errors(path: Path) -> list:
    return [f for f in analyse(path).findings if f.severity == "error"]


def _pairs(messages) -> None:
    """Every tool_use answered in the next message, every tool_result answering the previous one."""
    for i, msg in enumerate(messages):
        if msg.role == "assistant":
            uses = {p.block.tool_id for p in msg.tool_uses()}
            following = messages[i + 1] if i + 1 < len(messages) else None
            answered = {p.block.tool_id for p in following.tool_results()} if following is not None else set()
            assert uses <= answered or following is None and not uses
        else:
            results = {p.block.tool_id for p in msg.tool_results()}
            previous = messages[i - 1] if i > 0 else None
            asked = {p.block.tool_id for p in previous.tool_uses()} if previous is not None and previous.role == "assistant" else set()
            assert results <= asked


@settings(max_examples=EXAMPLES_TO_RUN, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(base=st.sampled_from(BASES), share=st.floats(0.0, 1.1), image_age=st.none() | st.integers(0, 5),
       result_chars=st.none() | st.integers(0, 5000))
def test_compaction_properties(tmp_path_factory, base, share, image_age, result_chars):
    folder = tmp_path_factory.mktemp("compact")
    source = _copy(base, folder)
    original = source.read_bytes()
    measured = plan(source, max_tokens=10**9)
    size = measured.before_tokens
    # from just enough for the summary beside what every request carries, to more than the session
    budget = measured.overhead + MIN_SUMMARY_TOKENS + int(share * max(0, size - measured.overhead))
    try:
        report = compact_file(source, max_tokens=budget, max_image_age=image_age, max_result_chars=result_chars)
    except CompactError as exc:
        assert exc.code == 1 and "too small" in str(exc)
        assert sorted(p.name for p in folder.iterdir()) == [source.name]  # nothing written
        return
    assert source.read_bytes() == original
    if not report["compacted"]:
        assert size <= budget and sorted(p.name for p in folder.iterdir()) == [source.name]
        return
    output = Path(report["output"])
    written = output.read_bytes()
    assert written.startswith(original if original.endswith(b"\n") else original + b"\n")
    assert _errors(output) == []
    analysis = analyse(output)
    main = analysis.context.main
    assert main.chain.records[0].is_compact_boundary and main.chain.records[0].line == report["boundary_line"]
    assert main.messages[0].records[0].is_compact_summary
    _pairs(main.messages)
    assert report["tokens_after"] <= budget
    # the kept copies: their originals' messages, unless shrunk (then the original line is in the rejects)
    by_uuid = {v["uuid"]: v for v in map(orjson.loads, original.splitlines()) if isinstance(v, dict) and v.get("uuid")}
    rejected = set(output.with_name(output.name + ".rejects").read_bytes().splitlines()) if report["rejects"] else set()
    for line in written[len(original):].splitlines():
        value = orjson.loads(line)
        copy_of = value.get("transcriptDoctor", {}).get("copyOf") if isinstance(value.get("transcriptDoctor"), dict) else None
        if copy_of:
            source_value = by_uuid[copy_of]
            if value.get("message", value.get("content")) != source_value.get("message", source_value.get("content")):
                assert any(orjson.loads(r).get("uuid") == copy_of for r in rejected)
    # deterministic, and a fixed point
    output.unlink()
    again = compact_file(source, max_tokens=budget, max_image_age=image_age, max_result_chars=result_chars)
    assert Path(again["output"]).read_bytes() == written
    second = compact_file(output, max_tokens=budget, max_image_age=image_age, max_result_chars=result_chars)
    assert not second["compacted"], second
    assert output.read_bytes() == written


def test_cli_new_session_in_place_and_usage_errors(tmp_path, td):
    source = _copy(CORPUS / "fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl", tmp_path)
    original = source.read_bytes()
    result = td("compact", source, "--max-tokens", "30000")
    assert result.code == 0, result.err
    new_id = result.out.split("claude --resume ")[1].split()[0]
    assert (tmp_path / f"{new_id}.jsonl").is_file() and source.read_bytes() == original
    assert td("compact", tmp_path / f"{new_id}.jsonl", "--max-tokens", "30000").out.endswith("nothing to compact\n")

    result = td("compact", source, "--max-tokens", "30000", "--in-place", "--format", "json")
    assert result.code == 0, result.err
    report = result.json()
    assert Path(report["backup"]).read_bytes() == original
    assert source.read_bytes().startswith(original) and report["session_id"] == source.stem

    assert td("compact", tmp_path / "missing.jsonl").code == 2
    assert td("compact", source, "--max-tokens", "-5").code == 2
    assert td("compact", source, "--in-place", "-o", tmp_path / "x.jsonl").code == 2
    small = td("compact", Path(report["backup"]), "--max-tokens", "100")
    assert small.code == 1 and "too small" in small.err


def test_refuses_a_broken_session(tmp_path, td):
    source = _copy(EXAMPLES / "td201-orphan-tool-use.jsonl", tmp_path)
    result = td("compact", source, "--max-tokens", "10")
    assert result.code == 1 and "transcript-doctor fix" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


def test_shrinking_keeps_head_and_tail_and_replaces_old_images():
    text = "HEAD" + "x" * 10_000 + "TAIL"
    content = [{"type": "tool_result", "tool_use_id": "t", "content": text},
               {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "A" * 100}}]
    shrunk, changed = shrink_content(content, age=3, line=7, max_image_age=2, max_result_chars=500)
    assert changed
    result = shrunk[0]["content"]
    assert len(result) <= 500 and result.startswith("HEAD") and result.endswith("TAIL") and "line 7" in result
    assert shrunk[1]["type"] == "text" and MARKER in shrunk[1]["text"]
    assert shrink_content(shrunk, age=3, line=7, max_image_age=2, max_result_chars=500) == (shrunk, False)
    assert shrink_content(content, age=2, line=7, max_image_age=2, max_result_chars=None) == (content, False)


def test_summary_lists_what_was_done(tmp_path):
    source = _copy(CORPUS / "fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl", tmp_path)
    report = compact_file(source, max_tokens=25_000)
    records = [json.loads(line) for line in Path(report["output"]).read_text().splitlines()]
    summary = next(r for r in records if r.get("isCompactSummary") and r.get("uuid") and r["parentUuid"] == records[report["boundary_line"] - 1]["uuid"])
    text = summary["message"]["content"]
    assert text.startswith("This session is being continued from a previous conversation")
    assert "made by transcript-doctor" in text and "## The user's prompts" in text
    assert f"Lines 1-{report['boundary_line'] - 1} of this session's file" in text
    first_prompt = next(r for r in records if r.get("type") == "user" and isinstance(r["message"]["content"], str)
                        and not r.get("isMeta"))["message"]["content"]
    assert " ".join(first_prompt.split())[:40] in " ".join(text.split())
