"""`report` (and `bundle --html`): one self-contained HTML file that shows a session.

Two kinds of test: what the file says (read as text: every message anchored, every finding drawn
on its record, nothing fetched, secrets replaced, long texts cut), and what a real browser does
with it (headless Chromium from the system, driven over the DevTools protocol by tests/browser.py):
no console error, no request but the file itself, markers and anchors that land where they say.
The browser tests are skipped, with the reason, where no Chromium is installed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from conftest import EXAMPLES, example_names, run
from transcript_doctor.analysis import analyse
from transcript_doctor.html_report import Limits, render

CLEAN = EXAMPLES / "clean-2.0.30-parallel-tools.jsonl"
SECRET = "sk-ant-api03-" + "Zx9" * 12 + "AA"


def report_of(path: Path, **kwargs) -> str:
    return render(analyse(path), **kwargs).html


def write_report(path: Path, out: Path, **kwargs) -> Path:
    out.write_text(report_of(path, **kwargs), encoding="utf-8")
    return out


def edited(tmp_path: Path, source: Path, line: int, change) -> Path:
    """A copy of `source` with the record on `line` (1-based) passed through `change`."""
    lines = source.read_bytes().split(b"\n")
    value = json.loads(lines[line - 1])
    change(value)
    lines[line - 1] = json.dumps(value).encode()
    out = tmp_path / source.name
    out.write_bytes(b"\n".join(lines))
    return out


def ids(page: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', page)


def markers(page: str) -> list[dict]:
    return [dict(re.findall(r'data-(code|line|lane)="([^"]*)"', m)) for m in re.findall(r'<a class="marker[^>]*>', page)]


def expected_findings(name: str) -> list[dict]:
    return json.loads((EXAMPLES / f"{name}.expected.json").read_text())


# ---- the file itself ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["td201-orphan-tool-use", "td106-branches", "td402-tool-pair-split-by-compaction",
                                  "td404-api-error-storm"])
def test_the_report_asks_for_nothing_outside_itself(name):
    page = report_of(EXAMPLES / f"{name}.jsonl")
    lowered = page.lower()
    for tag in ("<link", "<img", "<iframe", "<object", "<embed", "<audio", "<video", "<source", "@import", "url("):
        assert tag not in lowered, tag
    assert re.findall(r'\b(?:src|srcset|action|xlink:href)\s*=', page) == []
    hrefs = re.findall(r'\bhref="([^"]*)"', page)
    assert hrefs and all(h.startswith("#") for h in hrefs), [h for h in hrefs if not h.startswith("#")]
    # The Content-Security-Policy forbids every fetch and allows exactly the page's own script and style.
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in csp
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    for text, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp


def test_text_from_the_transcript_is_shown_never_run(tmp_path):
    hostile = '<img src="https://example.com/x.png"><script>alert(1)</script> see https://example.com/docs'
    path = edited(tmp_path, CLEAN, 3, lambda v: v["message"].__setitem__("content", hostile))
    page = report_of(path)
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=&quot;https://example.com/x.png&quot;&gt;" in page
    assert all(h.startswith("#") for h in re.findall(r'\bhref="([^"]*)"', page))


def test_every_resumed_message_is_anchored_with_its_lines():
    path = EXAMPLES / "td201-orphan-tool-use.jsonl"
    page = report_of(path)
    shown = [json.loads(line) for line in run("show", path, "--json").out.splitlines()]
    anchors = [i for i in ids(page) if i.startswith("messages.")]
    assert anchors == [f"messages.{m['index']}" for m in shown]
    for m in shown:
        first, last = m["lines"]
        assert f'id="messages.{m["index"]}" data-index="{m["index"]}" data-lines="{first}-{last}"' in page
    assert len(ids(page)) == len(set(ids(page))), "an id is used twice"


@pytest.mark.parametrize("name", [n for n in example_names() if any(f["line"] for f in expected_findings(n))])
def test_every_injected_fault_is_a_marker_on_its_line(name):
    page = report_of(EXAMPLES / f"{name}.jsonl")
    drawn = {(m["code"], m["line"]) for m in markers(page)}
    for f in expected_findings(name):
        if f["line"] is not None:
            assert (f["code"], str(f["line"])) in drawn, f


def test_markers_sit_in_the_lane_of_their_record():
    page = report_of(EXAMPLES / "td201-orphan-tool-use.jsonl")
    assert {(m["code"], m["line"], m["lane"]) for m in markers(page)} == {("TD201", "53", "main"), ("TD201", "54", "main")}
    # each marker says what the rule means and what fix would do there
    title = re.search(r'<a class="marker[^>]*data-line="53"[^>]*><title>(.*?)</title>', page, re.S).group(1)
    assert "messages.23.content.1" in title and "why: A tool_use with no tool_result" in title
    assert re.search(r"fix: line \d+: inserted", title), title


def test_the_tree_shows_branches_compactions_and_the_resume_leaf():
    page = report_of(EXAMPLES / "td106-branches.jsonl")
    assert re.search(r'<g class="chain branch" data-kind="branch" data-leaf-line="61">', page)
    assert '<g class="resume-leaf" data-line="63">' in page
    path = EXAMPLES / "td402-tool-pair-split-by-compaction.jsonl"
    boundary = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if '"compact_boundary"' in line)
    page = report_of(path)
    assert page.count(f'<g class="compaction" data-line="{boundary}">') == 2  # on the tree and on the curve
    assert 'data-kind="compacted"' in page


def test_the_context_curve_has_the_window_compactions_and_api_errors():
    page = report_of(EXAMPLES / "td403-context-near-window.jsonl")
    assert "window 200,000" in page and "<polyline class=\"curve\"" in page
    assert "Peak 195,012 tokens" in page
    page = report_of(EXAMPLES / "td404-api-error-storm.jsonl")
    assert sorted(re.findall(r'<g class="api-error" data-line="(\d+)">', page)) == ["59", "60", "61"]


def test_findings_say_why_and_what_fix_would_do():
    page = report_of(EXAMPLES / "td201-orphan-tool-use.jsonl")
    row = re.search(r'<tr id="finding-1".*?</tr>', page, re.S).group(0)
    assert 'href="#messages.23"' in row and "messages.23.content.1" in row
    assert "A tool_use with no tool_result in the next message." in row
    assert "fix:</b> line 53" in row or "fix:</b> line 54" in row
    assert 'id="rule-TD201"' in page and "Failing example" in page
    page = report_of(EXAMPLES / "td403-context-near-window.jsonl")
    assert "no automatic repair for this rule" in page


def test_tool_calls_by_tool_with_errors():
    page = report_of(EXAMPLES / "td201-orphan-tool-use.jsonl")
    stats = run("stats", EXAMPLES / "td201-orphan-tool-use.jsonl", "--format", "json").json()
    for name, v in stats["tool_calls"].items():
        assert f'<td>{name}</td><td class="num">{v["calls"]:,}</td><td class="num">{v["errors"]:,}</td>' in page


def test_secrets_and_the_home_path_are_redacted_by_default(tmp_path):
    def plant(value):
        value["cwd"] = "/home/alice/app"
        value["message"]["content"] = f"deploy with ANTHROPIC_API_KEY={SECRET} from /home/alice/app"

    path = edited(tmp_path, CLEAN, 3, plant)
    out = tmp_path / "report.html"
    result = run("report", path, "-o", out)
    assert result.code == 0, result.err
    page = out.read_text()
    assert SECRET not in page and "/home/alice" not in page
    assert "[REDACTED:" in page and "/home/[user]/app" in page
    assert run("report", path, "-o", out, "--no-redact").code == 0
    page = out.read_text()
    assert SECRET in page and "/home/alice/app" in page and "NOT redacted" in page


def test_long_texts_are_cut_and_their_size_shown(tmp_path):
    big = "x" * 300_000
    path = edited(tmp_path, CLEAN, 7, lambda v: v["message"]["content"][0].__setitem__("content", big))
    page = report_of(path)
    assert "300,000 characters" in page and "more not shown" in page
    assert len(page) < 120_000


def test_a_huge_conversation_lists_the_messages_it_leaves_out():
    path = EXAMPLES / "td201-orphan-tool-use.jsonl"
    small = Limits(full_messages=8, head_messages=3, tail_messages=3, around_finding=1)
    page = report_of(path, limits=small)
    written = {int(i.split(".")[1]) for i in ids(page) if i.startswith("messages.")}
    assert written == {0, 1, 2} | {22, 23, 24} | {23, 24, 25}  # the start, around the finding at messages.23, the end
    gaps = [(int(a), int(b)) for a, b in re.findall(r'<div class="gap" data-first="(\d+)" data-last="(\d+)">', page)]
    assert gaps == [(3, 21)]
    for n in range(26):
        assert (n in written) != any(a <= n <= b for a, b in gaps)


def test_odd_content_is_shown_without_failing(tmp_path):
    deep = "bottom"
    for _ in range(900):  # deeper than orjson writes (255), shallower than it reads (1024)
        deep = {"a": deep}

    def odd(value):
        value["message"]["content"][0]["input"] = {"nest": deep}

    path = edited(tmp_path, CLEAN, 5, odd)
    path.write_bytes(path.read_bytes().replace(b'"MOCK-OK"', b'"half an emoji \\ud83d"', 1))
    out = tmp_path / "r.html"
    result = run("report", path, "-o", out)
    assert result.code == 0, result.err
    page = out.read_text(encoding="utf-8")
    assert "bottom" in page and "half an emoji \ufffd" in page


def test_the_conversation_stays_within_its_byte_budget(tmp_path):
    path = edited(tmp_path, CLEAN, 7, lambda v: v["message"]["content"][0].__setitem__("content", "<&>" * 50_000))
    page = report_of(path, limits=Limits(conversation_bytes=20_000))
    conversation = page[page.index('<section id="conversation">'):]
    assert len(conversation.encode()) < 20_000 + 5_000  # one message may pass the line before the rest is listed


# ---- the command line -----------------------------------------------------------------------------

def test_report_to_stdout_and_bundle_html(tmp_path):
    result = run("report", EXAMPLES / "td201-orphan-tool-use.jsonl", "-o", "-")
    assert result.code == 0 and result.out.startswith("<!DOCTYPE html>") and result.out.rstrip().endswith("</html>")
    out = tmp_path / "bundle.html"
    result = run("bundle", EXAMPLES / "td201-orphan-tool-use.jsonl", "-o", out, "--html")
    assert result.code == 0, result.err
    assert out.read_text().startswith("<!DOCTYPE html>") and 'id="messages.23"' in out.read_text()


def test_report_refuses_bad_input_in_one_line(tmp_path):
    result = run("report", tmp_path / "missing.jsonl", "-o", tmp_path / "r.html")
    assert result.code == 2 and "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    result = run("report", EXAMPLES / "td201-orphan-tool-use.jsonl", "-o", tmp_path / "no" / "such" / "dir" / "r.html")
    assert result.code == 2 and "Traceback" not in result.err and "cannot write" in result.err
    assert run("report", "--help").code == 0


def test_empty_and_codex_files_still_give_a_report(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    for path in (empty, Path(__file__).parent / "corpus" / "codex-small.jsonl"):
        out = tmp_path / "r.html"
        result = run("report", path, "-o", out)
        assert result.code == 0, result.err
        assert out.read_text().endswith("</html>\n")


# ---- in a real browser ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    from browser import Browser, find_chromium

    if find_chromium() is None:
        pytest.skip("no Chromium installed (apt-get install chromium, or set TD_CHROMIUM): the browser tests need one")
    b = Browser.start()  # installed but failing to start is a failure, not a skip
    yield b
    b.close()


@pytest.mark.parametrize("name", ["td201-orphan-tool-use", "td106-branches", "td402-tool-pair-split-by-compaction",
                                  "td404-api-error-storm", "clean-2.0.30-parallel-tools"])
def test_browser_loads_the_report_without_errors_or_requests(browser, tmp_path, name):
    out = write_report(EXAMPLES / f"{name}.jsonl", tmp_path / "report.html")
    page = browser.open(out.as_uri())
    assert page.console_errors == []
    assert page.requests == [out.as_uri()]
    assert page.evaluate("document.querySelectorAll('svg.chart').length") >= 1


def test_browser_would_report_a_page_that_fetches(browser, tmp_path):
    """The check above can fail: a page that asks for an image is caught both ways."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"><script>console.error("x")</script></body></html>')
    page = browser.open(bad.as_uri())
    assert "http://127.0.0.1:9/x.png" in page.requests and page.console_errors


def test_browser_markers_are_drawn_on_their_records(browser, tmp_path):
    out = write_report(EXAMPLES / "td201-orphan-tool-use.jsonl", tmp_path / "report.html")
    page = browser.open(out.as_uri())
    lines = sum(1 for _ in open(EXAMPLES / "td201-orphan-tool-use.jsonl", "rb"))
    found = page.evaluate("""(() => {
        const axis = document.querySelector('#tree-svg line.axis');
        const x1 = +axis.getAttribute('x1'), x2 = +axis.getAttribute('x2');
        const main = document.querySelector('#tree-svg .chain.main line').getBBox();
        return [...document.querySelectorAll('#tree-svg a.marker')].map(a => {
            const b = a.getBBox();
            return {line: +a.dataset.line, code: a.dataset.code, at: (b.x + b.width / 2 - x1) / (x2 - x1),
                    onMain: Math.abs(b.y + b.height / 2 - (main.y + main.height / 2)) < 4,
                    href: a.getAttribute('href')};
        });
    })()""")
    assert sorted((m["code"], m["line"]) for m in found) == [("TD201", 53), ("TD201", 54)]
    for m in found:
        assert m["onMain"]
        assert abs(m["at"] - (m["line"] - 1) / (lines - 1)) < 0.01
    # A click on the marker (a real mouse click) opens its finding; the finding's API position is the record's message.
    x, y = page.evaluate("""(() => {
        const r = document.querySelector('#tree-svg a.marker[data-line="53"]').getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2];
    })()""")
    for kind in ("mousePressed", "mouseReleased"):
        page.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    followed = page.evaluate("""new Promise(done => setTimeout(() => {
        const row = document.querySelector(':target');
        const api = row.querySelector('a[href^="#messages."]').getAttribute('href').slice(1);
        const msg = document.getElementById(api);
        const part = msg.querySelector('.part[data-line="53"]');
        done([row.dataset.line, api, part !== null && part.classList.contains('flagged')]);
    }, 100))""")
    assert followed == ["53", "messages.23", True]


def test_browser_anchor_lands_on_the_message(browser, tmp_path):
    out = write_report(EXAMPLES / "td201-orphan-tool-use.jsonl", tmp_path / "report.html")
    for index, line in ((23, 53), (5, 13)):
        page = browser.open(out.as_uri() + f"#messages.{index}", height=600)
        where = page.evaluate("""(() => {
            const t = document.querySelector(':target'), r = t.getBoundingClientRect();
            return {id: t.id, top: r.top, height: innerHeight, lines: t.dataset.lines,
                    hit: document.elementFromPoint(200, Math.max(r.top + 20, 60)).closest('article')?.id};
        })()""")
        assert where["id"] == f"messages.{index}"
        assert 0 <= where["top"] < where["height"]
        assert where["hit"] == f"messages.{index}"
        first, last = map(int, where["lines"].split("-"))
        assert first <= line <= last
        assert page.console_errors == []
    page = browser.open(out.as_uri() + "#line-53", height=600)
    assert page.evaluate("document.querySelector(':target').closest('article').id") == "messages.23"


def test_browser_anchor_of_a_left_out_message_lands_on_its_range(browser, tmp_path):
    small = Limits(full_messages=8, head_messages=3, tail_messages=3, around_finding=1)
    out = write_report(EXAMPLES / "td201-orphan-tool-use.jsonl", tmp_path / "report.html", limits=small)
    page = browser.open(out.as_uri() + "#messages.10", height=600)
    gap = page.evaluate("""(() => {
        const g = document.querySelector('.gap.hit'), r = g && g.getBoundingClientRect();
        return g && [+g.dataset.first, +g.dataset.last, r.top >= 0 && r.top < innerHeight];
    })()""")
    assert gap == [3, 21, True]
    assert page.console_errors == []
