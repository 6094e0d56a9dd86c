"""Client profiles: `messages.N` as the client in the user's hands counts it.

The ground truth here is what Claude Code 2.1.328 really sent: `tests/corpus/claude-code-2.1.328/`
holds five sessions it wrote against the stand-in and, in `requests/`, every request body it sent.
For each request, the projection of the session as it was when that request went out (the lines
before its `api-request` record) must equal the request's `messages`, block for block and text for
text. The other tests inject the faults users meet and check what each client profile says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, run

from transcript_doctor.analysis import analyse
from transcript_doctor.profiles import LATEST, PATCHES, REJECTS, UnknownVersion, parse_version, profile_for
from transcript_doctor.wire import RecordReader, conversation_json, logged_requests, normalised

CC328 = Path(__file__).resolve().parent / "corpus" / "claude-code-2.1.328"
SESSIONS = sorted((CC328 / "-home-dev-app").glob("*.jsonl"))
CLEAN_2_1 = EXAMPLES / "clean-2.1.328-parallel-tools.jsonl"


def requests_sent(session: Path) -> list[dict]:
    return [json.loads(line) for line in (CC328 / "requests" / f"{session.stem}.ndjson").read_text().splitlines()]


def logged_cuts(session: Path) -> list[int]:
    """0-based indexes of the session's api-request lines: the file as it was when each request went out."""
    lines = session.read_bytes().split(b"\n")
    return [i for i, raw in enumerate(lines) if raw.strip() and json.loads(raw).get("type") == "api-request"]


def projected_as_sent(path: Path, client_version: str | None = None) -> list[dict]:
    analysis = analyse(path, client_version=client_version)
    return [normalised(m) for m in conversation_json(analysis.context.main, RecordReader(analysis.transcript, analysis.profile))]


def cases():
    for session in SESSIONS:
        requests = requests_sent(session)
        lines = session.read_bytes().split(b"\n")
        for cut in logged_cuts(session):
            yield pytest.param(session, cut, requests, lines, id=f"{session.stem[:8]}-line{cut + 1}")


@pytest.mark.parametrize("session,cut,requests,lines", list(cases()))
def test_projection_equals_the_request_the_client_sent(session, cut, requests, lines, tmp_path):
    before = tmp_path / session.name
    before.write_bytes(b"\n".join(lines[:cut]) + b"\n")
    projected = projected_as_sent(before)
    # The request with this conversation's opening (a sub-agent's requests open differently) and length.
    candidates = [r for r in requests if len(r["messages"]) == len(projected)
                  and normalised(r["messages"][0]) == projected[0]]
    if any(r["prompt"] == "/compact" for r in candidates) and len(projected) == 8:
        pytest.skip("the /compact request: the client adds its summariser's instructions to the last message")
    assert candidates, f"no request of {len(projected)} messages opens like the projection"
    sent = [normalised(m) for m in candidates[0]["messages"]]
    assert [m["role"] for m in projected] == [m["role"] for m in sent]
    assert projected == sent


def test_every_logged_request_of_the_corpus_is_checked():
    # 34 requests of the main conversations (sub-agent and /compact requests aside) are compared above.
    assert sum(len(logged_cuts(s)) for s in SESSIONS) == 34


def test_request_log_rebuilds_to_what_was_sent():
    """The api-request records alone (keep + tail hashes, blobs) give back each request's messages."""
    for session in SESSIONS:
        analysis = analyse(session)
        logs = logged_requests(analysis.transcript, analysis.context.conversations)
        sent = [[normalised(m) for m in r["messages"]] for r in requests_sent(session)]
        for log in logs:
            rebuilt = [normalised(m) if m is not None else None for m in log.messages]
            resolved = [m for m in rebuilt if m is not None]
            assert len(resolved) >= len(rebuilt) - 1, (session.name, log.line)
            assert any(len(s) == len(rebuilt) and all(a is None or a == b for a, b in zip(rebuilt, s)) for s in sent)


@pytest.mark.parametrize("version,documented,pairing", [
    ("1.0.24", "2.0.30", REJECTS), ("2.0.30", "2.0.30", REJECTS), ("2.1.38", "2.1.112", PATCHES),
    ("2.1.112", "2.1.112", PATCHES), ("2.1.200", "2.1.328", PATCHES), ("2.1.328", "2.1.328", PATCHES),
    ("latest", "2.1.328", PATCHES), ("3.0.0", "2.1.328", PATCHES),
])
def test_versions_map_to_the_nearest_documented_profile(version, documented, pairing):
    profile = profile_for(version)
    assert profile.documented == documented
    assert profile.pairing == pairing
    assert (profile.bridges_missing_parent_s is not None) == (parse_version(profile.version) >= (2, 1, 100))


def test_a_version_that_is_not_one_is_refused():
    with pytest.raises(UnknownVersion):
        profile_for("soon")
    result = run("check", CLEAN_2_1, "--client-version", "soon")
    assert result.code == 2 and "not a Claude Code version" in result.err and "Traceback" not in result.err


def test_the_profile_comes_from_the_file_and_the_report_names_it():
    data = run("check", CLEAN_2_1, "--format", "json").json()["files"][0]
    assert data["client"]["version"] == "2.1.328" and data["client"]["chosen_by"].startswith("the newest version")
    data = run("check", EXAMPLES / "clean-2.0.30-parallel-tools.jsonl", "--format", "json",
               "--client-version", "2.1.112").json()["files"][0]
    assert data["client"]["name"] == "Claude Code 2.1.112" and data["client"]["chosen_by"] == "--client-version"
    assert "as Claude Code 2.1.328 resumes it" in run("check", CLEAN_2_1).out


def test_show_json_is_the_request_block_by_block(tmp_path):
    """`show --json` of the file as it was before its last request equals that request."""
    session = CLEAN_2_1
    lines = session.read_bytes().split(b"\n")
    cut = logged_cuts(session)[-1]
    before = tmp_path / session.name
    before.write_bytes(b"\n".join(lines[:cut]) + b"\n")
    rows = [json.loads(x) for x in run("show", before, "--json").out.splitlines()]
    sent = requests_sent(CC328 / "-home-dev-app" / "c1b0dfee-6409-43e8-999b-9eac9a9a766d.jsonl")[-1]["messages"]
    assert [r["role"] for r in rows] == [m["role"] for m in sent]
    for row, message in zip(rows, sent):
        blocks = normalised(message)["content"]
        assert [b["type"] for b in row["content"]] == [b["type"] for b in blocks]
        for got, want in zip(row["content"], blocks):
            assert got.get("text") == want.get("text")
            assert got.get("id") == want.get("id") and got.get("tool_use_id") == want.get("tool_use_id")


def records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def write(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in recs))
    return path


def line_of(recs, pred) -> int:
    return next(i for i, r in enumerate(recs) if pred(r))


def test_whitespace_prompt_is_at_the_index_the_client_sent(tmp_path):
    """The real 400 from 2.1.328: `messages.9.content.0.text: text content blocks must contain
    non-whitespace text` for a whitespace-only prompt; 2.0.30 counts it as messages.8."""
    recs = records(CLEAN_2_1)
    i = line_of(recs, lambda r: r.get("type") == "user" and r["message"]["content"] == "three calls USE-THREE")
    recs[i]["message"]["content"] = "   "
    path = write(tmp_path / CLEAN_2_1.name, recs)
    found = run("check", path, "--format", "json").json()["files"][0]["findings"]
    blank = [f for f in found if f["code"] == "TD302"]
    assert [(f["line"], f["message_index"], f["content_index"]) for f in blank] == [(i + 1, 9, 0)]
    assert "non-whitespace" in blank[0]["message"]
    old = run("check", path, "--format", "json", "--client-version", "2.0.30").json()["files"][0]["findings"]
    assert [(f["message_index"], f["content_index"]) for f in old if f["code"] == "TD302"] == [(8, 0)]
    error = "API Error: 400 messages.9.content.0.text: text content blocks must contain non-whitespace text"
    explained = run("explain", path, error, "--format", "json").json()
    assert [f["line"] for f in explained["findings"]] == [i + 1]
    assert explained["note"] is None or "no such fault" not in explained["note"]


def test_api_error_records_are_not_sent_and_prompts_around_them_merge(tmp_path):
    recs = records(CLEAN_2_1)
    i = line_of(recs, lambda r: r.get("type") == "assistant" and r["message"]["content"][0].get("text") == "MOCK-OK 7")
    recs[i]["isApiErrorMessage"] = True
    recs[i]["message"]["model"] = "<synthetic>"
    recs[i]["message"]["content"] = [{"type": "text", "text": "API Error: 500 overloaded"}]
    recs.append({**recs[line_of(recs, lambda r: r.get("type") == "user" and r["message"]["content"] == "plain question")],
                 "uuid": "00000000-0000-4000-8000-000000000001", "parentUuid": recs[i]["uuid"],
                 "timestamp": "2026-12-01T21:26:45.000Z", "message": {"role": "user", "content": "try again"}})
    path = write(tmp_path / CLEAN_2_1.name, recs)
    rows = [json.loads(x) for x in run("show", path, "--json").out.splitlines()]
    assert [r["role"] for r in rows][-2:] == ["assistant", "user"]
    assert [b["text"] for b in rows[-1]["content"]] == ["plain question\n", "try again"]
    old = [json.loads(x) for x in run("show", path, "--json", "--client-version", "2.0.30").out.splitlines()]
    assert [r["role"] for r in old][-3:] == ["user", "assistant", "user"]


def cut_parent(tmp_path, gap_seconds: float) -> tuple[Path, int]:
    """The prompt "plain question" loses its parent (the answer before it is not in the file any
    more, as after a hand edit); its timestamp is `gap_seconds` after the record before it."""
    from datetime import datetime, timedelta

    recs = records(CLEAN_2_1)
    i = line_of(recs, lambda r: r.get("type") == "user" and r["message"]["content"] == "plain question")
    recs[i]["parentUuid"] = "00000000-0000-4000-8000-00000000dead"
    if gap_seconds > 5:
        for r in recs[i:]:
            if "timestamp" in r:
                moment = datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")) + timedelta(seconds=gap_seconds)
                r["timestamp"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return write(tmp_path / CLEAN_2_1.name, recs), i + 1


def test_missing_parent_near_is_bridged_by_current_clients(tmp_path):
    path, line = cut_parent(tmp_path, 0)
    report = run("check", path, "--format", "json").json()["files"][0]
    td102 = [f for f in report["findings"] if f["code"] == "TD102"]
    assert [(f["line"], f["severity"], f["fix"]) for f in td102] == [(line, "warning", "safe")]
    assert "everything before it is left out" not in td102[0]["message"]
    assert report["api_messages"] == 15 and report["errors"] == 0  # the whole history is sent, no false TD301
    fixed = tmp_path / "fixed.jsonl"
    assert run("fix", path, "-o", fixed).code == 0
    assert [f["code"] for f in run("check", fixed, "--format", "json").json()["files"][0]["findings"]] == []
    # 2.0.30 does not bridge: the history before the break is lost, and the default fix leaves it.
    old = run("check", path, "--format", "json", "--client-version", "2.0.30").json()["files"][0]
    assert [(f["line"], f["severity"], f["fix"]) for f in old["findings"] if f["code"] == "TD102"] == [(line, "error", "unsafe")]


def test_missing_parent_far_is_not_bridged(tmp_path):
    path, line = cut_parent(tmp_path, 60)
    report = run("check", path, "--format", "json").json()["files"][0]
    td102 = [f for f in report["findings"] if f["code"] == "TD102"]
    assert [(f["line"], f["severity"], f["fix"]) for f in td102] == [(line, "error", "unsafe")]
    assert "everything before it is left out" in td102[0]["message"]


def test_pairing_findings_say_what_the_users_client_does(tmp_path):
    """An interrupted call: 2.1.328 leaves it out silently, 2.0.30 strips it; `fix` keeps it."""
    recs = records(CLEAN_2_1)
    i = line_of(recs, lambda r: r.get("type") == "user" and isinstance(r["message"]["content"], list)
                and r["message"]["content"][0].get("tool_use_id") == "toolu_017ac0d18f013b9897")
    answer = recs[i + 2]  # the api-request of line 40 sits between the result and the answer
    assert answer["type"] == "assistant"
    answer["parentUuid"] = recs[i]["parentUuid"]
    del recs[i]
    path = write(tmp_path / CLEAN_2_1.name, recs)
    found = [f for f in run("check", path, "--format", "json").json()["files"][0]["findings"] if f["code"] == "TD201"]
    assert len(found) == 1 and found[0]["message_index"] == 6 and found[0]["content_index"] == 1
    text = found[0]["message"]
    assert "Claude Code 2.1.328 leaves this call out of every request" in text
    assert "`echo solo`" in text and "`fix` keeps the call" in text
    old = run("check", path, "--format", "json", "--client-version", "2.0.30").json()["files"][0]["findings"]
    assert "Claude Code 2.0.30 strips this call" in next(f["message"] for f in old if f["code"] == "TD201")


def test_profiles_are_the_one_place_rules_learn_versions():
    """No rule or projection stage compares version strings itself."""
    for path in list((ROOT / "transcript_doctor" / "rules").glob("*.py")) + [ROOT / "transcript_doctor" / "projection.py"]:
        text = path.read_text()
        assert "parse_version" not in text and ".version" not in text.replace("profile.version", ""), path.name


def test_latest_is_the_newest_documented_profile():
    assert profile_for("latest").version == LATEST


EVIDENCE = Path(__file__).resolve().parent / "replay_evidence"


@pytest.mark.parametrize("scenario,text", [
    ("late-result", "[Tool result missing due to internal error]"),
    ("orphan-results-only", '"(no content)"'),
    ("interrupted-tail", "[Tool call interrupted"),
])
def test_client_patches_in_the_file_are_named(scenario, text):
    """What 2.1.328 wrote while resuming a broken session (its request log, its own records): TD206
    names each patch, with the client's own words."""
    report = run("check", EVIDENCE / "2.1.328" / scenario / "after.jsonl", "--format", "json").json()["files"][0]
    patches = [f for f in report["findings"] if f["code"] == "TD206"]
    assert any(text in f["message"] for f in patches), patches
    before = run("check", EVIDENCE / "2.1.328" / scenario / "session.jsonl", "--format", "json").json()["files"][0]
    assert not [f for f in before["findings"] if f["code"] == "TD206"]  # nothing patched before the resume
