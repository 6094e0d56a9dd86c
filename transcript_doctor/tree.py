"""Stage 3: the conversation tree built from parentUuid links.

Finds the leaf that `claude --resume` continues (the message record with the latest timestamp,
as Claude Code 2.0.x does; the main conversation is preferred over sidechains), the chain from
that leaf back to its root, and every other leaf: side branches left by rewinds and retries,
inline sidechains (sub-agents, 1.0.x), and the history before a compaction boundary.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .profiles import ClientProfile, newest_version, profile_for
from .records import MESSAGE_TYPES, Record
from .transcript import Transcript

MAIN = "main"
BRANCH = "branch"
SIDECHAIN = "sidechain"
COMPACTED = "compacted"

# Branch chains are analysed up to this many; a file with more is summarised, not walked.
MAX_SIDE_CONVERSATIONS = 500


@dataclass(slots=True)
class Chain:
    """Records from a root (or a break) down to a leaf, root first."""

    kind: str
    leaf: Record
    records: list[Record]
    stop: str  # why the walk ended: "root", "missing-parent", "cycle", "main" (joined the main chain)
    stop_record: Record | None = None  # the record whose parent was missing / closed the cycle


@dataclass
class ConversationTree:
    transcript: Transcript
    by_uuid: dict[str, Record] = field(default_factory=dict)
    duplicates: list[tuple[Record, Record]] = field(default_factory=list)  # (earlier, later)
    children: dict[str, list[Record]] = field(default_factory=dict)
    by_message_id: dict[str, list[Record]] = field(default_factory=dict)
    leaf: Record | None = None
    leaf_reason: str = ""
    main: Chain | None = None
    side: list[Chain] = field(default_factory=list)
    side_leaves_total: int = 0
    missing_parents: list[Record] = field(default_factory=list)
    cycles: list[list[Record]] = field(default_factory=list)
    expected_session: str | None = None
    profile: ClientProfile | None = None  # the client that will resume this file
    profile_source: str = ""  # why that profile: "--client-version" or the version the file names
    renders_attachments: bool = False  # a client that writes rendered attachments (2.1.3xx) wrote this file
    bridges: dict[str, Record] = field(default_factory=dict)  # uuid of a record whose parent is missing -> the record the client links it to

    @property
    def main_uuids(self) -> set[str]:
        return {r.uuid for r in self.main.records if r.uuid} if self.main else set()

    @property
    def tool_use_records(self) -> dict[str, Record]:
        """Every tool_use id in the file, with the record that holds it (first one wins)."""
        cached = self.__dict__.get("_tool_uses")
        if cached is None:
            cached = {}
            for rec in self.transcript.records:
                for b in rec.blocks:
                    if b.kind == "tool_use" and b.tool_id and b.tool_id not in cached:
                        cached[b.tool_id] = rec
            self.__dict__["_tool_uses"] = cached
        return cached

    @property
    def tool_result_ids(self) -> set[str]:
        cached = self.__dict__.get("_tool_results")
        if cached is None:
            cached = {b.tool_id for r in self.transcript.records for b in r.blocks if b.kind == "tool_result" and b.tool_id}
            self.__dict__["_tool_results"] = cached
        return cached

    @property
    def sidechain_only(self) -> bool:
        """A sub-agent transcript: every chain record is a sidechain record."""
        return bool(self.by_uuid) and all(r.sidechain for r in self.by_uuid.values() if r.is_message)

    @property
    def compact_boundaries(self) -> list[Record]:
        cached = self.__dict__.get("_boundaries")
        if cached is None:
            cached = [r for r in self.by_uuid.values() if r.type == "system" and r.subtype == "compact_boundary"]
            self.__dict__["_boundaries"] = cached
        return cached


def _walk_up(tree: ConversationTree, start: Record, stop_at: set[str] | None = None) -> tuple[list[Record], str, Record | None]:
    chain = [start]
    seen = {start.uuid}
    node = start
    while True:
        parent_id = node.parent
        if parent_id is None:
            return chain[::-1], "root", None
        if stop_at is not None and parent_id in stop_at:
            parent = tree.by_uuid[parent_id]
            chain.append(parent)
            return chain[::-1], MAIN, parent
        parent = tree.by_uuid.get(parent_id)
        if parent is None:
            parent = tree.bridges.get(node.uuid)
            if parent is None:
                return chain[::-1], "missing-parent", node
        if parent.uuid in seen:
            loop = chain[chain.index(parent):]  # the records that close the loop, not the way in
            if not any({r.uuid for r in c} == {r.uuid for r in loop} for c in tree.cycles):
                tree.cycles.append(loop)
            return chain[::-1], "cycle", node
        seen.add(parent.uuid)
        chain.append(parent)
        node = parent


_ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


def time_key(stamp: str | None) -> str | None:
    """A sortable UTC form of an ISO 8601 timestamp, or None when it is not a valid one
    (Claude Code parses timestamps as dates: an invalid one can never be the latest)."""
    if not stamp:
        return None
    if _ISO_Z.fullmatch(stamp):
        return stamp[:-1].ljust(26, "0") if "." in stamp else stamp[:-1] + ".000000"
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def _later(a: Record, b: Record) -> bool:
    """True when `a` is later than `b` by timestamp, then by line."""
    return (time_key(a.timestamp) or "", a.line) > (time_key(b.timestamp) or "", b.line)


def build(transcript: Transcript, client_version: str | None = None) -> ConversationTree:
    """The tree as the client of `client_version` sees it (None: the newest version on the resumed chain)."""
    tree = ConversationTree(transcript=transcript)
    # These loops, and the tree's other walks over every record, run once per record of every
    # file: names are bound locally and the type is tested directly, not through `is_message` or
    # `is_compact_boundary` (a property call per record cost 30 ms of build's 130 ms per 100 MB).
    by_uuid, by_message_id, children = tree.by_uuid, tree.by_message_id, tree.children
    for rec in transcript.records:
        uuid = rec.uuid
        if uuid is None:
            continue
        earlier = by_uuid.get(uuid)
        if earlier is not None:
            tree.duplicates.append((earlier, rec))
        by_uuid[uuid] = rec  # the later line wins, as in Claude Code's loader
        if rec.message_id and rec.type == "assistant":
            group = by_message_id.get(rec.message_id)
            if group is None:
                by_message_id[rec.message_id] = [rec]
            else:
                group.append(rec)
        elif rec.rendered_role is not None:
            tree.renders_attachments = True
    for rec in by_uuid.values():
        parent = rec.parent
        if parent is not None:
            siblings = children.get(parent)
            if siblings is None:
                children[parent] = [rec]
            else:
                siblings.append(rec)
            if parent not in by_uuid:
                tree.missing_parents.append(rec)
    tree.missing_parents.sort(key=lambda r: r.line)
    tree.expected_session = _expected_session(transcript)
    _choose_leaf(tree)
    walked = _walk_up(tree, tree.leaf) if tree.leaf is not None else None
    if client_version is not None:
        tree.profile, tree.profile_source = profile_for(client_version), "--client-version"
    else:
        chain = walked[0] if walked else []
        written = newest_version(r.version for r in chain if r.type in MESSAGE_TYPES) or newest_version(
            r.version for r in tree.by_uuid.values() if r.type in MESSAGE_TYPES)
        tree.profile = profile_for(written)
        tree.profile_source = f"the newest version on the resumed chain, {written}" if written else "no version in the file"
    if tree.profile.bridges_missing_parent_s is not None and tree.missing_parents:
        _bridge(tree, tree.profile.bridges_missing_parent_s)
        if tree.bridges and tree.leaf is not None:
            walked = _walk_up(tree, tree.leaf)  # the chain now goes on through the bridges
    if walked is not None:
        records, stop, stop_record = walked
        if tree.profile.renders_attachments:
            records = records + _trailing_attachments(tree, tree.leaf)
        tree.main = Chain(MAIN, tree.leaf, records, stop, stop_record)
    _find_side_chains(tree)
    return tree


def _trailing_attachments(tree: ConversationTree, leaf: Record) -> list[Record]:
    """The attachments written under the last prompt (date, reminders...) go into the request
    that prompt starts: the chain goes on through them."""
    out: list[Record] = []
    node = leaf
    while len(out) < 1000:
        nxt = [c for c in tree.children.get(node.uuid, ()) if c.type == "attachment"]
        if not nxt:
            return out
        node = max(nxt, key=lambda r: r.line)
        out.append(node)
    return out


def _bridge(tree: ConversationTree, window_s: float) -> None:
    """Link each record whose parent is missing to the record written last before it, when that
    is at most `window_s` earlier: what Claude Code 2.1.100+ does on load."""
    stamped = sorted(
        ((time_key(r.timestamp), r.line, r) for r in tree.by_uuid.values() if time_key(r.timestamp)),
        key=lambda t: (t[0], t[1]),
    )
    keys = [(k, line) for k, line, _ in stamped]

    for rec in tree.missing_parents:
        key = time_key(rec.timestamp)
        if key is None:
            continue
        i = bisect_left(keys, (key, rec.line)) - 1
        while i >= 0 and stamped[i][2] is rec:
            i -= 1
        if i < 0:
            continue
        candidate = stamped[i][2]
        gap = _seconds(key) - _seconds(stamped[i][0])
        if 0 <= gap <= window_s and not _descends_from(tree, candidate, rec):
            tree.bridges[rec.uuid] = candidate
            tree.children.setdefault(candidate.uuid, []).append(rec)


def _seconds(key: str) -> float:
    return datetime.fromisoformat(key).replace(tzinfo=timezone.utc).timestamp()


def _descends_from(tree: ConversationTree, rec: Record, ancestor: Record) -> bool:
    """A bridge into one's own descendants would close a loop."""
    node, steps = rec, 0
    while node is not None and steps < 100_000:
        if node is ancestor:
            return True
        node = tree.by_uuid.get(node.parent) if node.parent else tree.bridges.get(node.uuid)
        steps += 1
    return False


def _expected_session(transcript: Transcript) -> str | None:
    from_name = transcript.session_id_from_name
    if from_name:
        return from_name
    counts: dict[str, int] = {}
    for rec in transcript.records:
        if rec.session_id:
            counts[rec.session_id] = counts.get(rec.session_id, 0) + 1
    return max(counts, key=counts.get) if counts else None


def _choose_leaf(tree: ConversationTree) -> None:
    best_main: Record | None = None
    best_side: Record | None = None
    key_main: tuple[str, int] = ("", 0)
    key_side: tuple[str, int] = ("", 0)
    for rec in tree.by_uuid.values():
        if rec.type not in MESSAGE_TYPES:
            continue
        stamp = time_key(rec.timestamp)
        if stamp is None:
            continue
        key = (stamp, rec.line)  # by timestamp, then by line: the same order as `_later`
        if rec.sidechain:
            if best_side is None or key > key_side:
                best_side, key_side = rec, key
        elif best_main is None or key > key_main:
            best_main, key_main = rec, key
    if best_main is not None:
        tree.leaf = best_main
        tree.leaf_reason = "the message with the latest timestamp"
    elif best_side is not None:
        tree.leaf = best_side
        tree.leaf_reason = "the latest message of this sub-agent transcript"
    else:
        tree.leaf_reason = "no user or assistant record with a timestamp: nothing to resume"


def _continued(tree: ConversationTree) -> set[str]:
    """uuids of records that have a user or assistant record somewhere below them."""
    marked: set[str] = set()
    for rec in tree.by_uuid.values():
        if rec.type not in MESSAGE_TYPES:
            continue
        parent_id = rec.parent
        child = rec
        while parent_id is not None and parent_id not in marked:
            marked.add(parent_id)
            parent = tree.by_uuid.get(parent_id)
            if parent is None and child.uuid in tree.bridges:
                parent = tree.bridges[child.uuid]
                marked.add(parent.uuid)
            child = parent
            parent_id = parent.parent if parent is not None else None
    return marked


def _spliced_result(tree: ConversationTree, rec: Record, continued: set[str]) -> bool:
    """A results-only record hung under its call's record while the conversation went on
    through another child: Claude Code 2.1.x splices it back into that conversation."""
    if rec.type != "user" or not rec.blocks or any(b.kind != "tool_result" for b in rec.blocks):
        return False
    parent = tree.by_uuid.get(rec.parent) if rec.parent else None
    if parent is None or parent.type != "assistant":
        return False
    # The conversation may go on under any record of the same response (2.1.x hangs each result
    # under its own call's record, and only one of them carries the chain on).
    response = tree.by_message_id.get(parent.message_id, [parent]) if parent.message_id else [parent]
    return any(
        c is not rec and c.uuid not in {m.uuid for m in response} and (c.is_message or c.uuid in continued)
        for member in response
        for c in tree.children.get(member.uuid, ())
    )


def _find_side_chains(tree: ConversationTree) -> None:
    main_uuids = tree.main_uuids
    compacted_tails = {b.logical_parent for b in tree.compact_boundaries if b.logical_parent}
    continued = _continued(tree)
    leaves = [
        rec
        for rec in tree.by_uuid.values()
        if rec.type in MESSAGE_TYPES
        and rec.uuid not in continued
        and rec.uuid not in main_uuids
        and not _spliced_result(tree, rec, continued)
    ]
    tree.side_leaves_total = len(leaves)
    ordered = sorted(leaves, key=lambda r: r.line)
    for leaf in ordered[:MAX_SIDE_CONVERSATIONS]:
        records, stop, stop_record = _walk_up(tree, leaf, stop_at=main_uuids)
        if leaf.sidechain and not (tree.leaf and tree.leaf.sidechain):
            kind = SIDECHAIN
        elif any(r.uuid in compacted_tails for r in records) or _ends_before_boundary(tree, records, compacted_tails):
            kind = COMPACTED
        else:
            kind = BRANCH
        tree.side.append(Chain(kind, leaf, records, stop, stop_record))


def _ends_before_boundary(tree: ConversationTree, records: list[Record], compacted_tails: set[str]) -> bool:
    """A leaf whose descendants (progress, system records) include a compaction's logical parent."""
    leaf = records[-1]
    stack = list(tree.children.get(leaf.uuid, ()))
    budget = 1000
    while stack and budget:
        budget -= 1
        node = stack.pop()
        if node.uuid in compacted_tails:
            return True
        stack.extend(tree.children.get(node.uuid, ()))
    return False
