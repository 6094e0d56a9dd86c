"""Real transcripts (Claude Code 1.0.24 to 2.1.200, and Codex rollouts): read without a false error."""

from __future__ import annotations

import pytest
from conftest import CORPUS, SHARED_CORPUS, run

LOCAL = sorted(CORPUS.glob("*.jsonl"))
SHARED = sorted(SHARED_CORPUS.rglob("*.jsonl")) if SHARED_CORPUS.is_dir() else []


@pytest.mark.parametrize("path", LOCAL, ids=lambda p: p.name)
def test_local_corpus_file_has_no_error(path):
    result = run("check", path, "--format", "json")
    assert result.code == 0, result.out
    report = result.json()
    assert report["summary"]["errors"] == 0
    assert report["files"][0]["unreadable"] is None


@pytest.mark.skipif(not SHARED, reason="../shared/corpus is not beside this checkout")
def test_whole_shared_corpus_has_no_error():
    result = run("check", SHARED_CORPUS, "--format", "json")
    report = result.json()
    errors = [(f["path"], x) for f in report["files"] for x in f["findings"] if x["severity"] == "error"]
    assert errors == []
    assert report["summary"]["unreadable"] == 0
    assert result.code == 0


def test_codex_rollout_is_recognised_not_misread():
    result = run("check", CORPUS / "codex-small.jsonl", "--format", "json")
    file = result.json()["files"][0]
    assert file["format"] == "codex"
    assert [f["code"] for f in file["findings"]] == ["TD006"]


def test_empty_session_file_is_clean_and_explained():
    result = run("check", CORPUS / "4fe49c7c-ff82-4ac7-b3f2-79c22036bd58.jsonl")
    assert result.code == 0
    assert "empty file (0 bytes)" in result.out


def test_compaction_subagent_file_links_into_its_parent_session():
    result = run("check", CORPUS / "agent-acompact-e1f845.jsonl", "--format", "json")
    findings = result.json()["files"][0]["findings"]
    assert findings and all(f["code"] == "TD102" and f["severity"] == "info" for f in findings)
    assert all("parent session" in f["message"] for f in findings)


def test_2_1_parallel_results_off_the_chain_are_not_orphans():
    # 2.1.x hangs a tool_result under the assistant record of its own call, off the chain.
    result = run("check", CORPUS / "spotter-tool-heavy-2.1.38.jsonl", "--format", "json", "--select", "TD2")
    assert result.json()["files"][0]["findings"] == []


def test_fix_on_a_clean_real_session_changes_nothing(tmp_path):
    import shutil

    src = tmp_path / "s.jsonl"
    shutil.copy(CORPUS / "spotter-tool-heavy-2.1.38.jsonl", src)
    result = run("fix", src)
    assert result.code == 0
    assert "nothing to fix" in result.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]
