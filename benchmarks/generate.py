"""Generate large, realistic, CLEAN Claude Code session transcripts, streamed in constant memory.

    python benchmarks/generate.py --size 100MB --out big.jsonl [--seed N] [--style mixed|2.0|2.1]
    python benchmarks/generate.py --sessions 1000 --session-size 100KB --out folder/

Record shapes imitate real files (see ../../shared/docs/transcripts.md, examples/, tests/corpus/):

- one `assistant` record per content block (thinking with a signature, text, 1-3 parallel
  `tool_use`), all sharing `message.id` (`msg_01...`) and `requestId`;
- one `user` record per `tool_result`, with a tool-specific `toolUseResult` (Bash, Read, Edit,
  Write, Grep, Glob, TodoWrite, Task, image Read); outputs from a few bytes to 100 KB;
- 2.0.x segments (`version` 2.0.30): a linear chain, parallel results chained result -> result;
- 2.1.x segments (`version` 2.1.39): a tree, every tool_result's `parentUuid` is the record of its
  own tool_use (+ `sourceToolAssistantUUID`), early results land between the assistant records of
  the same message, many `progress` records (hook, bash, agent) on the chain, Stop-hook
  `system` records, a `file-history-snapshot` before each prompt;
- `queue-operation` records, occasional pasted images (small base64), interrupted tool calls
  answered the way Claude Code answers them, a sidechain run (Task tool: inline records with
  `isSidechain: true` in a single file, `agent-*.jsonl` / `<session>/subagents/` files in a folder);
- a compaction every `--compact-every` bytes (`system`/`compact_boundary`, `parentUuid: null`,
  `logicalParentUuid`, `compactMetadata`, then the `isCompactSummary` user record).

Other shapes (`--style`):

- `long`: one very long 2.0.30 chain, no compaction and no sidechain, many parallel calls (the
  sessions that hit the context window look like this);
- `2.1.328`: what Claude Code 2.1.3xx writes (copied from tests/corpus/claude-code-2.1.328/ and
  examples/clean-2.1.328-parallel-tools.jsonl): `attachment` records on the chain, with
  `renderedRole`/`rendered` (system reminders, a user one sent beside the prompt) or without (session
  context, prompt snapshots); `api-request` / `api-request-blob` / `api-request-shape` request logs,
  `last-prompt`, `cost-state`, `tools-used`, `atis-latch`, `mode` records; parallel tool results
  each under its own call's record, written in any order, the next record under the last one
  written. The request log's message hashes are not the client's (rebuilding its requests is the
  tool's job, not the generator's): they resolve to nothing, so TD107 reads the log and compares
  nothing; the blobs do hold the hash of their own message.

`--size 5GB` (or any size) works with every style, in constant memory; nothing in the tests makes
files that large (benchmarks/run.py --huge measures `check` on 5 GB on demand).

Timestamps only increase, by realistic steps; every uuid is a fresh version-4 uuid (drawn from the
seeded generator, so a seed gives the same file). The file ends at a turn boundary: nothing is
left unanswered, so `transcript-doctor check` must report no error on it.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from pathlib import Path

try:  # the project's venv has orjson; plain json works too (slower)
    import orjson

    def _dumps(obj) -> bytes:
        return orjson.dumps(obj)
except ImportError:  # pragma: no cover
    import json

    def _dumps(obj) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
MODEL_20 = "claude-sonnet-4-5-20250929"
MODEL_21 = "claude-opus-4-6"
V20, V21, V328 = "2.0.30", "2.1.39", "2.1.328"
MODEL_328 = "claude-opus-5-5"
REJECTED = ("The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file "
            "edit, the new_string was NOT written to the file). STOP what you are doing and wait for the user to "
            "tell you how to proceed.")
SUMMARY_HEAD = ("This session is being continued from a previous conversation that ran out of context. The summary "
                "below covers the earlier portion of the conversation.\n\nAnalysis:\n")


def parse_size(text: str) -> int:
    """'100MB', '1GB', '200KB', '1.5M' or a number of bytes."""
    t = text.strip().upper().removesuffix("B")
    for unit, factor in (("G", 1024 ** 3), ("M", 1024 ** 2), ("K", 1024)):
        if t.endswith(unit):
            return int(float(t[:-1]) * factor)
    return int(t)


# --------------------------------------------------------------------------- text material

_IDENT = ("config", "loader", "session", "transcript", "record", "parent", "reader", "writer", "cache", "index", "path",
          "buffer", "token", "result", "handler", "request", "response", "schema", "value", "item", "node", "tree",
          "branch", "leaf", "chain", "message", "stream", "offset", "limit", "timeout", "retry", "client", "server",
          "user", "account", "order", "invoice", "router", "socket", "worker", "queue", "job", "event", "hook")
_WORDS = ("the", "a", "this", "that", "we", "it", "test", "build", "fails", "because", "loader", "reads", "old", "path",
          "so", "update", "and", "rerun", "make", "sure", "cache", "is", "cleared", "before", "next", "step", "then",
          "check", "logs", "for", "errors", "function", "returns", "None", "when", "file", "missing", "instead", "of",
          "raising", "let", "me", "look", "at", "how", "module", "handles", "edge", "case", "now", "passes", "all",
          "green", "I'll", "add", "a", "regression", "fix", "parser", "should", "keep", "unknown", "fields", "intact")
_UNICODE = ("✓", "→", "é", "ü", "—", "…", "•", "✗", "°", "中文", "日本語", "🚀", "📋", "λ", "±")
_EXT = (".py", ".ts", ".ex", ".rs", ".go", ".md", ".json", ".tsx", ".exs", ".toml")


def _ident(rng: random.Random) -> str:
    return "_".join(rng.choice(_IDENT) for _ in range(rng.randint(1, 3)))


def _file(rng: random.Random, cwd: str) -> str:
    return f"{cwd}/{rng.choice(('src', 'lib', 'tests', 'app', 'pkg'))}/{_ident(rng)}{rng.choice(_EXT)}"


def _line(rng: random.Random, cwd: str) -> str:
    k = rng.random()
    ind = " " * rng.choice((0, 2, 4, 4, 8, 8, 12))
    if k < 0.30:
        return f"{ind}def {_ident(rng)}(self, {_ident(rng)}: str, {_ident(rng)}: int = {rng.randint(0, 99)}) -> dict:"
    if k < 0.45:
        return f"{ind}{_ident(rng)} = {{\"{_ident(rng)}\": \"{_ident(rng)}\", \"n\": {rng.randint(0, 9999)}}}  # {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
    if k < 0.55:
        return (f"2026-02-{rng.randint(10, 28)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
                f"{rng.randint(0, 999):03d} [{rng.choice(('info', 'debug', 'warn', 'error'))}] GET /api/{_ident(rng)}/{rng.randint(1, 999)} "
                f"{rng.choice((200, 200, 200, 404, 500))} in {rng.randint(1, 900)}ms")
    if k < 0.65:
        return f"tests/test_{_ident(rng)}.py::test_{_ident(rng)} {rng.choice(('PASSED', 'PASSED', 'PASSED', 'FAILED', 'SKIPPED'))} [{rng.randint(0, 100):3d}%]"
    if k < 0.72:
        return f"{_file(rng, cwd)}:{rng.randint(1, 900)}:{rng.randint(1, 80)}: {rng.choice(_WORDS)} {_ident(rng)} {rng.choice(_UNICODE)}"
    if k < 0.78:
        return f"{ind}raise ValueError(f\"bad {{{_ident(rng)}!r}} in C:\\\\Users\\\\dev\\\\{_ident(rng)}\\t(line {rng.randint(1, 99)})\")"
    if k < 0.83:
        return ""
    if k < 0.90:
        return f"{ind}<div class=\"{_ident(rng)}\" data-id='{rng.randint(1, 999)}'>{' '.join(rng.choices(_WORDS, k=5))} &amp; {rng.choice(_UNICODE)}</div>"
    return ind + " ".join(rng.choices(_WORDS, k=rng.randint(3, 14)))


class Material:
    """A few MB of varied text built once; outputs are slices of it (fast, no repetition per record)."""

    def __init__(self, rng: random.Random, cwd: str, corpus_chars: int = 2_000_000) -> None:
        lines, n = [], 0
        while n < corpus_chars:
            line = _line(rng, cwd)
            lines.append(line)
            n += len(line) + 1
        self.corpus = "\n".join(lines) + "\n"
        self.sentences = []
        for _ in range(600):
            words = rng.choices(_WORDS, k=rng.randint(5, 22))
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), f"`{_ident(rng)}`")
            if rng.random() < 0.05:
                words.append(rng.choice(_UNICODE))
            self.sentences.append(" ".join(words).capitalize() + rng.choice((".", ".", ".", ":", "?")))
        self.files = [_file(rng, cwd) for _ in range(300)]

    def chunk(self, rng: random.Random, n: int) -> str:
        """About n characters of whole lines."""
        corpus = self.corpus
        n = max(1, min(n, len(corpus) // 2))
        start = corpus.find("\n", rng.randrange(len(corpus) - n - 1)) + 1
        end = corpus.rfind("\n", start, start + n)
        return corpus[start:end if end > start else start + n]

    def prose(self, rng: random.Random, n_sentences: int) -> str:
        parts = rng.choices(self.sentences, k=max(1, n_sentences))
        if n_sentences > 6 and rng.random() < 0.5:  # markdown-ish answers
            out, i = [], 0
            while i < len(parts):
                k = rng.randint(1, 4)
                out.append(("- " if rng.random() < 0.4 else "") + " ".join(parts[i:i + k]))
                i += k
            return ("## " + _WORDS[rng.randrange(len(_WORDS))].capitalize() + "\n\n" if rng.random() < 0.3 else "") + "\n\n".join(out)
        return " ".join(parts)


def _output_size(rng: random.Random) -> int:
    k = rng.random()
    if k < 0.55:
        return rng.randint(40, 1_500)
    if k < 0.85:
        return rng.randint(1_500, 8_000)
    if k < 0.96:
        return rng.randint(8_000, 20_000)
    return rng.randint(20_000, 100_000)


# --------------------------------------------------------------------------- the writer


class Session:
    """Writes one session's records to `out`, keeping only the current turn's state in memory."""

    def __init__(self, out, rng: random.Random, material: Material, *, session_id: str, start_ms: int, cwd: str,
                 style: str = "mixed", target: int = 0, compact_every: int = 3 * 1024 * 1024,
                 agents_dir: Path | None = None, flat_agents: bool = False) -> None:
        self.out, self.rng, self.m = out, rng, material
        self.session_id, self.cwd = session_id, cwd
        self.now = start_ms
        self.style = style
        self.target = target
        self.compact_every = compact_every
        self.agents_dir, self.flat_agents = agents_dir, flat_agents
        self.version = {"2.1": V21, "2.1.328": V328}.get(style, V20)
        self.requests = 0  # api-request records written (2.1.328)
        self.logged = 0  # messages the last api-request logged (2.1.328)
        self.slug = "-".join(rng.choice(("dazzling", "modular", "quiet", "brave", "lucky", "petting", "imagining",
                                         "thompson", "barto", "river", "falcon", "maple")) for _ in range(3))
        self.bytes = 0
        self.tip: str | None = None          # last record on the chain: the parent of the next one
        self.sidechain = False
        self.agent_id: str | None = None
        self.since_compact = 0
        self.sidechains = 0
        self.compactions = 0
        self.todos: list[dict] = []
        # a single big file always gets one sidechain run; the long chain and 2.1.328 files have none
        self.ensure_sidechain = agents_dir is None and style not in ("long", "2.1.328")
        if style == "long":
            self.compact_every = 1 << 62  # never: one chain from the first prompt to the last answer

    # ---- ids and clock
    def uuid(self) -> str:
        h = "%032x" % ((self.rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60))
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def b58(self, n: int) -> str:
        return "".join(self.rng.choices(B58, k=n))

    def tick(self, lo_ms: float, hi_ms: float) -> str:
        self.now += max(1, int(self.rng.uniform(lo_ms, hi_ms)))
        secs, ms = divmod(self.now, 1000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{ms:03d}Z"

    @property
    def is21(self) -> bool:
        return self.version.startswith("2.1")

    @property
    def is328(self) -> bool:
        return self.version == V328

    # ---- output
    def emit(self, rec: dict) -> None:
        data = _dumps(rec) + b"\n"
        self.out.write(data)
        if not self.sidechain or self.agents_dir is None:
            self.bytes += len(data)
            self.since_compact += len(data)

    def base(self, kind: str, parent: str | None) -> dict:
        rec = {"parentUuid": parent, "isSidechain": self.sidechain, "userType": "external", "cwd": self.cwd,
               "sessionId": self.session_id, "version": self.version, "gitBranch": "main"}
        if self.agent_id:
            rec["agentId"] = self.agent_id
        if self.is21:
            rec["slug"] = self.slug
        if self.is328:
            rec["entrypoint"] = "cli"
        rec["type"] = kind
        return rec

    def chain(self, rec: dict, ts: str) -> str:
        rec["uuid"] = u = self.uuid()
        rec["timestamp"] = ts
        self.emit(rec)
        self.tip = u
        return u

    # ---- records
    def context_tokens(self) -> int:
        return min(185_000, 18_000 + int(self.since_compact * 150_000 / self.compact_every))

    def usage(self, out_tokens: int) -> dict:
        u = {"input_tokens": self.rng.randint(1, 12), "cache_creation_input_tokens": self.rng.randint(100, 9000),
             "cache_read_input_tokens": self.context_tokens(), "output_tokens": out_tokens}
        if self.is21:
            u["cache_creation"] = {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": u["cache_creation_input_tokens"]}
            u["service_tier"] = "standard"
        return u

    def assistant(self, block: dict, msg_id: str, req_id: str, stop, gap: tuple[float, float]) -> str:
        rec = self.base("assistant", self.tip)
        model = MODEL_328 if self.is328 else MODEL_21 if self.is21 else MODEL_20
        rec["message"] = {"model": model, "id": msg_id, "type": "message",
                          "role": "assistant", "content": [block], "stop_reason": stop, "stop_sequence": None,
                          "usage": self.usage(self.rng.randint(1, 900))}
        if self.is328:  # 2.1.3xx names the logged request instead of the API's request id
            rec.update({"apiBlockIndex": self.block_index, "requestRef": req_id, "requestedModel": model,
                        "promptCacheRequested": "5m", "effort": "medium", "madeBy": "model"})
            self.block_index += 1
        else:
            rec["requestId"] = req_id
        return self.chain(rec, self.tick(*gap))

    def user(self, content, extra: dict | None = None, parent: str | None | bool = False, gap=(1_000, 8_000)) -> str:
        rec = self.base("user", self.tip if parent is False else parent)
        rec["message"] = {"role": "user", "content": content}
        ts = self.tick(*gap)
        rec["uuid"] = u = self.uuid()
        rec["timestamp"] = ts
        if extra:
            rec.update(extra)
        self.emit(rec)
        self.tip = u
        return u

    def progress(self, data: dict, tool_use_id: str, parent_tool_use_id: str) -> str:
        rec = self.base("progress", self.tip)
        rec["data"] = data
        rec["toolUseID"] = tool_use_id
        rec["parentToolUseID"] = parent_tool_use_id
        return self.chain(rec, self.tick(1, 40))

    def hooks(self, event: str, tool: str, tool_use_id: str, n: int) -> None:
        cmds = ("${CLAUDE_PLUGIN_ROOT}/scripts/tool-call-capture.sh", "callback",
                "cd ${CLAUDE_PLUGIN_ROOT}/hooks && bun run ./guardian.ts", "/home/dev/.claude/hooks/notify.sh mark")
        for i in range(n):
            self.progress({"type": "hook_progress", "hookEvent": event, "hookName": f"{event}:{tool}" if tool else event,
                           "command": cmds[i % len(cmds)]}, tool_use_id, tool_use_id)

    def image_block(self) -> tuple[dict, str]:
        raw = b"\x89PNG\r\n\x1a\n" + self.rng.randbytes(self.rng.randint(1_500, 30_000))
        data = base64.b64encode(raw).decode()
        return {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}, data

    # ---- tools: (name, input, result content, toolUseResult, is_error, run time ms)
    def tool_call(self) -> tuple[str, dict]:
        rng, m = self.rng, self.m
        k = rng.random()
        if k < 0.34:
            return "Bash", {"command": rng.choice(("pytest -q ", "npm test -- ", "mix test ", "cargo build ", "git diff ", "rg -n "))
                            + _ident(rng), "description": m.prose(rng, 1)[:60]}
        if k < 0.58:
            return "Read", {"file_path": rng.choice(m.files)}
        if k < 0.70:
            return "Edit", {"file_path": rng.choice(m.files), "old_string": m.chunk(rng, rng.randint(40, 600)),
                            "new_string": m.chunk(rng, rng.randint(40, 900)), "replace_all": False}
        if k < 0.76:
            return "Write", {"file_path": rng.choice(m.files), "content": m.chunk(rng, _output_size(rng))}
        if k < 0.86:
            return "Grep", {"pattern": _ident(rng), "path": self.cwd, "output_mode": rng.choice(("files_with_matches", "content"))}
        if k < 0.93:
            return "Glob", {"pattern": f"**/*{rng.choice(_EXT)}"}
        if k < 0.985:
            return "TodoWrite", {"todos": [{"content": m.prose(rng, 1)[:70], "status": rng.choice(("pending", "in_progress", "completed")),
                                            "activeForm": m.prose(rng, 1)[:50]} for _ in range(rng.randint(2, 7))]}
        return "ReadImage", {"file_path": f"{self.cwd}/docs/screenshot-{rng.randint(1, 99)}.png"}

    def tool_result(self, name: str, inp: dict) -> tuple[object, object, bool, int]:
        rng, m = self.rng, self.m
        if name == "Bash":
            out = m.chunk(rng, _output_size(rng))
            if rng.random() < 0.06:
                return f"Exit code 1\n{out}", f"Error: Exit code 1\n{out[:2000]}", True, rng.randint(200, 30_000)
            return out, {"stdout": out, "stderr": "", "interrupted": False, "isImage": False, "noOutputExpected": False}, False, rng.randint(50, 40_000)
        if name == "Read":
            body = m.chunk(rng, _output_size(rng))
            lines = body.split("\n")
            numbered = "\n".join(f"{i:6d}→{t}" for i, t in enumerate(lines, 1))
            return numbered, {"type": "text", "file": {"filePath": inp["file_path"], "content": body, "numLines": len(lines),
                                                       "startLine": 1, "totalLines": len(lines)}}, False, rng.randint(5, 200)
        if name == "ReadImage":
            block, data = self.image_block()
            return [block], {"type": "image", "file": {"base64": data, "type": "image/png", "originalSize": len(data) * 3 // 4}}, False, rng.randint(5, 200)
        if name == "Edit":
            original = m.chunk(rng, _output_size(rng))
            snippet = "\n".join(f"{i:6d}→{t}" for i, t in enumerate(m.chunk(rng, 600).split("\n"), rng.randint(1, 300)))
            text = f"The file {inp['file_path']} has been updated. Here's the result of running `cat -n` on a snippet of the edited file:\n{snippet}"
            return text, {"filePath": inp["file_path"], "oldString": inp["old_string"], "newString": inp["new_string"],
                           "originalFile": original, "structuredPatch": [{"oldStart": 14, "oldLines": 7, "newStart": 14, "newLines": 9,
                                                                          "lines": inp["new_string"].split("\n")[:12]}],
                           "userModified": False, "replaceAll": False}, False, rng.randint(5, 300)
        if name == "Write":
            return (f"File created successfully at: {inp['file_path']}",
                    {"type": "create", "filePath": inp["file_path"], "content": inp["content"], "structuredPatch": [], "originalFile": None},
                    False, rng.randint(5, 300))
        if name in ("Grep", "Glob"):
            files = rng.sample(m.files, rng.randint(0, 40))
            if name == "Grep" and inp["output_mode"] == "content":
                body = m.chunk(rng, _output_size(rng)) if files else ""
                return body or "No matches found", {"mode": "content", "numFiles": len(files), "filenames": [], "content": body,
                                                    "numLines": body.count("\n")}, False, rng.randint(20, 2_000)
            text = (f"Found {len(files)} files\n" + "\n".join(files)) if files else "No files found"
            tur = ({"mode": "files_with_matches", "filenames": files, "numFiles": len(files)} if name == "Grep" else
                   {"filenames": files, "durationMs": rng.randint(5, 900), "numFiles": len(files), "truncated": False})
            return text, tur, False, rng.randint(20, 2_000)
        # TodoWrite
        old, self.todos = self.todos, inp["todos"]
        return ("Todos have been modified successfully. Ensure that you continue to use the todo list to track your "
                "progress. Please proceed with the current tasks if applicable"), {"oldTodos": old, "newTodos": inp["todos"]}, False, rng.randint(2, 30)

    # ---- one model response and its tool calls
    def response(self, n_calls: int, final: bool) -> list[str]:
        """Emit one assistant message (one record per block); return the tool calls' ids after running them."""
        rng = self.rng
        msg_id, req_id = "msg_01" + self.b58(22), "req_011C" + self.b58(20)
        if self.is328:
            req_id = self.log_request()
        gap = (1_200, 9_000)
        blocks: list[dict] = []
        if self.is21 and rng.random() < 0.05:
            blocks.append({"type": "text", "text": "\n\n"})
        if rng.random() < 0.6:
            sig = base64.b64encode(rng.randbytes(rng.randint(200, 900))).decode()
            blocks.append({"type": "thinking", "thinking": self.m.prose(rng, rng.randint(2, 30)), "signature": sig})
        if final or rng.random() < 0.7:
            blocks.append({"type": "text", "text": self.m.prose(rng, rng.randint(1, 40 if final else 6))})
        for i, block in enumerate(blocks):
            stop = None if self.is21 or n_calls or i < len(blocks) - 1 else "end_turn"
            self.assistant(block, msg_id, req_id, stop, gap)
            gap = (30, 1_500)
        if not n_calls:
            return []
        calls = []
        for _ in range(n_calls):
            tool_id = "toolu_01" + self.b58(22)
            name, inp = self.tool_call()
            calls.append((tool_id, name, inp))
        if n_calls == 1 and not self.sidechain and rng.random() < 0.004:
            return self.rejected(calls[0], msg_id, req_id, gap)
        if self.is328:  # every call, then the results in the order the tools finished, each under its call
            records = []
            for tool_id, name, inp in calls:
                records.append(self.assistant({"type": "tool_use", "id": tool_id, "name": _api_name(name), "input": inp,
                                               "caller": {"type": "direct"}}, msg_id, req_id, None, gap))
                gap = (30, 1_200)
            self.housekeeping(after_response=False)
            order = list(range(n_calls))
            rng.shuffle(order)
            for k in order:
                tool_id, name, inp = calls[k]
                content, tur, err, run_ms = self.tool_result(name, inp)
                self.user([{"tool_use_id": tool_id, "type": "tool_result", "content": content, "is_error": err}],
                          {"toolUseResult": tur, "sourceToolAssistantUUID": records[k]}, parent=records[k],
                          gap=(max(1, run_ms * 0.5), max(2, run_ms)))
            if rng.random() < 0.5:
                self.attachment({"type": "prompt_snapshot", "systemPrompt": [self.system_prompt]})
            return [c[0] for c in calls]
        if not self.is21:  # 2.0.x: every tool_use, then every result, one linear chain
            for tool_id, name, inp in calls:
                self.assistant({"type": "tool_use", "id": tool_id, "name": _api_name(name), "input": inp}, msg_id, req_id, "tool_use", gap)
                gap = (30, 1_200)
            for tool_id, name, inp in calls:
                content, tur, err, run_ms = self.tool_result(name, inp)
                self.user([{"tool_use_id": tool_id, "type": "tool_result", "content": content, "is_error": err}],
                          {"toolUseResult": tur}, gap=(run_ms * 0.5, run_ms))
            return [c[0] for c in calls]
        # 2.1.x: a tree. Each result hangs under its own call's record; results of early calls can land
        # between the assistant records of the same message; progress records carry the chain along.
        pending: list[tuple[str, str, dict, str]] = []
        for i, (tool_id, name, inp) in enumerate(calls):
            rec_uuid = self.assistant({"type": "tool_use", "id": tool_id, "name": _api_name(name), "input": inp,
                                       "caller": {"type": "direct"}}, msg_id, req_id, None, gap)
            gap = (30, 1_200)
            self.hooks("PreToolUse", _api_name(name), tool_id, rng.choice((0, 1, 2, 3, 3)))
            pending.append((tool_id, name, inp, rec_uuid))
            if i < n_calls - 1 and rng.random() < 0.4:
                self.finish(*pending.pop(0))
        for item in pending:
            self.finish(*item)
        return [c[0] for c in calls]

    def finish(self, tool_id: str, name: str, inp: dict, call_record: str) -> None:
        rng = self.rng
        content, tur, err, run_ms = self.tool_result(name, inp)
        if name == "Bash" and run_ms > 3_000 and isinstance(content, str):
            full = ""
            for j in range(rng.randint(1, 5)):
                full = content[: len(content) * (j + 1) // 6]
                self.progress({"type": "bash_progress", "output": full[-400:], "fullOutput": full,
                               "elapsedTimeSeconds": 1 + j * 2, "totalLines": full.count("\n"), "timeoutMs": 120_000},
                              f"bash-progress-{j}", tool_id)
        self.hooks("PostToolUse", _api_name(name), tool_id, rng.choice((0, 1, 2, 2, 3)))
        self.user([{"tool_use_id": tool_id, "type": "tool_result", "content": content, "is_error": err}],
                  {"toolUseResult": tur, "sourceToolAssistantUUID": call_record}, parent=call_record,
                  gap=(max(1, run_ms * 0.2), max(2, run_ms * 0.4)))

    def rejected(self, call, msg_id, req_id, gap) -> list[str]:
        """An interrupted call, answered as Claude Code answers it: an is_error result, then the interrupt text."""
        tool_id, name, inp = call
        extra = {"caller": {"type": "direct"}} if self.is21 else {}
        rec = self.assistant({"type": "tool_use", "id": tool_id, "name": _api_name(name), "input": inp, **extra},
                             msg_id, req_id, None if self.is21 else "tool_use", gap)
        result_extra = {"toolUseResult": "User rejected tool use"}
        if self.is21:
            result_extra["sourceToolAssistantUUID"] = rec
        self.user([{"type": "tool_result", "content": REJECTED, "is_error": True, "tool_use_id": tool_id}], result_extra,
                  gap=(2_000, 20_000))
        self.user([{"type": "text", "text": "[Request interrupted by user for tool use]"}], gap=(1, 5))
        return ["interrupted"]

    # ---- 2.1.3xx: attachments and the request log
    block_index = 0
    system_prompt = ("You are an agent working with the user toward their goals, using your own judgment along the way.\n\n"
                     "# Harness\n - Text you output outside of tool use is displayed to the user as Github-flavored markdown"
                     " in a terminal.\n") * 12

    def attachment(self, attachment: dict, role: str | None = None, texts: list[str] | None = None,
                   beside_result: bool = False) -> str:
        rec = self.base("attachment", self.tip)
        rec["attachment"] = attachment
        if role:
            rec["rendered"] = [{"content": t} for t in texts or ()]
            rec["renderedRole"] = role
            if beside_result:
                rec["renderedBesideToolResult"] = True
        return self.chain(rec, self.tick(1, 3))

    def reminder(self, kind: str) -> dict:
        rng = self.rng
        if kind == "environment":
            return {"type": kind, "snapshot": {"workingDirectory": self.cwd, "isWorktree": False, "isGitRepo": True,
                                               "platform": "linux", "shell": "bash", "osVersion": "Linux 6.18"}}
        if kind == "model":
            return {"type": kind, "identity": {"modelId": MODEL_328, "marketingName": "Opus 5.5"},
                    "text": f"You are powered by the model named Opus 5.5. The exact model ID is {MODEL_328}."}
        if kind == "date":
            return {"type": kind, "date": time.strftime("%Y-%m-%d", time.gmtime(self.now / 1000))}
        names = sorted(rng.sample(("CronCreate", "CronDelete", "EnterWorktree", "Monitor", "NotebookEdit", "WebFetch",
                                   "WebSearch", "SendMessage", "TaskStop"), 6))
        return {"type": "deferred_tools_delta", "addedNames": names, "addedLines": names, "removedNames": []}

    def reminder_texts(self, attachment: dict) -> list[str]:
        kind = attachment["type"]
        if kind == "environment":
            body = f"# Environment\n - Primary working directory: {self.cwd}\n - Platform: linux\n - Shell: bash"
        elif kind == "model":
            body = attachment["text"]
        elif kind == "date":
            body = f"Today's date is {attachment['date']}."
        else:
            body = "The following deferred tools are now available via ToolSearch:\n" + "\n".join(attachment["addedNames"])
        return [f"<system-reminder>\n{body}\n</system-reminder>"]

    def prompt_attachments(self, first: bool) -> None:
        """What 2.1.3xx writes after a prompt: system reminders (the first prompt, or a new day), a
        user reminder sent beside the prompt, the session context and a snapshot of the system prompt."""
        rng = self.rng
        kinds = ("environment", "model", "deferred_tools_delta", "date") if first else \
            (("date",) if rng.random() < 0.05 else ())
        for kind in kinds:
            a = self.reminder(kind)
            self.attachment(a, "system", self.reminder_texts(a))
        if first:
            self.emit({"type": "atis-latch", "atis": "", "sessionId": self.session_id})
            self.attachment({"type": "session_context", "context": {}})
        if first or rng.random() < 0.1:
            text = ("<system-reminder>\nAttribution for git commits you create from here on:\n"
                    "Co-Authored-By: Claude Opus 5.5 <noreply@anthropic.com>\n</system-reminder>")
            self.attachment({"type": "remote_session_change", "url": None, "commit": "Co-Authored-By: Claude"},
                            "user", [text], beside_result=True)
        if first or rng.random() < 0.3:
            self.attachment({"type": "prompt_snapshot", "systemPrompt": [self.system_prompt]})

    def log_request(self) -> str:
        """An `api-request` record before each response (and, first, the request's shape and blobs)."""
        rng = self.rng
        req_id = self.uuid()
        if self.requests == 0:
            self.emit({"type": "api-request-shape", "sessionId": self.session_id, "shapeHash": self.hex64(),
                       "timestamp": self.tick(1, 20), "version": self.version,
                       "shape": {"system": [{"type": "text", "text": self.system_prompt}], "tools": []}})
            for role, text in (("user", "<system-reminder>\nAttribution for git commits\n</system-reminder>\n"),
                               ("system", "Today's date is " + time.strftime("%Y-%m-%d", time.gmtime(self.now / 1000)))):
                message = {"role": role, "content": [{"type": "text", "text": text}]}
                self.emit({"type": "api-request-blob", "sessionId": self.session_id, "hash": _message_hash(message),
                           "message": message})
        new = rng.randint(1, 4)
        self.emit({"type": "api-request", "sessionId": self.session_id, "id": req_id, "timestamp": self.tick(1, 20),
                   "version": self.version, "querySource": "repl_main_thread", "shapeHash": self.hex64(),
                   "params": {"model": MODEL_328, "max_tokens": 128000, "thinking": {"type": "adaptive"}},
                   "keep": self.logged, "tail": [self.hex64() for _ in range(new)],
                   "requestDigest": self.hex64()})
        self.logged += new
        self.requests += 1
        self.block_index = 0
        return req_id

    def hex64(self) -> str:
        return "%064x" % self.rng.getrandbits(256)

    def housekeeping(self, after_response: bool) -> None:
        rng = self.rng
        self.emit({"type": "last-prompt", "lastPrompt": "...", "leafUuid": self.tip, "sessionId": self.session_id})
        if rng.random() < 0.3:
            self.emit({"type": "atis-latch", "atis": "", "sessionId": self.session_id})
        if after_response:
            self.emit({"type": "cost-state", "sessionId": self.session_id, "totalCostUSD": round(rng.random() * 30, 4),
                       "totalAPIDuration": rng.randint(1_000, 9_000_000), "totalLinesAdded": rng.randint(0, 9_000),
                       "modelUsage": {MODEL_328: {"inputTokens": rng.randint(10, 10**7), "outputTokens": rng.randint(10, 10**6)}}})
            self.emit({"type": "tools-used", "tools": ["Bash", "Read"], "sessionId": self.session_id})
            if rng.random() < 0.1:
                self.emit({"type": "mode", "mode": "normal", "sessionId": self.session_id})

    # ---- a sidechain run (Task tool)
    def task(self) -> None:
        rng = self.rng
        msg_id, req_id = "msg_01" + self.b58(22), "req_011C" + self.b58(20)
        tool_id = "toolu_01" + self.b58(22)
        prompt = "Explore the codebase and report: " + self.m.prose(rng, rng.randint(3, 12))
        inp = {"description": "Explore " + _ident(rng), "prompt": prompt, "subagent_type": "Explore"}
        self.assistant({"type": "text", "text": self.m.prose(rng, 2)}, msg_id, req_id, None, (1_500, 6_000))
        call = self.assistant({"type": "tool_use", "id": tool_id, "name": "Task", "input": inp,
                               **({"caller": {"type": "direct"}} if self.is21 else {})},
                              msg_id, req_id, None if self.is21 else "tool_use", (30, 800))
        agent_id = "a" + "%06x" % rng.getrandbits(24)
        saved = (self.out, self.tip, self.sidechain, self.agent_id)
        agent_file = None
        if self.agents_dir is not None:
            folder = self.agents_dir if self.flat_agents else self.agents_dir / self.session_id / "subagents"
            folder.mkdir(parents=True, exist_ok=True)
            agent_file = open(folder / f"agent-{agent_id}.jsonl", "wb")
            self.out = agent_file
        self.tip, self.sidechain, self.agent_id = None, True, agent_id
        try:
            self.user(prompt, gap=(5, 50))
            steps = rng.randint(2, 6)
            for s in range(steps):
                self.response(rng.randint(1, 3) if s < steps - 1 else 0, final=s == steps - 1)
            answer = self.m.prose(rng, rng.randint(8, 40))
        finally:
            if agent_file:
                agent_file.close()
            self.out, self.tip, self.sidechain, self.agent_id = saved
        if self.is21:
            self.progress({"message": {"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": prompt}]},
                                       "uuid": self.uuid(), "timestamp": self.tick(1, 5)},
                           "normalizedMessages": [], "type": "agent_progress", "prompt": prompt, "agentId": agent_id},
                          "agent_msg_01" + self.b58(22), tool_id)
        content = [{"type": "text", "text": answer},
                   {"type": "text", "text": f"agentId: {agent_id} (for resuming to continue this agent's work if needed)"}]
        tur = {"status": "completed", "prompt": prompt, "agentId": agent_id, "content": content[:1],
               "totalDurationMs": rng.randint(5_000, 90_000), "totalTokens": rng.randint(5_000, 60_000),
               "totalToolUseCount": rng.randint(1, 12)}
        extra = {"toolUseResult": tur}
        if self.is21:
            extra["sourceToolAssistantUUID"] = call
        self.user([{"tool_use_id": tool_id, "type": "tool_result", "content": content}], extra,
                  parent=call if self.is21 else False, gap=(1_000, 5_000))
        self.sidechains += 1

    # ---- compaction
    def compaction(self) -> None:
        rng = self.rng
        rec = {"parentUuid": None, "logicalParentUuid": self.tip}
        rec.update({k: v for k, v in self.base("system", None).items() if k != "parentUuid"})
        rec.update({"subtype": "compact_boundary", "content": "Conversation compacted", "isMeta": False})
        ts = self.tick(30_000, 90_000)
        rec["timestamp"] = ts
        rec["uuid"] = self.uuid()
        rec["level"] = "info"
        rec["compactMetadata"] = {"trigger": "auto", "preTokens": self.context_tokens()}
        self.emit(rec)
        self.tip = rec["uuid"]
        self.since_compact = 0
        summary = SUMMARY_HEAD + "\n\n".join(self.m.prose(rng, rng.randint(3, 10)) for _ in range(rng.randint(6, 25)))
        self.user(summary, {"isVisibleInTranscriptOnly": True, "isCompactSummary": True}, gap=(1, 2))
        if self.is328:
            for kind in ("deferred_tools_delta", "environment", "model"):
                self.attachment(self.reminder(kind), "system")
        elif self.is21:
            hook_id = self.uuid()
            self.hooks("SessionStart", "compact", hook_id, rng.randint(1, 3))
        self.compactions += 1

    # ---- one turn: a prompt, a few responses with tool calls, a final answer
    def turn(self) -> None:
        rng = self.rng
        if self.style == "mixed" and not self.is21 and self.bytes >= 0.3 * self.target:
            self.version = V21  # the user upgraded Claude Code and resumed: the rest is 2.1.x
        prompt_uuid = None
        if rng.random() < (0.25 if self.is21 else 0.6):
            text = self.m.prose(rng, rng.randint(1, 4))
            self.emit({"type": "queue-operation", "operation": "enqueue", "timestamp": self.tick(2_000, 120_000),
                       "content": text, "sessionId": self.session_id})
            self.emit({"type": "queue-operation", "operation": rng.choice(("dequeue", "remove")) if self.is21 else "dequeue",
                       "timestamp": self.tick(1, 400), "sessionId": self.session_id})
        if self.is328:
            self.emit({"type": "queue-operation", "operation": "enqueue", "timestamp": self.tick(2_000, 120_000),
                       "sessionId": self.session_id, "content": "..."})
            self.emit({"type": "queue-operation", "operation": "dequeue", "timestamp": self.tick(1, 400),
                       "sessionId": self.session_id})
        elif self.is21:
            prompt_uuid = self.uuid()
            self.emit({"type": "file-history-snapshot", "messageId": prompt_uuid,
                       "snapshot": {"messageId": prompt_uuid, "trackedFileBackups": self.backups(),
                                    "timestamp": self.tick(1_000, 60_000)}, "isSnapshotUpdate": False})
        text = self.m.prose(rng, rng.randint(1, 12))
        content: object = text
        if rng.random() < 0.01:
            block, _ = self.image_block()
            content = [block, {"type": "text", "text": text}]
        rec = self.base("user", self.tip)
        rec["message"] = {"role": "user", "content": content}
        rec["uuid"] = prompt_uuid or self.uuid()
        rec["timestamp"] = self.tick(3_000, 240_000)
        if self.is328:
            rec.update({"promptId": self.uuid(), "permissionMode": "default", "promptSource": "cli", "turnOrigin": "cli"})
        elif self.is21:
            rec.update({"thinkingMetadata": {"maxThinkingTokens": 31999}, "todos": [], "permissionMode": "default"})
        self.emit(rec)
        self.tip = rec["uuid"]
        if self.is328:
            self.prompt_attachments(first=self.requests == 0)
        steps = rng.randint(1, 6)
        for s in range(steps):
            if self.since_compact >= self.compact_every and s > 0 and not self.is328:
                self.compaction()  # auto-compaction, mid-turn, after complete tool results
            last = s == steps - 1
            if not last and not self.sidechain and rng.random() < self.task_chance():
                self.task()
                continue
            calls = (1, 2, 2, 3, 3, 4) if self.style == "long" else (1, 1, 1, 2, 2, 3)
            ids = self.response(0 if last else rng.choice(calls), final=last)
            if self.is328 and last:
                self.housekeeping(after_response=True)
            if ids == ["interrupted"]:
                break
        if self.is21 and not self.is328:
            stop_id = self.uuid()
            self.hooks("Stop", "", stop_id, rng.randint(0, 3))
            if rng.random() < 0.7:
                rec = self.base("system", self.tip)
                rec.update({"subtype": "stop_hook_summary", "hookCount": 2, "hookInfos": [{"command": "callback"}, {"command": "notify.sh mark"}],
                            "hookErrors": [], "preventedContinuation": False, "stopReason": "", "hasOutput": True, "level": "suggestion",
                            "timestamp": self.tick(20, 300), "uuid": self.uuid(), "toolUseID": stop_id})
                self.emit(rec)
                self.tip = rec["uuid"]
            if rng.random() < 0.3:
                rec = self.base("system", self.tip)
                rec.update({"subtype": "turn_duration", "durationMs": rng.randint(5_000, 900_000), "timestamp": self.tick(5, 100),
                            "uuid": self.uuid(), "isMeta": False})
                self.emit(rec)
                self.tip = rec["uuid"]

    def backups(self) -> dict:
        rng = self.rng
        return {f: {"backupFileName": f"{self.uuid()[:16]}@v{rng.randint(1, 9)}", "version": rng.randint(1, 9),
                    "backupTime": "2026-02-11T20:31:53.375Z"} for f in rng.sample(self.m.files, rng.randint(0, 4))}

    def task_chance(self) -> float:
        if self.style in ("long", "2.1.328"):
            return 0.0
        if self.ensure_sidechain and self.sidechains == 0 and self.bytes >= 0.4 * self.target:
            return 1.0  # make sure every file has at least one sidechain run
        return 0.004

    def run(self, size: int) -> int:
        self.target = size
        if self.is21 and not self.is328:
            hook = self.uuid()
            self.hooks("SessionStart", "startup", hook, self.rng.randint(1, 3))
        turns, mean_turn = 0, 40_000.0
        # stop at the turn boundary nearest to `size`: after a turn when half an average turn would overshoot
        while turns == 0 or self.bytes + mean_turn / 2 < size:
            before = self.bytes
            if self.is328 and turns and self.since_compact >= self.compact_every:
                self.compaction()  # 2.1.328: between turns
            self.turn()
            turns += 1
            mean_turn += (self.bytes - before - mean_turn) / min(turns, 50)
        return self.bytes


def _message_hash(message: dict) -> str:
    """The hash 2.1.3xx logs for a message: sha256 of its JSON, keys sorted, compact."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def _api_name(name: str) -> str:
    return "Read" if name == "ReadImage" else name


def _uuid_from(rng: random.Random) -> str:
    h = "%032x" % ((rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60))
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


START_MS = 1_770_800_000_000  # 2026-02-11


def write_session(path: Path, size: int, seed: int = 1, style: str = "mixed", compact_every: int = 3 * 1024 * 1024,
                  material: Material | None = None, agents_dir: Path | None = None, flat_agents: bool = False) -> dict:
    """Write one session of about `size` bytes (it ends at a turn boundary, so slightly more)."""
    rng = random.Random(seed)
    cwd = "/home/dev/app"
    material = material or Material(random.Random(seed ^ 0x5EED), cwd)
    session_id = _uuid_from(rng)
    with open(path, "wb", buffering=1 << 20) as out:
        s = Session(out, rng, material, session_id=session_id, start_ms=START_MS + rng.randrange(86_400_000 * 30), cwd=cwd,
                    style=style, compact_every=compact_every, agents_dir=agents_dir, flat_agents=flat_agents)
        s.run(size)
    return {"path": str(path), "bytes": s.bytes, "compactions": s.compactions, "sidechains": s.sidechains,
            "session_id": session_id, "version": s.version}


def write_folder(folder: Path, sessions: int, seed: int = 1, median: int = 100 * 1024) -> dict:
    """`sessions` session files of varied size (log-normal, median `median`) in ~/.claude/projects layout.

    About 35% are 2.0.x (linear), the rest 2.1.x (tree); a sub-agent run goes to its own file
    (`agent-<id>.jsonl` beside the session for 2.0.x, `<session>/subagents/agent-<id>.jsonl` for 2.1.x)."""
    import math

    rng = random.Random(seed)
    material = Material(random.Random(seed ^ 0x5EED), "/home/dev/app")
    total, files = 0, 0
    for i in range(sessions):
        project = folder / f"-home-dev-project{i % 25}"
        project.mkdir(parents=True, exist_ok=True)
        # a session ends at a turn boundary (turns weigh tens of KB), so sizes overshoot their draw:
        # drawing around half the median gives files whose median is near `median` (measured)
        size = int(min(4 * 1024 * 1024, max(3_000, rng.lognormvariate(math.log(median * 0.5), 1.0))))
        style = "2.0" if rng.random() < 0.35 else "2.1"
        name = _uuid_from(rng)
        info = write_session(project / f"{name}.jsonl", size, seed * 100_003 + i, style=style, material=material,
                             agents_dir=project, flat_agents=style == "2.0")
        total += info["bytes"]
        files += 1
    agent_bytes = sum(p.stat().st_size for p in folder.rglob("agent-*.jsonl"))
    return {"sessions": files, "bytes": total + agent_bytes, "agent_files": sum(1 for _ in folder.rglob("agent-*.jsonl"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100MB", help="size of the single file (default 100MB)")
    parser.add_argument("--out", required=True, type=Path, help="the .jsonl to write, or the folder with --sessions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--style", choices=("mixed", "2.0", "2.1", "long", "2.1.328"), default="mixed",
                        help="mixed: 2.0.30 linear chains for the first 30%%, then 2.1.39 trees; long: one 2.0.30 chain, "
                             "no compaction, many parallel calls; 2.1.328: attachments and request logs")
    parser.add_argument("--compact-every", default="3MB", help="a compaction every this many bytes (default 3MB)")
    parser.add_argument("--sessions", type=int, default=0, help="write a folder of this many sessions instead")
    parser.add_argument("--session-size", default="100KB", help="median session size with --sessions")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.sessions:
        info = write_folder(args.out, args.sessions, args.seed, parse_size(args.session_size))
        print(f"wrote {info['sessions']} sessions + {info['agent_files']} sub-agent files, "
              f"{info['bytes'] / 1024 / 1024:.1f} MB, to {args.out} in {time.perf_counter() - start:.1f} s")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        info = write_session(args.out, parse_size(args.size), args.seed, args.style, parse_size(args.compact_every))
        print(f"wrote {info['bytes'] / 1024 / 1024:.1f} MB to {args.out} in {time.perf_counter() - start:.1f} s "
              f"({info['compactions']} compactions, {info['sidechains']} sidechain runs)", file=sys.stderr)


if __name__ == "__main__":
    main()
