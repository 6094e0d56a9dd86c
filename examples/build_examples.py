"""Build the example transcripts in this folder, one per rule, from a session the real client wrote.

`clean-2.0.30-parallel-tools.jsonl` was written by Claude Code 2.0.30 itself (against a local
stand-in of the API that answered with text and two parallel Bash calls). Every other example
is that session with one fault injected the way users meet it, and `<name>.expected.json`
states what `transcript-doctor check` must report: the codes, lines, severities, `messages.N`
and tool ids below are worked out by hand from the injection, never by running the tool.

Run `python examples/build_examples.py` to rebuild them; the tests check that the committed
files match what this script writes.

Message map of the clean session (line numbers -> messages.N):
    0 user 3 | 1 asst 4-6 | 2 user 7-8 | 3 asst 9 | 4 user 12 | 5 asst 13-15 | 6 user 16-17
    7 asst 18 | 8 user 21 | 9 asst 22 | 10 user 25 | 11 asst 26-28 | 12 user 29-30 | 13 asst 31
    14 user 34 | 15 asst 35 | 16 user 38 | 17 asst 39-41 | 18 user 42-43 | 19 asst 44 | 20 user 47
    21 asst 48 | 22 user 51 | 23 asst 52-54 | 24 user 55-56 | 25 asst 57 | 26 user 60 | 27 asst 61
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = HERE / "clean-2.0.30-parallel-tools.jsonl"
# Written by Claude Code 2.1.328 (the current client) against the stand-in: attachments, request
# log records (api-request, api-request-blob), parallel results hung under their own calls.
# Message map as 2.1.328 sends it: 0 user 3 (+ reminder of line 12) | 1 system 4-11 | 2 asst 19-21
# | 3 user 24-25 | 4 asst 28 | 5 user 35 | 6 asst 37-38 | 7 user 39 | 8 asst 41 | 9 user 47
# | 10 asst 49-52 | 11 user 53-55 | 12 asst 57 | 13 user 62 | 14 asst 64
BASE_2_1 = HERE / "clean-2.1.328-parallel-tools.jsonl"
OTHER_SESSION = "9a0c5d3e-0f6b-4c7e-9b1a-2d4e6f8a0b1c"


def dumps(value) -> str:
    """JSON the way Claude Code writes it (JSON.stringify: compact, key order kept)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def base_lines(base: Path = BASE) -> list[str]:
    return base.read_text(encoding="utf-8").split("\n")[:-1]


def rec(lines: list[str], n: int) -> dict:
    return json.loads(lines[n - 1])


def put(lines: list[str], n: int, value: dict) -> None:
    lines[n - 1] = dumps(value)


def expect(code, line, severity, message_index=None, tool_use_id=None, content_index=None):
    return {"code": code, "line": line, "severity": severity, "message_index": message_index,
            "content_index": content_index, "tool_use_id": tool_use_id}


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


CASES = {}
BASES = {}


def case(name, base=BASE):
    def register(fn):
        CASES[name] = fn
        BASES[name] = base
        return fn
    return register


@case("td001-invalid-json")
def _(lines):
    # Line 22 (the answer to "plain turn a") is cut off mid-write and the next write, the
    # queue-operation of line 23, is glued onto it. The prompt of turn b (line 25, now 24)
    # keeps pointing at the lost answer, so resume would start there.
    lines[21:23] = [lines[21][: len(lines[21]) // 2] + lines[22]]
    return lines, [expect("TD001", 22, "error"), expect("TD102", 24, "error")]


@case("td002-torn-last-line")
def _(lines):
    text = "\n".join(lines) + "\n"
    return text[: -(len(lines[-1]) // 2)], [expect("TD002", 61, "error")]


@case("td003-not-an-object")
def _(lines):
    lines.insert(10, '["queue-operation","enqueue"]')
    return lines, [expect("TD003", 11, "error")]


@case("td004-bad-encoding")
def _(lines):
    # A tool result whose output was cut in the middle of an emoji (a lone high surrogate).
    r = rec(lines, 8)
    r["message"]["content"][0]["content"] = "two \ud83d"
    lines[7] = json.dumps(r, ensure_ascii=True, separators=(",", ":"))
    return lines, [expect("TD004", 8, "error")]


@case("td004-bom")
def _(lines):
    return "\ufeff" + "\n".join(lines) + "\n", [expect("TD004", 1, "warning")]


@case("td005-schema-violation")
def _(lines):
    r = rec(lines, 35)
    r["message"]["role"] = 7
    put(lines, 35, r)
    return lines, [expect("TD005", 35, "error")]


@case("td101-duplicate-uuid")
def _(lines):
    lines.insert(9, lines[8])  # the response of line 9 written twice
    return lines, [expect("TD101", 10, "warning")]


@case("td102-missing-parent")
def _(lines):
    # The user prompt "plain turn d" (line 60) is lost; its answer (line 61, now 60) keeps
    # pointing at it. Resume then starts at that answer, which is not a user message.
    del lines[59]
    return lines, [expect("TD102", 60, "error"), expect("TD301", 60, "error", message_index=0)]


@case("td103-parent-cycle")
def _(lines):
    r = rec(lines, 3)
    r["parentUuid"] = rec(lines, 9)["uuid"]
    put(lines, 3, r)
    return lines, [expect("TD103", 3, "error")]


@case("td104-foreign-session")
def _(lines):
    for n in (60, 61):
        r = rec(lines, n)
        r["sessionId"] = OTHER_SESSION
        put(lines, n, r)
    return lines, [expect("TD104", 60, "info")]


@case("td105-dangling-summary-leaf")
def _(lines):
    lines.insert(0, dumps({"type": "summary", "summary": "Echo tool runs", "leafUuid": uid(99)}))
    return lines, [expect("TD105", 1, "info")]


@case("td106-branches")
def _(lines):
    # The user rewinds turn d and asks again: a second prompt with the same parent, answered.
    prompt, answer = rec(lines, 60), rec(lines, 61)
    prompt.update(uuid=uid(1), timestamp="2026-11-25T04:19:47.100Z")
    prompt["message"]["content"] = "plain turn d, asked again"
    answer.update(uuid=uid(2), parentUuid=uid(1), timestamp="2026-11-25T04:19:47.200Z")
    answer["message"]["id"] = "msg_0199c1a0e2b3d4f5a6b7c8d9"
    lines += [dumps(prompt), dumps(answer)]
    return lines, [expect("TD106", 63, "info")]


@case("td201-orphan-tool-use")
def _(lines):
    # Turn d's two Bash calls are interrupted: no results, no answer; the user types on.
    prompt = rec(lines, 60)
    prompt["parentUuid"] = rec(lines, 54)["uuid"]
    put(lines, 60, prompt)
    del lines[54:59]  # lines 55-59: both results, the answer, two queue-operations
    return lines, [
        expect("TD201", 53, "error", 23, "toolu_01601f3b3fe6054257", 1),
        expect("TD201", 54, "error", 23, "toolu_019991e0ad51d2966a", 2),
    ]


@case("td202-orphan-tool-result")
def _(lines):
    # The record of the second Bash call of turn d (line 54) is lost; its result stays.
    child = rec(lines, 55)
    child["parentUuid"] = rec(lines, 53)["uuid"]
    put(lines, 55, child)
    del lines[53]
    return lines, [expect("TD202", 55, "error", 24, "toolu_019991e0ad51d2966a", 1)]


@case("td203-duplicate-tool-use-id")
def _(lines):
    # The second Bash call of turn d written twice under two uuids (a retried write).
    copy = rec(lines, 54)
    copy.update(uuid=uid(3), parentUuid=copy["uuid"])
    nxt = rec(lines, 55)
    nxt["parentUuid"] = uid(3)
    put(lines, 55, nxt)
    lines.insert(54, dumps(copy))
    return lines, [expect("TD203", 55, "error", 23, "toolu_019991e0ad51d2966a", 3)]


@case("td204-duplicate-tool-result")
def _(lines):
    copy = rec(lines, 56)
    copy.update(uuid=uid(4), parentUuid=copy["uuid"])
    nxt = rec(lines, 57)
    nxt["parentUuid"] = uid(4)
    put(lines, 57, nxt)
    lines.insert(56, dumps(copy))
    return lines, [expect("TD204", 57, "error", 24, "toolu_019991e0ad51d2966a", 2)]


@case("td205-misplaced-tool-result")
def _(lines):
    # The result of turn d's second call is written after the answer that follows it.
    r55, r56, r57, r60 = rec(lines, 55), rec(lines, 56), rec(lines, 57), rec(lines, 60)
    r57["parentUuid"] = r55["uuid"]
    r56["parentUuid"] = r57["uuid"]
    r60["parentUuid"] = r56["uuid"]
    lines[54:60] = [dumps(r55), dumps(r57), dumps(r56), lines[57], lines[58], dumps(r60)]
    return lines, [expect("TD205", 57, "error", 23, "toolu_019991e0ad51d2966a")]


@case("td301-first-message-not-user")
def _(lines):
    first_answer = rec(lines, 4)
    first_answer["parentUuid"] = None
    put(lines, 4, first_answer)
    del lines[2]
    return lines, [expect("TD301", 3, "error", 0)]


@case("td302-empty-content")
def _(lines):
    r = rec(lines, 47)
    r["message"]["content"] = ""
    put(lines, 47, r)
    return lines, [expect("TD302", 47, "error", 20)]


@case("td303-empty-text-block")
def _(lines):
    r = rec(lines, 52)
    r["message"]["content"][0]["text"] = " "
    put(lines, 52, r)
    return lines, [expect("TD303", 52, "error", 23, content_index=0)]


@case("td304-final-assistant-trailing-whitespace")
def _(lines):
    r = rec(lines, 61)
    r["message"]["content"][0]["text"] = "MOCK-OK\n\n"
    put(lines, 61, r)
    return lines, [expect("TD304", 61, "warning", 27, content_index=0)]


@case("td305-thinking-without-signature")
def _(lines):
    # A thinking block whose signature a redaction tool removed, before the final answer.
    thinking = rec(lines, 61)
    thinking.update(uuid=uid(5))
    thinking["message"]["content"] = [{"type": "thinking", "thinking": "The user wants a plain answer."}]
    answer = rec(lines, 61)
    answer["parentUuid"] = uid(5)
    answer["timestamp"] = "2026-11-25T04:19:45.950Z"
    lines[60:61] = [dumps(thinking), dumps(answer)]
    return lines, [expect("TD305", 61, "error", 27, content_index=0)]


def boundary(after: dict, uuid: str, stamp: str) -> dict:
    return {"parentUuid": None, "logicalParentUuid": after["uuid"], "isSidechain": False, "userType": "external",
            "cwd": after["cwd"], "sessionId": after["sessionId"], "version": after["version"], "gitBranch": "",
            "type": "system", "subtype": "compact_boundary", "content": "Conversation compacted", "isMeta": False,
            "timestamp": stamp, "uuid": uuid, "level": "info",
            "compactMetadata": {"trigger": "auto", "preTokens": 181234}}


def summary_message(parent: str, after: dict, uuid: str, stamp: str) -> dict:
    return {"parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": after["cwd"],
            "sessionId": after["sessionId"], "version": after["version"], "gitBranch": "", "type": "user",
            "message": {"role": "user", "content": "This session is being continued from a previous conversation that"
                        " ran out of context. The conversation is summarized below: the user ran echo tools."},
            "isCompactSummary": True, "isVisibleInTranscriptOnly": True, "uuid": uuid, "timestamp": stamp}


@case("td401-compaction-without-summary")
def _(lines):
    # Compaction crashed after writing its boundary: the summary message never came.
    before, prompt = rec(lines, 31), rec(lines, 34)
    prompt["parentUuid"] = uid(6)
    put(lines, 34, prompt)
    lines.insert(33, dumps(boundary(before, uid(6), "2026-11-25T04:19:41.340Z")))
    return lines, [expect("TD401", 34, "warning")]


@case("td402-tool-pair-split-by-compaction")
def _(lines):
    # Compaction ran while turn b's two Bash calls were running; their results came after it.
    call, first_result = rec(lines, 28), rec(lines, 29)
    first_result["parentUuid"] = uid(8)
    put(lines, 29, first_result)
    lines[28:28] = [dumps(boundary(call, uid(7), "2026-11-25T04:19:40.210Z")),
                    dumps(summary_message(uid(7), call, uid(8), "2026-11-25T04:19:40.220Z"))]
    return lines, [
        expect("TD402", 31, "error", 0, "toolu_01187ae7f77964683b", 0),
        expect("TD402", 32, "error", 0, "toolu_017ad7e50b2fe6e1f0", 1),
    ]


@case("td403-context-near-window")
def _(lines):
    answer = rec(lines, 61)
    answer["message"]["usage"] = {"input_tokens": 12, "cache_creation_input_tokens": 1200, "cache_read_input_tokens": 193800,
                                  "output_tokens": 2}
    put(lines, 61, answer)
    return lines, [expect("TD403", 61, "warning", 27)]


@case("td404-api-error-storm")
def _(lines):
    # Three timed-out retries before turn d's prompt went through.
    parent = rec(lines, 57)
    errors = []
    for i in range(3):
        errors.append(dumps({"parentUuid": parent["uuid"], "isSidechain": False, "userType": "external", "cwd": parent["cwd"],
                             "sessionId": parent["sessionId"], "version": parent["version"], "gitBranch": "",
                             "type": "system", "subtype": "api_error", "level": "error",
                             "error": {"message": "Request timed out.", "status": None},
                             "retryInMs": 1000 * 2 ** i, "retryAttempt": i + 1, "maxRetries": 10,
                             "timestamp": f"2026-11-25T04:19:45.{100 + i * 200}Z", "uuid": uid(10 + i)}))
    lines[58:58] = errors
    return lines, [expect("TD404", 59, "warning")]


@case("td405-oversized-tool-result")
def _(lines):
    result = rec(lines, 56)
    result["message"]["content"][0]["content"] = "two\n" + "log line: all good\n" * 11200
    put(lines, 56, result)
    return lines, [expect("TD405", 56, "warning", 24, "toolu_019991e0ad51d2966a", 1)]


@case("td107-request-log-mismatch", base=BASE_2_1)
def _(lines):
    # The reminder attachment of line 12 is deleted by hand. The client's log (api-request on
    # line 63, now 62) still says messages.0 carried it: the projection's messages.0 differs.
    # Line 13 (now 12) loses its parent; 2.1.328 bridges to line 11, written 4 ms before it.
    del lines[11]
    return lines, [expect("TD102", 12, "warning"), expect("TD107", 3, "info", 0)]


@case("td206-client-patch")
def _(lines):
    # Resumed by a patching client: it wrote its own result for the interrupted call of line 16
    # (messages.6) and its own "No response requested." reply as the last answer (messages.27).
    r = rec(lines, 16)
    r["toolDenialKind"] = "interrupted"
    r["message"]["content"][0].update(content="[Tool call interrupted by the user before it finished]", is_error=True)
    put(lines, 16, r)
    a = rec(lines, 61)
    a["message"]["model"] = "<synthetic>"
    a["message"]["content"] = [{"type": "text", "text": "No response requested."}]
    put(lines, 61, a)
    return lines, [expect("TD206", 16, "info", 6, "toolu_0146656670210eaf7d"), expect("TD206", 61, "info", 27)]


def build(name: str) -> tuple[str, list[dict]]:
    body, expected = CASES[name](base_lines(BASES[name]))
    text = body if isinstance(body, str) else "\n".join(body) + "\n"
    return text, expected


def main() -> int:
    for name in CASES:
        text, expected = build(name)
        (HERE / f"{name}.jsonl").write_text(text, encoding="utf-8", newline="")
        (HERE / f"{name}.expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} examples to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
