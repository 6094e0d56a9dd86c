"""Offline compaction: rescue a session that has grown past its model's window, without a model.

Claude Code's own `/compact` asks the model to read the whole session, which is exactly what
fails once the session is too long. `compact` writes what a real compaction writes, from the
transcript alone: a `system`/`compact_boundary` record (`parentUuid: null`, `logicalParentUuid`,
`compactMetadata`), then an `isCompactSummary` user record holding a summary made by rules (the
prompts, files, commands, last todo list, unresolved errors, and where the full history is), then
copies of the most recent turns, verbatim, as many as fit the budget. The client loads only what
follows the last boundary, as after a real compaction.

Nothing is lost: every line of the input is written back byte for byte, in order, before the
boundary (so `show --branch` still reaches the old history); what `--max-image-age` and
`--max-result-chars` take out of the kept copies goes to `<output>.rejects` (the original lines).
The output is deterministic: uuids are uuid5 of the input's identity, timestamps follow the
input's latest one by a millisecond a record.

Counting: the `usage` the API recorded on the last response (input plus cache tokens, plus its
output) is the real size of the context; what follows it, and anything without usage, is
estimated from the text (`estimate_tokens`). The difference between the recorded size and the
estimate of the same messages is the part the estimate cannot see (system prompt, tool
definitions, the client's reminders): it is kept as `overhead` and added to every estimate.
"""

from __future__ import annotations

import os
import shutil
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from . import __version__, reader
from .analysis import Analysis, analyse
from .records import Record, sent_content
from .tree import time_key
from .writer import WriteRefused, atomic_file, backup_path, changed_message, fingerprint

# Context windows by model, in tokens (the API's `prompt is too long: X tokens > Y maximum`).
# Every Claude model since Claude 3 has a 200,000-token window; the 1M-context variants are
# named with "[1m]" / "-1m" by Claude Code. Unknown models get the 200,000 default.
WINDOWS: tuple[tuple[str, int], ...] = (
    ("1m", 1_000_000),
    ("claude-", 200_000),
)
DEFAULT_WINDOW = 200_000
# Room left for the reply and the client's own additions (Claude Code reserves up to 32,000
# output tokens and compacts itself about 13,000 tokens before the window).
REPLY_HEADROOM = 40_000

CHARS_PER_TOKEN = 3  # measured over the corpus (benchmarks/estimate.py): see README ("How close the estimate is")
IMAGE_TOKENS = 1_600  # the API bills an image by its pixels, about 1,600 tokens at most sizes
# What a request carries beyond its messages (system prompt, tools, the client's reminders) when no
# usage was recorded: the median over the corpus's sessions that record it (34 sessions).
DEFAULT_OVERHEAD = 16_000

SUMMARY_MAX_TOKENS = 20_000
MIN_SUMMARY_TOKENS = 300
MARKER = "[transcript-doctor compact]"
LEAD = (
    "This session is being continued from a previous conversation that ran out of context."
    " The summary below covers the earlier portion of the conversation."
)
TAIL = (
    "The messages after this summary are the most recent messages from before compaction, kept verbatim."
)
_NAMESPACE = uuidlib.uuid5(uuidlib.NAMESPACE_URL, "https://github.com/transcript-doctor/compact")


class CompactError(Exception):
    """compact cannot produce a session: the message says why. `code` is the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def window_for(model: str | None) -> int:
    name = (model or "").lower()
    for key, window in WINDOWS:
        if key in name:
            return window
    return DEFAULT_WINDOW


def default_budget(model: str | None) -> int:
    return window_for(model) - REPLY_HEADROOM


# ---- counting ---------------------------------------------------------------------------------


def _chars_and_images(value: Any) -> tuple[int, int]:
    """JSON characters of `value` with image data left out, and the number of images in it."""
    if isinstance(value, dict):
        if value.get("type") == "image":
            return 0, 1
        chars, images = 2, 0
        for key, item in value.items():
            c, i = _chars_and_images(item)
            chars += len(key) + 4 + c
            images += i
        return chars, images
    if isinstance(value, list):
        chars, images = 2, 0
        for item in value:
            c, i = _chars_and_images(item)
            chars += c + 1
            images += i
        return chars, images
    if isinstance(value, str):
        return len(value) + 2, 0
    return len(orjson.dumps(value)), 0


def estimate_tokens(content: Any) -> int:
    """Tokens of a message's content, estimated from its text: 3 characters of its JSON a token,
    1,600 an image."""
    if isinstance(content, str):
        return -(-(len(content) + 2) // CHARS_PER_TOKEN)
    chars, images = _chars_and_images(content)
    return -(-chars // CHARS_PER_TOKEN) + images * IMAGE_TOKENS


# ---- shrinking the kept copies -----------------------------------------------------------------


def _image_placeholder(block: dict, age: int) -> dict:
    source = block.get("source") if isinstance(block.get("source"), dict) else {}
    kind = source.get("media_type", "image")
    size = len(source.get("data", "")) if isinstance(source.get("data"), str) else 0
    return {"type": "text", "text": f"{MARKER} an image ({kind}, {size:,} characters of base64) from {age} turns"
                                    " earlier was left out; the original record is in the history before the compaction"}


def _cut_text(text: str, limit: int, line: int) -> str:
    if len(text) <= limit or MARKER in text:
        return text
    note = f"\n{MARKER} {len(text):,} characters; the middle was cut; the whole result is on line {line}\n"
    room = max(0, limit - len(note))
    head = room - room // 2
    tail = room // 2
    return text[:head] + note + (text[-tail:] if tail else "")


def shrink_content(content: Any, age: int, line: int, max_image_age: int | None, max_result_chars: int | None) -> tuple[Any, bool]:
    """The content with images older than `max_image_age` turns replaced by a note and tool
    results over `max_result_chars` cut to their head and tail. Returns (content, changed)."""
    if not isinstance(content, list) or (max_image_age is None and max_result_chars is None):
        return content, False
    changed = False
    out = []
    for block in content:
        if not isinstance(block, dict):
            out.append(block)
            continue
        kind = block.get("type")
        if kind == "image" and max_image_age is not None and age > max_image_age:
            out.append(_image_placeholder(block, age))
            changed = True
        elif kind == "tool_result":
            new, did = _shrink_result(block, age, line, max_image_age, max_result_chars)
            out.append(new)
            changed = changed or did
        else:
            out.append(block)
    return (out, True) if changed else (content, False)


def _shrink_result(block: dict, age: int, line: int, max_image_age: int | None, max_result_chars: int | None) -> tuple[dict, bool]:
    inner = block.get("content")
    if isinstance(inner, str):
        if max_result_chars is not None:
            cut = _cut_text(inner, max_result_chars, line)
            if cut != inner:
                return {**block, "content": cut}, True
        return block, False
    if not isinstance(inner, list):
        return block, False
    changed = False
    parts = []
    texts = sum(len(p.get("text", "")) for p in inner if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str))
    for part in inner:
        if isinstance(part, dict) and part.get("type") == "image" and max_image_age is not None and age > max_image_age:
            parts.append(_image_placeholder(part, age))
            changed = True
        elif (isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
              and max_result_chars is not None and texts > max_result_chars):
            share = max(1, max_result_chars * len(part["text"]) // max(1, texts))
            cut = _cut_text(part["text"], share, line)
            if cut != part["text"]:
                changed = True
                part = {**part, "text": cut}
            parts.append(part)
        else:
            parts.append(part)
    return ({**block, "content": parts}, True) if changed else (block, False)


# ---- what the summary is made of ----------------------------------------------------------------


@dataclass
class Facts:
    """What one record contributes to the summary: small, so a 1 GB session fits in memory."""

    prompt: str | None = None
    earlier_summary: str | None = None
    tool_uses: list[tuple[str, str, dict]] = field(default_factory=list)  # (id, name, key inputs)
    results: list[tuple[str, bool, str]] = field(default_factory=list)  # (tool_use_id, is_error, head)
    api_error: str | None = None


_KEY_INPUTS = ("command", "file_path", "notebook_path", "path", "pattern", "url", "description", "todos")


def _prompt_text(content: Any) -> str | None:
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):
        if any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
            return None
        text = "\n".join(b["text"] for b in content if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str))
    else:
        return None
    text = text.strip()
    if not text or text.startswith(("<local-command-caveat>", "<system-reminder>", "Caveat:")):
        return None
    return text


def _result_head(content: Any, limit: int = 300) -> str:
    if isinstance(content, str):
        return content[:limit]
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                return part["text"][:limit]
    return ""


def facts_of(value: dict) -> Facts:
    facts = Facts()
    content = sent_content(value)
    kind = value.get("type")
    if kind == "user" or (kind == "system" and value.get("subtype") == "local_command"):
        if value.get("isCompactSummary") is True:
            text = _prompt_text(content) or ""
            facts.earlier_summary = text[:4000]
        elif value.get("isMeta") is not True:
            text = _prompt_text(content)
            if text is not None:
                facts.prompt = text if len(text) <= 4000 else text[:2000] + "\n…\n" + text[-2000:]
        if isinstance(content, list):
            for b in content:
                if isinstance(b, dict) and b.get("type") == "tool_result":
                    facts.results.append((str(b.get("tool_use_id")), b.get("is_error") is True, _result_head(b.get("content"))))
    elif kind == "assistant":
        if value.get("isApiErrorMessage") is True:
            facts.api_error = _result_head(content, 200) or "API error"
        if isinstance(content, list):
            for b in content:
                if isinstance(b, dict) and b.get("type") == "tool_use":
                    inputs = b.get("input") if isinstance(b.get("input"), dict) else {}
                    keys = {k: inputs[k] for k in _KEY_INPUTS if k in inputs}
                    if "todos" in keys and b.get("name") != "TodoWrite":
                        keys.pop("todos")
                    facts.tool_uses.append((str(b.get("id")), str(b.get("name")), keys))
    return facts


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_prompt(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = max(1, (limit - 20) // 2)
    return f"{text[:half]} […{len(text) - 2 * half:,} characters cut…] {text[-half:]}"


def render_summary(facts: list[tuple[int, Facts]], history: str, max_chars: int) -> str:
    """The summary text, made by rules from the facts of the dropped records (line, facts), within
    `max_chars`: long prompts and long lists are cut, harder at each level, until it fits."""
    for prompt_chars, items in ((2000, 60), (800, 30), (300, 15), (120, 8), (60, 4), (40, 2)):
        text = _render(facts, history, prompt_chars, items)
        if len(text) <= max_chars:
            return text
    note = f"\n[{MARKER} the summary was cut to fit the budget]"
    return text[: max(0, max_chars - len(note))] + note if max_chars > 2 * len(note) else text[:max_chars]


def _render(facts: list[tuple[int, Facts]], history: str, prompt_chars: int, items: int) -> str:
    prompts = [(line, f.prompt) for line, f in facts if f.prompt]
    earlier = [f.earlier_summary for _, f in facts if f.earlier_summary]
    calls: dict[str, tuple[int, str, dict]] = {}
    for line, f in facts:
        for tool_id, name, keys in f.tool_uses:
            calls[tool_id] = (line, name, keys)
    results: dict[str, tuple[bool, str]] = {}
    for _, f in facts:
        for tool_id, is_error, head in f.results:
            results[tool_id] = (is_error, head)
    read, edited, written = {}, {}, {}
    commands: list[tuple[int, str, bool, str]] = []
    todos = None
    for tool_id, (line, name, keys) in calls.items():
        path = keys.get("file_path") or keys.get("notebook_path")
        if name in ("Read", "NotebookRead") and path:
            read[path] = line
        elif name in ("Edit", "MultiEdit", "NotebookEdit") and path:
            edited[path] = line
        elif name == "Write" and path:
            written[path] = line
        elif name == "Bash" and "command" in keys:
            failed, head = results.get(tool_id, (False, ""))
            commands.append((line, str(keys["command"]), failed, head))
        if name == "TodoWrite" and isinstance(keys.get("todos"), list):
            todos = keys["todos"]
    unresolved = _unresolved(calls, results)
    api_errors = [(line, f.api_error) for line, f in facts if f.api_error]

    out = [LEAD, "",
           f"{MARKER} This summary was made by transcript-doctor from the transcript alone: no model read the"
           " conversation. It lists what the user asked and which tools ran; the exact messages are in the full history.",
           ""]
    if earlier:
        out += ["## Summary of an earlier compaction", _cut_prompt(earlier[-1], prompt_chars * 2), ""]
    out.append(f"## The user's prompts ({len(prompts)}, oldest first)")
    shown = prompts if len(prompts) <= items else prompts[: items // 3] + prompts[-(items - items // 3):]
    for n, (line, text) in enumerate(shown):
        if len(shown) < len(prompts) and n == items // 3:
            out.append(f"- … {len(prompts) - len(shown)} more prompt(s) left out here …")
        out.append(f"- (line {line}) {_cut_prompt(text, prompt_chars)}")
    out.append("")
    for title, files in (("Files read", read), ("Files edited", edited), ("Files written", written)):
        if files:
            names = sorted(files, key=lambda p: files[p])
            more = f" (and {len(names) - items} more)" if len(names) > items else ""
            out.append(f"## {title} ({len(names)})")
            out += [f"- {p}" for p in names[-items:]]
            if more:
                out.append(f"- …{more}")
            out.append("")
    if commands:
        failed = sum(1 for c in commands if c[2])
        out.append(f"## Commands run ({len(commands)}, {failed} failed; the latest last)")
        for line, command, did_fail, head in commands[-items:]:
            status = f" — FAILED: {_one_line(head, 120)}" if did_fail else ""
            out.append(f"- (line {line}) `{_one_line(command, prompt_chars // 2 or 40)}`{status}")
        out.append("")
    if todos is not None:
        out.append("## The last todo list")
        for todo in todos[:items * 2]:
            if isinstance(todo, dict):
                out.append(f"- [{todo.get('status', '?')}] {_one_line(todo.get('content', ''), 200)}")
        out.append("")
    if unresolved or api_errors:
        out.append("## Errors not resolved later")
        for line, name, text in unresolved[-items:]:
            out.append(f"- (line {line}) {name}: {_one_line(text, 200)}")
        for line, text in api_errors[-3:]:
            out.append(f"- (line {line}) API error: {_one_line(text, 200)}")
        out.append("")
    out += ["## Where the full history is", history, "", TAIL]
    return "\n".join(out)


def _unresolved(calls: dict[str, tuple[int, str, dict]], results: dict[str, tuple[bool, str]]) -> list[tuple[int, str, str]]:
    """Failed tool calls with no later successful call of the same tool on the same target."""
    last_ok: dict[tuple, int] = {}
    failures = []
    for tool_id, (line, name, keys) in calls.items():
        target = (name, str(keys.get("file_path") or keys.get("command") or keys.get("path") or ""))
        is_error, head = results.get(tool_id, (False, ""))
        if is_error:
            failures.append((line, target, head))
        else:
            last_ok[target] = max(last_ok.get(target, 0), line)
    return [(line, target[0], head) for line, target, head in failures if last_ok.get(target, 0) < line]


# ---- the plan ------------------------------------------------------------------------------------


@dataclass
class Item:
    """One record the client would send, as it would be copied after the boundary."""

    record: Record
    message: int  # index of its API message
    tokens: int  # estimated tokens of its content, after shrinking
    shrunk: bool
    facts: Facts
    usage: int = 0  # recorded input + cache + output tokens of the response that wrote it (0: none)


@dataclass
class Compaction:
    source: Path
    analysis: Analysis
    budget: int
    model: str | None
    before_tokens: int
    counted_from_usage: bool
    overhead: int
    items: list[Item]
    cut: int  # index into items: items[cut:] are kept
    summary: str = ""
    after_tokens: int = 0
    needed: bool = True
    reason: str = ""
    max_image_age: int | None = None
    max_result_chars: int | None = None

    @property
    def kept(self) -> list[Item]:
        return self.items[self.cut:]

    @property
    def dropped(self) -> list[Item]:
        return self.items[: self.cut]

    @property
    def kept_messages(self) -> int:
        return len({i.message for i in self.kept})

    @property
    def total_messages(self) -> int:
        return len({i.message for i in self.items})


def _last_model(records: list[Record]) -> str | None:
    for rec in reversed(records):
        if rec.type == "assistant" and rec.model and not rec.model.startswith("<"):
            return rec.model
    return None


def plan(path: str | os.PathLike[str], *, max_tokens: int | None = None, max_image_age: int | None = None,
         max_result_chars: int | None = None) -> Compaction:
    """Work out what a compaction of `path` keeps, and its summary. Raises CompactError."""
    for name, value in (("--max-tokens", max_tokens), ("--max-image-age", max_image_age), ("--max-result-chars", max_result_chars)):
        if value is not None and value < 0:
            raise CompactError(f"{name} must be 0 or more", 2)
    try:
        analysis = analyse(path)
    except reader.UnreadableInput as exc:
        raise CompactError(str(exc), 2) from None
    transcript = analysis.transcript
    if transcript.format == "codex":
        raise CompactError(f"{path}: a Codex CLI rollout, not a Claude Code transcript", 2)
    main = analysis.context.main
    if main is None or not main.messages:
        raise CompactError(f"{path}: no conversation to resume, nothing to compact", 1)
    if analysis.tree.sidechain_only:
        raise CompactError(f"{path}: a sub-agent's transcript; compact the session that started it", 1)
    errors = [f for f in analysis.findings if f.severity == "error"]
    if errors:
        raise CompactError(
            f"{path}: {len(errors)} error(s) (first: {errors[0].code} line {errors[0].line}); run `transcript-doctor fix` first,"
            " then compact its output", 1)
    model = _last_model(main.chain.records)
    budget = max_tokens if max_tokens is not None else default_budget(model)

    items = read_items(analysis, max_image_age, max_result_chars)

    root = main.chain.records[0]
    overhead, before, from_usage = _count(items, transcript, root)
    compaction = Compaction(Path(path), analysis, budget, model, before, from_usage, overhead, items, 0,
                            max_image_age=max_image_age, max_result_chars=max_result_chars)
    shrinking = any(i.shrunk for i in items)
    if before <= budget and not shrinking:
        compaction.needed = False
        compaction.after_tokens = before
        compaction.cut = 0
        compaction.reason = (f"the conversation is {before:,} tokens ({'recorded' if from_usage else 'estimated'}),"
                             f" within the budget of {budget:,}: nothing to compact")
        return compaction
    _choose_cut(compaction)
    return compaction


def read_items(analysis: Analysis, max_image_age: int | None = None, max_result_chars: int | None = None) -> list[Item]:
    """Every record of the resumed conversation the client would send, with its estimated tokens
    (after shrinking), recorded usage and summary facts. Reads the file once more."""
    main = analysis.context.main
    transcript = analysis.transcript
    sent = [(m.index, r) for m in main.messages for r in m.records]
    # Image age: how many user prompts come after a record's message.
    prompts_after = _prompts_after(main)
    by_line = {r.line: (message, r) for message, r in sent}
    made: dict[int, Item] = {}
    handle, _ = reader.open_transcript(transcript.path)
    with handle:  # streamed: only the small Item of each record is kept
        for number, _offset, chunk, _last in reader.iter_chunks(handle, transcript.size):
            if number not in by_line:
                continue
            message, rec = by_line[number]
            try:
                value = orjson.loads(chunk)
            except orjson.JSONDecodeError:
                value = None
            content = sent_content(value)
            shrunk_content, shrunk = shrink_content(content, prompts_after[message], rec.line, max_image_age, max_result_chars)
            usage = 0
            if rec.type == "assistant" and rec.usage_context and not rec.is_api_error and not _is_copy(value):
                usage = rec.usage_context + rec.output_tokens
            # an API error record is not sent (the client drops it) and is not copied
            tokens = estimate_tokens(shrunk_content) if content is not None and not rec.is_api_error else 0
            made[number] = Item(rec, message, tokens, shrunk, facts_of(value) if isinstance(value, dict) else Facts(), usage)
    items = [made.get(r.line) or Item(r, m, 0, False, Facts()) for m, r in sent]
    return items


def _is_copy(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("transcriptDoctor"), dict)


def _prompts_after(main) -> list[int]:
    is_prompt = [m.role == "user" and not m.tool_results() and not all(r.is_meta or r.is_compact_summary for r in m.records)
                 for m in main.messages]
    after = [0] * len(main.messages)
    count = 0
    for i in range(len(main.messages) - 1, -1, -1):
        after[i] = count
        count += is_prompt[i]
    return after


def _read_lines(path: Path, size: int, wanted: set[int]) -> dict[int, Any]:
    values: dict[int, Any] = {}
    handle, _ = reader.open_transcript(path)
    with handle:
        for number, _offset, chunk, _last in reader.iter_chunks(handle, size):
            if number in wanted:
                try:
                    values[number] = orjson.loads(chunk)
                except orjson.JSONDecodeError:
                    values[number] = None
    return values


def _count(items: list[Item], transcript, root: Record) -> tuple[int, int, bool]:
    """(overhead, the conversation's size now, counted from recorded usage?)."""
    last = None
    for n, item in enumerate(items):
        if item.usage:
            last = n
    if last is not None:
        # the response's own records are part of what it produced, not of its request
        first_of_response = last
        while first_of_response > 0 and items[first_of_response - 1].message == items[last].message:
            first_of_response -= 1
        sent_before = sum(i.tokens for i in items[:first_of_response])
        recorded = items[last].usage
        output = items[last].record.output_tokens
        overhead = max(0, recorded - output - sent_before)
        after = sum(i.tokens for i in items[last + 1:])
        return overhead, recorded + after, True
    overhead = DEFAULT_OVERHEAD
    if root.is_compact_boundary:
        value = transcript.read_value(root)
        meta = value.get("compactMetadata") if isinstance(value, dict) else None
        ours = meta.get("transcriptDoctor") if isinstance(meta, dict) else None
        if isinstance(ours, dict) and isinstance(ours.get("overheadTokens"), int):
            overhead = ours["overheadTokens"]
    return overhead, overhead + sum(i.tokens for i in items), False


def _history_note(compaction: Compaction) -> str:
    lines = compaction.analysis.transcript.line_count
    logical = compaction.analysis.tree.leaf.uuid if compaction.analysis.tree.leaf else "?"
    return (f"Lines 1-{lines} of this session's file hold every record from before this compaction, unchanged"
            f" (copied from {os.path.abspath(compaction.source)}); `transcript-doctor show <this file> --branch {logical}` shows"
            " that conversation.")


def _choose_cut(c: Compaction) -> None:
    items = c.items
    cuts = [n for n, item in enumerate(items)
            if (n == 0 or items[n - 1].message != item.message) and _starts_turn(c, item.message)]
    cuts.append(len(items))
    suffix = [0] * (len(items) + 1)
    for n in range(len(items) - 1, -1, -1):
        suffix[n] = suffix[n + 1] + items[n].tokens
    room = c.budget - c.overhead
    if room < MIN_SUMMARY_TOKENS:
        raise CompactError(
            f"a budget of {c.budget:,} tokens leaves {max(room, 0):,} after what every request carries"
            f" ({c.overhead:,} tokens): too small even for the summary (at least {MIN_SUMMARY_TOKENS:,})", 1)
    summary_cap = max(MIN_SUMMARY_TOKENS, min(SUMMARY_MAX_TOKENS, room // 2))
    history = _history_note(c)

    def summary_for(cut: int, cap: int) -> tuple[str, int]:
        text = render_summary([(i.record.line, i.facts) for i in items[:cut]], history, cap * CHARS_PER_TOKEN - 2)
        return text, estimate_tokens(text)

    # the earliest cut that surely fits with a summary of at most `summary_cap` tokens ...
    safe = next((cut for cut in cuts if c.overhead + suffix[cut] + summary_cap <= c.budget), None)
    if safe is None:  # nothing kept: the summary may take all the room
        text, tokens = summary_for(len(items), room)
        c.cut, c.summary, c.after_tokens = len(items), text, c.overhead + tokens
        return
    # ... then earlier ones, when the summary they need is smaller than the cap
    best = safe
    text, tokens = summary_for(safe, summary_cap)
    position = cuts.index(safe)
    for cut in reversed(cuts[max(0, position - 40):position]):
        cand_text, cand_tokens = summary_for(cut, summary_cap)
        if c.overhead + suffix[cut] + cand_tokens <= c.budget:
            best, text, tokens = cut, cand_text, cand_tokens
        else:
            break
    c.cut, c.summary, c.after_tokens = best, text, c.overhead + tokens + suffix[best]


def _starts_turn(c: Compaction, message_index: int) -> bool:
    """A kept part may start only at a user message that answers no tool call (a prompt)."""
    message = c.analysis.context.main.messages[message_index]
    return message.role == "user" and not message.tool_results() and not any(r.is_compact_summary for r in message.records)


# ---- writing -------------------------------------------------------------------------------------


@dataclass
class Written:
    output: Path
    session_id: str
    rejects: Path | None
    backup: Path | None
    boundary_line: int


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _latest(records: list[Record]) -> datetime:
    keys = [k for k in (time_key(r.timestamp) for r in records) if k]
    if not keys:
        return datetime(2000, 1, 1)
    return datetime.fromisoformat(max(keys))


def write(c: Compaction, *, in_place: bool = False, output: Path | None = None) -> Written:
    """Write the compacted session: a new session beside the input (default), `output`, or the
    input itself with a backup."""
    if not c.needed:
        raise CompactError(c.reason, 0)
    transcript = c.analysis.transcript
    tree = c.analysis.tree
    source = c.source
    old_session = tree.expected_session or ""
    key = f"{old_session}:{tree.leaf.uuid if tree.leaf else ''}:{transcript.line_count}:{transcript.size}:" \
          f"{c.budget}:{c.max_image_age}:{c.max_result_chars}"
    if in_place:
        target = Path(os.path.realpath(source))
        session_id = old_session or str(uuidlib.uuid5(_NAMESPACE, key + ":session"))
    elif output is not None:
        target = output
        session_id = old_session or str(uuidlib.uuid5(_NAMESPACE, key + ":session"))
        if target.resolve() == Path(source).resolve():
            raise CompactError("the output would overwrite the input: use --in-place to replace it (a backup is kept)", 2)
    else:
        session_id = str(uuidlib.uuid5(_NAMESPACE, key + ":session"))
        target = Path(source).with_name(f"{session_id}.jsonl")
    records = _new_records(c, key, session_id, c.summary)

    mode = os.stat(source).st_mode & 0o777
    before = transcript.fingerprint
    backup = None
    if in_place:
        if fingerprint(target) != before:
            raise WriteRefused(changed_message(source))
        backup = backup_path(target)
        try:
            shutil.copy2(target, backup)
        except OSError as exc:
            raise WriteRefused(f"cannot write the backup {backup}: {exc.strerror or exc}; nothing was changed") from None
    rejects = None
    shrunk = [i for i in c.kept if i.shrunk]
    try:
        with atomic_file(target, mode) as out:
            with open(source, "rb") as src:
                remaining = transcript.size
                last = b"\n"
                while remaining > 0:
                    chunk = src.read(min(1 << 20, remaining))
                    if not chunk:
                        break
                    out.write(chunk)
                    last = chunk[-1:]
                    remaining -= len(chunk)
                if last != b"\n":
                    out.write(b"\n")
            for record in records:
                out.write(orjson.dumps(record) + b"\n")
            if in_place and fingerprint(source) != before:
                raise WriteRefused(changed_message(source))
        if shrunk:
            rejects = target.with_name(target.name + ".rejects")
            with atomic_file(rejects, mode) as rej:
                for item in shrunk:
                    rej.write(transcript.read_raw(item.record) + b"\n")
    except WriteRefused:
        if backup is not None:
            backup.unlink(missing_ok=True)
        raise
    return Written(target, session_id, rejects, backup, transcript.line_count + 1)


def _new_records(c: Compaction, key: str, session_id: str, summary: str) -> list[dict]:
    transcript = c.analysis.transcript
    tree = c.analysis.tree
    leaf = tree.leaf
    leaf_value = transcript.read_value(leaf) if leaf else {}
    leaf_value = leaf_value if isinstance(leaf_value, dict) else {}
    common = {k: leaf_value[k] for k in ("userType", "entrypoint", "cwd") if k in leaf_value}
    common["sessionId"] = session_id
    common.update({k: leaf_value[k] for k in ("version", "gitBranch", "slug") if k in leaf_value})
    moment = _latest(transcript.records)
    tick = [0]

    def next_stamp() -> str:
        tick[0] += 1
        return _stamp(moment + timedelta(milliseconds=tick[0]))

    def new_uuid(name: str) -> str:
        return str(uuidlib.uuid5(_NAMESPACE, f"{key}:{name}"))

    boundary_uuid = new_uuid("boundary")
    summary_uuid = new_uuid("summary")
    kept = c.kept
    boundary = {
        "parentUuid": None,
        "logicalParentUuid": leaf.uuid if leaf else None,
        "isSidechain": False,
        **{k: common[k] for k in ("userType", "entrypoint", "cwd", "sessionId", "version", "gitBranch", "slug") if k in common},
        "type": "system",
        "subtype": "compact_boundary",
        "content": "Conversation compacted",
        "isMeta": False,
        "timestamp": next_stamp(),
        "uuid": boundary_uuid,
        "level": "info",
        "compactMetadata": {
            "trigger": "manual",
            "preTokens": c.before_tokens,
            "postTokens": c.after_tokens,
            "durationMs": 0,
            "transcriptDoctor": {
                "version": __version__,
                "budget": c.budget,
                "overheadTokens": c.overhead,
                "historyLines": [1, transcript.line_count],
                "keptFromLine": kept[0].record.line if kept else None,
                "keptRecords": len(kept),
            },
        },
    }
    summary_record = {
        "parentUuid": boundary_uuid,
        "isSidechain": False,
        **{k: common[k] for k in ("userType", "entrypoint", "cwd", "sessionId", "version", "gitBranch", "slug") if k in common},
        "type": "user",
        "message": {"role": "user", "content": summary},
        "isVisibleInTranscriptOnly": True,
        "isCompactSummary": True,
        "uuid": summary_uuid,
        "timestamp": next_stamp(),
    }
    out = [boundary, summary_record]
    mapped: dict[str, str] = {}
    parent = summary_uuid
    values = _read_lines(transcript.path, transcript.size, {i.record.line for i in kept}) if kept else {}
    prompts_after = _prompts_after(c.analysis.context.main)
    last_prompt = None
    for item in kept:
        if item.record.is_api_error:
            continue  # not sent by the client; it stays in the history
        value = dict(values[item.record.line])
        old = value.get("uuid")
        copy_uuid = new_uuid(f"copy:{old}:{item.record.line}")
        if isinstance(old, str):
            mapped[old] = copy_uuid
        message = value.get("message")
        if item.shrunk and isinstance(message, dict):
            content, _ = shrink_content(message.get("content"), prompts_after[item.message], item.record.line,
                                        c.max_image_age, c.max_result_chars)
            value["message"] = {**message, "content": content}
        value["parentUuid"] = parent
        value["uuid"] = copy_uuid
        value["timestamp"] = next_stamp()
        value["sessionId"] = session_id
        value["isSidechain"] = False
        source_tool = value.get("sourceToolAssistantUUID")
        if isinstance(source_tool, str) and source_tool in mapped:
            value["sourceToolAssistantUUID"] = mapped[source_tool]
        value["transcriptDoctor"] = {"copyOf": old, "line": item.record.line}
        out.append(value)
        parent = copy_uuid
        if item.facts.prompt:
            last_prompt = item.facts.prompt
    if any(r.type == "last-prompt" for r in transcript.records):
        # 2.1.3xx resumes from the leaf its last `last-prompt` checkpoint names
        out.append({"type": "last-prompt", "lastPrompt": _one_line(last_prompt or "", 200), "leafUuid": parent,
                    "sessionId": session_id})
    return out


# ---- the Python API behind `transcript-doctor compact` --------------------------------------------


def compact_file(path: str | os.PathLike[str], *, max_tokens: int | None = None, max_image_age: int | None = None,
                 max_result_chars: int | None = None, in_place: bool = False, output: Path | None = None) -> dict:
    """Plan and write a compaction of `path`; a report (dict) of what was done. Raises CompactError
    (nothing written) and WriteRefused."""
    c = plan(path, max_tokens=max_tokens, max_image_age=max_image_age, max_result_chars=max_result_chars)
    report: dict[str, Any] = {
        "path": str(path),
        "model": c.model,
        "budget": c.budget,
        "tokens_before": c.before_tokens,
        "counted_from": "usage" if c.counted_from_usage else "estimate",
        "overhead_tokens": c.overhead,
        "compacted": c.needed,
        "output": None,
        "session_id": None,
        "rejects": None,
        "backup": None,
        "cwd": None,
    }
    if not c.needed:
        report["message"] = c.reason
        return report
    written = write(c, in_place=in_place, output=output)
    leaf = c.analysis.tree.leaf
    value = c.analysis.transcript.read_value(leaf) if leaf else None
    report.update({
        "output": str(written.output),
        "session_id": written.session_id,
        "rejects": str(written.rejects) if written.rejects else None,
        "backup": str(written.backup) if written.backup else None,
        "boundary_line": written.boundary_line,
        "tokens_after": c.after_tokens,
        "summary_tokens": estimate_tokens(c.summary),
        "messages_total": c.total_messages,
        "messages_kept": c.kept_messages,
        "records_kept": sum(1 for i in c.kept if not i.record.is_api_error),
        "kept_from_line": c.kept[0].record.line if c.kept else None,
        "shrunk_records": sum(1 for i in c.kept if i.shrunk),
        "cwd": value.get("cwd") if isinstance(value, dict) and isinstance(value.get("cwd"), str) else None,
    })
    return report


def describe(report: dict, new_session: bool) -> list[str]:
    """The report for people, one line each."""
    if not report["compacted"]:
        return [f"{report['path']}: {report['message']}"]
    lines = [
        f"{report['path']}: {report['tokens_before']:,} tokens ({report['counted_from']}) -> about {report['tokens_after']:,}"
        f" of a budget of {report['budget']:,}",
        f"kept the last {report['messages_kept']} of {report['messages_total']} messages verbatim"
        + (f" (from line {report['kept_from_line']})" if report["kept_from_line"] else "")
        + f"; the rest summarised in {report['summary_tokens']:,} tokens",
    ]
    if report["shrunk_records"]:
        lines.append(f"{report['shrunk_records']} kept record(s) shrunk; their original lines are in {report['rejects']}")
    where = f"wrote {report['output']} (the whole history first, untouched; the compaction from line {report['boundary_line']})"
    if report["backup"]:
        where += f"; original kept as {report['backup']}"
    lines.append(where)
    if new_session:
        hint = f"cd {report['cwd']} && " if report["cwd"] else ""
        lines.append(f"resume it with: {hint}claude --resume {report['session_id']}")
    return lines
