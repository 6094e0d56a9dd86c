"""Generate realistic Claude Code transcripts of a given size, streamed (constant memory).

The records have the shapes Claude Code writes (see ../shared/docs/transcripts.md): one record
per content block sharing `message.id`; thinking with a signature, text, one to three parallel
tool calls; tool results as their own records with `toolUseResult`; 2.1.x-style `progress`
records and tool results hung under the call's record; file-history snapshots and queue
operations; a compaction whenever the context passes 150k tokens. Every uuid is fresh.

    python benchmarks/generate.py --size 100MB --out big.jsonl
    python benchmarks/generate.py --sessions 1000 --out folder/
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORDS = ("the build fails because the config loader reads the old path so we update the test and rerun"
         " make sure the cache is cleared before the next step then check the logs for errors").split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


class Writer:
    def __init__(self, out, rng: random.Random, session: str, version: str = "2.1.39") -> None:
        self.out, self.rng, self.session, self.version = out, rng, session, version
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
        self.parent: str | None = None
        self.bytes = 0
        self.context = 20_000

    def stamp(self) -> str:
        self.now += timedelta(milliseconds=self.rng.randint(5, 4000))
        return self.now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.now.microsecond // 1000:03d}Z"

    def emit(self, record: dict) -> None:
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
        self.out.write(line)
        self.bytes += len(line.encode())

    def base(self, kind: str, parent: str | None, sidechain: bool = False) -> dict:
        return {"parentUuid": parent, "isSidechain": sidechain, "userType": "external", "cwd": "/home/dev/app",
                "sessionId": self.session, "version": self.version, "gitBranch": "main", "type": kind}

    def user(self, content, parent, extra=None, sidechain=False) -> str:
        rec = self.base("user", parent, sidechain)
        rec["message"] = {"role": "user", "content": content}
        rec["uuid"] = str(uuid.uuid4())
        rec["timestamp"] = self.stamp()
        if extra:
            rec.update(extra)
        self.emit(rec)
        return rec["uuid"]

    def assistant(self, block: dict, parent, msg_id: str, stop, sidechain=False) -> str:
        rec = self.base("assistant", parent, sidechain)
        rec["message"] = {"model": "claude-sonnet-4-5-20250929", "id": msg_id, "type": "message", "role": "assistant",
                          "content": [block], "stop_reason": stop, "stop_sequence": None,
                          "usage": {"input_tokens": 3, "cache_creation_input_tokens": 400,
                                    "cache_read_input_tokens": self.context, "output_tokens": 120}}
        rec["requestId"] = "req_011" + uuid.uuid4().hex[:21]
        rec["uuid"] = str(uuid.uuid4())
        rec["timestamp"] = self.stamp()
        self.emit(rec)
        return rec["uuid"]

    def turn(self, sidechain: bool = False) -> None:
        rng = self.rng
        self.parent = self.user(_text(rng, rng.randint(5, 60)), self.parent, sidechain=sidechain)
        for _step in range(rng.randint(1, 4)):
            msg_id = "msg_01" + uuid.uuid4().hex[:22]
            node = self.parent
            if rng.random() < 0.5:
                node = self.assistant({"type": "thinking", "thinking": _text(rng, rng.randint(20, 200)),
                                       "signature": "Eq" + uuid.uuid4().hex * 6}, node, msg_id, None, sidechain)
            node = self.assistant({"type": "text", "text": _text(rng, rng.randint(5, 80))}, node, msg_id, None, sidechain)
            calls = []
            for _ in range(rng.randint(1, 3)):
                tool_id = "toolu_01" + uuid.uuid4().hex[:22]
                node = self.assistant({"type": "tool_use", "id": tool_id, "name": rng.choice(["Bash", "Read", "Edit", "Grep"]),
                                       "input": {"command": _text(rng, 6)}}, node, msg_id, "tool_use", sidechain)
                calls.append((tool_id, node))
            last = None
            for tool_id, call_record in calls:
                for _ in range(rng.randint(0, 3)):  # hook progress, 2.1.x style
                    rec = self.base("progress", call_record, sidechain)
                    rec.update({"data": {"type": "hook_progress", "hookEvent": "PostToolUse"}, "toolUseID": tool_id,
                                "parentToolUseID": tool_id, "uuid": str(uuid.uuid4()), "timestamp": self.stamp()})
                    self.emit(rec)
                size = rng.choice([40, 200, 1500, 6000, 30000]) if rng.random() > 0.02 else 90_000
                output = (_text(rng, 12) + "\n") * max(1, size // 90)
                # 2.1.x: a result hangs under its own call's record; the next response under the last result
                last = self.user([{"tool_use_id": tool_id, "type": "tool_result", "content": output, "is_error": rng.random() < 0.05}],
                                 call_record,
                                 {"toolUseResult": {"stdout": output[:2000], "stderr": "", "interrupted": False, "isImage": False},
                                  "sourceToolAssistantUUID": call_record}, sidechain)
            self.parent = last
            self.context += rng.randint(500, 6000)
        self.parent = self.assistant({"type": "text", "text": _text(rng, rng.randint(10, 120))}, self.parent,
                                     "msg_01" + uuid.uuid4().hex[:22], "end_turn", sidechain)
        if rng.random() < 0.1:
            self.emit({"type": "file-history-snapshot", "messageId": str(uuid.uuid4()),
                       "snapshot": {"messageId": str(uuid.uuid4()), "trackedFileBackups": {}, "timestamp": self.stamp()},
                       "isSnapshotUpdate": False})
        if rng.random() < 0.1:
            self.emit({"type": "queue-operation", "operation": "enqueue", "timestamp": self.stamp(),
                       "content": _text(rng, 8), "sessionId": self.session})

    def compaction(self) -> None:
        boundary = self.base("system", None)
        boundary.update({"subtype": "compact_boundary", "content": "Conversation compacted", "isMeta": False,
                         "timestamp": self.stamp(), "uuid": str(uuid.uuid4()), "level": "info",
                         "logicalParentUuid": self.parent, "compactMetadata": {"trigger": "auto", "preTokens": self.context}})
        self.emit(boundary)
        self.parent = self.user("This session is being continued from a previous conversation that ran out of context. "
                                + _text(self.rng, 300), boundary["uuid"], {"isCompactSummary": True, "isVisibleInTranscriptOnly": True})
        self.context = 20_000


def write_session(path: Path, size: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    session = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    with open(path, "w", encoding="utf-8") as out:
        w = Writer(out, rng, session)
        while w.bytes < size:
            w.turn()
            if w.context > 150_000:
                w.compaction()
        return w.bytes


def parse_size(text: str) -> int:
    text = text.strip().upper()
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def write_folder(folder: Path, sessions: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    total = 0
    for i in range(sessions):
        project = folder / f"-home-dev-project{i % 20}"
        project.mkdir(parents=True, exist_ok=True)
        size = int(min(2_000_000, rng.lognormvariate(11.5, 1.0)))  # median ~100 KB
        total += write_session(project / f"{uuid.UUID(int=rng.getrandbits(128), version=4)}.jsonl", size, seed + i)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100MB")
    parser.add_argument("--sessions", type=int, default=0, help="write a folder of this many sessions instead")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.sessions:
        total = write_folder(args.out, args.sessions, args.seed)
    else:
        total = write_session(args.out, parse_size(args.size), args.seed)
    print(f"wrote {total / 1024 / 1024:.1f} MB to {args.out}")


if __name__ == "__main__":
    main()
