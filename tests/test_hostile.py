"""Hostile inputs: every one ends with a clear message and a defined exit code, never a traceback,
and no run loses data."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, run

HOSTILE = Path(__file__).resolve().parent / "hostile"
BASE = EXAMPLES / "clean-2.0.30-parallel-tools.jsonl"

CASES = [
    # file, exit code, text that must be in the output (stdout or stderr)
    ("empty.jsonl", 0, "empty file (0 bytes)"),
    ("blank-lines.jsonl", 0, "no records in 4 lines: nothing to check"),
    ("crlf.jsonl", 0, "0 errors, 0 warnings in 61 lines"),
    ("utf8-bom.jsonl", 0, "TD004 warning -  starts with a UTF-8 byte order mark"),
    ("utf16.jsonl", 2, "UTF-16 text; Claude Code writes UTF-8: convert it first"),
    ("gzip.jsonl", 2, "gzip-compressed, not a transcript: decompress it first"),
    ("binary.jsonl", 2, "binary data, not a JSONL transcript"),
    ("nul-tail.jsonl", 0, "4,096 NUL bytes and nothing else (zeros left by a crash)"),
    ("nul-in-line.jsonl", 1, "2 raw NUL bytes in the line: Claude Code drops the line"),
    ("invalid-utf8.jsonl", 0, "invalid UTF-8 at byte 356 of the line (read as U+FFFD)"),
    ("not-json.jsonl", 1, "line is not valid JSON"),
]


def no_traceback(result):
    assert "Traceback" not in result.out + result.err


@pytest.mark.parametrize("name,code,text", CASES, ids=[c[0] for c in CASES])
def test_hostile_file_gets_a_clear_message(name, code, text):
    result = run("check", HOSTILE / name)
    no_traceback(result)
    assert result.code == code
    assert text in result.out + result.err


@pytest.mark.parametrize("name,code,text", CASES, ids=[c[0] for c in CASES])
def test_fix_on_hostile_file_never_breaks(tmp_path, name, code, text):
    src = tmp_path / name
    shutil.copy(HOSTILE / name, src)
    before = src.read_bytes()
    result = run("fix", src)
    no_traceback(result)
    assert result.code in (0, 1, 2)
    assert src.read_bytes() == before
    out = tmp_path / name.replace(".jsonl", ".fixed.jsonl")
    if out.exists():
        assert run("check", out).code == 0


def test_missing_file_directory_and_pipe(tmp_path):
    missing = run("check", tmp_path / "nope.jsonl")
    assert missing.code == 2 and "nope.jsonl: no such file" in missing.err
    empty_dir = run("check", tmp_path)
    assert empty_dir.code == 2 and "holds no .jsonl files" in empty_dir.err
    fix_dir = run("fix", tmp_path)
    assert fix_dir.code == 2 and "is a directory" in fix_dir.err
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    piped = run("check", fifo)
    assert piped.code == 2 and "not a regular file" in piped.err
    for r in (missing, empty_dir, fix_dir, piped):
        no_traceback(r)


def test_a_50_mb_line(tmp_path):
    record = json.loads(BASE.read_text().splitlines()[2])
    record["message"]["content"] = "x" * (50 * 1024 * 1024)
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps(record) + "\n")
    result = run("check", big)
    assert result.code == 0, result.out + result.err
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b'{"type":"user","message":"' + b"y" * (50 * 1024 * 1024) + b"\n")
    result = run("check", garbage)
    no_traceback(result)
    assert result.code == 1 and "TD001" in result.out


def test_json_nested_100000_deep(tmp_path):
    deep = tmp_path / "deep.jsonl"
    deep.write_text(BASE.read_text() + '{"a":' * 100_000 + "1" + "}" * 100_000 + "\n")
    result = run("check", deep)
    no_traceback(result)
    assert result.code == 1 and "TD003" in result.out and "nested too deeply" in result.out
    fixed = run("fix", deep)
    assert fixed.code == 0
    assert run("check", tmp_path / "deep.fixed.jsonl").code == 0


def test_symlink_is_followed_and_in_place_keeps_the_link(tmp_path):
    target = tmp_path / "real.jsonl"
    shutil.copy(EXAMPLES / "td002-torn-last-line.jsonl", target)
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    assert run("check", link).code == 1
    result = run("fix", link, "--in-place")
    assert result.code == 0, result.out + result.err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert run("check", target).code == 0


def _cli(monkeypatch, *args):
    from typer.testing import CliRunner

    from transcript_doctor.cli import app

    monkeypatch.setenv("NO_COLOR", "1")
    return CliRunner().invoke(app, [str(a) for a in args])


def test_unreadable_file(tmp_path, monkeypatch):
    src = tmp_path / "s.jsonl"
    shutil.copy(BASE, src)
    if os.geteuid() != 0:
        src.chmod(0)
        result = run("check", src)
        assert result.code == 2 and "permission denied" in result.err
        return
    # root reads everything: make open() answer as the kernel would for another user
    real_open = open

    def deny(path, *a, **k):
        if str(path) == str(src):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr("builtins.open", deny)
    result = _cli(monkeypatch, "check", src)
    assert result.exit_code == 2 and "permission denied" in result.output


def test_output_folder_without_write_permission(tmp_path, monkeypatch):
    src = tmp_path / "s.jsonl"
    shutil.copy(EXAMPLES / "td201-orphan-tool-use.jsonl", src)
    out_dir = tmp_path / "ro"
    out_dir.mkdir()
    if os.geteuid() != 0:
        out_dir.chmod(0o555)
        result = run("fix", src, "-o", out_dir / "o.jsonl")
    else:
        import tempfile

        real = tempfile.mkstemp

        def deny(*a, dir=None, **k):
            if dir is not None and Path(dir) == out_dir:
                raise PermissionError(13, "Permission denied")
            return real(*a, dir=dir, **k)

        monkeypatch.setattr(tempfile, "mkstemp", deny)
        cli = _cli(monkeypatch, "fix", src, "-o", out_dir / "o.jsonl")
        result = type("R", (), {"code": cli.exit_code, "out": cli.output, "err": ""})()
    assert result.code == 2
    assert "cannot write in" in result.out + result.err and "Permission denied" in result.out + result.err
    assert list(out_dir.iterdir()) == []


def test_full_disk_leaves_no_partial_output(tmp_path):
    src = tmp_path / "s.jsonl"
    shutil.copy(EXAMPLES / "td201-orphan-tool-use.jsonl", src)
    before = src.read_bytes()

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = subprocess.run([sys.executable, "-m", "transcript_doctor", "fix", str(src)], capture_output=True, text=True,
                          preexec_fn=small_disk, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr and "the input is untouched" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


def _big_session(path: Path, copies: int) -> None:
    """A large, clean transcript: the real session repeated `copies` times as one long conversation
    (uuids made unique per copy, each copy a day after the previous one)."""
    from datetime import datetime, timedelta

    records = [json.loads(x) for x in BASE.read_text().splitlines()]
    last_message = None
    with open(path, "w") as out:
        for k in range(copies):
            for original in records:
                r = dict(original)
                for key in ("uuid", "parentUuid"):
                    if r.get(key):
                        r[key] = f"{k:08x}{r[key][8:]}"
                if r.get("type") == "user" and r.get("parentUuid") is None:
                    r["parentUuid"] = last_message
                stamp = datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")) + timedelta(days=k)
                r["timestamp"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
                if r.get("type") in ("user", "assistant"):
                    last_message = r["uuid"]
                line = json.dumps(r, separators=(",", ":"))
                out.write(line.replace('"toolu_01', f'"toolu_{k:06x}').replace('"msg_01', f'"msg_{k:06x}') + "\n")


def test_file_growing_while_it_is_read(tmp_path):
    src = tmp_path / "s.jsonl"
    _big_session(src, 200)
    lines_at_start = src.read_bytes().count(b"\n")
    stop = threading.Event()

    def append():
        with open(src, "ab") as handle:
            while not stop.is_set():
                handle.write(b'{"type":"queue-operation","operation":"enqueue","timestamp":"2026-11-25T05:00:00.000Z"}\n')
                handle.flush()
                time.sleep(0.001)

    writer = threading.Thread(target=append)
    writer.start()
    try:
        result = run("check", src, "--format", "json")
    finally:
        stop.set()
        writer.join()
    no_traceback(result)
    assert result.code == 0
    report = result.json()["files"][0]
    assert report["lines"] >= lines_at_start  # what was there when it opened the file, whole lines only
    assert report["errors"] == 0


def test_in_place_refused_while_another_process_appends(tmp_path):
    src = tmp_path / "s.jsonl"
    _big_session(src, 200)
    with open(src, "ab") as handle:  # a torn tail, so there is something to fix
        handle.write(b'{"type":"user","uuid":"torn","message":{"role":"us')
    appender = subprocess.Popen([sys.executable, "-c", (
        "import time,sys\n"
        "f=open(sys.argv[1],'ab')\n"
        "end=time.time()+60\n"
        "while time.time()<end:\n"
        "    f.write(b'{\"type\":\"queue-operation\",\"operation\":\"dequeue\",\"timestamp\":\"2026-11-25T05:00:00.000Z\"}\\n'); f.flush(); time.sleep(0.002)\n"
    ), str(src)])
    try:
        time.sleep(0.2)
        result = run("fix", src, "--in-place")
    finally:
        appender.kill()
        appender.wait()
    no_traceback(result)
    assert result.code == 2 and "changed while it was being repaired" in result.err
    assert not (tmp_path / "s.jsonl.bak").exists()
    data = src.read_bytes()
    assert data.count(b"dequeue") > 0 and b"transcript-doctor" not in data  # original + appended lines, no repair


def test_sigkill_during_fix_leaves_input_and_previous_output_intact(tmp_path):
    src = tmp_path / "s.jsonl"
    _big_session(src, 600)
    with open(src, "ab") as handle:
        handle.write(b'{"type":"user","uuid":"torn","message":{"role":"us')  # a torn tail: something to fix
    input_hash = hashlib.sha256(src.read_bytes()).hexdigest()
    assert run("fix", src).code == 0
    out = tmp_path / "s.fixed.jsonl"
    previous = out.read_bytes()
    killed = 0
    for delay in (0.3, 0.6, 0.9, 1.2):
        proc = subprocess.Popen([sys.executable, "-m", "transcript_doctor", "fix", str(src)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        assert hashlib.sha256(src.read_bytes()).hexdigest() == input_hash
        assert out.read_bytes() == previous  # the same repair, whole; never a half-written file
    assert killed, "fix finished before it could be killed; make the input larger"
