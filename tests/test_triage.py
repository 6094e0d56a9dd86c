"""explain, show, stats and scan, as a support engineer uses them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import CORPUS, EXAMPLES, run

ORPHAN = EXAMPLES / "td201-orphan-tool-use.jsonl"
API_400 = (
    'API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.23: `tool_use` ids were'
    " found without `tool_result` blocks immediately after: toolu_01601f3b3fe6054257, toolu_019991e0ad51d2966a. Each"
    ' `tool_use` block must have a corresponding `tool_result` block in the next message."}}'
)


def test_explain_maps_the_api_error_to_lines_uuids_rule_and_fix():
    result = run("explain", ORPHAN, API_400, "--format", "json")
    assert result.code == 0
    data = result.json()
    assert data["recognised"] and data["message_index"] == 23
    assert data["tool_ids"] == ["toolu_01601f3b3fe6054257", "toolu_019991e0ad51d2966a"]
    assert [(f["code"], f["line"], f["uuid"]) for f in data["findings"]] == [
        ("TD201", 53, "e1f8bfb0-a6e5-475a-8136-f0107d929461"),
        ("TD201", 54, "96fe294a-4fe2-488a-b130-4094040ad5bf"),
    ]
    assert [m["index"] for m in data["messages"]] == [21, 22, 23, 24, 25]
    assert data["messages"][2]["lines"] == [52, 54]
    assert any("inserted an error tool_result for toolu_01601f3b3fe6054257" in c["description"] for c in data["fix"])
    assert data["note"] is None


def test_explain_text_reads_the_error_from_stdin():
    proc = subprocess.run([sys.executable, "-m", "transcript_doctor", "explain", str(ORPHAN)], input=API_400,
                          capture_output=True, text=True, env={"NO_COLOR": "1", "PATH": ""})
    assert proc.returncode == 0
    assert "rule:  TD201 orphan-tool-use" in proc.stdout
    assert "> messages.23   assistant lines 52-54" in proc.stdout
    assert "`transcript-doctor fix` would:" in proc.stdout


def test_explain_says_when_the_index_differs_from_the_fault():
    text = API_400.replace("messages.23:", "messages.25:")
    data = run("explain", ORPHAN, text, "--format", "json").json()
    assert [f["line"] for f in data["findings"]] == [53, 54]
    assert "messages.23 here, not messages.25" in data["note"]


def test_explain_is_honest_about_unknown_errors():
    result = run("explain", ORPHAN, "529 overloaded_error: Overloaded")
    assert result.code == 1
    assert result.out.startswith("not recognised")
    assert "TD2" not in result.out


def test_explain_parses_prompt_too_long():
    from transcript_doctor.explain import parse_error

    parsed = parse_error("prompt is too long: 212,345 tokens > 200000 maximum")
    assert parsed.tokens == (212345, 200000) and parsed.codes == ("TD403", "TD405")


def test_show_lists_the_resumed_conversation():
    rows = [json.loads(line) for line in run("show", ORPHAN, "--json").out.splitlines()]
    assert [r["index"] for r in rows] == list(range(26))
    assert rows[0]["role"] == "user" and rows[0]["lines"] == [3, 3]
    assert rows[23]["blocks"] == ['text "MOCK-OK"', "tool_use Bash toolu_01601f3b3fe6054257", "tool_use Bash toolu_019991e0ad51d2966a"]
    around = run("show", ORPHAN, "--around", "23", "--context", "1").out.splitlines()
    assert [line.split()[0] for line in around[:3]] == ["messages.22", "messages.23", "messages.24"]
    by_lines = run("show", ORPHAN, "--lines", "50:53", "--json").out.splitlines()
    assert [json.loads(x)["index"] for x in by_lines] == [22, 23]


def test_show_branch_follows_another_leaf():
    path = EXAMPLES / "td106-branches.jsonl"
    main = [json.loads(x) for x in run("show", path, "--json").out.splitlines()]
    old = [json.loads(x) for x in run("show", path, "--branch", "61", "--json").out.splitlines()]
    assert main[-2]["blocks"] == ['text "plain turn d, asked again"']
    assert old[-2]["blocks"] == ['text "plain turn d"'] and old[-1]["lines"] == [61, 61]
    assert run("show", path, "--branch", "nope").code == 2


def test_stats_counts_what_is_in_the_file():
    data = run("stats", EXAMPLES / "clean-2.0.30-parallel-tools.jsonl", "--format", "json").json()
    lines = [json.loads(x) for x in (EXAMPLES / "clean-2.0.30-parallel-tools.jsonl").read_text().splitlines()]
    assert data["records_by_type"] == {t: sum(1 for r in lines if r["type"] == t) for t in {r["type"] for r in lines}}
    assert data["tool_calls"] == {"Bash": {"calls": 10, "errors": 0}}
    responses = {r["message"]["id"] for r in lines if r["type"] == "assistant"}
    assert len(data["context_timeline"]) == len(responses)
    assert data["versions"] == ["2.0.30"] and data["api_messages"] == 28


def test_stats_text_draws_the_context_chart():
    out = run("stats", CORPUS / "spotter-tool-heavy-2.1.38.jsonl").out
    assert "context tokens over the session" in out and "tool calls" in out


def test_scan_ranks_files_worst_first(tmp_path):
    for name in ("clean-2.0.30-parallel-tools", "td201-orphan-tool-use", "td104-foreign-session", "td002-torn-last-line"):
        shutil.copy(EXAMPLES / f"{name}.jsonl", tmp_path / f"{name}.jsonl")
    (tmp_path / "sub").mkdir()
    shutil.copy(CORPUS / "4fe49c7c-ff82-4ac7-b3f2-79c22036bd58.jsonl", tmp_path / "sub" / "empty.jsonl")
    result = run("scan", tmp_path, "--format", "json", "-j", "2")
    assert result.code == 1
    files = result.json()["files"]
    order = [(f["path"].split("/")[-1], f["health"]) for f in files]
    assert order[:2] == [("td201-orphan-tool-use.jsonl", "errors"), ("td002-torn-last-line.jsonl", "errors")] or \
        order[:2] == [("td002-torn-last-line.jsonl", "errors"), ("td201-orphan-tool-use.jsonl", "errors")]
    assert {h for _, h in order[2:]} == {"clean"}
    orphan = next(f for f in files if f["path"].endswith("td201-orphan-tool-use.jsonl"))
    assert orphan["top_finding"].startswith("TD201 line 53")
    assert orphan["first_prompt"] == "USE-TOOLS start 1"
    assert result.json()["summary"] == {"unreadable": 0, "errors": 2, "warnings": 0, "clean": 3}


def test_scan_of_a_clean_folder_exits_0(tmp_path):
    shutil.copy(EXAMPLES / "clean-2.0.30-parallel-tools.jsonl", tmp_path)
    result = run("scan", tmp_path)
    assert result.code == 0 and "1 files: 0 unreadable, 0 errors, 0 warnings, 1 clean" in result.out


@pytest.mark.parametrize("command", ["check", "fix", "rules", "explain", "show", "stats", "scan", "redact", "bundle"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.code == 0 and "Usage:" in result.out
