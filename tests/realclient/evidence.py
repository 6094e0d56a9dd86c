"""Record what real Claude Code clients send when they resume faulty sessions.

A short real session (two turns with parallel Bash calls, one plain turn) is recorded per client
version; each scenario makes a faulty copy of it, resumes it once with one more prompt against the
stand-in, and keeps: the file that was resumed, every main-conversation request body's `messages`
with the stand-in's answer (status, 400 text), and the file after the client ran.

    python tests/realclient/evidence.py [VERSION ...]   # rewrites tests/replay_evidence/<version>/

The fault injectors work on both file shapes: 2.0.x chains every record (call b -> result a ->
result b -> answer); 2.1.x parents each tool_result on its own tool_use record (so result a is off
the parentUuid chain) and puts `attachment` records on the chain.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import VERSIONS, Sandbox, install  # noqa: E402
from standin import StandinAPI  # noqa: E402

EVIDENCE = Path(__file__).resolve().parent.parent / "replay_evidence"
TURNS = ("USE-TOOLS start", "turn two USE-TOOLS again", "plain turn three")
RESUME_PROMPT = "after the fault"
MISSING_UUID = "00000000-dead-4bad-8000-000000000000"

# Real 2.1.3xx files are large (tool and skill listings, request logs): long strings are cut so the
# fixtures stay small. Tests compare texts by their first 40 characters.
LONG = 300
KEEP = 120
TAIL = 40
# Off-chain request logs the client ignores on resume (shared doc); left out of the resumed files.
REQUEST_LOGS = {"api-request-shape", "api-request-blob", "api-request"}


def shorten(value):
    """Long strings keep their start and their end: 2.1.3xx strips a `<system-reminder>` wrapper
    only when both its tags are there."""
    if isinstance(value, str) and len(value) > LONG:
        cut = len(value) - KEEP - TAIL
        return value[:KEEP] + f" [... {cut} characters cut by the evidence recorder] " + value[-TAIL:]
    if isinstance(value, list):
        return [shorten(v) for v in value]
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    return value


def _slim_record(record: dict) -> dict:
    """Long strings cut; the two bulky records the client keeps for itself (its prompt and tool
    listing snapshot, the request shape) reduced to what names them."""
    if record.get("type") == "api-request-shape":
        return {k: v for k, v in record.items() if k != "shape"} | {"shape": "[cut by the evidence recorder]"}
    attachment = record.get("attachment")
    if isinstance(attachment, dict) and attachment.get("type") == "prompt_snapshot":
        record = dict(record)
        record["attachment"] = {k: v for k, v in attachment.items() if k not in ("systemPrompt", "tools")} | {
            "systemPrompt": [p[:60] for p in attachment.get("systemPrompt") or [] if isinstance(p, str)][:3],
            "tools": [t.get("name") for t in attachment.get("tools") or [] if isinstance(t, dict)],
        }
    return shorten(record)


def dumps(record) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


class Session:
    """The records of a JSONL file; unchanged records are written back byte for byte."""

    def __init__(self, data: bytes) -> None:
        self.raw: dict[int, bytes] = {}
        self.records: list[dict] = []
        for line in data.split(b"\n"):
            if line.strip():
                record = json.loads(line)
                self.records.append(record)
                self.raw[id(record)] = (line, copy.deepcopy(record))

    def dump(self) -> bytes:
        out = []
        for record in self.records:
            line, original = self.raw.get(id(record), (None, None))
            out.append(line if line is not None and original == record else dumps(record))
        return b"".join(x + b"\n" for x in out)

    def index(self, uuid: str) -> int:
        return next(i for i, r in enumerate(self.records) if r.get("uuid") == uuid)

    def blocks(self, i: int) -> list[dict]:
        content = (self.records[i].get("message") or {}).get("content")
        return content if isinstance(content, list) else []

    def is_prompt(self, i: int) -> bool:
        r = self.records[i]
        if r.get("type") != "user" or r.get("isMeta"):
            return False
        content = r["message"].get("content")
        return isinstance(content, str) or not any(b.get("type") == "tool_result" for b in content)

    def tool_turn(self, n: int) -> "Turn":
        """The n-th (0-based) turn with parallel calls: call records, their ids, result records, the answer."""
        calls = [i for i, r in enumerate(self.records) if r.get("type") == "assistant"
                 and any(b.get("type") == "tool_use" for b in self.blocks(i))]
        calls = calls[2 * n: 2 * n + 2]
        ids = [next(b["id"] for b in self.blocks(i) if b.get("type") == "tool_use") for i in calls]
        results = [i for i, r in enumerate(self.records) if r.get("type") == "user"
                   and any(b.get("type") == "tool_result" and b.get("tool_use_id") in ids for b in self.blocks(i))]
        answer = next(i for i in range(results[-1] + 1, len(self.records)) if self.records[i].get("type") == "assistant")
        prompt = next((i for i in range(answer + 1, len(self.records)) if self.is_prompt(i)), None)
        return Turn(calls, ids, results, answer, prompt)

    def children(self, uuid: str) -> list[int]:
        return [i for i, r in enumerate(self.records) if r.get("parentUuid") == uuid]


@dataclass
class Turn:
    calls: list[int]
    ids: list[str]
    results: list[int]
    answer: int
    prompt: int | None


# --- the faults, each as users meet it; each returns the faulty file ---------------------------

def clean(s: Session) -> bytes:
    return s.dump()


def interrupted_tail(s: Session) -> bytes:
    """The process died right after writing turn two's tool calls: the file ends after a tool_use."""
    turn = s.tool_turn(1)
    del s.records[turn.calls[-1] + 1:]
    return s.dump()


def interrupted_mid(s: Session) -> bytes:
    """Turn two's results and answer never reached the file; the user went on with a new prompt."""
    turn = s.tool_turn(1)
    last_call = s.records[turn.calls[-1]]["uuid"]
    s.records[turn.prompt]["parentUuid"] = last_call
    for i in sorted(turn.results + [turn.answer], reverse=True):
        del s.records[i]
    return s.dump()


def half_answered(s: Session) -> bytes:
    """Of turn two's two parallel calls, only the first result was written; the answer follows it."""
    turn = s.tool_turn(1)
    s.records[turn.answer]["parentUuid"] = s.records[turn.results[0]]["uuid"]
    lost = s.records[turn.results[1]]["uuid"]
    for i in s.children(lost):
        s.records[i]["parentUuid"] = s.records[turn.results[0]]["uuid"]
    del s.records[turn.results[1]]
    return s.dump()


def orphan_result(s: Session) -> bytes:
    """Turn two's second tool_use record is gone; its tool_result stays (whose call is unknown)."""
    turn = s.tool_turn(1)
    gone = s.records[turn.calls[1]]
    for i in s.children(gone["uuid"]):
        s.records[i]["parentUuid"] = gone["parentUuid"]
    del s.records[turn.calls[1]]
    return s.dump()


def orphan_results_only(s: Session) -> bytes:
    """Both of turn two's tool_use records are gone: the results' user message answers nothing."""
    turn = s.tool_turn(1)
    for i in sorted(turn.calls, reverse=True):
        gone = s.records[i]
        for j in s.children(gone["uuid"]):
            s.records[j]["parentUuid"] = gone["parentUuid"]
        del s.records[i]
    return s.dump()


def late_result(s: Session) -> bytes:
    """Turn two's second result was written after the answer that followed the calls."""
    turn = s.tool_turn(1)
    late = s.records[turn.results[1]]
    answer = s.records[turn.answer]
    answer["parentUuid"] = s.records[turn.results[0]]["uuid"]
    late["parentUuid"] = answer["uuid"]
    if turn.prompt is not None:
        s.records[turn.prompt]["parentUuid"] = late["uuid"]
    s.records.remove(late)
    s.records.insert(s.records.index(answer) + 1, late)
    return s.dump()


def duplicate_id(s: Session) -> bytes:
    """Turn two's first call reuses the id of turn one's first call (two responses, one id)."""
    first, second = s.tool_turn(0), s.tool_turn(1)
    old, new = second.ids[0], first.ids[0]
    for i in [second.calls[0], *second.results]:
        for b in s.blocks(i):
            if b.get("id") == old:
                b["id"] = new
            if b.get("tool_use_id") == old:
                b["tool_use_id"] = new
    return s.dump()


def whitespace_prompt(s: Session) -> bytes:
    """The last prompt ("plain turn three") is only spaces."""
    i = s.tool_turn(1).prompt
    message = s.records[i]["message"]
    if isinstance(message["content"], str):
        message["content"] = "   "
    else:
        for b in message["content"]:
            if b.get("type") == "text":
                b["text"] = "   "
    return s.dump()


def torn_tail(s: Session) -> bytes:
    """The last assistant record was cut in the middle of its line (and nothing after it written)."""
    last = max(i for i, r in enumerate(s.records) if r.get("type") == "assistant")
    del s.records[last + 1:]
    data = s.dump()
    line = data[: -1].rsplit(b"\n", 1)[-1]
    return data[: len(data) - 1 - len(line) // 2]


def _missing_parent(s: Session, gap_seconds: float) -> bytes:
    """Turn two's answer (an assistant record mid-session) points at a uuid that is not in the file."""
    turn = s.tool_turn(1)
    s.records[turn.answer]["parentUuid"] = MISSING_UUID
    if gap_seconds:
        for r in s.records[turn.answer:]:
            if isinstance(r.get("timestamp"), str):
                r["timestamp"] = _shift(r["timestamp"], gap_seconds)
    return s.dump()


def missing_parent_near(s: Session) -> bytes:
    """The previous record is milliseconds earlier (within the 5 s 2.1.100+ clients bridge)."""
    return _missing_parent(s, 0)


def missing_parent_far(s: Session) -> bytes:
    """Same, with 60 s between the previous record and the one whose parent is missing."""
    return _missing_parent(s, 60)


def _shift(stamp: str, seconds: float) -> str:
    t = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ") + dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


SCENARIOS = {
    "clean": clean,
    "interrupted-tail": interrupted_tail,
    "interrupted-mid": interrupted_mid,
    "half-answered": half_answered,
    "orphan-result": orphan_result,
    "orphan-results-only": orphan_results_only,
    "late-result": late_result,
    "duplicate-id": duplicate_id,
    "whitespace-prompt": whitespace_prompt,
    "torn-tail": torn_tail,
    "missing-parent-near": missing_parent_near,
    "missing-parent-far": missing_parent_far,
}


def slim(data: bytes) -> bytes:
    """The recorded session with the request logs left out and long strings cut (see LONG)."""
    out = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("type") in REQUEST_LOGS:
            continue
        short = _slim_record(record)
        out.append(line if short == record else dumps(short))
    return b"".join(x + b"\n" for x in out)


def slim_after(data: bytes) -> bytes:
    """The file after the client ran, long strings cut; lines already short stay byte for byte.
    A torn (unparsable) line is kept as it is."""
    out = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            out.append(line)
            continue
        short = _slim_record(record)
        out.append(line if short == record else dumps(short))
    return b"".join(x + b"\n" for x in out)


def main_session(box: Sandbox) -> Path:
    """The conversation's file: 2.0.30 also leaves empty files and agent-* side files."""
    files = [p for p in box.sessions() if p.stat().st_size > 0]
    return max(files, key=lambda p: p.stat().st_mtime)


def record_session(cli: Path, folder: Path) -> tuple[bytes, str]:
    """A real session: two turns with parallel Bash calls and a plain one, as the client wrote it
    (its project folder is `folder / "project"`)."""
    with StandinAPI() as api:
        box = Sandbox(cli, folder, api.base_url)
        run = box.prompt(TURNS[0])
        if run.returncode != 0:
            raise RuntimeError(f"recording failed: {run.stderr[-500:]}")
        session = main_session(box)
        for text in TURNS[1:]:
            run = box.resume(session.stem, text)
            if run.returncode != 0:
                raise RuntimeError(f"recording failed: {run.stderr[-500:]}")
        if api.rejections:
            raise RuntimeError(f"the stand-in refused the clean recording: {api.rejections}")
        return session.read_bytes(), session.stem


@dataclass
class Resumed:
    returncode: int
    stdout: str
    stderr: str
    exchanges: list[dict]  # {"status", "error", "messages"} of each main-conversation request
    after: bytes
    path: Path


def resume(cli: Path, folder: Path, data: bytes, session_id: str, prompt: str = RESUME_PROMPT, prepare=None,
           project: Path | None = None) -> Resumed:
    """Put `data` as session `session_id` in a fresh sandbox HOME, let `prepare(path)` work on it, resume
    once from `project` (the recording's project folder, as a user would)."""
    with StandinAPI() as api:
        box = Sandbox(cli, folder, api.base_url, project)
        box.session_folder.mkdir(parents=True, exist_ok=True)
        path = box.session_folder / f"{session_id}.jsonl"
        path.write_bytes(data)
        if prepare is not None:
            prepare(path)
        run = box.resume(session_id, prompt)
        exchanges = [{"status": status, "error": error, "messages": body.get("messages") or []}
                     for body, status, error in api.conversation_exchanges()]
        return Resumed(run.returncode, run.stdout, run.stderr, exchanges, path.read_bytes(), path)


def save(version: str, scenario: str, session: bytes, resumed: Resumed, root: Path = EVIDENCE) -> Path:
    """Long texts in the requests are cut, except in the clean scenario's (the reference)."""
    folder = root / version / scenario
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "session.jsonl").write_bytes(session)
    cut = (lambda x: x) if scenario == "clean" else shorten
    lines = [json.dumps({"request": n, "status": x["status"], "error": x["error"], "messages": cut(x["messages"])},
                        ensure_ascii=False) for n, x in enumerate(resumed.exchanges)]
    lines.append(json.dumps({"client_exit": resumed.returncode, "stdout": resumed.stdout[-300:],
                             "stderr": resumed.stderr[-300:]}, ensure_ascii=False))
    (folder / "requests.ndjson").write_text("\n".join(lines) + "\n")
    (folder / "after.jsonl").write_bytes(slim_after(resumed.after))
    return folder


def record(version: str, scenarios=None, root: Path = EVIDENCE) -> None:
    cli = install(version)
    with tempfile.TemporaryDirectory(prefix=f"td-evidence-{version}-") as tmp:
        tmp = Path(tmp)
        data, session_id = record_session(cli, tmp / "record")
        base = slim(data)
        (root / version).mkdir(parents=True, exist_ok=True)
        # The same clean session resumed as recorded, to show that slimming changes nothing sent.
        project = tmp / "record" / "project"
        full = resume(cli, tmp / "unslimmed", data, session_id, project=project)
        (root / version / "clean").mkdir(parents=True, exist_ok=True)
        (root / version / "clean" / "requests-unslimmed.ndjson").write_text("".join(
            json.dumps({"request": n, "status": x["status"], "error": x["error"], "messages": shorten(x["messages"])},
                       ensure_ascii=False) + "\n" for n, x in enumerate(full.exchanges)))
        for name in scenarios or SCENARIOS:
            faulty = SCENARIOS[name](Session(base))
            resumed = resume(cli, tmp / name, faulty, session_id, project=project)
            save(version, name, faulty, resumed, root)
            statuses = [x["status"] for x in resumed.exchanges]
            print(f"{version} {name}: exit {resumed.returncode}, requests {statuses}", flush=True)
            shutil.rmtree(tmp / name, ignore_errors=True)


if __name__ == "__main__":
    for v in sys.argv[1:] or VERSIONS:
        record(v)
