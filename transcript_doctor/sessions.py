"""Find a project's sessions the way Claude Code does, so that a command given no path works on
the session that just died.

Where Claude Code keeps them (read from cli.js 2.1.112 and the 2.1.328 binary, and checked by
running 2.1.328): the config folder is `$CLAUDE_CONFIG_DIR` or `~/.claude`; a project's sessions
are `<config>/projects/<slug>/<session-id>.jsonl`, where the slug is the real path of the working
directory with every character outside [A-Za-z0-9] (each UTF-16 unit) turned into `-`; from 2.1.47
a slug longer than 200 characters is cut to 200 and followed by `-` and a hash of the path.

`claude --continue` takes the session file with the newest modification time among the files named
`<uuid>.jsonl` (so `agent-*.jsonl` and `<session>/subagents/` never count), skipping, as 2.1.328
does, a file whose first 64 KB hold a sidechain record, a file written from another directory
with the same slug (`/a/my.app` and `/a/my-app`), and a non-empty file with no conversation record
in it. An empty file is not skipped: `--continue` resumes it, so we pick it and say it is empty.
(The interactive client also skips sessions started by `claude -p` and the like; which one the
user will resume from is not known here, and the session that died is the one they want.)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

SLUG_LIMIT = 200
HEAD_BYTES = 65536  # how much of a file Claude Code reads to list it
TAIL_BYTES = 65536
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_CONVERSATION_TYPES = (b'"type":"user"', b'"type":"assistant"', b'"type": "user"', b'"type": "assistant"')


class NothingFound(Exception):
    """No session where one was looked for; the message says where and what to do instead."""


def config_dir() -> Path:
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured) if configured else Path(os.path.expanduser("~")) / ".claude"


def projects_dir() -> Path:
    return config_dir() / "projects"


def _string_hash(text: str) -> int:
    """JavaScript's `(h << 5) - h + charCodeAt(i) | 0` over the UTF-16 units of `text`."""
    units = text.encode("utf-16-le", "surrogatepass")
    h = 0
    for i in range(0, len(units), 2):
        h = (h * 31 + (units[i] | units[i + 1] << 8)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _uncut_slug(directory: str) -> str:
    # JavaScript replaces UTF-16 units: a character beyond U+FFFF is two units, so two dashes.
    return "".join(c if c.isascii() and c.isalnum() else ("--" if ord(c) > 0xFFFF else "-") for c in directory)


def project_slug(directory: str) -> str:
    """The name of the folder under projects/ that Claude Code uses for `directory` (a real path)."""
    slug = _uncut_slug(directory)
    if len(slug) <= SLUG_LIMIT:
        return slug
    return f"{slug[:SLUG_LIMIT]}-{_base36(abs(_string_hash(directory)))}"


def real_directory(directory: Optional[os.PathLike | str] = None) -> str:
    return os.path.realpath(os.fspath(directory) if directory is not None else os.getcwd())


def project_folder(directory: str) -> Optional[Path]:
    """The existing folder of `directory`'s sessions, or None. Long paths: the cut slug with its
    hash (2.1.47+), the whole slug (older clients), or one folder that starts with the cut slug
    (a client that hashed differently)."""
    root = projects_dir()
    slug = project_slug(directory)
    candidates = [root / slug]
    uncut = _uncut_slug(directory)
    if uncut != slug:
        candidates.append(root / uncut)
    for folder in candidates:
        if folder.is_dir():
            return folder
    if uncut != slug and root.is_dir():
        prefix = uncut[:SLUG_LIMIT] + "-"
        found = [p for p in root.iterdir() if p.name.startswith(prefix) and p.is_dir()]
        if len(found) == 1:
            return found[0]
    return None


@dataclass
class Session:
    path: Path
    id: str
    mtime: float
    size: int

    @property
    def folder(self) -> Path:
        return self.path.parent


def sessions_in(folder: Path) -> list[Session]:
    """Every `<uuid>.jsonl` of a project folder, newest modification first."""
    out = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        stem, dot, ext = entry.name.rpartition(".")
        if ext != "jsonl" or not dot or not UUID.match(stem):
            continue
        try:
            if not entry.is_file():
                continue
            st = entry.stat()
        except OSError:
            continue
        out.append(Session(Path(entry.path), stem, st.st_mtime, st.st_size))
    out.sort(key=lambda s: (-s.mtime, s.id))
    return out


def _head(path: Path, size: int = HEAD_BYTES) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError:
        return b""


def _recorded_cwd(head: bytes) -> Optional[str]:
    m = re.search(rb'"cwd"\s*:\s*"((?:[^"\\]|\\.)*)"', head)
    if not m:
        return None
    import json

    try:
        return json.loads(b'"' + m.group(1) + b'"')
    except ValueError:
        return None


def continue_skips(session: Session, directory: str) -> Optional[str]:
    """Why `claude --continue` run in `directory` passes over this file, or None."""
    if session.size == 0:
        return None
    head = _head(session.path)
    if b'"isSidechain":true' in head or b'"isSidechain": true' in head:
        return "a sub-agent transcript"
    cwd = _recorded_cwd(head)
    if cwd and cwd != directory and project_slug(cwd) == project_slug(directory):
        return f"written from {cwd}, another folder with the same slug"
    if not any(t in head for t in _CONVERSATION_TYPES) and session.size <= HEAD_BYTES:
        return "no conversation in it"
    return None


@dataclass
class Picked:
    session: Session
    directory: str  # the project directory (a real path)
    how: str  # "latest" or "id"

    @property
    def path(self) -> Path:
        return self.session.path


def _tilde(path: Path | str) -> str:
    home = os.path.expanduser("~")
    text = os.fspath(path)
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text


def _project_sessions(directory: str) -> tuple[Path, list[Session]]:
    config = config_dir()
    if not config.is_dir():
        where = f"$CLAUDE_CONFIG_DIR is {config}, which" if os.environ.get("CLAUDE_CONFIG_DIR") else _tilde(config)
        raise NothingFound(f"no Claude Code sessions on this machine: {where} does not exist; give a transcript file instead")
    folder = project_folder(directory)
    if folder is None:
        raise NothingFound(f"Claude Code has no sessions for {directory}: no folder {_tilde(projects_dir() / project_slug(directory))}"
                           " (run from the project's folder, or use --project DIR; `transcript-doctor scan` lists every session)")
    sessions = sessions_in(folder)
    if not sessions:
        raise NothingFound(f"no sessions in {_tilde(folder)} (the folder of {directory})")
    return folder, sessions


def latest(directory: str) -> Session:
    folder, sessions = _project_sessions(directory)
    for s in sessions:
        if continue_skips(s, directory) is None:
            return s
    raise NothingFound(f"no session in {_tilde(folder)} that `claude --continue` would resume (only sub-agent transcripts"
                       " or files without a conversation)")


def _other_folders(exclude: Optional[Path]) -> list[Path]:
    root = projects_dir()
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and p != exclude)
    except OSError:
        return []


def _match(sessions: list[Session], prefix: str) -> list[Session]:
    prefix = prefix.lower()
    exact = [s for s in sessions if s.id.lower() == prefix]
    return exact or [s for s in sessions if s.id.lower().startswith(prefix)]


def by_id(prefix: str, directory: str) -> Session:
    prefix = prefix.strip()
    if prefix.endswith(".jsonl"):
        prefix = prefix[: -len(".jsonl")]
    if not prefix:
        raise NothingFound("--session needs a session id (or the first characters of one)")
    folder, sessions = _project_sessions(directory)
    found = _match(sessions, prefix)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise NothingFound(f"session id {prefix!r} matches {len(found)} sessions of {directory}: "
                           + ", ".join(s.id for s in found[:10]) + ("" if len(found) <= 10 else ", ...")
                           + " (give more characters)")
    elsewhere = [(f, s) for f in _other_folders(folder) for s in _match(sessions_in(f), prefix)]
    if not elsewhere:
        raise NothingFound(f"no session {prefix!r} in {_tilde(folder)} (the folder of {directory}), nor in any other project"
                           " (`transcript-doctor sessions` lists this project's sessions)")
    other_folder, other = elsewhere[0]
    where = _recorded_cwd(_head(other.path))
    run_there = f" (project {where}): run there, or add --project {where}" if where else ": give the file's path instead"
    more = f" and {len(elsewhere) - 1} more" if len(elsewhere) > 1 else ""
    raise NothingFound(f"session {other.id} is not in this project ({directory}) but in {_tilde(other_folder)}{more}{run_there}")


def pick(session_id: Optional[str] = None, project: Optional[os.PathLike | str] = None) -> Picked:
    """This project's latest session, or the one `session_id` (a unique prefix) names."""
    if project is not None and not os.path.isdir(project):
        raise NothingFound(f"--project {os.fspath(project)}: no such folder")
    directory = real_directory(project)
    chosen = by_id(session_id, directory) if session_id is not None else latest(directory)
    if chosen.size == 0:
        which = f"session {chosen.id}" if session_id is not None else f"the latest session of {directory}"
        raise NothingFound(f"{which} is empty: {_tilde(chosen.path)} holds 0 bytes (Claude Code wrote nothing to it;"
                           " `transcript-doctor sessions` lists the others, --session ID picks one)")
    return Picked(chosen, directory, "id" if session_id is not None else "latest")


def describe(picked: Picked) -> str:
    """The line that tells the user which file a command given no path works on."""
    what = f"session {picked.session.id}" if picked.how == "id" else f"the latest session of {picked.directory}"
    return f"{what}: {_tilde(picked.path)} ({_age(picked.session.mtime)})"


def _age(mtime: float) -> str:
    import time

    seconds = max(0, time.time() - mtime)
    if seconds < 90:
        return "modified just now" if seconds < 10 else f"modified {int(seconds)} s ago"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = int(seconds // size)
            return f"modified {n} {unit}{'' if n == 1 else 's'} ago"
    return "modified just now"


def last_prompt(path: Path) -> Optional[str]:
    """The user's last prompt, from the file's tail: the `last-prompt` record 2.1.x writes, or the
    last user record whose text is not a tool result, a command or a reminder."""
    import json

    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - TAIL_BYTES))
            tail = f.read()
    except OSError:
        return None
    for raw in reversed(tail.split(b"\n")):
        if b'"last-prompt"' not in raw and b'"user"' not in raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        if value.get("type") == "last-prompt" and isinstance(value.get("lastPrompt"), str) and value["lastPrompt"].strip():
            return " ".join(value["lastPrompt"].split())
        if value.get("type") != "user" or value.get("isMeta") or value.get("isSidechain"):
            continue
        content = (value.get("message") or {}).get("content") if isinstance(value.get("message"), dict) else None
        texts = [content] if isinstance(content, str) else [
            b.get("text") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"] if isinstance(content, list) else []
        for text in texts:
            if isinstance(text, str) and text.strip() and not text.lstrip().startswith(("<", "[Request interrupted")):
                return " ".join(text.split())
    return None


def _resume_line(session_id: str, cwd: Optional[str]) -> str:
    here = real_directory()
    return f"cd {_quote(cwd)} && claude --resume {session_id}" if cwd and cwd != here else f"claude --resume {session_id}"


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def resume_command(written: Path, session_id: Optional[str], cwd: Optional[str]) -> Optional[str]:
    """The one shell line that resumes the transcript written at `written` with Claude Code.

    `claude --resume <id>` reads `<id>.jsonl` in the projects folder of the directory it runs in.
    A file that is already there resumes as it is; any other is first copied there, under the
    session's id, from the directory the session ran in (`cwd`), and the file it replaces is
    kept as .bak (.bak.1 and so on when that is taken, as `fix --in-place` does)."""
    shown = written  # as the user named it: a relative path stays relative
    written = Path(os.path.abspath(written))
    folder = written.parent if written.parent.parent == Path(os.path.abspath(projects_dir())) else None
    if folder is not None:
        here = real_directory()
        # The directory whose slug names this folder: the session's own, else the current one.
        cwd = next((d for d in (cwd, here) if d and project_slug(d) == folder.name), cwd)
        stem = written.name[: -len(".jsonl")] if written.name.endswith(".jsonl") else ""
        if UUID.match(stem) and cwd and project_slug(cwd) == folder.name:
            return _resume_line(stem, cwd)
        session_id = session_id or (stem if UUID.match(stem) else None)
    if not session_id or not cwd:
        return None
    if folder is None or project_slug(cwd) != folder.name:
        folder = project_folder(cwd) or projects_dir() / project_slug(cwd)
    target = folder / f"{session_id}.jsonl"
    steps = []
    if not folder.is_dir():
        steps.append(f"mkdir -p {_shell_path(folder)}")
    if target.exists():
        from .writer import backup_path

        steps.append(f"mv {_shell_path(target)} {_shell_path(backup_path(target))}")
    steps.append(f"cp {_shell_path(shown)} {_shell_path(target)}")
    steps.append(_resume_line(session_id, cwd))
    return " && ".join(steps)


def _shell_path(path: Path) -> str:
    """A path for a shell line: `~/...` stays unquoted so the shell expands it."""
    text = _tilde(path)
    if text.startswith("~/"):
        rest = text[2:]
        return "~/" + (rest if re.fullmatch(r"[A-Za-z0-9_./+@%:,=-]*", rest) else _quote(rest))
    return _quote(text)


def overview(project: Optional[os.PathLike | str] = None, workers: Optional[int] = None) -> dict:
    """This project's sessions, newest first, each with its health (from check), size, last
    prompt, last write and last record's timestamp, and which one `claude --continue` (and a command given no path)
    would pick."""
    from datetime import datetime, timezone

    from .scan import scan

    if project is not None and not os.path.isdir(project):
        raise NothingFound(f"--project {os.fspath(project)}: no such folder")
    directory = real_directory(project)
    folder, sessions = _project_sessions(directory)
    health = {r["path"]: r for r in scan([s.path for s in sessions], workers)}
    chosen = next((s for s in sessions if continue_skips(s, directory) is None), None)
    rows = []
    for s in sessions:
        h = health.get(str(s.path)) or {}
        state = "empty" if s.size == 0 else h.get("health", "unreadable")
        rows.append({
            "path": str(s.path),
            "session_id": s.id,
            "size": s.size,
            "modified": datetime.fromtimestamp(s.mtime, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),  # last write
            "last_activity": h.get("last_activity"),
            "health": state,
            "errors": h.get("errors", 0),
            "warnings": h.get("warnings", 0),
            "top_finding": h.get("top_finding"),
            "last_prompt": last_prompt(s.path) if s.size else None,
            "continue_skips": continue_skips(s, directory),
        })
    return {"project": directory, "folder": str(folder), "latest": str(chosen.path) if chosen else None, "sessions": rows}


def _when(row: dict) -> str:
    """The file's last write, in local time: the order of the list and what `--continue` goes by."""
    from datetime import datetime

    return datetime.fromisoformat(row["modified"].replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _health(row: dict) -> str:
    if row["health"] == "errors":
        return f"{row['errors']} error" + ("" if row["errors"] == 1 else "s")
    if row["health"] == "warnings":
        return f"{row['warnings']} warning" + ("" if row["warnings"] == 1 else "s")
    return row["health"]


def overview_lines(data: dict, width: int = 80) -> list[str]:
    """One line a session, fitted to `width` columns: last write, health, size, id, last prompt."""
    head = f"{'modified':16}  {'health':10}  {'size':>7}  {'session':8}  last prompt"
    lines = [f"sessions of {data['project']}, newest first:", head]
    room = max(12, width - 50)
    for row in data["sessions"]:
        if row["continue_skips"]:
            prompt = f"({row['continue_skips']})"
        else:
            prompt = row["last_prompt"] or ("-" if row["size"] else "(empty file)")
        if len(prompt) > room:
            prompt = prompt[: room - 1] + "…"
        lines.append(f"{_when(row):16}  {_health(row):10}  {_size(row['size']):>7}  {row['session_id'][:8]}  {prompt}")
    if data["latest"]:
        latest_id = Path(data["latest"]).stem
        lines.append(f"`claude --continue` and commands given no path take {latest_id[:8]}")
    return lines
