"""Issue 12: what a new user trips on in the first hour, each as the user would check it."""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, EXAMPLES, run

ORPHAN = EXAMPLES / "td201-orphan-tool-use.jsonl"  # two interrupted calls: safe repairs
CLEAN = EXAMPLES / "clean-2.0.30-parallel-tools.jsonl"
MISSING_PARENT = EXAMPLES / "td102-missing-parent.jsonl"  # only an unsafe repair
COMPACTED = EXAMPLES / "td402-tool-pair-split-by-compaction.jsonl"  # the resumed part starts at line 30
SUBAGENT = CORPUS / "agent-c8d9b115.jsonl"  # a real sub-agent file that starts with an assistant message
SIDECAR = CORPUS / "agent-ab1e6e141221a29ab.meta.json"
MANIFEST = CORPUS / "MANIFEST.tsv"


def feed(*args, stdin: bytes, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the command line with `stdin` on standard input; stdout is kept as bytes."""
    return subprocess.run([sys.executable, "-m", "transcript_doctor", *map(str, args)], input=stdin, capture_output=True,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}, cwd=cwd, timeout=300)


# 1. fix -o always writes OUT


def test_fix_output_is_a_copy_when_nothing_needs_fixing(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run("fix", CLEAN, "-o", out)
    assert result.code == 0, result.err
    assert out.read_bytes() == CLEAN.read_bytes()
    assert "nothing to fix" in result.out and str(out) in result.out
    assert not (tmp_path / "out.jsonl.rejects").exists()


def test_fix_output_is_written_when_only_unsafe_repairs_are_left(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run("fix", MISSING_PARENT, "-o", out)
    assert result.code == 1  # errors are left, and the message says which and how
    assert out.read_bytes() == MISSING_PARENT.read_bytes()
    assert "TD102" in result.out and "--unsafe-fixes" in result.out and "error(s) left" in result.out
    data = run("fix", MISSING_PARENT, "-o", tmp_path / "again.jsonl", "--format", "json").json()
    assert data["output"] == str(tmp_path / "again.jsonl") and data["status"] == "errors-left"


def test_fix_without_output_still_writes_nothing_when_nothing_changes(tmp_path):
    source = tmp_path / "s.jsonl"
    shutil.copy(CLEAN, source)
    assert run("fix", source).code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


# 2. scan: one line per session at any width


@pytest.fixture
def projects(tmp_path):
    root = tmp_path / "projects"
    app = root / "-home-developer-some-rather-long-project-name-app"
    lib = root / "-home-developer-some-rather-long-project-name-lib"
    (app / "0b5d9e2c-1f4e-4c1a-9d1e-7f1f2b3c4d5e" / "subagents").mkdir(parents=True)
    lib.mkdir(parents=True)
    shutil.copy(ORPHAN, app / "3f2c8a1b-aaaa-4bbb-8ccc-123456789abc.jsonl")
    shutil.copy(CLEAN, app / "7e1d0c9b-aaaa-4bbb-8ccc-123456789abc.jsonl")
    shutil.copy(SUBAGENT, app / "0b5d9e2c-1f4e-4c1a-9d1e-7f1f2b3c4d5e" / "subagents" / "agent-c8d9b115.jsonl")
    shutil.copy(MISSING_PARENT, lib / "9a8b7c6d-aaaa-4bbb-8ccc-123456789abc.jsonl")
    return root


def test_scan_prints_one_line_per_session_at_80_columns(projects):
    result = run("scan", projects, "-j", "1", env={"COLUMNS": "80"})
    lines = result.out.splitlines()
    assert len(lines) == 1 + 4 + 1, result.out  # header, one per session, the counts
    body = "\n".join(lines[1:-1])
    for short in ("3f2c8a1b", "7e1d0c9b", "9a8b7c6d", "0b5d9e2c/agent-c8d9b115"):
        assert short in body
    assert "projects/" not in body  # no full paths in the table
    assert lines[1].startswith("errors")
    assert lines[-1].startswith("4 files:")


def test_scan_json_has_full_paths_and_tsv_is_one_row_per_session(projects):
    data = run("scan", projects, "-j", "1", "--format", "json").json()
    assert all(os.path.isabs(f["path"]) and os.path.exists(f["path"]) for f in data["files"])
    tsv = run("scan", projects, "-j", "1", "--format", "tsv")
    rows = [line.split("\t") for line in tsv.out.splitlines()]
    header, rows = rows[0], rows[1:]
    assert header[:4] == ["health", "path", "project", "session"] and len(rows) == 4
    assert all(len(r) == len(header) for r in rows)
    paths = {r[header.index("path")] for r in rows}
    assert paths == {f["path"] for f in data["files"]}
    assert sorted(r[header.index("project")] for r in rows) == ["app", "app", "app", "lib"]


# 3. several files: each summary names its file, a total closes the run, -q leaves clean files out


def test_check_names_each_summary_and_closes_with_a_total(tmp_path):
    result = run("check", ORPHAN, CLEAN, MISSING_PARENT)
    summaries = [line for line in result.out.splitlines() if " in " in line and "lines (" in line]
    assert len(summaries) == 3
    for path, line in zip((ORPHAN, CLEAN, MISSING_PARENT), summaries):
        assert line.startswith(f"{path}: ")
    assert result.out.splitlines()[-1].startswith("total: 4 errors, 0 warnings in 3 files (1 clean")


def test_check_quiet_leaves_out_clean_files_and_info(tmp_path):
    result = run("check", "-q", ORPHAN, CLEAN, SUBAGENT)
    assert str(CLEAN) not in result.out and str(SUBAGENT) not in result.out  # clean once info is left out
    assert f"{ORPHAN}: 2 errors" in result.out
    assert "total: 2 errors, 0 warnings in 3 files (2 clean)" in result.out


# 4. --new-session writes where `claude --resume` looks


def test_new_session_goes_to_the_slug_folder_of_the_sessions_cwd(tmp_path):
    home = tmp_path / "home"
    moved = home / ".claude" / "projects" / "-somewhere-else"
    moved.mkdir(parents=True)
    shutil.copy(ORPHAN, moved / "s.jsonl")
    result = run("fix", moved / "s.jsonl", "--new-session", "--format", "json", env={"HOME": str(home)})
    assert result.code == 0, result.err
    data = result.json()
    expected = home / ".claude" / "projects" / "-home-dev-app" / f"{data['session_id']}.jsonl"  # cwd is /home/dev/app
    assert data["output"] == str(expected) and expected.is_file()
    text = run("fix", moved / "s.jsonl", "--new-session", env={"HOME": str(home)})
    assert "resume it with: cd /home/dev/app && claude --resume" in text.out and "note:" not in text.out


def test_new_session_outside_the_projects_folder_says_where_to_put_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ORPHAN, work / "s.jsonl")
    result = run("fix", work / "s.jsonl", "--new-session", env={"HOME": str(home)})
    assert result.code == 0, result.err
    assert f"copy it there before resuming" in result.out
    assert f"{home}/.claude/projects/-home-dev-app/" in result.out
    assert len(list(work.glob("*-*-*-*-*.jsonl"))) == 1  # written beside the input, not somewhere hidden


# 5. `-` for standard input and output


def test_check_reads_standard_input():
    result = feed("check", "-", stdin=ORPHAN.read_bytes())
    assert result.returncode == 1
    assert b"<stdin>:53  TD201" in result.stdout


def test_fix_from_standard_input_to_standard_output_writes_the_same_bytes(tmp_path):
    reference = tmp_path / "ref.jsonl"
    assert run("fix", ORPHAN, "-o", reference).code == 0
    piped = feed("fix", "-", "-o", "-", stdin=ORPHAN.read_bytes(), cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == reference.read_bytes()
    assert b"not kept" in piped.stderr and b"--rejects" in piped.stderr  # the rejects are reported as not written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref.jsonl", "ref.jsonl.rejects"]  # no file named "-"
    unchanged = feed("fix", "-", stdin=CLEAN.read_bytes(), cwd=tmp_path)  # a filter passes a clean file on as it is
    assert unchanged.returncode == 0 and unchanged.stdout == CLEAN.read_bytes()
    kept = feed("fix", ORPHAN, "-o", "-", "--rejects", tmp_path / "r.rejects", stdin=b"", cwd=tmp_path)
    assert kept.stdout == reference.read_bytes()
    assert (tmp_path / "r.rejects").read_bytes() == (tmp_path / "ref.jsonl.rejects").read_bytes()


def test_show_stats_explain_redact_and_bundle_take_dash(tmp_path):
    data = ORPHAN.read_bytes()
    show = feed("show", "-", "--around", "23", stdin=data)
    assert show.returncode == 0 and b"messages.23" in show.stdout
    stats = feed("stats", "-", "--format", "json", stdin=data)
    assert json.loads(stats.stdout)["records"] > 0
    explain = feed("explain", "-", "messages.23: `tool_use` ids were found without `tool_result` blocks immediately after", stdin=data)
    assert explain.returncode == 0 and b"TD201" in explain.stdout
    secret = b'{"type":"user","message":{"role":"user","content":"key sk-ant-api03-' + b"A" * 90 + b'"}}\n'
    redacted = feed("redact", "-", "-o", "-", stdin=secret, cwd=tmp_path)
    assert redacted.returncode == 0 and b"sk-ant" not in redacted.stdout and b"REDACTED" in redacted.stdout
    assert list(tmp_path.iterdir()) == []
    bundle = feed("bundle", ORPHAN, "-o", "-", stdin=b"")
    assert bundle.returncode == 0 and bundle.stdout.startswith(b"# transcript-doctor triage report")


# 6. show --lines on a compacted file


def test_show_lines_before_a_compaction_are_shown_and_marked():
    result = run("show", COMPACTED, "--lines", "4:8")
    lines = result.out.splitlines()
    shown = [line for line in lines if "messages." in line]
    assert len(shown) == 2 and all(line.startswith("~") and "before compaction" in line for line in shown)
    assert "lines 4-6" in shown[0] and "lines 7-8" in shown[1]
    rows = [json.loads(line) for line in run("show", COMPACTED, "--lines", "4:8", "--json").out.splitlines()]
    assert [r["lines"] for r in rows] == [[4, 6], [7, 8]] and {r["conversation"] for r in rows} == {"compacted"}


# 7. same input, same output bytes


def test_fix_writes_the_same_bytes_every_run(tmp_path):
    assert run("fix", ORPHAN, "-o", tmp_path / "one.jsonl").code == 0
    assert run("fix", ORPHAN, "-o", tmp_path / "two.jsonl").code == 0
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert (tmp_path / "one.jsonl").read_bytes() != ORPHAN.read_bytes()


# 8. --diff shows inserted records whole; bundle to stdout; rules render reST; explain names missing tool ids


def test_diff_shows_the_inserted_record_in_full(tmp_path):
    from transcript_doctor.repair import MISSING_RESULT_TEXT

    result = run("fix", ORPHAN, "--diff")
    assert result.code == 1
    assert MISSING_RESULT_TEXT in result.out  # not cut off
    assert '"toolUseResult"' in result.out and '"uuid"' in result.out and '"timestamp"' in result.out
    assert "…" not in result.out.split("inserted", 1)[1].split("@@", 1)[0]


def test_bundle_without_output_writes_to_standard_output(tmp_path):
    result = run("bundle", ORPHAN, cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.startswith("# transcript-doctor triage report") and "TD201" in result.out
    assert list(tmp_path.iterdir()) == []


def test_rules_renders_the_rule_text_for_a_terminal():
    result = run("rules", "TD201")
    assert result.code == 0
    assert "::" not in result.out and "``" not in result.out
    assert "Failing example:" in result.out
    assert '    {"type":"assistant","uuid":"a1"' in result.out  # the literal block keeps its indentation


def test_explain_says_when_the_tool_id_is_not_in_the_file():
    error = "messages.3: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01NOTINTHISFILE"
    result = run("explain", ORPHAN, error)
    assert "toolu_01NOTINTHISFILE is not in this file" in result.out
    assert run("explain", ORPHAN, error, "--format", "json").json()["tool_ids_not_in_file"] == ["toolu_01NOTINTHISFILE"]
    present = run("explain", ORPHAN, error.replace("toolu_01NOTINTHISFILE", "toolu_01601f3b3fe6054257"))
    assert "not in this file" not in present.out


# 9. files that are not transcripts


def test_a_file_that_is_not_a_transcript_gets_one_line_and_exit_2():
    for path in (MANIFEST, SIDECAR):
        result = run("check", path)
        assert result.code == 2
        assert result.out == ""
        assert result.err.count("\n") == 1 and f"not a transcript: {path}" in result.err


def test_a_glob_over_subagents_skips_the_sidecars(tmp_path):
    subagents = tmp_path / "subagents"
    subagents.mkdir()
    shutil.copy(SUBAGENT, subagents / "agent-c8d9b115.jsonl")
    shutil.copy(SIDECAR, subagents / "agent-c8d9b115.meta.json")
    result = run("check", *sorted(subagents.iterdir()))  # what `check subagents/*` passes
    assert result.code == 0
    assert "TD001" not in result.out and "TD005" not in result.out
    assert result.err.count("not a transcript") == 1
    assert "1 file not a transcript" in result.out
    assert run("fix", subagents / "agent-c8d9b115.meta.json").code == 2


# 10. TD301 on a sub-agent file


def test_first_message_not_user_in_a_subagent_file_is_information():
    findings = run("check", SUBAGENT, "--format", "json").json()["files"][0]["findings"]
    td301 = [f for f in findings if f["code"] == "TD301"]
    assert len(td301) == 1 and td301[0]["severity"] == "info"


# 11. the Python API


def test_python_api_checks_and_fixes(tmp_path):
    import transcript_doctor as td

    report = td.check(ORPHAN)
    assert isinstance(report, td.Report) and report.errors == 2 and not report.ok
    assert [f.code for f in report.findings] == ["TD201", "TD201"]
    assert td.check(CLEAN).clean
    result = td.fix(ORPHAN, tmp_path / "fixed.jsonl")
    assert isinstance(result, td.FixResult) and result.status == "fixed" and not result.errors_left
    assert td.check(tmp_path / "fixed.jsonl").ok
    assert result.rejects and Path(result.rejects).is_file()
    left = td.fix(MISSING_PARENT, tmp_path / "left.jsonl")
    assert left.status == "errors-left" and left.unsafe_left and (tmp_path / "left.jsonl").is_file()
    unsafe = td.fix(MISSING_PARENT, tmp_path / "unsafe.jsonl", unsafe=True)
    assert unsafe.status == "fixed" and [c.code for c in unsafe.changes] == ["TD102"]
    explained = td.explain(ORPHAN, "messages.23: `tool_use` ids were found without `tool_result` blocks immediately after")
    assert explained.recognised and {f.code for f in explained.findings} == {"TD201"} and explained.fix_actions
    redacted = td.redact(ORPHAN, tmp_path / "red.jsonl")
    assert redacted.lines == 56 and (tmp_path / "red.jsonl").is_file()
    with pytest.raises(td.NotATranscript):
        td.check(MANIFEST)
    with pytest.raises(td.UnreadableInput):
        td.check(tmp_path / "missing.jsonl")


def test_python_api_names_are_stable_typed_and_keyword_only():
    import transcript_doctor as td

    for name in td.__all__:
        assert getattr(td, name) is not None
    for fn in (td.check, td.fix, td.explain, td.redact):
        assert fn.__doc__
        hints = inspect.signature(fn)
        assert hints.return_annotation is not inspect.Signature.empty
    fix_params = inspect.signature(td.fix).parameters
    assert list(fix_params)[:3] == ["path", "output", "unsafe"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(fix_params.values())[3:])
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(inspect.signature(td.check).parameters.values())[1:])


def test_importing_the_package_loads_no_analysis():
    code = "import sys, transcript_doctor; print(any(m.startswith('transcript_doctor.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "False"


def test_the_cli_and_the_api_give_the_same_findings():
    import transcript_doctor as td

    cli = run("check", MISSING_PARENT, "--format", "json").json()["files"][0]
    assert cli == td.check(MISSING_PARENT).to_json()


# 12. shell completion


def test_shell_completion_is_available_and_completes():
    import re

    script = run("--show-completion", env={"SHELL": "/bin/bash"})
    assert script.code == 0
    variable = re.search(r"(\w+_COMPLETE)=complete_bash", script.out).group(1)
    assert "--install-completion" in run("--help").out
    # What bash asks when the user types `transcript-doctor scan --format <TAB>`:
    words = run(env={variable: "complete_bash", "COMP_WORDS": "transcript-doctor scan --format ", "COMP_CWORD": "3"})
    assert words.out.split() == ["text", "json", "tsv"]
    command = run(env={variable: "complete_bash", "COMP_WORDS": "transcript-doctor ch", "COMP_CWORD": "1"})
    assert command.out.split() == ["check"]
