"""The speed-ups must not change a single answer: validation beside the load finds exactly what
validation in-process finds, a released analysis keeps its findings, and fix with its memory
let go of writes the same file as before."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from transcript_doctor import transcript as transcript_mod
from transcript_doctor.analysis import analyse
from transcript_doctor.fixer import place, stage
from transcript_doctor.records import Block, summarise_block

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CORPUS = Path(__file__).resolve().parent / "corpus"
UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _violations(path, side: bool, monkeypatch):
    monkeypatch.setattr(transcript_mod, "SIDE_VALIDATION_MIN_BYTES", 0)
    monkeypatch.setattr(transcript_mod, "side_validation_allowed", side)
    t = transcript_mod.load(path, validate=True)
    return [(v.line, v.uuid, v.schema, v.path, v.message) for v in t.schema_violations], len(t.records)


def _schema_broken(tmp_path: Path) -> Path:
    """A real session with records broken three ways, one of them on a torn last line."""
    src = (EXAMPLES / "td005-schema-violation.jsonl").read_bytes().splitlines()
    records = [json.loads(x) for x in src]
    records[3]["uuid"] = 7
    records[5]["isSidechain"] = "no"
    out = tmp_path / "broken.jsonl"
    body = b"\n".join(json.dumps(r).encode() for r in records) + b"\n"
    out.write_bytes(body + b'{"type":"user","uuid":"x","timestamp":5,"message":{"role":"user","content":"hi"}}')
    return out


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork on this platform")
def test_side_validation_finds_exactly_what_in_process_validation_finds(tmp_path, monkeypatch):
    paths = [_schema_broken(tmp_path), *sorted(EXAMPLES.glob("*.jsonl")), *sorted(CORPUS.glob("*.jsonl"))]
    broken = 0
    for path in paths:
        here = _violations(path, False, monkeypatch)
        beside = _violations(path, True, monkeypatch)
        assert beside == here, path.name
        broken += bool(here[0])
    assert broken >= 2  # the check really had violations to agree on
    assert len(_violations(paths[0], True, monkeypatch)[0]) >= 3


def test_side_validation_falls_back_when_the_file_was_replaced(tmp_path, monkeypatch):
    path = _schema_broken(tmp_path)
    expected = _violations(path, False, monkeypatch)
    monkeypatch.setattr(transcript_mod, "SIDE_VALIDATION_MIN_BYTES", 0)
    monkeypatch.setattr(transcript_mod, "side_validation_allowed", True)
    real_start = transcript_mod._SideValidation.start.__func__

    def start_with_wrong_inode(cls, p, size, fingerprint):
        return real_start(cls, p, size, (fingerprint[0], fingerprint[1], -1))  # the child refuses

    monkeypatch.setattr(transcript_mod._SideValidation, "start", classmethod(start_with_wrong_inode))
    t = transcript_mod.load(path, validate=True)
    assert [(v.line, v.uuid, v.schema, v.path, v.message) for v in t.schema_violations] == expected[0]


def test_fix_that_lets_go_of_its_first_analysis_writes_the_same_file(tmp_path):
    for name in ("td201-orphan-tool-use.jsonl", "td002-torn-last-line.jsonl", "td101-duplicate-uuid.jsonl"):
        src = EXAMPLES / name
        outputs = []
        for release in (False, True):
            analysis = analyse(src)
            found = [(f.code, f.line) for f in analysis.findings]
            repair = stage(analysis, None, False, tmp_path, release=release)
            try:
                out = tmp_path / f"{release}-{name}"
                if repair.changes:
                    place(repair, out)
                    outputs.append(out.read_bytes())
                else:
                    outputs.append(b"")
            finally:
                repair.cleanup()
            assert [(f.code, f.line) for f in analysis.findings] == found  # the findings stay
            if release and repair.changes:
                assert analysis.transcript.records == []  # and the records went
        assert _fresh_uuids_named(outputs[0], src) == _fresh_uuids_named(outputs[1], src), name


def _fresh_uuids_named(data: bytes, src: Path) -> bytes:
    """Inserted records get new random uuids: name them by order of appearance to compare."""
    known = set(UUID.findall(src.read_bytes()))
    names: dict[bytes, bytes] = {}
    return UUID.sub(lambda m: m.group(0) if m.group(0) in known else names.setdefault(m.group(0), b"new-%d" % len(names)), data)


def test_block_summary_keeps_the_head_and_tells_whitespace_apart():
    text = "  \n" + "word " * 10_000
    block = summarise_block({"type": "text", "text": text}, 0)
    assert block.size == len(text) and not block.empty and block.trailing_ws
    assert block.preview.startswith("word word") and block.preview.endswith("…") and len(block.preview) <= 61
    assert summarise_block({"type": "text", "text": " \n\t "}, 1).empty
    assert not summarise_block({"type": "text", "text": "ok"}, 1).trailing_ws
    assert isinstance(summarise_block("not a block", 2), Block)


def _run_with_terminal_stderr(*args, env):
    """Run the CLI with stderr on a pseudo-terminal (as in a shell) and stdout on a pipe."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "transcript_doctor", *map(str, args)], stdout=subprocess.PIPE,
                                stderr=slave, env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", **env})
        os.close(slave)
        out = proc.stdout.read()
        proc.wait(timeout=120)
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
    finally:
        os.close(master)
    return proc.returncode, out.decode(), err.decode(errors="replace")


@pytest.mark.skipif(__import__("sys").platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal_and_silence_in_a_pipe(tmp_path):
    from conftest import run

    src = EXAMPLES / "td201-orphan-tool-use.jsonl"
    code, out, err = _run_with_terminal_stderr("check", src, env={"TRANSCRIPT_DOCTOR_PROGRESS_MIN_BYTES": "1"})
    assert code == 1 and "TD201" in out
    assert "checking td201-orphan-tool-use.jsonl" in err  # the bar, on stderr only
    assert "checking" not in out
    code, out, err = _run_with_terminal_stderr("fix", src, "-o", tmp_path / "f.jsonl",
                                               env={"TRANSCRIPT_DOCTOR_PROGRESS_MIN_BYTES": "1"})
    assert code == 0 and "checking repair pass 1" in err
    # what the command prints goes to stdout, never through the bar's stderr
    code, out, err = _run_with_terminal_stderr("fix", src, "-o", tmp_path / "g.jsonl", "--format", "json",
                                               env={"TRANSCRIPT_DOCTOR_PROGRESS_MIN_BYTES": "1"})
    assert code == 0 and json.loads(out)["changes"] and '"changes"' not in err and "checking" in err
    # a small file on a terminal, and any file when stderr is piped: nothing on stderr
    assert "checking" not in _run_with_terminal_stderr("check", src, env={})[2]
    piped = run("check", src, env={"TRANSCRIPT_DOCTOR_PROGRESS_MIN_BYTES": "1"})
    assert piped.err == "" and "TD201" in piped.out


def _crashed(tmp_path: Path) -> Path:
    """The usual crash: a call that never got its result, then a write cut off mid-line."""
    body = (EXAMPLES / "td201-orphan-tool-use.jsonl").read_bytes()
    torn = (EXAMPLES / "td002-torn-last-line.jsonl").read_bytes().splitlines()[-1]
    out = tmp_path / "crashed.jsonl"
    out.write_bytes(body + torn)
    return out


def test_a_torn_line_and_a_conversation_repair_take_one_pass_and_write_what_two_passes_wrote(tmp_path, monkeypatch):
    from transcript_doctor import api
    from transcript_doctor.repair import RepairPlan

    src = _crashed(tmp_path)
    one = api.fix(src, output=tmp_path / "one.jsonl")
    monkeypatch.setattr(RepairPlan, "leaves_records_alone", lambda self: False)  # the pass of its own, as before
    two = api.fix(src, output=tmp_path / "two.jsonl")
    assert (one.passes, two.passes) == (1, 2)
    codes = {c.code for c in one.changes}
    assert {"TD002", "TD201"} <= codes  # both phases really were repaired
    assert [(c.code, c.line, c.action, c.description) for c in one.changes] == \
        [(c.code, c.line, c.action, c.description) for c in two.changes]
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert (tmp_path / "one.jsonl.rejects").read_bytes() == (tmp_path / "two.jsonl.rejects").read_bytes()
    assert one.errors_left == [] and api.check(tmp_path / "one.jsonl").errors == 0


def test_a_line_repair_that_touches_a_record_still_gets_a_pass_of_its_own(tmp_path):
    from transcript_doctor import api

    lines = (EXAMPLES / "td201-orphan-tool-use.jsonl").read_bytes().splitlines(keepends=True)
    glued = lines[2].rstrip(b"\n") + lines[3]  # two records on one line: splitting it adds a record
    src = tmp_path / "glued.jsonl"
    src.write_bytes(b"".join(lines[:2] + [glued] + lines[4:]))
    result = api.fix(src, output=tmp_path / "out.jsonl")
    assert result.passes >= 2 and result.errors_left == []
