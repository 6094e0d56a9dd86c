"""Stages 5-6: run the selected rules over a loaded transcript and collect findings.

`analyse` is the one entry point for every command that reads a transcript: load (stages 1-2),
build the tree (3), project the conversations (4), run the rules (5) and return an `Analysis`
that holds the findings (6) next to everything the report and the repair need.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field
from typing import Callable

from .findings import ERROR, INFO, WARNING, Finding
from .profiles import ClientProfile, profile_for
from .projection import Conversation, conversations
from .records import Record
from .rules import Rule, catalog
from .transcript import Carried, Transcript, load
from .tree import MAIN, ConversationTree, build


@dataclass
class Context:
    """What file-scope rules read. Built once per file, never changed by a rule."""

    transcript: Transcript
    tree: ConversationTree
    conversations: list[Conversation]

    @property
    def profile(self) -> ClientProfile:
        return self.tree.profile or profile_for(None)

    @property
    def main(self) -> Conversation | None:
        return self.conversations[0] if self.conversations and self.conversations[0].is_main else None

    def where_of(self, record: Record) -> str:
        """The part of the tree a record belongs to; records off every chain (retries, progress)
        belong where their nearest ancestor on a chain is."""
        node: Record | None = record
        for _ in range(10_000):
            if node is None:
                break
            if node.uuid in self._where:
                return self._where[node.uuid]
            node = self.tree.by_uuid.get(node.parent) if node.parent else None
        return MAIN if not self.tree.main else "detached"

    @property
    def _where(self) -> dict[str | None, str]:
        cached = self.__dict__.get("_where_cache")
        if cached is None:
            cached = {}
            for conv in reversed(self.conversations):
                for rec in conv.chain.records:
                    cached[rec.uuid] = conv.kind
            self.__dict__["_where_cache"] = cached
        return cached

    def main_message_of(self, record: Record):
        main = self.main
        return main.message_of(record) if main else None


@dataclass
class Analysis:
    context: Context
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def transcript(self) -> Transcript:
        return self.context.transcript

    @property
    def tree(self) -> ConversationTree:
        return self.context.tree

    @property
    def profile(self) -> ClientProfile:
        return self.context.profile

    def release(self) -> None:
        """Let go of the records, tree and conversations, keeping the findings and the file's
        identity: `fix` calls it once the first pass is planned and written, so the analysis of
        the next pass never shares the memory with this one."""
        transcript = self.context.transcript
        transcript.records = []
        old = self.context.tree
        self.context.tree = ConversationTree(transcript=transcript, expected_session=old.expected_session,
                                             profile=old.profile, profile_source=old.profile_source)
        self.context.conversations = []
        self.context.__dict__.pop("_where_cache", None)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)

    @property
    def infos(self) -> int:
        return self.count(INFO)


def analyse(
    path: str | os.PathLike[str],
    rules: tuple[Rule, ...] | None = None,
    progress: Callable[[int], None] | None = None,
    client_version: str | None = None,
    carried: Carried | None = None,
) -> Analysis:
    """Analyse the file at `path` as the client of `client_version` ("2.1.112", "latest") would
    resume it; None: the newest version on its resumed chain."""
    rules = catalog() if rules is None else rules
    validate = any(r.code == "TD005" for r in rules)
    # Loading makes a few objects per line and frees nearly all of them by reference counting;
    # the cycle collector would rescan every record kept so far, again and again, for nothing.
    paused = gc.isenabled()
    gc.disable()
    try:
        transcript = load(path, validate=validate, progress=progress, carried=carried)
        analysis = analyse_transcript(transcript, rules, client_version)
        misread = transcript.misread_lines()
        if misread:  # bytes that are not UTF-8 where no rule looks (transcript.misread_lines): again, strictly
            transcript = analysis = None
            transcript = load(path, validate=validate, carried=carried, full_lines=frozenset(misread))
            analysis = analyse_transcript(transcript, rules, client_version)
        return analysis
    finally:
        if paused:
            gc.enable()


def analyse_transcript(transcript: Transcript, rules: tuple[Rule, ...], client_version: str | None = None) -> Analysis:
    tree = build(transcript, client_version)
    convs = conversations(tree) if transcript.format == "claude-code" else []
    context = Context(transcript, tree, convs)
    analysis = Analysis(context)
    _notes(analysis)
    found: list[Finding] = []
    # The schema check of a large file runs beside everything else (transcript.py): its rule goes
    # last, so that waiting for it comes as late as possible. The findings are sorted below.
    for rule in sorted(rules, key=lambda r: r.code == "TD005"):
        if transcript.format != "claude-code" and rule.code != "TD006":
            continue
        if rule.scope == "file":
            for f in rule.module.check(context):
                found.append(_placed(f, context))
        else:
            for conv in convs:
                for f in rule.module.check(conv, context):
                    if not conv.is_main:
                        rec = tree.by_uuid.get(f.uuid) if f.uuid else None
                        if rec is not None and not conv.owns(rec):
                            continue
                        f.where = conv.kind
                        f.message_index = None
                        f.content_index = None
                        if f.severity == ERROR:
                            f.severity = WARNING
                    found.append(f)
    if tree.leaf is not None and tree.leaf.sidechain:
        # A sub-agent transcript: never resumed, so nothing in it breaks resume.
        for f in found:
            if f.where == MAIN:
                f.where = "sidechain"
            if f.severity == ERROR:
                f.severity = WARNING
    if transcript.pending_validation is not None:
        transcript.schema_violations  # no rule read it (not a Claude Code file): collect the process
    analysis.findings = _dedupe(found)
    analysis.findings.sort(key=Finding.sort_key)
    return analysis


def _placed(f: Finding, context: Context) -> Finding:
    """Mark a file-scope finding with the part of the tree its record is in."""
    if f.uuid is None or f.where == "file":
        return f
    rec = context.tree.by_uuid.get(f.uuid)
    if rec is None:
        return f
    where = context.where_of(rec)
    if where != MAIN:
        f.where = where
        if f.severity == ERROR:
            f.severity = WARNING
    return f


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen = set()
    out = []
    for f in findings:
        key = (f.code, f.line, f.tool_use_id, f.content_index, f.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def _notes(analysis: Analysis) -> None:
    t = analysis.transcript
    if t.format == "empty":
        if t.size == 0:
            analysis.notes.append("empty file (0 bytes): Claude Code leaves these for sessions where nothing was sent")
        else:
            analysis.notes.append(f"no records in {t.line_count:,} lines: nothing to check")
