"""Replay with the real client: Claude Code (npm, pinned) resumes transcripts against a local
stand-in of the Messages API (127.0.0.1) that enforces the API's rules.

1. The `messages` array the client really sends on resume is what transcript-doctor projects:
   same length, roles and tool ids, so `messages.N` in findings is the N of the API's errors.
2. Sessions broken the ways users report (an interrupted tool call, parallel calls half
   answered, a result written late, a torn tail) fail on resume: with a 400 from the API, or, as
   2.0.30 does for missing results, by silently leaving messages out of the request.
3. After `transcript-doctor fix --in-place`, the resume is accepted and sends every message of the
   repaired transcript: no tool call stripped, no "No response requested." filler.
Skipped, saying why, only where node/npm are missing or the package cannot be installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "realclient"))

from client import ClientUnavailable, Sandbox, install  # noqa: E402
from standin import StandinAPI  # noqa: E402

from transcript_doctor.analysis import analyse  # noqa: E402

pytestmark = pytest.mark.replay


@pytest.fixture(scope="module")
def cli():
    try:
        return install()
    except ClientUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def recorded(cli, tmp_path_factory):
    """A real four-turn session (two turns with parallel Bash calls) written by the client."""
    folder = tmp_path_factory.mktemp("record")
    with StandinAPI() as api:
        box = Sandbox(cli, folder, api.base_url)
        assert box.prompt("USE-TOOLS start").returncode == 0
        session = box.sessions()[-1]
        for text in ("turn two USE-TOOLS again", "plain turn three", "plain turn four"):
            run = box.resume(session.stem, text)
            assert run.returncode == 0, run.stderr
        assert not api.rejections
    return session.read_bytes(), session.stem


def signature(content) -> list[tuple[str, str]]:
    """What identifies a message's blocks: tool ids exactly, text by its words."""
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
    out = []
    for b in blocks:
        if b.get("type") == "tool_use":
            out.append(("tool_use", b["id"]))
        elif b.get("type") == "tool_result":
            out.append(("tool_result", b["tool_use_id"]))
        elif b.get("type") == "text" and not b.get("text", "").startswith("<system-reminder>"):
            out.append(("text", " ".join(b.get("text", "").split())[:40]))
    return out


def projected(path: Path) -> list[tuple[str, list]]:
    analysis = analyse(path)
    main = analysis.context.main
    out = []
    for msg in main.messages:
        sig = []
        for part in msg.parts:
            b = part.block
            if b.kind in ("tool_use", "tool_result"):
                sig.append((b.kind, b.tool_id))
            elif b.kind == "text":
                sig.append(("text", b.preview[:40]))
        out.append((msg.role, sig))
    return out


def sent(api: StandinAPI) -> list[tuple[str, list]]:
    """The transcript part of the last conversation request: everything before the new prompt."""
    messages = api.conversation_requests()[-1]["messages"]
    return [(m["role"], signature(m["content"])) for m in messages[:-1]]


def resume_copy(cli, folder: Path, data: bytes, session_id: str, prompt: str, prepare=None):
    """Put `data` as session `session_id` into a fresh sandbox, let `prepare(path)` work on it
    (run fix, say), and resume it once."""
    with StandinAPI() as api:
        box = Sandbox(cli, folder, api.base_url)
        slug = box.projects / re.sub(r"[^A-Za-z0-9]", "-", str(box.project.resolve()))
        slug.mkdir(parents=True, exist_ok=True)
        path = slug / f"{session_id}.jsonl"
        path.write_bytes(data)
        if prepare is not None:
            prepare(path)
        expected = projected(path)
        run = box.resume(session_id, prompt)
        return run, api, expected, path


def fix_in_place(path: Path) -> None:
    original = path.read_bytes()
    fix = subprocess.run([sys.executable, "-m", "transcript_doctor", "fix", str(path), "--in-place"],
                         capture_output=True, text=True)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert path.with_name(path.name + ".bak").read_bytes() == original


FILLER = ("assistant", [("text", "No response requested.")])


def lines_of(data: bytes) -> list[dict | bytes]:
    return [json.loads(x) for x in data.split(b"\n") if x.strip()]


def dump(records: list[dict]) -> bytes:
    return b"".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode() + b"\n" for r in records)


def find(records, pred) -> int:
    return next(i for i, r in enumerate(records) if pred(r))


def tool_results(records, turn_ids):
    return [i for i, r in enumerate(records) if r.get("type") == "user" and isinstance(r["message"]["content"], list)
            and r["message"]["content"][0].get("tool_use_id") in turn_ids]


def second_turn(records):
    """Indexes of turn two's records: the two tool calls, their results, the answer after them."""
    uses = [i for i, r in enumerate(records) if r.get("type") == "assistant"
            and r["message"]["content"][0].get("type") == "tool_use"]
    calls = uses[2:4]
    ids = [records[i]["message"]["content"][0]["id"] for i in calls]
    results = tool_results(records, ids)
    answer = results[-1] + 1
    nxt = find(records, lambda r: r.get("type") == "user" and r.get("parentUuid") == records[answer]["uuid"])
    return calls, ids, results, answer, nxt


def break_interrupted(records):
    calls, ids, results, answer, nxt = second_turn(records)
    records[nxt]["parentUuid"] = records[calls[-1]]["uuid"]
    for i in sorted(results + [answer], reverse=True):
        del records[i]
    return dump(records), ids


def break_results_lost(records):
    """The results of turn two's calls are lost, but the response after them was written."""
    calls, ids, results, answer, nxt = second_turn(records)
    records[answer]["parentUuid"] = records[calls[-1]]["uuid"]
    for i in sorted(results, reverse=True):
        del records[i]
    return dump(records), ids


def answered_id(record) -> str:
    return record["message"]["content"][0]["tool_use_id"]


def break_half_answered(records):
    calls, ids, results, answer, nxt = second_turn(records)
    records[answer]["parentUuid"] = records[results[0]]["uuid"]
    # The parallel calls finish in either order: the call left without its result is the one
    # whose result came second in the file, not always the second call.
    lost = [answered_id(records[results[1]])]
    del records[results[1]]
    return dump(records), lost


def break_misplaced(records):
    calls, ids, results, answer, nxt = second_turn(records)
    late = records[results[1]]
    records[answer]["parentUuid"] = records[results[0]]["uuid"]
    late["parentUuid"] = records[answer]["uuid"]
    records[nxt]["parentUuid"] = late["uuid"]
    records.insert(answer + 1, records.pop(results[1]))
    return dump(records), [answered_id(late)]


@pytest.fixture(scope="module")
def clean_request(cli, recorded, tmp_path_factory):
    """The messages the client sent when resuming the clean session (the new prompt left out)."""
    data, session_id = recorded
    run, api, expected, _ = resume_copy(cli, tmp_path_factory.mktemp("clean"), data, session_id, "plain turn five")
    assert run.returncode == 0 and not api.rejections
    return api.conversation_requests()[-1]["messages"][:-1], expected, sent(api)


def test_client_sends_what_transcript_doctor_projects(clean_request, recorded, tmp_path):
    messages, expected, actually_sent = clean_request
    assert actually_sent == expected
    assert len(expected) == 12  # tool turns: prompt, call, results, answer (4 each); plain turns: 2 each
    assert check_codes(recorded[0], tmp_path) == []  # a clean real session: no finding at all


def index_of_call(messages, tool_id) -> int:
    return next(n for n, m in enumerate(messages) if isinstance(m["content"], list)
                and any(b.get("id") == tool_id for b in m["content"]))


def test_check_names_the_index_the_api_names(cli, recorded, tmp_path):
    data, session_id = recorded
    broken, ids = break_misplaced(lines_of(data))
    run, api, _, path = resume_copy(cli, tmp_path, broken, session_id, "after the crash")
    assert api.rejections, "the stand-in should have refused the request"
    error = api.rejections[0]
    assert "tool_use` ids were found without `tool_result` blocks immediately after" in error
    n = int(error.split(":")[0].split(".")[1])
    path.write_bytes(broken)  # resume appended its error records; look at the file as it was
    report = subprocess.run([sys.executable, "-m", "transcript_doctor", "check", str(path), "--format", "json"],
                            capture_output=True, text=True).stdout
    findings = json.loads(report)["files"][0]["findings"]
    assert [(f["code"], f["message_index"], f["tool_use_id"]) for f in findings if f["severity"] == "error"] == [
        ("TD205", n, ids[0])]


BREAKERS = {
    "interrupted-tool-call": break_interrupted,
    "results-lost-answer-kept": break_results_lost,
    "parallel-calls-half-answered": break_half_answered,
    "result-written-late": break_misplaced,
}


EXPECTED_CODE = {"interrupted-tool-call": "TD201", "results-lost-answer-kept": "TD201", "parallel-calls-half-answered": "TD201", "result-written-late": "TD205"}


@pytest.mark.parametrize("how", sorted(BREAKERS))
def test_broken_session_fails_then_fix_makes_it_resume(cli, recorded, clean_request, tmp_path, how):
    data, session_id = recorded
    broken, lost_ids = BREAKERS[how](lines_of(data))
    # check names exactly the faults injected, at the index the call has in what the client sends
    clean_messages = clean_request[0]
    probe = tmp_path / "probe.jsonl"
    probe.write_bytes(broken)
    report = json.loads(subprocess.run([sys.executable, "-m", "transcript_doctor", "check", str(probe), "--format", "json"],
                                       capture_output=True, text=True).stdout)["files"][0]
    assert [(f["code"], f["message_index"], f["tool_use_id"]) for f in report["findings"]] == [
        (EXPECTED_CODE[how], index_of_call(clean_messages, tool_id), tool_id) for tool_id in lost_ids]

    run, api, expected, path = resume_copy(cli, tmp_path / "before", broken, session_id, "after the crash")
    if api.rejections:
        assert "`tool_use` ids were found without `tool_result` blocks immediately after" in api.rejections[0]
    else:
        # 2.0.30 strips calls without results before sending: accepted, but the model never sees them.
        sent_ids = {b for _, sig in sent(api) for kind, b in sig if kind == "tool_use"}
        assert not set(lost_ids) & sent_ids
        assert sent(api) != expected

    run, api, expected, _ = resume_copy(cli, tmp_path / "after", broken, session_id, "after the fix", fix_in_place)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not api.rejections
    assert sent(api) == expected  # every message of the repaired transcript is sent, in order
    sent_ids = {b for _, sig in sent(api) for kind, b in sig if kind == "tool_use"}
    assert set(lost_ids) <= sent_ids  # the interrupted calls stay in the conversation
    texts = [b.get("text", "") for m in api.conversation_requests()[-1]["messages"] for b in
             (m["content"] if isinstance(m["content"], list) else [{"text": m["content"]}])]
    assert "No response requested." not in texts


def test_torn_tail_is_dropped_by_the_client_and_kept_by_fix(cli, recorded, tmp_path):
    data, session_id = recorded
    last = data.split(b"\n")[-2]
    torn = data[: len(data) - 1 - len(last) // 2]  # the last answer cut in the middle, no newline
    run, api, expected, path = resume_copy(cli, tmp_path / "before", torn, session_id, "after the crash")
    assert not api.rejections
    # 2.0.30 drops the torn answer without a word and puts its filler where it was.
    assert sent(api) == expected + [FILLER]
    assert check_codes(torn, tmp_path) == ["TD002"]

    run, api, expected, path = resume_copy(cli, tmp_path / "after", torn, session_id, "after the fix", fix_in_place)
    assert run.returncode == 0 and not api.rejections
    assert sent(api) == expected + [FILLER]  # the lost answer cannot be invented; every kept message is sent
    assert path.with_name(path.name + ".rejects").read_bytes() == torn.split(b"\n")[-1] + b"\n"
    assert check_codes(path.with_name(path.name + ".bak").read_bytes(), tmp_path) == ["TD002"]


def check_codes(data: bytes, folder: Path) -> list[str]:
    probe = folder / "probe.jsonl"
    probe.write_bytes(data)
    out = subprocess.run([sys.executable, "-m", "transcript_doctor", "check", str(probe), "--format", "json"],
                         capture_output=True, text=True).stdout
    return [f["code"] for f in json.loads(out)["files"][0]["findings"]]
