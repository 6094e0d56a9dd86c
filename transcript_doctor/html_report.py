"""`report`: one self-contained HTML file that shows the shape of a session.

What a support engineer looks at before reading a long transcript: the tree (the resumed
conversation, side branches, sub-agent sidechains, compaction boundaries, the leaf resume
continues, each finding as a marker on its record), the context curve (recorded `usage` over the
file, the model's window, compactions, API errors), the findings with the rule's explanation and
what `fix` would do, the resumed conversation as a chat (every message anchored as `messages.N`)
and the tool calls by tool.

The drawings are SVG written here, in Python: the page needs no library, no network and no script
to show them, and the same numbers that `check` and `stats` print place every mark. The page's
Content-Security-Policy forbids every fetch (`default-src 'none'`); the one inline script is
allowed by its hash and only adds conveniences (tooltips, expand/collapse, finding the summarised
part that holds a message left out of a very large report).

Big sessions stay light: long texts are cut (their size is shown), and past a few thousand
messages only the start, the end and the neighbourhood of each finding are written in full; the
messages left out are named by range, and `#messages.N` still lands on the range that holds N.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import html
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from . import __version__
from .analysis import Analysis
from .findings import Finding
from .projection import ApiMessage, ApiPart
from .records import Record, sent_content
from .redact import Redactor
from .report import plural, summary_line
from .rules import lookup
from .stats import compute
from .tree import BRANCH, COMPACTED, MAIN, SIDECHAIN, time_key



@dataclass(frozen=True)
class Limits:
    """What keeps a report of a huge session light (a 100 MB transcript gives a few MB)."""

    conversation_bytes: int = 6_000_000  # the chat's HTML; texts are cut shorter as it fills
    part_chars: int = 4_000  # characters of one block at most (prompt, reply, tool input or output)
    part_floor: int = 120  # ...and at least, however full the report is
    full_messages: int = 3_000  # above this, only the start, the end and around the findings are written
    head_messages: int = 500
    tail_messages: int = 1_500
    around_finding: int = 3
    markers: int = 1_500  # finding markers drawn on the tree (most severe first)
    finding_rows: int = 2_000  # rows of the findings table


PART_OVERHEAD = 400  # bytes of markup around one block, about
LANES_PER_KIND = 6  # lanes for side branches, sidechains and compacted history, each
REDACT_MARGIN = 1_024  # characters read past the cut, so a secret across the cut is still found

PLOT_LEFT = 150  # the tree and the curve share one x axis: a line of the file is at one x in both
PLOT_WIDTH = 1_000
SVG_WIDTH = PLOT_LEFT + PLOT_WIDTH + 50


@dataclass
class HtmlReport:
    html: str
    redactions: dict[str, int] = field(default_factory=dict)
    messages_total: int = 0
    messages_written: int = 0


def render(analysis: Analysis, *, redact: bool = True, limits: Limits = Limits()) -> HtmlReport:
    """The report for one analysed transcript; redacted with `redact.Redactor` unless told not to."""
    return _Builder(analysis, redact, limits).build()


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cut(text: str, limit: int) -> tuple[str, int]:
    """The first `limit` characters of `text` and how many were left out."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def _chars(n: int) -> str:
    return f"{n:,} character{'s' if n != 1 else ''}"


class _Values:
    """Reads the JSON of chosen records with one open handle (the summaries hold only heads)."""

    def __init__(self, path: Path) -> None:
        self.handle = open(path, "rb")

    def close(self) -> None:
        self.handle.close()

    def read(self, record: Record) -> Any:
        self.handle.seek(record.offset)
        raw = self.handle.read(record.length)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            try:
                return json.loads(raw.decode("utf-8", "replace").lstrip("\ufeff"))
            except (ValueError, RecursionError):
                return None


class _Builder:
    def __init__(self, analysis: Analysis, redact: bool, limits: Limits) -> None:
        self.analysis = analysis
        self.limits = limits
        self.t = analysis.transcript
        self.tree = analysis.tree
        self.main = analysis.context.main
        self.redactor: Redactor | None = None
        if redact:
            self.redactor = Redactor(home=Redactor.detect_home(
                self.t.read_value(r).get("cwd") for r in self.t.records[:50] if r.type in ("user", "assistant")))
        self.stats = compute(analysis)
        self.max_line = max(self.t.line_count, 1)
        self.finding_ids: dict[int, str] = {}  # id(finding) -> anchor
        self.by_message: dict[int, list[tuple[Finding, str]]] = {}
        for i, f in enumerate(analysis.findings):
            anchor = f"finding-{i + 1}"
            self.finding_ids[id(f)] = anchor
            if f.message_index is not None:
                self.by_message.setdefault(f.message_index, []).append((f, anchor))
        self.written: set[int] = set()  # indexes of the messages written in full
        self.line_anchor: dict[int, int] = {}  # file line -> message index that holds it (main conversation)
        if self.main is not None:
            for msg in self.main.messages:
                for rec in msg.records:
                    self.line_anchor[rec.line] = msg.index

    # ---- text helpers ---------------------------------------------------------------------
    def red(self, text: str) -> str:
        return self.redactor.redact_text(text) if self.redactor is not None else text

    def shown(self, text: str, limit: int) -> tuple[str, int]:
        """Redacted text cut to `limit`, and how many characters of the original were left out.
        The redactor sees a little more than is shown, so a secret across the cut is replaced."""
        head, _ = _cut(text, limit + REDACT_MARGIN)
        if "-----BEGIN" in head and "-----END" not in head:
            head = text[: limit + 16_384]  # a private key across the cut: give it room to end
        cleaned = self.red(head)
        kept, _ = _cut(cleaned, limit)
        return kept, max(0, len(text) - limit)

    def x(self, line: int) -> float:
        if self.max_line <= 1:
            return PLOT_LEFT + PLOT_WIDTH / 2
        return round(PLOT_LEFT + (line - 1) / (self.max_line - 1) * PLOT_WIDTH, 1)

    # ---- the page --------------------------------------------------------------------------
    def build(self) -> HtmlReport:
        values = _Values(self.t.path)
        try:
            changes, skipped = self._fix_plan()
            # what fix would do, said once per finding (a marker's tooltip and its row say the same)
            self.fix_texts = {id(f): self._fix_text(f, changes, skipped)
                              for f in self.analysis.findings[: max(self.limits.finding_rows, self.limits.markers)]}
            body = [
                self._header(),
                self._tree_section(),
                self._curve_section(values),
                self._findings_section(),
                self._tools_section(),
                self._conversation_section(values),
                self._footer(),
            ]
        finally:
            values.close()
        script = _SCRIPT
        style = _STYLE
        csp = ("default-src 'none'; "
               f"style-src 'sha256-{_sha256(style)}'; "
               f"script-src 'sha256-{_sha256(script)}'; "
               "base-uri 'none'; form-action 'none'")
        title = f"transcript-doctor report: {self.red(self.t.name)}"
        page = "".join([
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(csp)}\">",
            "<meta name=\"referrer\" content=\"no-referrer\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            f"<meta name=\"generator\" content=\"transcript-doctor {esc(__version__)}\">",
            f"<title>{esc(title)}</title><style>{style}</style></head><body>",
            "<nav class=\"top\"><a href=\"#overview\">overview</a><a href=\"#tree\">tree</a><a href=\"#context\">context</a>"
            "<a href=\"#findings\">findings</a><a href=\"#tools\">tool calls</a><a href=\"#conversation\">conversation</a>"
            "<button type=\"button\" id=\"toggle-all\">expand all</button></nav><main>",
            *body,
            f"</main><script>{script}</script></body></html>\n",
        ])
        found = dict(sorted(self.redactor.found.items())) if self.redactor is not None else {}
        page = _valid_unicode(page)
        total = len(self.main.messages) if self.main is not None else 0
        return HtmlReport(page, found, total, len(self.written))

    def _header(self) -> str:
        t, s = self.t, self.stats
        rows = [
            ("file", f"{self.red(t.name)}: {t.size:,} bytes, {t.line_count:,} lines, {len(t.records):,} records"),
            ("result", self.red(summary_line(self.analysis))),
            ("Claude Code", ", ".join(s["versions"]) or "unknown"),
            ("models", ", ".join(s["models"]) or "unknown"),
            ("time", f"{s['first_timestamp'] or '?'} to {s['last_timestamp'] or '?'}"),
            ("resume leaf", self._leaf_label()),
            ("written by", f"transcript-doctor {__version__}; "
             + ("secrets and the home path replaced with placeholders" if self.redactor is not None
                else "NOT redacted (--no-redact): may hold secrets")),
        ]
        cells = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
        a = self.analysis
        counts = (f"<p class=\"counts\"><span class=\"sev error\">{plural(a.errors, 'error')}</span> "
                  f"<span class=\"sev warning\">{plural(a.warnings, 'warning')}</span> "
                  f"<span class=\"sev info\">{a.infos} info</span></p>")
        return (f"<section id=\"overview\"><h1>{esc(self.red(t.name))}</h1>{counts}"
                f"<table class=\"facts\">{cells}</table></section>")

    def _leaf_label(self) -> str:
        leaf = self.tree.leaf
        if leaf is None:
            return self.tree.leaf_reason
        where = self.line_anchor.get(leaf.line)
        at = f", messages.{where}" if where is not None else ""
        return f"line {leaf.line}{at} ({self.tree.leaf_reason})"

    # ---- the tree --------------------------------------------------------------------------
    def _lanes(self) -> tuple[list[tuple[str, str]], list[tuple[Any, int, list[Record], Record | None]], dict[str | None, int]]:
        """Lanes (kind, label) top to bottom; each side chain with its lane, its own records (those
        no chain drawn before holds) and the record it forks from; record uuid -> lane."""
        lanes: list[tuple[str, str]] = [(MAIN, "sub-agent's chain" if self.tree.sidechain_only else "resumed conversation")]
        placed: list[tuple[Any, int, list[Record], Record | None]] = []
        lane_of: dict[str | None, int] = {}
        if self.tree.main is not None:
            for rec in self.tree.main.records:
                lane_of[rec.uuid] = 0
        labels = {BRANCH: "side branch", SIDECHAIN: "sidechain", COMPACTED: "before compaction"}
        for kind in (COMPACTED, BRANCH, SIDECHAIN):
            chains = [c for c in self.tree.side if c.kind == kind]
            if not chains:
                continue
            first = len(lanes)
            taken: list[list[tuple[float, float]]] = []  # per lane of this kind: drawn spans, in x
            for chain in sorted(chains, key=lambda c: c.leaf.line):
                own = [r for r in chain.records if r.uuid not in lane_of]
                if not own:
                    continue
                fork = None
                for r in chain.records:  # root first: the last shared record before its own ones
                    if r is own[0]:
                        break
                    fork = r
                lo, hi = self.x(min(r.line for r in own)), self.x(max(r.line for r in own))
                free = [i for i, spans in enumerate(taken) if all(hi + 6 < a or lo > b + 6 for a, b in spans)]
                if free:
                    i = free[0]
                elif len(taken) < LANES_PER_KIND:
                    taken.append([])
                    i = len(taken) - 1
                else:  # crowded: share the lane holding the least
                    i = min(range(len(taken)), key=lambda k: sum(b - a for a, b in taken[k]))
                taken[i].append((lo, hi))
                placed.append((chain, first + i, own, fork))
                for rec in own:
                    lane_of[rec.uuid] = first + i
            lanes.extend((kind, labels[kind]) for _ in taken)
        return lanes, placed, lane_of

    def _tree_section(self) -> str:
        tree = self.tree
        lanes, placed, lane_of = self._lanes()
        has_file_lane = any(f.line and (f.uuid is None or f.uuid not in lane_of) for f in self.analysis.findings)
        if has_file_lane:
            lanes.append(("file", "off every chain"))
        lane_h = 26
        top = 34
        height = top + lane_h * len(lanes) + 44

        def y(lane: int) -> float:
            return top + lane * lane_h + lane_h / 2

        out = [f"<svg class=\"chart\" id=\"tree-svg\" viewBox=\"0 0 {SVG_WIDTH} {height}\" width=\"{SVG_WIDTH}\" height=\"{height}\" "
               "role=\"img\" aria-label=\"conversation tree along the file\">"]
        # lane labels and guides
        for i, (kind, label) in enumerate(lanes):
            out.append(f"<text class=\"lane-label\" x=\"{PLOT_LEFT - 8}\" y=\"{y(i) + 4}\" text-anchor=\"end\">{esc(label)}</text>")
            out.append(f"<line class=\"guide\" x1=\"{PLOT_LEFT}\" x2=\"{PLOT_LEFT + PLOT_WIDTH}\" y1=\"{y(i)}\" y2=\"{y(i)}\"/>")
        # compaction boundaries across every lane
        labelled = -1e9
        for b in sorted(tree.compact_boundaries, key=lambda r: r.line):
            bx = self.x(b.line)
            label = ""
            if bx - labelled > 70:  # crowded boundaries keep their line and tooltip, not a label each
                label = f"<text x=\"{bx + 3}\" y=\"{top - 10}\">compaction</text>"
                labelled = bx
            out.append(f"<g class=\"compaction\" data-line=\"{b.line}\"><title>compaction boundary, line {b.line}</title>"
                       f"<line x1=\"{bx}\" x2=\"{bx}\" y1=\"{top - 6}\" y2=\"{height - 40}\"/>{label}</g>")
        # the resumed conversation
        if tree.main is not None and tree.main.records:
            lines = [r.line for r in tree.main.records]
            x1, x2 = self.x(min(lines)), self.x(max(lines))
            out.append(f"<g class=\"chain main\" data-kind=\"main\"><title>resumed conversation: lines {min(lines)}-{max(lines)}, "
                       f"{len(lines):,} records, {len(self.main.messages) if self.main else 0:,} API messages</title>"
                       f"<line x1=\"{x1}\" x2=\"{max(x2, x1 + 2)}\" y1=\"{y(0)}\" y2=\"{y(0)}\"/></g>")
            out.append(self._prompt_ticks(y(0)))
        # side chains
        for chain, lane, own, fork in placed:
            start, end = min(r.line for r in own), max(r.line for r in own)
            cy = y(lane)
            x1, x2 = self.x(start), self.x(end)
            joins = f"; forks from line {fork.line}" if fork is not None else self._joins(chain)
            parts = [f"<g class=\"chain {chain.kind}\" data-kind=\"{chain.kind}\" data-leaf-line=\"{chain.leaf.line}\">"
                     f"<title>{esc(chain.kind)}: lines {start}-{end}, {len(own):,} records of its own, leaf line {chain.leaf.line}"
                     f"{joins}</title>"]
            if fork is not None:
                jx, jy = self.x(fork.line), y(lane_of.get(fork.uuid, 0))
                parts.append(f"<path class=\"fork\" d=\"M{jx},{jy} C{jx},{cy} {jx},{cy} {x1},{cy}\"/>")
            parts.append(f"<line x1=\"{x1}\" x2=\"{max(x2, x1 + 2)}\" y1=\"{cy}\" y2=\"{cy}\"/>"
                         f"<circle class=\"leaf-dot\" cx=\"{x2}\" cy=\"{cy}\" r=\"2.5\"/></g>")
            out.append("".join(parts))
        # a compaction continues the history it summarised: its logicalParentUuid, dotted
        for b in tree.compact_boundaries:
            before = tree.by_uuid.get(b.logical_parent) if b.logical_parent else None
            if before is not None and before.uuid in lane_of and b.uuid in lane_of:
                bx, by = self.x(b.line), y(lane_of[b.uuid])
                px, py = self.x(before.line), y(lane_of[before.uuid])
                out.append(f"<path class=\"logical\" d=\"M{px},{py} C{bx},{py} {px},{by} {bx},{by}\">"
                           f"<title>the compaction at line {b.line} continues line {before.line}</title></path>")
        if len(tree.side) < tree.side_leaves_total:
            out.append(f"<text class=\"note\" x=\"{PLOT_LEFT}\" y=\"{height - 4}\">{tree.side_leaves_total - len(tree.side):,} more side "
                       "leaves not drawn</text>")
        # the leaf resume continues from
        if tree.leaf is not None:
            lx = self.x(tree.leaf.line)
            ly = y(lane_of.get(tree.leaf.uuid, 0))
            out.append(f"<g class=\"resume-leaf\" data-line=\"{tree.leaf.line}\"><title>resume continues from line {tree.leaf.line} "
                       f"({esc(tree.leaf_reason)})</title><circle cx=\"{lx}\" cy=\"{ly}\" r=\"7\"/>"
                       f"<text x=\"{min(lx, PLOT_LEFT + PLOT_WIDTH - 60)}\" y=\"{ly - 10}\">resume</text></g>")
        # finding markers
        drawn = 0
        stacked: dict[tuple[int, float], int] = {}
        for f in self.analysis.findings:
            if f.line is None or drawn >= self.limits.markers:
                continue
            lane = lane_of.get(f.uuid) if f.uuid else None
            if lane is None:
                lane = len(lanes) - 1 if has_file_lane else 0
            mx = self.x(f.line)
            key = (lane, mx)
            nth = stacked.get(key, 0)
            stacked[key] = nth + 1
            my = y(lane) - min(nth, 3) * 4
            anchor = self.finding_ids[id(f)]
            rule = lookup(f.code)
            label = (f"{f.code} {f.name} ({f.severity}), line {f.line}" + (f", {f.api_path}" if f.api_path else "")
                     + f": {self.red(f.message)}" + (f"\nwhy: {rule.summary}" if rule else "")
                     + f"\nfix: {self.fix_texts.get(id(f), '')}")
            out.append(f"<a class=\"marker {f.severity}\" href=\"#{anchor}\" data-code=\"{f.code}\" data-line=\"{f.line}\" "
                       f"data-lane=\"{lanes[lane][0]}\" data-uuid=\"{esc(f.uuid or '')}\"><title>{esc(label)}</title>"
                       f"{_marker_shape(f.severity, mx, my)}</a>")
            drawn += 1
        out.append(self._axis(top + lane_h * len(lanes) + 4))
        out.append("</svg>")
        more = len([f for f in self.analysis.findings if f.line is not None]) - drawn
        legend = ("<p class=\"legend\"><span class=\"key main\">resumed conversation</span> <span class=\"key branch\">side branch</span> "
                  "<span class=\"key sidechain\">sidechain (sub-agent)</span> <span class=\"key compacted\">before compaction</span> "
                  "<span class=\"key compaction\">compaction boundary</span> <span class=\"key leaf\">resume leaf</span> "
                  "<span class=\"key error\">error</span> <span class=\"key warning\">warning</span> <span class=\"key info\">info</span> "
                  "&middot; x: line of the file; ticks on the resumed conversation: prompts; click a marker for its finding</p>")
        note = f"<p class=\"note\">{more:,} more findings not drawn (see the table)</p>" if more > 0 else ""
        return (f"<section id=\"tree\"><h2>The tree</h2><div class=\"scroll\">{''.join(out)}</div>{legend}{note}</section>")

    def _joins(self, chain) -> str:
        if chain.stop == MAIN and chain.stop_record is not None:
            return f"; leaves the resumed conversation at line {chain.stop_record.line}"
        if chain.stop == "missing-parent":
            return "; its first record's parent is not in the file"
        return ""

    def _prompt_ticks(self, cy: float) -> str:
        if self.main is None:
            return ""
        xs = []
        for msg in self.main.messages:
            if msg.role == "user" and any(p.block.kind == "text" for p in msg.parts) and not any(
                    p.block.kind == "tool_result" for p in msg.parts):
                xs.append(self.x(msg.first_line))
        xs = sorted(set(xs))
        if not xs or len(xs) > 3_000:
            return ""
        d = "".join(f"M{x},{cy - 5}v10" for x in xs)
        return f"<path class=\"prompt-ticks\" d=\"{d}\"><title>{len(xs):,} prompts</title></path>"

    def _axis(self, ay: float) -> str:
        out = [f"<line class=\"axis\" x1=\"{PLOT_LEFT}\" x2=\"{PLOT_LEFT + PLOT_WIDTH}\" y1=\"{ay}\" y2=\"{ay}\"/>"]
        stamps = [(r.line, r.timestamp) for r in self.t.records if r.timestamp and time_key(r.timestamp)]
        lines_with_time = [s[0] for s in stamps]
        for line in _ticks(self.max_line):
            tx = self.x(line)
            label = f"line {line:,}"
            i = bisect.bisect_left(lines_with_time, line)
            when = stamps[min(i, len(stamps) - 1)][1] if stamps else None
            out.append(f"<line class=\"axis\" x1=\"{tx}\" x2=\"{tx}\" y1=\"{ay}\" y2=\"{ay + 4}\"/>"
                       f"<text class=\"tick\" x=\"{tx}\" y=\"{ay + 16}\" text-anchor=\"middle\">{label}</text>")
            if when:
                out.append(f"<text class=\"tick time\" x=\"{tx}\" y=\"{ay + 28}\" text-anchor=\"middle\">{esc(when[:16].replace('T', ' '))}</text>")
        return "".join(out)

    # ---- the context curve -----------------------------------------------------------------
    def _curve_section(self, values: _Values) -> str:
        from .rules.td403_context_near_window import window_for

        points = [p for p in self.stats["context_timeline"] if not p.get("compaction")]
        boundaries = sorted(self.tree.compact_boundaries, key=lambda r: r.line)
        errors = [r for r in self.t.records if r.error_text is not None]
        if not points and not errors:
            return ("<section id=\"context\"><h2>Context over the session</h2>"
                    "<p class=\"note\">No response in this file records its token usage.</p></section>")
        window = max((window_for(m) for m in self.stats["models"]), default=200_000)
        peak = max((p["context_tokens"] for p in points), default=0)
        top_value = max(window, peak) * 1.08
        top, plot_h = 16, 220
        height = top + plot_h + 40

        def y(v: float) -> float:
            return round(top + plot_h - v / top_value * plot_h, 1)

        out = [f"<svg class=\"chart\" id=\"context-svg\" viewBox=\"0 0 {SVG_WIDTH} {height}\" width=\"{SVG_WIDTH}\" height=\"{height}\" "
               "role=\"img\" aria-label=\"context tokens along the file\">"]
        for v in _value_ticks(top_value):
            out.append(f"<line class=\"guide\" x1=\"{PLOT_LEFT}\" x2=\"{PLOT_LEFT + PLOT_WIDTH}\" y1=\"{y(v)}\" y2=\"{y(v)}\"/>"
                       f"<text class=\"tick\" x=\"{PLOT_LEFT - 6}\" y=\"{y(v) + 4}\" text-anchor=\"end\">{_tokens(v)}</text>")
        out.append(f"<g class=\"window\"><title>the model's context window: {window:,} tokens</title>"
                   f"<line x1=\"{PLOT_LEFT}\" x2=\"{PLOT_LEFT + PLOT_WIDTH}\" y1=\"{y(window)}\" y2=\"{y(window)}\"/>"
                   f"<text x=\"{PLOT_LEFT + 4}\" y=\"{y(window) - 4}\">window {window:,}</text></g>")
        for b in boundaries:
            bx = self.x(b.line)
            meta = self._compact_meta(values, b)
            out.append(f"<g class=\"compaction\" data-line=\"{b.line}\"><title>compaction at line {b.line}{esc(meta)}</title>"
                       f"<line x1=\"{bx}\" x2=\"{bx}\" y1=\"{top}\" y2=\"{top + plot_h}\"/></g>")
        # one polyline per stretch between compactions, thinned to two points per pixel column
        cuts = [b.line for b in boundaries]
        segments: list[list[dict]] = [[] for _ in range(len(cuts) + 1)]
        for p in points:
            segments[bisect.bisect_left(cuts, p["line"])].append(p)
        data = []
        for seg in segments:
            thin = _thin(seg, self.x)
            if not thin:
                continue
            coords = " ".join(f"{self.x(p['line'])},{y(p['context_tokens'])}" for p in thin)
            out.append(f"<polyline class=\"curve\" points=\"{coords}\"/>")
            data.extend(thin)
        for r in errors:
            ex = self.x(r.line)
            out.append(f"<g class=\"api-error\" data-line=\"{r.line}\"><title>API error at line {r.line}: {esc(self.red(r.error_text or ''))}"
                       f"</title><path d=\"M{ex - 4},{top + plot_h + 10}l4,-8l4,8z\"/></g>")
        out.append(f"<line class=\"axis\" x1=\"{PLOT_LEFT}\" x2=\"{PLOT_LEFT + PLOT_WIDTH}\" y1=\"{top + plot_h}\" y2=\"{top + plot_h}\"/>")
        for line in _ticks(self.max_line):
            out.append(f"<text class=\"tick\" x=\"{self.x(line)}\" y=\"{top + plot_h + 26}\" text-anchor=\"middle\">line {line:,}</text>")
        out.append(f"<line class=\"cursor\" id=\"context-cursor\" x1=\"0\" x2=\"0\" y1=\"{top}\" y2=\"{top + plot_h}\"/></svg>")
        # what the tooltip script reads: [x, tokens, line, message index or -1, time]
        rows = [[self.x(p["line"]), p["context_tokens"], p["line"], self.line_anchor.get(p["line"], -1), (p["timestamp"] or "")[:19]]
                for p in data]
        payload = json.dumps(rows, separators=(",", ":")).replace("</", "<\\/")
        summary = (f"Peak {peak:,} tokens of a {window:,} window over {len(points):,} response{'s' if len(points) != 1 else ''}; "
                   f"{len(boundaries)} compaction{'s' if len(boundaries) != 1 else ''}; {len(errors)} API error record{'s' if len(errors) != 1 else ''}.")
        legend = ("<p class=\"legend\"><span class=\"key curve\">input + cache tokens of each response</span> "
                  "<span class=\"key window\">model window</span> <span class=\"key compaction\">compaction</span> "
                  "<span class=\"key api-error\">API error</span> &middot; x: line of the file, as in the tree; click the curve to open that message</p>")
        return (f"<section id=\"context\"><h2>Context over the session</h2><p>{esc(summary)}</p>"
                f"<div class=\"scroll\">{''.join(out)}</div><div class=\"tip\" id=\"context-tip\" hidden></div>{legend}"
                f"<script type=\"application/json\" id=\"context-data\">{payload}</script></section>")

    def _compact_meta(self, values: _Values, boundary: Record) -> str:
        value = values.read(boundary)
        meta = value.get("compactMetadata") if isinstance(value, dict) else None
        if not isinstance(meta, dict):
            return ""
        bits = []
        if isinstance(meta.get("trigger"), str):
            bits.append(f"trigger {meta['trigger']}")
        if isinstance(meta.get("preTokens"), int):
            bits.append(f"{meta['preTokens']:,} tokens before")
        return (" (" + ", ".join(bits) + ")") if bits else ""

    # ---- findings --------------------------------------------------------------------------
    def _fix_plan(self) -> tuple[list, list]:
        """What `fix` would do (safe repairs) and what it leaves, as `bundle` shows it."""
        if not any(f.fix != "none" for f in self.analysis.findings):
            return [], []
        try:
            from .fixer import stage

            repair = stage(self.analysis, None, False, Path(tempfile.gettempdir()))
            repair.cleanup()
            return repair.changes, repair.skipped
        except Exception:  # the report must still be written
            return [], []

    def _findings_section(self) -> str:
        findings = self.analysis.findings
        if not findings:
            return "<section id=\"findings\"><h2>Findings</h2><p>No findings.</p></section>"
        rows = []
        for f in findings[: self.limits.finding_rows]:
            anchor = self.finding_ids[id(f)]
            rule = lookup(f.code)
            where = f"line {f.line}" if f.line else "file"
            if f.line and f.line in self.anchored_lines:
                where = f"<a href=\"#line-{f.line}\">line {f.line}</a>"
            else:
                where = esc(where)
            api = f"<a href=\"#messages.{f.message_index}\">{esc(f.api_path)}</a>" if f.api_path else "-"
            fix = f"<b>fix:</b> {esc(self.fix_texts.get(id(f), ''))}"
            summary = f"{esc(rule.summary)} <a href=\"#rule-{f.code}\">rule {f.code} explained</a>" if rule else ""
            place = "" if f.where in (MAIN, "file") else f" <span class=\"where\">({esc(f.where)})</span>"
            rows.append(
                f"<tr id=\"{anchor}\" class=\"finding {f.severity}\" data-code=\"{f.code}\" data-line=\"{f.line or ''}\">"
                f"<td><span class=\"sev {f.severity}\">{f.severity}</span></td><td>{where}</td>"
                f"<td><b>{f.code}</b> {esc(f.name)}</td><td>{api}</td>"
                f"<td>{esc(self.red(f.message))}{place}<div class=\"why\">{summary}</div>"
                f"<div class=\"fix\">{fix}</div></td></tr>")
        more = len(findings) - len(rows)
        note = (f"<p class=\"note\">{more:,} more findings are not listed here: <code>transcript-doctor check FILE --format json</code>"
                " gives them all.</p>") if more > 0 else ""
        docs = []
        for code in sorted({f.code for f in findings}):
            rule = lookup(code)
            if rule is not None:
                docs.append(f"<details class=\"rule\" id=\"rule-{code}\"><summary><b>{code}</b> {esc(rule.name)}: {esc(rule.summary)}"
                            f"</summary><pre>{esc(rule.doc)}</pre></details>")
        return ("<section id=\"findings\"><h2>Findings</h2><table class=\"findings\"><thead><tr><th>severity</th><th>where</th>"
                "<th>rule</th><th>API position</th><th>finding, why it matters, what <code>fix</code> would do</th></tr></thead><tbody>"
                + "".join(rows) + f"</tbody></table>{note}<h3>The rules found here</h3>" + "".join(docs) + "</section>")

    def _fix_text(self, f: Finding, changes: list, skipped: list) -> str:
        mine = [c for c in changes if c.code == f.code and (c.line == f.line or (f.tool_use_id and f.tool_use_id in c.description))]
        if mine:
            return "; ".join(f"line {c.line}: " + self.red(c.description) for c in mine)
        left = [s for s in skipped if s.finding.code == f.code and s.finding.line == f.line]
        if left:
            return self.red(left[0].reason)
        if f.fix == "none":
            return "no automatic repair for this rule"
        if f.fix == "unsafe":
            return "only with --unsafe-fixes"
        return f.fix

    # ---- tools -----------------------------------------------------------------------------
    def _tools_section(self) -> str:
        calls = self.stats["tool_calls"]
        if not calls:
            return "<section id=\"tools\"><h2>Tool calls</h2><p>No tool calls.</p></section>"
        rows = "".join(
            f"<tr class=\"{'has-errors' if v['errors'] else ''}\"><td>{esc(self.red(name))}</td><td class=\"num\">{v['calls']:,}</td>"
            f"<td class=\"num\">{v['errors']:,}</td><td class=\"num\">{v['errors'] / v['calls']:.0%}</td></tr>"
            for name, v in calls.items())
        total = sum(v["calls"] for v in calls.values())
        errors = sum(v["errors"] for v in calls.values())
        return ("<section id=\"tools\"><h2>Tool calls</h2><table class=\"tools\"><thead><tr><th>tool</th><th>calls</th><th>errors</th>"
                f"<th>error rate</th></tr></thead><tbody>{rows}</tbody><tfoot><tr><td>all</td><td class=\"num\">{total:,}</td>"
                f"<td class=\"num\">{errors:,}</td><td></td></tr></tfoot></table>"
                "<p class=\"note\">Every record of the file counts, side branches and sidechains included; an error is a tool_result "
                "with <code>is_error</code>.</p></section>")

    # ---- the conversation ------------------------------------------------------------------
    @property
    def written_plan(self) -> set[int]:
        cached = self.__dict__.get("_plan")
        if cached is None:
            cached = self._choose_messages()
            self.__dict__["_plan"] = cached
        return cached

    @property
    def anchored_lines(self) -> set[int]:
        """Lines that get an `id="line-L"` anchor: records with content in a written message."""
        cached = self.__dict__.get("_anchored")
        if cached is None:
            plan = self.written_plan
            cached = {p.record.line for i in plan for p in self.main.messages[i].parts} if self.main is not None else set()
            self.__dict__["_anchored"] = cached
        return cached

    def _choose_messages(self) -> set[int]:
        if self.main is None:
            return set()
        n, lim = len(self.main.messages), self.limits
        if n <= lim.full_messages:
            return set(range(n))
        chosen = set(range(min(lim.head_messages, n))) | set(range(max(0, n - lim.tail_messages), n))
        for index in sorted(self.by_message):
            if len(chosen) >= lim.full_messages:
                break
            chosen.update(range(max(0, index - lim.around_finding), min(n, index + lim.around_finding + 1)))
        return chosen

    def _conversation_section(self, values: _Values) -> str:
        if self.main is None:
            return ("<section id=\"conversation\"><h2>The resumed conversation</h2>"
                    f"<p>{esc(self.tree.leaf_reason)}</p></section>")
        plan = self.written_plan
        messages = self.main.messages
        lim = self.limits
        parts_left = sum(len(messages[i].parts) for i in plan)
        limit = self._part_limit(lim.conversation_bytes, parts_left)
        tool_names = {b.tool_id: b.name for r in self.t.records for b in r.blocks if b.kind == "tool_use" and b.tool_id}
        out = [f"<section id=\"conversation\"><h2>The resumed conversation</h2><p>{len(messages):,} API messages, as "
               f"<code>claude --resume</code> sends them; each is anchored as <code>#messages.N</code>, with its lines in the file. "
               f"Long texts are cut to {limit:,} characters or fewer, their size shown; tool calls and results are folded."]
        if len(plan) < len(messages):
            out.append(f" This session is large: {len(plan):,} of its messages are written in full (the start, the end and around "
                       "each finding); the others are listed by range.")
        out.append("</p>")
        gap_start = None
        spent = 0
        for msg in messages:
            if msg.index not in plan or spent > lim.conversation_bytes:
                # (past the budget, whatever is left is listed by range: texts are already at their floor)
                if gap_start is None:
                    gap_start = msg.index
                continue
            if gap_start is not None:
                out.append(self._gap(gap_start, msg.index - 1))
                gap_start = None
            # Texts are cut to share what is left of the budget: a chat of escaped markup or
            # multi-byte text early on leaves less room for the blocks after it.
            limit = min(limit, self._part_limit(lim.conversation_bytes - spent, parts_left))
            written = self._message(msg, values, limit, tool_names)
            out.append(written)
            spent += len(written.encode("utf-8", "surrogatepass"))
            parts_left -= len(msg.parts)
            self.written.add(msg.index)
        if gap_start is not None:
            out.append(self._gap(gap_start, len(messages) - 1))
        out.append("</section>")
        return "".join(out)

    def _part_limit(self, budget: int, parts: int) -> int:
        lim = self.limits
        return max(lim.part_floor, min(lim.part_chars, budget // max(parts, 1) - PART_OVERHEAD))

    def _gap(self, first: int, last: int) -> str:
        msgs = self.main.messages[first:last + 1]
        lo = min(m.lines[0] for m in msgs)
        hi = max(m.lines[1] for m in msgs)
        size = sum(r.length for m in msgs for r in m.records)
        return (f"<div class=\"gap\" data-first=\"{first}\" data-last=\"{last}\">messages.{first} to messages.{last} "
                f"({last - first + 1:,} messages, lines {lo:,}-{hi:,}, {size / 1e6:,.1f} MB) are not written in this report: "
                f"<code>transcript-doctor show FILE --around N</code> lists them.</div>")

    def _message(self, msg: ApiMessage, values: _Values, limit: int, tool_names: dict) -> str:
        first, last = msg.lines
        lines = f"line {first}" if first == last else f"lines {first}-{last}"
        stamps = [r.timestamp for r in msg.records if r.timestamp]
        when = min(stamps)[:19].replace("T", " ") if stamps else ""
        badges = "".join(f"<a class=\"badge {f.severity}\" href=\"#{a}\" title=\"{esc(self.red(f.message))}\">{f.code}</a>"
                         for f, a in self.by_message.get(msg.index, ()))
        flagged_parts = {f.content_index for f, _ in self.by_message.get(msg.index, ()) if f.content_index is not None}
        kind = msg.role
        if msg.role == "user" and all(p.block.kind == "tool_result" for p in msg.parts) and msg.parts:
            kind = "user results"
        leaf = " resume-leaf" if self.tree.leaf is not None and any(r is self.tree.leaf for r in msg.records) else ""
        out = [f"<article class=\"msg {kind}{leaf}\" id=\"messages.{msg.index}\" data-index=\"{msg.index}\" data-lines=\"{first}-{last}\">"
               f"<header><a class=\"idx\" href=\"#messages.{msg.index}\">messages.{msg.index}</a> <span class=\"role\">{msg.role}</span> "
               f"<span class=\"lines\">{lines}</span> <span class=\"when\">{esc(when)}</span>"
               f"{' <span class=leaf-tag>resume leaf</span>' if leaf else ''} {badges}</header>"]
        contents: dict[int, Any] = {}
        seen_lines: set[int] = set()
        for part in msg.parts:
            rec = part.record
            if rec.line not in contents:
                contents[rec.line] = sent_content(values.read(rec))
            block = _block_value(contents[rec.line], part.block.index)
            anchor = ""
            if rec.line not in seen_lines:
                seen_lines.add(rec.line)
                anchor = f" id=\"line-{rec.line}\""
            flagged = " flagged" if part.content_index in flagged_parts else ""
            meta = " meta" if rec.is_meta or rec.is_compact_summary else ""
            out.append(f"<div class=\"part {part.block.kind}{flagged}{meta}\"{anchor} data-line=\"{rec.line}\" "
                       f"data-content-index=\"{part.content_index}\">"
                       f"{self._part(part, rec, block, limit, tool_names)}</div>")
        if not msg.parts:
            out.append("<div class=\"part empty\">(no content)</div>")
        out.append("</article>")
        return "".join(out)

    def _part(self, part: ApiPart, rec: Record, block: Any, limit: int, tool_names: dict) -> str:
        b = part.block
        where = f"<span class=\"src\">content.{part.content_index} &middot; line {rec.line}</span>"
        if b.kind == "text":
            text = block.get("text") if isinstance(block, dict) else block
            text = text if isinstance(text, str) else ""
            shown, left = self.shown(text, limit)
            more = f"<span class=\"cut\">&hellip; {_chars(left)} more not shown ({_chars(len(text))} in all)</span>" if left else ""
            if rec.is_compact_summary or rec.is_meta:
                label = "compaction summary" if rec.is_compact_summary else "meta message"
                return (f"<details><summary>{label} ({_chars(len(text))}) {where}</summary>"
                        f"<div class=\"text\">{esc(shown)}{more}</div></details>")
            if not text.strip():
                return f"<div class=\"text empty\">(empty text{', whitespace only' if text else ''}) {where}</div>"
            return f"<div class=\"text\">{esc(shown)}{more}</div>{where}"
        if b.kind == "tool_use":
            args = block.get("input") if isinstance(block, dict) else None
            raw = _dump(args) if args is not None else ""
            shown, left = self.shown(raw, limit)
            preview = self.red(_input_preview(args))[:120]
            more = f"\n&hellip; {_chars(left)} more" if left else ""
            return (f"<details class=\"tool\"><summary><span class=\"tag\">tool call</span> <b>{esc(self.red(b.name or '?'))}</b> "
                    f"<code>{esc(b.tool_id or '')}</code> {esc(preview)} {where}</summary><pre>{esc(shown)}{more}</pre></details>")
        if b.kind == "tool_result":
            content = block.get("content") if isinstance(block, dict) else None
            text = _result_text(content)
            shown, left = self.shown(text, limit)
            more = f"\n&hellip; {_chars(left)} more not shown" if left else ""
            err = " <span class=\"sev error\">error</span>" if b.is_error else ""
            name = tool_names.get(b.tool_id)
            return (f"<details class=\"result\"><summary><span class=\"tag\">result</span>{err} {esc(self.red(name or ''))} "
                    f"<code>{esc(b.tool_id or '')}</code> {_chars(b.size)} {where}</summary><pre>{esc(shown)}{more}</pre></details>")
        if b.kind == "thinking":
            text = block.get("thinking") if isinstance(block, dict) else ""
            shown, left = self.shown(text if isinstance(text, str) else "", limit)
            more = f"\n&hellip; {_chars(left)} more not shown" if left else ""
            signed = "" if b.signed else ", <b>no signature</b>"
            return (f"<details class=\"thinking\"><summary><span class=\"tag\">thinking</span> {_chars(b.size)}{signed} {where}</summary>"
                    f"<pre>{esc(shown)}{more}</pre></details>")
        if b.kind == "image":
            media = ""
            if isinstance(block, dict) and isinstance(block.get("source"), dict):
                media = str(block["source"].get("media_type") or "")
            return f"<div class=\"image\">image {esc(media)} ({b.size / 1024:,.0f} KB of base64, not embedded) {where}</div>"
        return f"<div class=\"other\">{esc(b.kind)} block {where}</div>"

    def _footer(self) -> str:
        found = self.redactor.found if self.redactor is not None else {}
        if self.redactor is None:
            text = "This report is not redacted."
        elif found:
            text = "Replaced with placeholders: " + ", ".join(f"{k} x{v}" for k, v in sorted(found.items())) + "."
        else:
            text = "The redactor found no secret and no home path to replace."
        return (f"<footer><p>{esc(text)} Written by transcript-doctor {esc(__version__)}; this page makes no network request "
                "(its Content-Security-Policy forbids them).</p></footer>")


# ---- helpers ------------------------------------------------------------------------------------

def _marker_shape(severity: str, x: float, y: float) -> str:
    if severity == "error":
        return f"<circle cx=\"{x}\" cy=\"{y}\" r=\"6\"/>"
    if severity == "warning":
        return f"<path d=\"M{x},{y - 6}l6,10h-12z\"/>"
    return f"<rect x=\"{x - 4}\" y=\"{y - 4}\" width=\"8\" height=\"8\"/>"


def _ticks(max_line: int, count: int = 6) -> list[int]:
    if max_line <= 1:
        return [1]
    raw = max_line / count
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    out = [1] + list(range(step, max_line + 1, step))
    if max_line - out[-1] > step / 3:
        out.append(max_line)
    return out


def _value_ticks(top: float) -> list[int]:
    raw = top / 4
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, int(top) + 1, step))


def _tokens(v: float) -> str:
    return f"{v / 1000:,.0f}k" if v >= 1000 else f"{v:,.0f}"


def _thin(points: list[dict], x: Callable[[int], float]) -> list[dict]:
    """Keep, per pixel column, the lowest and the highest point in their order: the shape and
    every drop survive, and a session of 40,000 responses draws with at most ~2,000 points."""
    if len(points) <= 2 * PLOT_WIDTH:
        return points
    out: list[dict] = []
    column: list[dict] = []
    col = None
    for p in points:
        c = int(x(p["line"]))
        if c != col and column:
            out.extend(_extremes(column))
            column = []
        col = c
        column.append(p)
    if column:
        out.extend(_extremes(column))
    return out


def _extremes(column: list[dict]) -> list[dict]:
    lo = min(column, key=lambda p: p["context_tokens"])
    hi = max(column, key=lambda p: p["context_tokens"])
    return [lo] if lo is hi else sorted((lo, hi), key=lambda p: p["line"])




def _block_value(content: Any, index: int | None) -> Any:
    if index is None:
        return content
    if isinstance(content, list) and 0 <= index < len(content):
        return content[index]
    return None


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces = []
        for part in content:
            if isinstance(part, dict):
                if part.get("type") == "text" and isinstance(part.get("text"), str):
                    pieces.append(part["text"])
                elif part.get("type") == "image":
                    data = part.get("source", {}).get("data") if isinstance(part.get("source"), dict) else None
                    pieces.append(f"[image, {len(data) / 1024 if isinstance(data, str) else 0:,.0f} KB of base64, not embedded]")
                else:
                    pieces.append(f"[{part.get('type')} block]")
        return "\n".join(pieces)
    return "" if content is None else json.dumps(content, ensure_ascii=False)


def _dump(value: Any) -> str:
    """A tool's input as indented JSON; one nested deeper than the encoders go is said so, not shown."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8")
    except orjson.JSONEncodeError:  # orjson stops at 255 levels
        try:
            return json.dumps(value, ensure_ascii=False, indent=1)
        except (RecursionError, ValueError, TypeError):
            return "(nested too deeply to show)"


def _input_preview(args: Any) -> str:
    if not isinstance(args, dict):
        return ""
    for key in ("command", "file_path", "path", "pattern", "url", "description", "prompt", "query"):
        value = args.get(key)
        if isinstance(value, str) and value:
            return " ".join(value.split())
    return ""


def _valid_unicode(text: str) -> str:
    """JSON strings can hold lone surrogates (a tool output cut inside an emoji): they become U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


_STYLE = """
:root{--fg:#1d2430;--muted:#5b6675;--line:#d8dde4;--bg:#fff;--panel:#f6f8fa;--main:#2563eb;--branch:#9333ea;
--side:#0d9488;--compacted:#9ca3af;--error:#dc2626;--warning:#d97706;--info:#6b7280;--leaf:#16a34a}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
nav.top{position:sticky;top:0;z-index:5;background:#111827;padding:6px 16px;display:flex;gap:14px;align-items:center}
nav.top a{color:#e5e7eb;text-decoration:none;font-weight:600}
nav.top button{margin-left:auto;background:#374151;color:#f9fafb;border:0;border-radius:4px;padding:3px 10px;cursor:pointer}
main{max-width:1240px;margin:0 auto;padding:8px 18px 40px}
h1{font-size:20px;margin:14px 0 4px;word-break:break-all}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
section{scroll-margin-top:40px}
table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line)}
table.facts th{color:var(--muted);font-weight:600;white-space:nowrap}
table.findings{width:100%}table.findings td:nth-child(2),table.findings td:nth-child(4){white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
tr.has-errors td:nth-child(3){color:var(--error);font-weight:700}
.sev{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:700;color:#fff}
.sev.error{background:var(--error)}.sev.warning{background:var(--warning)}.sev.info{background:var(--info)}
.counts .sev{font-size:13px;padding:2px 8px}
.why{color:var(--muted);margin-top:2px}.fix{margin-top:2px}.where{color:var(--muted)}
details pre,pre{white-space:pre-wrap;word-break:break-word;background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:8px;
margin:4px 0;font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;max-height:480px;overflow:auto}
.scroll{overflow-x:auto}
svg.chart{display:block;font:11px system-ui,"DejaVu Sans",sans-serif}
svg .lane-label{fill:var(--muted);font-size:11px}
svg .guide{stroke:#eef1f4}
svg .axis{stroke:#9aa4b2}
svg .tick{fill:var(--muted);font-size:10px}
svg .chain line{stroke-width:5;stroke-linecap:round}
svg .chain.main line{stroke:var(--main)}svg .chain.branch line{stroke:var(--branch)}svg .chain.sidechain line{stroke:var(--side)}
svg .chain.compacted line{stroke:var(--compacted)}
svg .chain .fork{fill:none;stroke:#b6bec9;stroke-width:1.5}svg .logical{fill:none;stroke:#6b7280;stroke-width:1.2;stroke-dasharray:2 2}
svg .chain .leaf-dot{fill:#fff;stroke:#555;stroke-width:1}
svg .prompt-ticks{stroke:#1e3a8a;stroke-width:1}
svg .compaction line{stroke:#4b5563;stroke-dasharray:4 3;stroke-width:1.5}svg .compaction text{fill:#374151;font-size:10px}
svg .resume-leaf circle{fill:none;stroke:var(--leaf);stroke-width:3}svg .resume-leaf text{fill:var(--leaf);font-weight:700}
svg .marker.error{fill:var(--error)}svg .marker.warning{fill:var(--warning)}svg .marker.info{fill:var(--info)}
svg .marker>*{stroke:#fff;stroke-width:1.5}svg .marker:hover>*{stroke:#111}
svg .curve{fill:none;stroke:var(--main);stroke-width:1.6;stroke-linejoin:round}
svg .window line{stroke:var(--error);stroke-dasharray:6 4}svg .window text{fill:var(--error)}
svg .api-error path{fill:var(--error)}
svg .cursor{stroke:#111;stroke-width:1;opacity:0}svg .cursor.on{opacity:.35}
svg .note{fill:var(--muted)}
.legend{color:var(--muted);font-size:12px;margin:4px 0}
.key{white-space:nowrap;margin-right:8px}.key::before{content:"";display:inline-block;width:14px;height:4px;margin:0 4px 2px 0;background:#999;vertical-align:middle}
.key.main::before{background:var(--main)}.key.branch::before{background:var(--branch)}.key.sidechain::before{background:var(--side)}
.key.compacted::before{background:var(--compacted)}.key.compaction::before{background:#4b5563;width:2px;height:12px}
.key.leaf::before{background:none;border:3px solid var(--leaf);border-radius:50%;width:10px;height:10px}
.key.error::before{background:var(--error);border-radius:50%;width:10px;height:10px}.key.warning::before{background:var(--warning);width:10px;height:10px;clip-path:polygon(50% 0,100% 100%,0 100%)}
.key.info::before{background:var(--info);width:8px;height:8px}.key.curve::before{background:var(--main)}
.key.window::before{background:var(--error);height:2px}.key.api-error::before{background:var(--error);width:8px;height:8px}
.tip{position:fixed;z-index:9;background:#111827;color:#f9fafb;font-size:12px;padding:4px 8px;border-radius:4px;pointer-events:none}
.msg{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 10px;scroll-margin-top:40px;
content-visibility:auto;contain-intrinsic-size:auto 90px}
.msg.user{background:#f8fafc}.msg.assistant{background:#fff;border-left:4px solid var(--main)}.msg.user.results{background:#fbfbfb}
.msg:target{outline:3px solid #f59e0b;outline-offset:1px}
.msg.resume-leaf{border-color:var(--leaf)}.leaf-tag{color:var(--leaf);font-weight:700;font-size:12px}
.msg header{font-size:12px;color:var(--muted);margin-bottom:4px}.msg header .idx{font-weight:700;color:var(--fg);text-decoration:none}
.msg .role{font-weight:600;text-transform:uppercase;font-size:11px}
.badge{display:inline-block;border-radius:3px;padding:0 5px;color:#fff;font-weight:700;text-decoration:none;margin-left:4px}
.badge.error{background:var(--error)}.badge.warning{background:var(--warning)}.badge.info{background:var(--info)}
.part{margin:3px 0;scroll-margin-top:44px}.part.flagged{outline:2px solid var(--error);border-radius:4px;padding:2px 4px}
.text{white-space:pre-wrap;word-break:break-word}.text.empty{color:var(--muted);font-style:italic}
.src{color:#9aa4b2;font-size:11px;margin-left:6px}
.cut{display:block;color:var(--muted);font-style:italic}
details>summary{cursor:pointer;color:#334155}.tag{display:inline-block;font-size:11px;font-weight:700;background:#e2e8f0;border-radius:3px;padding:0 5px}
.result .tag{background:#dcfce7}.thinking .tag{background:#fef3c7}
.image,.other{color:var(--muted);font-style:italic}
.gap{border:1px dashed #9aa4b2;border-radius:6px;padding:8px 10px;margin:8px 0;color:var(--muted);scroll-margin-top:40px}
.gap.hit{outline:3px solid #f59e0b}
.note{color:var(--muted)}
footer{color:var(--muted);font-size:12px;border-top:1px solid var(--line);margin-top:30px}
"""

_SCRIPT = """
(function(){
  var toggle=document.getElementById('toggle-all'), open=false;
  toggle.addEventListener('click',function(){open=!open;
    document.querySelectorAll('details').forEach(function(d){d.open=open;});
    toggle.textContent=open?'collapse all':'expand all';});
  function land(){
    var h=decodeURIComponent(location.hash.slice(1));
    document.querySelectorAll('.gap.hit').forEach(function(g){g.classList.remove('hit');});
    if(!h) return;
    var el=document.getElementById(h);
    if(!el){
      var m=/^messages\\.(\\d+)/.exec(h);
      if(m){var n=+m[1];
        document.querySelectorAll('.gap').forEach(function(g){
          if(n>=+g.dataset.first&&n<=+g.dataset.last){el=g;g.classList.add('hit');}});}
      var l=/^line-(\\d+)$/.exec(h);
      if(l&&!el){el=document.querySelector('[data-line="'+l[1]+'"].part');}
      if(el) el.scrollIntoView();
      return;
    }
    var d=el.closest('details'); if(d) d.open=true;
    if(el.classList.contains('finding')) return;
    el.querySelectorAll(':scope > .part.flagged details').forEach(function(x){x.open=true;});
  }
  window.addEventListener('hashchange',land); land();
  var svg=document.getElementById('context-svg'), dataEl=document.getElementById('context-data');
  if(svg&&dataEl){
    var pts=JSON.parse(dataEl.textContent), tip=document.getElementById('context-tip'), cur=document.getElementById('context-cursor');
    function near(ev){
      var r=svg.getBoundingClientRect(), vb=svg.viewBox.baseVal, x=(ev.clientX-r.left)*vb.width/r.width, best=null, bd=1e9;
      for(var i=0;i<pts.length;i++){var d=Math.abs(pts[i][0]-x); if(d<bd){bd=d;best=pts[i];}}
      return bd<12?best:null;}
    svg.addEventListener('mousemove',function(ev){var p=near(ev);
      if(!p){tip.hidden=true;cur.classList.remove('on');return;}
      tip.hidden=false; tip.textContent=p[1].toLocaleString()+' tokens, line '+p[2]+(p[3]>=0?', messages.'+p[3]:'')+(p[4]?', '+p[4].replace('T',' '):'');
      tip.style.left=(ev.clientX+12)+'px'; tip.style.top=(ev.clientY+12)+'px';
      cur.setAttribute('x1',p[0]);cur.setAttribute('x2',p[0]);cur.classList.add('on');});
    svg.addEventListener('mouseleave',function(){tip.hidden=true;cur.classList.remove('on');});
    svg.addEventListener('click',function(ev){var p=near(ev); if(p&&p[3]>=0) location.hash='messages.'+p[3];});
  }
})();
"""
