"""`compact` proved with the real client: a session written by Claude Code (2.0.30 and 2.1.328)
that no longer fits the stand-in's window fails to resume; after `transcript-doctor compact
--max-tokens` below that window the client resumes it, the request fits, and it carries the
summary, the kept turns as they were, and the new prompt.

The stand-in counts a request as 3 characters of JSON a token (system, tools, messages) and
answers above its window with the API's `prompt is too long: X tokens > Y maximum`; its answers
record that count as `usage`, as the API does. The client's own compaction is made to fail too
(`summaries_fail`), as in the reports this command answers: the summariser's request is as long
as the session. 2.1.112 is not installed by the tests; 2.1.328 runs only where it is in the cache.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "realclient"))

from client import ClientUnavailable, Sandbox, installed  # noqa: E402
from standin import StandinAPI, estimate_request_tokens  # noqa: E402

pytestmark = pytest.mark.replay

LIMIT = 30_000  # the stand-in's window while resuming
BUDGET = 26_000  # what compact is given: below the window
LONG = "alpha " * 6000  # 36,000 characters, about 12,000 tokens a prompt
PROMPTS = ("turn two USE-TOOLS " + "beta " * 6000, "turn three " + "gamma " * 6000, "turn four USE-TOOLS", "turn five plain")


@pytest.fixture(scope="module", params=["2.0.30", "2.1.328"])
def long_session(request, tmp_path_factory):
    """A real session of five turns, three of them about 12,000 tokens, written by the client;
    the stand-in records its count of each request as `usage`."""
    try:
        cli = installed(request.param)
    except ClientUnavailable as exc:
        pytest.skip(str(exc))
    folder = tmp_path_factory.mktemp(f"long-{request.param}")
    with StandinAPI(window=10**7) as api:
        box = Sandbox(cli, folder, api.base_url)
        assert box.prompt("USE-TOOLS start " + LONG).returncode == 0
        session = box.sessions()[-1]
        for text in PROMPTS:
            run = box.resume(session.stem, text)
            assert run.returncode == 0, run.stderr
        sizes = [estimate_request_tokens(r) for r in api.conversation_requests()]
    assert max(sizes) > LIMIT + 10_000, sizes  # the session really outgrew the window used below
    return request.param, cli, folder, session


def _messages(request: dict) -> list[dict]:
    return [m for m in request["messages"] if m.get("role") != "system"]


def _texts(message: dict) -> list[str]:
    content = message["content"]
    if isinstance(content, str):
        return [content]
    return [b.get("text", "") for b in content if b.get("type") == "text"]


def test_compacted_session_resumes_within_the_window(long_session, td):
    # (the client finds a session only from its own project folder: the recording is used as it is)
    version, cli, folder, session = long_session

    # 1. Too long: the resume is refused, and the client's own compaction fails as well.
    with StandinAPI(window=LIMIT, summaries_fail=True) as api:
        box = Sandbox(cli, folder, api.base_url)
        box.resume(session.stem, "a prompt that cannot be answered")
        assert api.rejections and all(r.startswith("prompt is too long") for r in api.rejections)
        accepted = [r for r in api.conversation_requests() if estimate_request_tokens(r) <= LIMIT
                    and not any("CRITICAL: Respond" in t or "detailed summary" in t
                                for m in _messages(r) for t in _texts(m))]
        assert not accepted, "the client got an answer without compact"

    # 2. compact, under a budget below the window: a new session beside the old one.
    before = session.read_bytes()
    result = td("compact", session, "--max-tokens", str(BUDGET), "--format", "json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["compacted"] and report["counted_from"] == "usage"
    assert report["tokens_before"] > LIMIT >= BUDGET >= report["tokens_after"]
    output = Path(report["output"])
    assert output.parent == session.parent and output.name == f"{report['session_id']}.jsonl"
    assert session.read_bytes() == before  # the input is untouched
    written = output.read_bytes()
    assert written.startswith(before if before.endswith(b"\n") else before + b"\n")  # the history, byte for byte
    new_records = [json.loads(line) for line in written[len(before):].splitlines() if line.strip()]
    boundary, summary, *copies = new_records
    assert boundary["type"] == "system" and boundary["subtype"] == "compact_boundary" and boundary["parentUuid"] is None
    assert summary["isCompactSummary"] is True and summary["parentUuid"] == boundary["uuid"]
    copies = [c for c in copies if c.get("type") in ("user", "assistant")]
    assert copies, "no turn was kept"
    originals = {}
    for line in before.splitlines():
        value = json.loads(line)
        if isinstance(value, dict) and value.get("uuid"):
            originals[value["uuid"]] = value
    for copy in copies:  # kept turns: the same message, block for block
        assert copy["message"] == originals[copy["transcriptDoctor"]["copyOf"]]["message"]
    checked = td("check", output)
    assert checked.code == 0, checked.out

    # 3. The client resumes the compacted session within the window.
    with StandinAPI(window=LIMIT, summaries_fail=True) as api:
        box = Sandbox(cli, folder, api.base_url)
        run = box.resume(report["session_id"], "after compact NEWPROMPT")
        assert run.returncode == 0, (run.stdout, run.stderr, api.rejections)
        assert not api.rejections
        request = api.conversation_requests()[-1]
    assert estimate_request_tokens(request) <= LIMIT
    messages = _messages(request)
    assert "made by transcript-doctor" in " ".join(_texts(messages[0]))
    assert any("NEWPROMPT" in t for t in _texts(messages[-1]))
    sent_tool_ids = [b.get("id") or b.get("tool_use_id") for m in messages if isinstance(m["content"], list)
                     for b in m["content"] if b.get("type") in ("tool_use", "tool_result")]
    kept_tool_ids = [b.get("id") or b.get("tool_use_id") for c in copies if isinstance(c["message"]["content"], list)
                     for b in c["message"]["content"] if b.get("type") in ("tool_use", "tool_result")]
    assert kept_tool_ids and sorted(sent_tool_ids) == sorted(kept_tool_ids)  # every kept call and result, nothing else
    sent_text = " ".join(t for m in messages for t in _texts(m))
    for copy in copies:
        for text in _texts(copy["message"]):
            if text.strip():
                assert text.strip()[:60] in sent_text  # every kept text reached the model
