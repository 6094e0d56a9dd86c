"""Make docs/report-example.png, the screenshot of `transcript-doctor report` the README shows.

    python docs/report_example.py [--html report.html]

A session is generated (benchmarks/generate.py, fixed seed: a side branch, a sub-agent sidechain,
a compaction), two faults are injected the way users meet them (a tool result written under the
wrong id, which leaves its call unanswered, and three API errors in a row), the report is written
and a headless Chromium (tests/browser.py) takes the top of the page.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser import Browser  # noqa: E402
from transcript_doctor.analysis import analyse  # noqa: E402
from transcript_doctor.html_report import render  # noqa: E402


def build_session(folder: Path) -> Path:
    generated = folder / "generated.jsonl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--size", "1300KB", "--compact-every", "800KB",
                    "--seed", "7", "--out", str(generated)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lines = generated.read_bytes().split(b"\n")
    session = next(json.loads(raw)["sessionId"] for raw in lines if b'"sessionId"' in raw)
    path = generated.rename(folder / f"{session}.jsonl")  # named as Claude Code names it
    records = [json.loads(raw) if raw.strip() else None for raw in lines]
    main = analyse(path).context.main
    # A result written under the wrong id: its call is left unanswered (TD201), the result is an orphan (TD202).
    results = [p for m in main.messages if m.role == "user" for p in m.tool_results()]
    victim = results[len(results) // 2]
    content = records[victim.record.line - 1]["message"]["content"]
    for block in content:
        if block.get("type") == "tool_result":
            block["tool_use_id"] = "toolu_01LostResultWrittenUnderAnotherId"
    # Three API errors in a row after an assistant reply in the middle of the resumed conversation (TD404).
    reply = next(m for m in main.messages[len(main.messages) // 3:] if m.role == "assistant").records[-1]
    anchor = records[reply.line - 1]
    errors = []
    for attempt in (1, 2, 3):
        errors.append({"parentUuid": anchor["uuid"], "isSidechain": False, "userType": "external", "cwd": anchor.get("cwd"),
                       "sessionId": anchor["sessionId"], "version": anchor.get("version"), "type": "system", "subtype": "api_error",
                       "level": "error", "error": {"message": "Overloaded", "status": 529}, "retryInMs": 1000 * attempt,
                       "retryAttempt": attempt, "maxRetries": 10, "timestamp": anchor["timestamp"],
                       "uuid": f"00000000-0000-4000-8000-00000000000{attempt}"})
    out = []
    for i, value in enumerate(records):
        out.append(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() if value is not None else lines[i])
        if i == reply.line - 1:
            out.extend(json.dumps(e, separators=(",", ":")).encode() for e in errors)
    path.write_bytes(b"\n".join(out))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, help="also keep the report here")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report-example.png")
    parser.add_argument("--height", type=int, default=1450)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        session = build_session(Path(tmp))
        report = Path(tmp) / "report.html"
        report.write_text(render(analyse(session)).html, encoding="utf-8")
        if args.html:
            args.html.write_text(report.read_text(encoding="utf-8"), encoding="utf-8")
        with Browser.start() as browser:
            page = browser.open(report.as_uri(), width=1280, height=args.height)
            if page.console_errors or page.requests != [report.as_uri()]:
                raise SystemExit(f"the page misbehaved: {page.console_errors} {page.requests}")
            page.screenshot(args.out, 1280, args.height)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:,.0f} KB)")


if __name__ == "__main__":
    main()
