"""Where Claude Code looks for a session: `~/.claude/projects/<slug>/<session-id>.jsonl`.

`claude --resume <id>` looks only in the slug folder of the directory it is started in. The
slug is the real path of that directory with every character outside [A-Za-z0-9] turned into
`-` (clients from 2.1.47 cut slugs over 200 characters and add a hash we cannot reproduce).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

SLUG_LIMIT = 200


def projects_root() -> Path:
    return Path(os.path.expanduser("~")) / ".claude" / "projects"


def project_slug(cwd: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "-", os.path.realpath(cwd))


@dataclass
class NewSessionPlace:
    folder: Path  # where the new session file is written
    resume_folder: Path | None  # the slug folder the client reads, when known
    cwd: str | None
    note: str | None  # what the user has to do before `claude --resume` works, if anything


def place_new_session(source: Path, cwd: str | None) -> NewSessionPlace:
    """The folder to write a new session into, so that `cd <cwd> && claude --resume <id>` finds it.

    Under ~/.claude/projects: the slug folder of the session's cwd (created if need be). Anywhere
    else: beside the input, with a note naming the folder to copy it into."""
    root = projects_root()
    here = Path(os.path.realpath(source)).parent
    slug = project_slug(cwd) if cwd else None
    if slug is not None and len(slug) > SLUG_LIMIT:
        return NewSessionPlace(here, None, cwd, (
            f"the slug of {cwd} is longer than {SLUG_LIMIT} characters, which newer clients shorten with a hash:"
            f" copy it into the folder under {root} where this project's other sessions are"))
    if slug is None:
        return NewSessionPlace(here, None, None, (
            f"the session names no working directory (cwd): copy it into {root}/<slug of the project folder>"
            " before resuming"))
    target = root / slug
    if _is_within(here, Path(os.path.realpath(root))):
        return NewSessionPlace(target, target, cwd, None)
    return NewSessionPlace(here, target, cwd, f"Claude Code looks for it in {target}/: copy it there before resuming")


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False
