"""`fix`: the output resumes (checks clean), nothing is lost, untouched lines are byte-identical,
and a second run changes nothing."""

from __future__ import annotations

import json
import re
import shutil

import orjson
import pytest
from conftest import EXAMPLES, example_names, run

from transcript_doctor.rules import lookup

# Faults with no automatic repair: what the record held is unknown.
NO_REPAIR = {"td005-schema-violation", "td301-first-message-not-user"}


def lines_of(path):
    return path.read_bytes().split(b"\n")[:-1] if path.read_bytes().endswith(b"\n") else path.read_bytes().split(b"\n")


def uuids(path):
    out = set()
    for raw in lines_of(path):
        try:
            value = orjson.loads(raw.lstrip(b"\xef\xbb\xbf"))
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get("uuid"), str):
            out.add(value["uuid"])
    return out


@pytest.mark.parametrize("name", [n for n in example_names() if n not in NO_REPAIR])
def test_fix_repairs_every_example(tmp_path, name):
    src = tmp_path / f"{name}.jsonl"
    shutil.copy(EXAMPLES / f"{name}.jsonl", src)
    original = src.read_bytes()
    result = run("fix", src, "--unsafe-fixes", "--format", "json")
    assert result.code == 0, result.out + result.err
    report = result.json()
    assert src.read_bytes() == original, "the input must never change without --in-place"
    expected = json.loads((EXAMPLES / f"{name}.expected.json").read_text())
    needs_change = any(lookup(f["code"]).fix != "none" for f in expected)
    if not needs_change:
        assert report["output"] is None and report["changes"] == []
        return
    out = tmp_path / f"{name}.fixed.jsonl"
    assert report["output"] == str(out)

    # The output checks with zero errors.
    check = run("check", out, "--format", "json")
    assert check.code == 0, check.out
    assert check.json()["summary"]["errors"] == 0

    # Every input uuid is in the output or named as removed; removed lines are in the rejects file.
    changed_lines = {c["line"] for c in report["changes"] if c["action"] in ("removed", "changed", "relinked")}
    in_lines = lines_of(src)
    rejects = lines_of(tmp_path / f"{name}.fixed.jsonl.rejects") if (tmp_path / f"{name}.fixed.jsonl.rejects").exists() else []
    for n in sorted(changed_lines):
        assert in_lines[n - 1] in rejects, f"line {n} changed or removed but not kept in the rejects file"
    lost = uuids(src) - uuids(out)
    removed_lines = {c["line"] for c in report["changes"] if c["action"] == "removed"}
    for uuid in lost:
        assert any(uuid.encode() in in_lines[n - 1] for n in removed_lines), f"uuid {uuid} vanished silently"

    # Lines the fix does not touch are written back byte for byte, in order.
    out_lines = lines_of(out)
    untouched = [raw for i, raw in enumerate(in_lines, 1) if i not in changed_lines]
    it = iter(out_lines)
    for raw in untouched:
        for candidate in it:
            if candidate == raw or candidate == raw.lstrip(b"\xef\xbb\xbf"):
                break
        else:
            pytest.fail(f"untouched line missing or out of order in the output: {raw[:80]!r}")

    # Running fix on its own output changes nothing.
    again = run("fix", out, "--unsafe-fixes", "--format", "json")
    assert again.code == 0
    assert again.json()["changes"] == [] and again.json()["output"] is None


@pytest.mark.parametrize("name", sorted(NO_REPAIR))
def test_fix_leaves_what_it_cannot_repair_and_says_so(tmp_path, name):
    src = tmp_path / f"{name}.jsonl"
    shutil.copy(EXAMPLES / f"{name}.jsonl", src)
    result = run("fix", src)
    assert result.code == 1
    assert "error(s) left" in result.out
    assert not (tmp_path / f"{name}.fixed.jsonl").exists()


def test_unsafe_repairs_need_the_flag(tmp_path):
    src = tmp_path / "s.jsonl"
    shutil.copy(EXAMPLES / "td102-missing-parent.jsonl", src)
    result = run("fix", src)
    assert result.code == 1
    assert "use --unsafe-fixes" in result.out
    assert not (tmp_path / "s.fixed.jsonl").exists()


def test_diff_shows_changes_and_writes_nothing(tmp_path):
    src = tmp_path / "s.jsonl"
    shutil.copy(EXAMPLES / "td201-orphan-tool-use.jsonl", src)
    result = run("fix", src, "--diff")
    assert result.code == 1
    assert "@@ after line 54 @@ inserted" in result.out
    assert "toolu_01601f3b3fe6054257" in result.out
    assert "parentUuid:" in result.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


def test_in_place_keeps_a_backup(tmp_path):
    src = tmp_path / "s.jsonl"
    shutil.copy(EXAMPLES / "td002-torn-last-line.jsonl", src)
    original = src.read_bytes()
    src.chmod(0o640)
    result = run("fix", src, "--in-place")
    assert result.code == 0, result.out + result.err
    assert (tmp_path / "s.jsonl.bak").read_bytes() == original
    assert run("check", src).code == 0
    assert (src.stat().st_mode & 0o777) == 0o640
    assert (tmp_path / "s.jsonl.rejects").read_bytes() == original.split(b"\n")[-1] + b"\n"


def test_in_place_refuses_when_the_file_grows_during_the_repair(tmp_path):
    from transcript_doctor.analysis import analyse
    from transcript_doctor.fixer import place, stage
    from transcript_doctor.writer import WriteRefused

    src = tmp_path / "s.jsonl"
    shutil.copy(EXAMPLES / "td201-orphan-tool-use.jsonl", src)
    original = src.read_bytes()
    repair = stage(analyse(src), None, False, tmp_path)
    appended = b'{"type":"queue-operation","operation":"enqueue","timestamp":"2026-11-25T05:00:00.000Z"}\n'
    with open(src, "ab") as handle:  # Claude Code appends while the repair runs
        handle.write(appended)
    with pytest.raises(WriteRefused):
        place(repair, src, in_place=True)
    repair.cleanup()
    assert src.read_bytes() == original + appended
    assert [p.name for p in tmp_path.iterdir()] == ["s.jsonl"]


def test_new_session_writes_a_resumable_copy(tmp_path):
    src = tmp_path / "362ca5dc-615a-44ed-a1b2-7073d1d090e2.jsonl"
    shutil.copy(EXAMPLES / "td201-orphan-tool-use.jsonl", src)
    result = run("fix", src, "--new-session", "--format", "json")
    assert result.code == 0, result.out
    new_id = result.json()["session_id"]
    out = tmp_path / f"{new_id}.jsonl"
    assert out.exists()
    assert b"362ca5dc-615a-44ed-a1b2-7073d1d090e2" not in out.read_bytes()
    assert run("check", out).code == 0
    text = run("fix", src, "--new-session")
    # Written outside Claude Code's projects folder: the line copies it there, then resumes it from the session's folder.
    last = text.out.splitlines()[-1]
    assert re.fullmatch(r"resume it with: (mkdir -p \S+ && )?cp \S+/(\S{36})\.jsonl \S+/-home-dev-app/\2\.jsonl"
                        r" && cd /home/dev/app && claude --resume \2", last), last


def test_oversized_image_is_replaced_with_unsafe_fixes(tmp_path):
    lines = (EXAMPLES / "clean-2.0.30-parallel-tools.jsonl").read_text().split("\n")[:-1]
    prompt = json.loads(lines[59])
    prompt["message"]["content"] = [
        {"type": "text", "text": "what is in this screenshot?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "A" * (6 * 1024 * 1024)}},
    ]
    lines[59] = json.dumps(prompt, separators=(",", ":"))
    src = tmp_path / "s.jsonl"
    src.write_text("\n".join(lines) + "\n")
    check = run("check", src, "--format", "json")
    found = check.json()["files"][0]["findings"]
    assert [(f["code"], f["line"], f["message_index"], f["content_index"]) for f in found] == [("TD306", 60, 26, 1)]
    assert run("fix", src).code == 1
    assert run("fix", src, "--unsafe-fixes").code == 0
    fixed = tmp_path / "s.fixed.jsonl"
    assert run("check", fixed).code == 0
    assert len((tmp_path / "s.fixed.jsonl.rejects").read_bytes()) > 6 * 1024 * 1024


def test_output_equal_to_input_is_refused(tmp_path):
    src = tmp_path / "s.jsonl"
    shutil.copy(EXAMPLES / "td201-orphan-tool-use.jsonl", src)
    result = run("fix", src, "-o", src)
    assert result.code == 2
    assert "--in-place" in result.err
