"""Stage 4: project a chain of records onto the `messages` array Claude Code sends to the API.

The rules of the projection, as observed and read from Claude Code's source (see the shared
transcript doc): walk the chain root to leaf; keep user and assistant records (and `local_command`
system records, which are sent as user text); drop progress, attachment and other system records;
splice back the tool results and same-response assistant records that 2.1.x keeps off the chain;
merge consecutive user records into one message, with its tool_result blocks moved first, and
assistant records of one response (one message.id) into one message. Each resulting `ApiMessage` knows its index (the N of `messages.N`) and, for
every content block, the record and line it came from and its index M in `content.M`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .profiles import ClientProfile, profile_for
from .records import Block, Record
from .tree import Chain, ConversationTree, time_key


@dataclass(slots=True)
class ApiPart:
    record: Record
    block: Block
    content_index: int
    added: str | None = None  # a block the client adds that no record holds ("context"): `record` is where it goes


@dataclass(slots=True)
class ApiMessage:
    index: int
    role: str
    parts: list[ApiPart] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    anchor: Record | None = None  # a message no record wrote (an empty system message): the record it follows

    @property
    def first_line(self) -> int:
        return self.lines[0]

    @property
    def lines(self) -> tuple[int, int]:
        lines = [r.line for r in self.records] or [self.anchor.line if self.anchor else 0]
        return min(lines), max(lines)

    def tool_uses(self) -> list[ApiPart]:
        return [p for p in self.parts if p.block.kind == "tool_use"]

    def tool_results(self) -> list[ApiPart]:
        return [p for p in self.parts if p.block.kind == "tool_result"]


@dataclass
class Conversation:
    """One projected conversation: the resumed one (`kind == "main"`) or a side one."""

    kind: str
    chain: Chain
    messages: list[ApiMessage]
    partial: bool = False  # starts mid-conversation (a side branch joined to the main chain)
    foreign_uuids: frozenset[str] = frozenset()  # records that belong to the main conversation
    profile: ClientProfile | None = None  # the client whose request this conversation models

    @property
    def is_main(self) -> bool:
        return self.kind == "main"

    def owns(self, record: Record) -> bool:
        """Findings on this record belong to this conversation (not to the main one it joins)."""
        return record.uuid not in self.foreign_uuids

    @cached_property
    def tool_use_sites(self) -> dict[str, list[tuple[ApiMessage, ApiPart]]]:
        sites: dict[str, list[tuple[ApiMessage, ApiPart]]] = {}
        for msg in self.messages:
            if msg.role != "assistant":
                continue
            for part in msg.tool_uses():
                if part.block.tool_id is not None:
                    sites.setdefault(part.block.tool_id, []).append((msg, part))
        return sites

    @cached_property
    def tool_result_sites(self) -> dict[str, list[tuple[ApiMessage, ApiPart]]]:
        sites: dict[str, list[tuple[ApiMessage, ApiPart]]] = {}
        for msg in self.messages:
            if msg.role != "user":
                continue
            for part in msg.tool_results():
                if part.block.tool_id is not None:
                    sites.setdefault(part.block.tool_id, []).append((msg, part))
        return sites

    def results_after(self, index: int) -> set[str | None]:
        """Tool ids answered by the message right after messages[index] (empty unless it is a user message)."""
        following = self.messages[index + 1] if index + 1 < len(self.messages) else None
        if following is None or following.role != "user":
            return set()
        return {p.block.tool_id for p in following.tool_results()}

    def uses_before(self, index: int) -> set[str | None]:
        """Tool ids called by the message right before messages[index] (empty unless it is an assistant message)."""
        previous = self.messages[index - 1] if index > 0 else None
        if previous is None or previous.role != "assistant":
            return set()
        return {p.block.tool_id for p in previous.tool_uses()}

    def message_of(self, record: Record) -> ApiMessage | None:
        return self._message_by_uuid.get(record.uuid)

    @cached_property
    def _message_by_uuid(self) -> dict[str | None, ApiMessage]:
        return {r.uuid: m for m in self.messages for r in m.records}


def _sent_records(tree: ConversationTree, chain: list[Record], profile: ClientProfile) -> list[Record]:
    """The chain's records that reach the API, with 2.1.x's off-chain parallel records spliced in."""
    chain = _with_preserved(tree, chain, profile)
    on_chain = {r.uuid for r in chain}
    out: list[Record] = []
    i = 0
    while i < len(chain):
        rec = chain[i]
        if rec.type == "assistant" and rec.message_id:
            # One model response: the run of chain records sharing this message.id, plus any
            # record of that response, or tool result answering it, that sits off the chain.
            group = [rec]
            called = _calls(rec)  # the tool ids the group's records call, kept as the group grows
            j = i + 1
            while j < len(chain) and (
                (chain[j].type == "assistant" and chain[j].message_id == rec.message_id)
                or not is_sent(chain[j], profile)
                or _answers(chain[j], called)
            ):
                group.append(chain[j])
                called |= _calls(chain[j])
                j += 1
            if profile.splices_off_chain:
                extra_assistant, extra_results = _off_chain_parts(tree, group, on_chain)
            else:  # 2.0.x writes one linear chain and does not splice anything back
                extra_assistant, extra_results = [], []
            out.extend(r for r in group if r.type == "assistant" and is_sent(r, profile))
            out.extend(extra_assistant)
            out.extend(r for r in group if r.type != "assistant" and is_sent(r, profile))
            out.extend(extra_results)
            on_chain.update(r.uuid for r in extra_assistant + extra_results)
            i = j
            continue
        if is_sent(rec, profile):
            out.append(rec)
        i += 1
    return out


def _with_preserved(tree: ConversationTree, chain: list[Record], profile: ClientProfile) -> list[Record]:
    """2.1.3xx keeps the messages a compaction preserved (compactMetadata.preservedMessages) right
    after the summary, although they sit before the boundary in the file."""
    if not profile.keeps_preserved_segment or not any(r.preserved for r in chain):
        return chain
    out: list[Record] = []
    pending: dict[str, list[Record]] = {}
    for rec in chain:
        if rec.preserved and rec.preserved_anchor:
            kept = [tree.by_uuid[u] for u in rec.preserved if u in tree.by_uuid]
            pending.setdefault(rec.preserved_anchor, []).extend(kept)
        out.append(rec)
        out.extend(pending.pop(rec.uuid, ()) if rec.uuid else ())
    return out


def _calls(rec: Record) -> set[str | None]:
    return {b.tool_id for b in rec.blocks if b.kind == "tool_use"}


def _answers(rec: Record, called: set[str | None]) -> bool:
    """A tool-result record sitting inside a response's run of records (2.1.x interleaving):
    every block answers a call of the group (`called`)."""
    if rec.type != "user" or not rec.blocks or any(b.kind != "tool_result" for b in rec.blocks):
        return False
    return all(b.tool_id in called for b in rec.blocks)


def _off_chain_parts(
    tree: ConversationTree, group: list[Record], on_chain: set[str | None]
) -> tuple[list[Record], list[Record]]:
    message_id = group[0].message_id
    # Only records hanging under this very response: a rewind or retry elsewhere in the tree can
    # reuse a message id, and its records belong to that other branch.
    members = list(group)
    member_uuids = {r.uuid for r in group}
    extra_assistant = []
    for r in sorted(tree.by_message_id.get(message_id, ()), key=lambda r: r.line):
        if r.uuid not in on_chain and r.uuid not in member_uuids and r.parent in member_uuids:
            extra_assistant.append(r)
            members.append(r)
            member_uuids.add(r.uuid)
    results = []
    for r in members:
        for child in tree.children.get(r.uuid, ()):
            # Every results-only record under the response is loaded with it, also one whose call
            # is gone: the client then sends it (2.0.x: a 400) or drops it (2.1.20+: silently).
            if (
                child.uuid not in on_chain
                and child.type == "user"
                and child.blocks
                and all(b.kind == "tool_result" for b in child.blocks)
            ):
                results.append(child)
    return sorted(extra_assistant, key=lambda r: r.line), sorted(results, key=lambda r: r.line)


def is_sent(rec: Record, profile: ClientProfile) -> bool:
    """Whether the client of `profile` puts this chain record into the request."""
    if rec.type == "user":
        return True
    if rec.type == "assistant":
        if profile.drops_api_error_records and rec.is_api_error:
            return False
        # "tengu_filtered_whitespace_only_assistant": 2.1.x leaves whitespace-only responses out.
        return not (profile.drops_whitespace_assistant and rec.blocks and all(b.kind == "text" and b.empty for b in rec.blocks))
    if rec.type == "attachment":
        if rec.rendered_role is not None:
            return profile.renders_attachments
        return profile.attachment_text(rec.attachment_type) is not None and bool(rec.blocks)
    return rec.sends_as_user_text


def _drop_orphaned_thinking(records: list[Record], profile: ClientProfile) -> list[Record]:
    """Claude Code 2.1.x also drops thinking-only records whose response has nothing else."""
    if not profile.drops_orphan_thinking:
        return records
    answered = {
        r.message_id
        for r in records
        if r.type == "assistant" and r.message_id and any(b.kind not in ("thinking", "redacted_thinking") for b in r.blocks)
    }
    return [
        r
        for r in records
        if not (
            r.type == "assistant"
            and r.blocks
            and all(b.kind in ("thinking", "redacted_thinking") for b in r.blocks)
            and r.message_id not in answered
        )
    ]


def _role(rec: Record) -> str:
    if rec.type == "assistant":
        return "assistant"
    if rec.type == "attachment" and rec.rendered_role == "system":
        return "system"
    return "user"


def project(
    tree: ConversationTree, chain: Chain, kind: str, foreign: frozenset[str] = frozenset(), profile: ClientProfile | None = None
) -> Conversation:
    profile = profile or tree.profile or profile_for(None)
    records = _drop_orphaned_thinking(_sent_records(tree, chain.records, profile), profile)
    messages: list[ApiMessage] = []
    system_pending: list[Record] = []  # system attachments waiting for the end of their user turn
    # 2.1.3xx follows the first user message with a system message, empty when nothing rendered
    # (seen after a compaction, and after a break in the chain); later turns get one only when
    # they have system attachments. Files no rendering client wrote get none.
    first_system = profile.system_after_first_message and tree.renders_attachments

    def end_user_turn() -> None:
        nonlocal first_system
        if system_pending or first_system:
            messages.append(_system_message(len(messages), list(system_pending)))
            messages[-1].anchor = messages[-2].records[-1]
            system_pending.clear()
        first_system = False

    for rec in records:
        role = _role(rec)
        if role == "system":
            system_pending.append(rec)
            continue
        if role == "assistant" and messages and messages[-1].role == "user":
            end_user_turn()
        # User records merge into the user message before them; assistant records only with the
        # records of their own response (same message.id): two responses in a row are two messages.
        if messages and messages[-1].role == role and (role == "user" or messages[-1].records[-1].message_id == rec.message_id):
            msg = messages[-1]
        else:
            msg = ApiMessage(index=len(messages), role=role)
            messages.append(msg)
        msg.records.append(rec)
        for block in rec.blocks:
            msg.parts.append(ApiPart(rec, block, 0))
    if messages and messages[-1].role == "user":
        end_user_turn()
    if profile.context_reminder and messages and messages[0].role == "user" and not chain.stop == "main":
        first = messages[0]
        text = profile.context_reminder
        first.parts.append(ApiPart(first.records[0], Block("text", None, size=len(text), head=text[:80]), 0, added="context"))
    last = messages[-1] if messages else None
    if (profile.continue_after_results and kind == "main" and last is not None and last.role == "user" and last.parts
            and all(p.block.kind == "tool_result" for p in last.parts)):
        # 2.1.112 resumes a conversation that ends with tool results by asking the model to go on.
        text = profile.continue_after_results
        last.parts.append(ApiPart(last.records[-1], Block("text", None, size=len(text), head=text), 0, added="continue"))
    for msg in messages:
        if msg.role == "user" and len(msg.parts) > 1:
            # Claude Code moves a merged user message's tool results to the front, then the
            # reminders (attachments, then its own context); results go in file or chain order.
            msg.parts.sort(key=lambda p: (p.block.kind != "tool_result", _reminder_rank(p),
                                          _written(p) if p.block.kind == "tool_result" and profile.results_in_written_order
                                          else ("", 0)))
        for i, part in enumerate(msg.parts):
            part.content_index = i
    partial = chain.stop == "main"
    return Conversation(kind=kind, chain=chain, messages=messages, partial=partial, foreign_uuids=foreign, profile=profile)


def _reminder_rank(part: ApiPart) -> int:
    if part.record.type == "attachment":
        return 0
    if part.added == "continue":
        return 3  # after the message's own texts
    return 1 if part.added else 2


def _written(part: ApiPart) -> tuple[str, int]:
    """When a result was written: its timestamp (a repaired record keeps its place in the file but
    is stamped inside the gap it fills, and the client follows the stamp), then its line."""
    return time_key(part.record.timestamp) or "", part.record.line


def _system_message(index: int, records: list[Record]) -> ApiMessage:
    """One role:"system" message: the texts of the turn's system attachments, joined as the client
    joins them, in one text block (no block at all when nothing rendered)."""
    msg = ApiMessage(index=index, role="system", records=records)
    if records:
        blocks = [b for r in records for b in r.blocks]
        head = "\n\n".join(b.head for b in blocks)[:80]
        size = sum(b.size for b in blocks) + 2 * (len(blocks) - 1)
        joined = Block("text", None, empty=all(b.empty for b in blocks), size=size, head=head)
        msg.parts.append(ApiPart(records[0], joined, 0))
    return msg


def conversations(tree: ConversationTree) -> list[Conversation]:
    """The resumed conversation first, then each side conversation."""
    out: list[Conversation] = []
    if tree.main is not None:
        out.append(project(tree, tree.main, "main"))
    main_uuids = frozenset(tree.main_uuids)
    for chain in tree.side:
        out.append(project(tree, chain, chain.kind, foreign=main_uuids))
    return out
