"""Describe the recorded replay evidence (tests/replay_evidence/) in plain text, for the evidence notes.

    python tests/realclient/describe.py [VERSION ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EVIDENCE = Path(__file__).resolve().parent.parent / "replay_evidence"
PATCH_TEXTS = ("[Tool result missing", "(no content)", "[Tool call interrupted", "No response requested.",
               "[Request interrupted")


def blocks(content) -> list[dict]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])


def short(block: dict) -> str:
    kind = block.get("type")
    if kind == "tool_use":
        return f"use:{block.get('id', '')[-5:]}"
    if kind == "tool_result":
        inner = block.get("content")
        text = inner if isinstance(inner, str) else " ".join(b.get("text", "") for b in blocks(inner) if isinstance(b, dict))
        return f"res:{block.get('tool_use_id', '')[-5:]}={' '.join(text.split())[:40]!r}"
    if kind == "text":
        return f"text:{' '.join(block.get('text', '').split())[:40]!r}"
    return kind or "?"


def shape(messages: list[dict]) -> str:
    return " | ".join(f"{n}.{m['role'][0]}[{', '.join(short(b) for b in blocks(m.get('content')))}]"
                      for n, m in enumerate(messages))


def parse_lines(data: bytes) -> list[dict | None]:
    """Every non-blank JSON line parsed; None for a line that does not parse."""
    out = []
    for line in data.split(b"\n"):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append(None)
    return out


def file_lines(path: Path) -> list[dict | None]:
    return parse_lines(path.read_bytes())


def new_records(session: Path, after: Path) -> list[str]:
    before = {json.dumps(r, sort_keys=True) for r in file_lines(session) if r is not None}
    out = []
    for r in file_lines(after):
        if r is None:
            out.append("(unparsable line)")
            continue
        if json.dumps(r, sort_keys=True) in before or r.get("type") in ("queue-operation", "last-prompt", "cost-state",
                                                                           "atis-latch", "tools-used", "mode",
                                                                           "api-request-shape", "api-request-blob"):
            continue
        desc = r.get("type", "?")
        if r.get("type") == "attachment":
            desc += f"({(r.get('attachment') or {}).get('type')})"
        message = r.get("message") or {}
        if message:
            desc += " [" + ", ".join(short(b) for b in blocks(message.get("content"))) + "]"
        for key in ("toolDenialKind", "isApiErrorMessage", "isMeta", "isCompactSummary", "subtype", "level"):
            if key in r:
                desc += f" {key}={r[key]!r}"
        if message.get("model") == "<synthetic>":
            desc += " model=<synthetic>"
        if r.get("type") == "system" and r.get("content"):
            desc += f" content={str(r['content'])[:80]!r}"
        if r.get("type") == "api-request":
            desc += f" keep={r.get('keep')} tail={len(r.get('tail') or [])}"
        out.append(desc)
    return out


def describe(version: str) -> None:
    for folder in sorted(p for p in (EVIDENCE / version).iterdir() if p.is_dir()):
        rows = [json.loads(x) for x in (folder / "requests.ndjson").read_text().splitlines() if x.strip()]
        requests = [r for r in rows if "messages" in r]
        client = next((r for r in rows if "client_exit" in r), {})
        print(f"## {version} {folder.name}: exit {client.get('client_exit')}, statuses {[r['status'] for r in requests]}")
        errors = sorted({r["error"] for r in requests if r["error"]})
        for e in errors:
            print(f"   400: {e}")
        seen = set()
        for r in requests:
            text = shape(r["messages"])
            if text in seen:
                continue
            seen.add(text)
            print(f"   request {r['request']} ({len(r['messages'])} messages): {text}")
            patches = [b.get("text") or short(b) for m in r["messages"] for b in blocks(m.get("content"))
                       for inner in [b] + (blocks(b.get("content")) if b.get("type") == "tool_result" else [])
                       if any(p in json.dumps(inner) for p in PATCH_TEXTS)]
            if patches:
                print(f"   patch texts: {patches}")
        print(f"   written back: {new_records(folder / 'session.jsonl', folder / 'after.jsonl')}")
        if client.get("stdout", "").strip() or client.get("stderr", "").strip():
            print(f"   client said: {client.get('stdout', '').strip()[-160:]!r} {client.get('stderr', '').strip()[-160:]!r}")


if __name__ == "__main__":
    for v in sys.argv[1:] or sorted(p.name for p in EVIDENCE.iterdir() if p.is_dir()):
        describe(v)
