"""A local stand-in for the Anthropic Messages API that enforces the API's structural rules.

It listens on 127.0.0.1 only, records every request body, and answers the way the real API does:
a 400 `invalid_request_error` with the API's own wording when the `messages` array breaks a
rule, otherwise a streamed (SSE) or plain response. A prompt containing USE-TOOLS is answered with
a text block and two parallel Bash calls (`echo one`, `echo two`), so the real client runs tools
and writes real tool records; anything else is answered "MOCK-OK".
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


def _text_blocks(content: Any) -> list[dict]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _conversation(messages: list[dict]) -> list[tuple[int, dict]]:
    """The user and assistant messages with their index in the request. Claude Code 2.1.3xx sends
    `role: "system"` messages among them (after messages[0], at the end, and with empty content
    right after a compaction); they take an index but play no part in alternation or pairing."""
    return [(n, m) for n, m in enumerate(messages) if m.get("role") != "system"]


def validate_messages(messages: list[dict]) -> str | None:
    """The API's structural checks, with its error texts. None when the array is acceptable."""
    if not messages:
        return "messages: at least one message is required"
    if messages[0].get("role") != "user":
        return 'messages: first message must use the "user" role'
    for n, msg in enumerate(messages):
        if msg.get("role") == "system":
            for m, block in enumerate(_text_blocks(msg.get("content"))):
                if block.get("type") == "text" and not block.get("text", "").strip():
                    return f"messages.{n}.content.{m}.text: text content blocks must contain non-whitespace text"
    conversation = _conversation(messages)
    seen_tool_ids: set[str] = set()
    last = conversation[-1][0]
    for k, (n, msg) in enumerate(conversation):
        content = msg.get("content")
        blocks = _text_blocks(content)
        if isinstance(content, str):
            if not content and not (msg.get("role") == "assistant" and n == last):
                return f"messages.{n}: all messages must have non-empty content except for the optional final assistant message"
        elif not blocks and not (msg.get("role") == "assistant" and n == last):
            return f"messages.{n}: all messages must have non-empty content except for the optional final assistant message"
        for m, block in enumerate(blocks):
            kind = block.get("type")
            if kind == "text":
                text = block.get("text", "")
                if not text:
                    return f"messages.{n}.content.{m}.text: text content blocks must be non-empty"
                if not text.strip():
                    return f"messages.{n}.content.{m}.text: text content blocks must contain non-whitespace text"
            if kind == "thinking" and not block.get("signature"):
                return f"messages.{n}.content.{m}.thinking.signature: Field required"
            if kind == "tool_use":
                if block.get("id") in seen_tool_ids:
                    return f"messages.{n}: `tool_use` ids must be unique"
                seen_tool_ids.add(block.get("id"))
        if msg.get("role") == "assistant":
            uses = [b.get("id") for b in blocks if b.get("type") == "tool_use"]
            if uses:
                nxt_n, nxt = conversation[k + 1] if k + 1 < len(conversation) else (None, None)
                answered = {b.get("tool_use_id") for b in _text_blocks(nxt.get("content"))
                            if b.get("type") == "tool_result"} if nxt and nxt.get("role") == "user" else set()
                missing = [u for u in uses if u not in answered]
                if missing and nxt is not None:
                    return (f"messages.{n}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                            f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the next message.")
                if nxt is not None:
                    nxt_blocks = _text_blocks(nxt.get("content"))
                    leading = 0
                    for b in nxt_blocks:
                        if b.get("type") != "tool_result":
                            break
                        leading += 1
                    if leading < len(uses):
                        return (f"messages.{nxt_n}: Did not find {len(uses)} `tool_result` block(s) at the beginning of this message."
                                " Messages following `tool_use` blocks must begin with a matching number of `tool_result` blocks.")
        if msg.get("role") == "user":
            prev = conversation[k - 1][1] if k > 0 else None
            asked = {b.get("id") for b in _text_blocks(prev.get("content")) if b.get("type") == "tool_use"} \
                if prev and prev.get("role") == "assistant" else set()
            for m, block in enumerate(blocks):
                if block.get("type") == "tool_result" and block.get("tool_use_id") not in asked:
                    return (f"messages.{n}.content.{m}: unexpected `tool_use_id` found in `tool_result` blocks: "
                            f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.")
    final = conversation[-1][1]
    if final.get("role") == "assistant":
        blocks = _text_blocks(final.get("content"))
        if blocks and blocks[-1].get("type") == "text" and blocks[-1].get("text", "") != blocks[-1].get("text", "").rstrip():
            return f"messages.{last}: final assistant content cannot end with trailing whitespace"
    return None


def _last_user(messages: list[dict]) -> dict:
    """The last role:"user" message (2.1.3xx can put a system message after it)."""
    return next((m for m in reversed(messages) if m.get("role") == "user"), {})


def _last_user_text(messages: list[dict]) -> str:
    return " ".join(b.get("text", "") for b in _text_blocks(_last_user(messages).get("content")) if b.get("type") == "text")


def _ends_with_results(messages: list[dict]) -> bool:
    conversation = [m for m in messages if m.get("role") != "system"]
    if not conversation or conversation[-1].get("role") != "user":
        return False
    return any(b.get("type") == "tool_result" for b in _text_blocks(conversation[-1].get("content")))


def _answer(body: dict) -> list[dict]:
    messages = body.get("messages") or []
    if body.get("tools") and not _ends_with_results(messages) and "USE-TOOLS" in _last_user_text(messages):
        n = next(_ids)
        return [
            {"type": "text", "text": "MOCK-OK"},
            {"type": "tool_use", "id": f"toolu_01mock{n:04d}a", "name": "Bash",
             "input": {"command": "echo one", "description": "say echo one"}},
            {"type": "tool_use", "id": f"toolu_01mock{n:04d}b", "name": "Bash",
             "input": {"command": "echo two", "description": "say echo two"}},
        ]
    return [{"type": "text", "text": "MOCK-OK"}]


def estimate_request_tokens(body: dict) -> int:
    """The stand-in's token count of a request: 3 characters of compact JSON a token, over the
    system prompt, the tools and the messages (the estimate `transcript-doctor compact` uses)."""
    counted = {k: body.get(k) for k in ("system", "tools", "messages")}
    return len(json.dumps(counted, separators=(",", ":"), ensure_ascii=False)) // 3


# How Claude Code asks the model for a compaction summary (2.0.30; 2.1.328).
_SUMMARY_REQUESTS = ("create a detailed summary of the conversation", "CRITICAL: Respond with TEXT ONLY")


class StandinAPI:
    """`with StandinAPI() as api:` serves on `api.base_url` and records `api.requests`.

    With `window`, a request estimated above it gets the API's `prompt is too long` 400, and
    responses report the estimate as their `usage.input_tokens`. With `summaries_fail`, the
    client's own compaction requests get that 400 too, as when the session is too long for the
    summariser (2.1.3xx shortens the history it sends the summariser, so it would otherwise fit)."""

    def __init__(self, window: int | None = None, summaries_fail: bool = False) -> None:
        self.window = window
        self.summaries_fail = summaries_fail
        self.requests: list[dict] = []
        self.rejections: list[str] = []
        self.statuses: list[int] = []  # the HTTP status of each recorded request, in order
        self.errors: list[str | None] = []  # the 400's message of each recorded request, or None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "StandinAPI":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def conversation_requests(self) -> list[dict]:
        """Requests of the main conversation (they carry the tool definitions), in order."""
        return [r for r in self.requests if r.get("tools")]

    def conversation_exchanges(self) -> list[tuple[dict, int, str | None]]:
        """(body, HTTP status, 400 message or None) of each main-conversation request, in order."""
        return [(body, status, error) for body, status, error in zip(self.requests, self.statuses, self.errors)
                if body.get("tools")]

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._json(200, {})

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError as exc:
                    self._json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                                "message": f"The request body is not valid JSON: {exc}"}})
                    return
                if self.path.startswith("/v1/messages/count_tokens"):
                    self._json(200, {"input_tokens": 10})
                    return
                if not self.path.startswith("/v1/messages"):
                    self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}})
                    return
                api.requests.append(body)
                tokens = estimate_request_tokens(body) if api.window else 10
                asks_summary = any(marker in _last_user_text(body.get("messages") or []) for marker in _SUMMARY_REQUESTS)
                if api.window and (tokens > api.window or (api.summaries_fail and asks_summary)):
                    problem = f"prompt is too long: {max(tokens, api.window + 1)} tokens > {api.window} maximum"
                    api.rejections.append(problem)
                    api.statuses.append(400)
                    api.errors.append(problem)
                    self._json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": problem}})
                    return
                # role "system" entries (2.1.3xx) are judged only for whitespace text: an empty one
                # (sent after a compaction) passes, as whether the API accepts it is not known.
                problem = validate_messages(body.get("messages") or [])
                api.statuses.append(400 if problem else 200)
                api.errors.append(problem)
                if problem:
                    api.rejections.append(problem)
                    self._json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": problem}})
                    return
                blocks = _answer(body)
                stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
                message = {"id": f"msg_01mock{next(_ids):020d}", "type": "message", "role": "assistant",
                           "model": body.get("model", "claude-sonnet-4-5-20250929"), "content": [],
                           "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": tokens, "output_tokens": 1}}
                if not body.get("stream"):
                    self._json(200, {**message, "content": blocks, "stop_reason": stop,
                                     "usage": {"input_tokens": tokens, "output_tokens": 2}})
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.end_headers()

                def event(name: str, data: dict) -> None:
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())

                event("message_start", {"type": "message_start", "message": message})
                for i, block in enumerate(blocks):
                    if block["type"] == "text":
                        event("content_block_start", {"type": "content_block_start", "index": i,
                                                      "content_block": {"type": "text", "text": ""}})
                        event("content_block_delta", {"type": "content_block_delta", "index": i,
                                                      "delta": {"type": "text_delta", "text": block["text"]}})
                    else:
                        event("content_block_start", {"type": "content_block_start", "index": i,
                                                      "content_block": {**block, "input": {}}})
                        event("content_block_delta", {"type": "content_block_delta", "index": i,
                                                      "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}})
                    event("content_block_stop", {"type": "content_block_stop", "index": i})
                event("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                        "usage": {"output_tokens": 2}})
                event("message_stop", {"type": "message_stop"})
                self.wfile.flush()

        return Handler
