"""The stranded user's path: commands given no path work on this project's latest session, picked
the way `claude --continue` picks it, in a sandbox HOME laid out as Claude Code lays it out."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, Result

from transcript_doctor.sessions import project_slug

BROKEN = EXAMPLES / "td201-orphan-tool-use.jsonl"  # two tool calls without results: 2 errors
CLEAN = EXAMPLES / "clean-2.0.30-parallel-tools.jsonl"
EXAMPLE_CWD = "/home/dev/app"
EXAMPLE_SESSION = "362ca5dc-615a-44ed-a1b2-7073d1d090e2"


def session_id(n: int) -> str:
    return f"{n:08x}-aaaa-4bbb-8ccc-{n:012x}"


class Sandbox:
    """A HOME with Claude Code's layout: ~/.claude/projects/<slug>/<session-id>.jsonl."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.home.mkdir()
        self.config = self.home / ".claude"
        self.env = {k: v for k, v in os.environ.items() if k != "CLAUDE_CONFIG_DIR"}
        self.env.update({"HOME": str(self.home), "NO_COLOR": "1", "COLUMNS": "200"})

    def project(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def folder_of(self, project: Path, config: Path | None = None) -> Path:
        return (config or self.config) / "projects" / project_slug(os.path.realpath(project))

    def session(self, project: Path, sid: str, source: Path | None = BROKEN, age: float = 0, config: Path | None = None,
                name: str | None = None) -> Path:
        """A session of `project` written `age` seconds ago, its records moved to that project and id."""
        folder = self.folder_of(project, config)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"{sid}.jsonl")
        data = b"" if source is None else source.read_bytes().replace(EXAMPLE_CWD.encode(), os.path.realpath(project).encode())
        path.write_bytes(data.replace(EXAMPLE_SESSION.encode(), sid.encode()))
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
        return path

    def run(self, *args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> Result:
        proc = subprocess.run([sys.executable, "-m", "transcript_doctor", *args], cwd=cwd, env={**self.env, **(env or {})},
                              input=stdin, capture_output=True, text=True, timeout=120)
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def box(tmp_path):
    return Sandbox(tmp_path)


@pytest.fixture
def app(box):
    """A project with three sessions of several ages and the sub-agent files Claude Code writes
    beside them (newer than every session, so that counting them would pick one)."""
    app = box.project("work/my-app")
    box.session(app, session_id(1), CLEAN, age=7200)
    latest = box.session(app, session_id(2), BROKEN, age=60)
    box.session(app, session_id(3), CLEAN, age=3600)
    box.session(app, "", CLEAN, age=5, name="agent-a1b2c3.jsonl")
    sub = box.folder_of(app) / session_id(2) / "subagents"
    sub.mkdir(parents=True)
    (sub / "agent-d4e5f6.jsonl").write_bytes(CLEAN.read_bytes())
    sidechain = box.session(app, session_id(4), CLEAN, age=1)
    sidechain.write_bytes(sidechain.read_bytes().replace(b'"isSidechain":false', b'"isSidechain":true'))
    box.latest = latest
    return app


def picked_line(result: Result) -> str:
    lines = [line for line in result.err.splitlines() if "session" in line]
    assert lines, result.err
    return lines[0]


def test_every_command_without_a_path_reads_the_latest_session(box, app):
    latest = box.latest
    check = box.run("check", "--format", "json", cwd=app)
    assert check.code == 1, check.err
    report = json.loads(check.out)  # stdout is the report alone: the picked file is named on stderr
    assert [f["path"] for f in report["files"]] == [str(latest)]
    assert str(latest.name) in picked_line(check) and "latest session of" in picked_line(check)

    text = box.run("check", cwd=app)
    assert text.code == 1 and f"{latest.name}:53  TD201 error" in text.out

    show = box.run("show", "--json", cwd=app)
    assert show.code == 0 and latest.name in picked_line(show)
    assert len(show.out.splitlines()) == 26  # the 26 API messages of the broken example

    stats = box.run("stats", "--format", "json", cwd=app)
    assert stats.code == 0 and json.loads(stats.out)["size"] == latest.stat().st_size

    diff = box.run("fix", "--diff", cwd=app)
    assert diff.code == 1 and latest.name in picked_line(diff) and "4 change(s) would be made" in diff.out

    error = ('API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.23: `tool_use` ids'
             " were found without `tool_result` blocks immediately after: toolu_01601f3b3fe6054257, toolu_019991e0ad51d2966a."
             ' Each `tool_use` block must have a corresponding `tool_result` block in the next message."}}')
    assert len(error) > 255  # longer than a file name may be: taken as the error, never tried as a path
    explain = box.run("explain", cwd=app, stdin=error)
    assert explain.code == 0, explain.err
    assert latest.name in picked_line(explain)
    assert f"{latest}:53  TD201 error" in explain.out
    as_argument = box.run("explain", error, cwd=app)
    assert as_argument.code == 0 and as_argument.out == explain.out

    compact = box.run("compact", "--max-tokens", "1000", cwd=app)  # the latest is broken: fix comes first
    assert compact.code == 1 and latest.name in picked_line(compact) and "fix" in compact.err


def test_the_project_is_the_current_folder_not_the_newest_anywhere(box, app):
    other = box.project("work/other")
    box.session(other, session_id(9), CLEAN, age=0)  # newer than every session of my-app
    result = box.run("check", "--format", "json", cwd=app)
    assert [f["path"] for f in result.json()["files"]] == [str(box.latest)]
    from_other = box.run("check", "--format", "json", cwd=other)
    assert from_other.code == 0 and session_id(9) in from_other.json()["files"][0]["path"]
    # From anywhere, --project names the folder.
    elsewhere = box.run("check", "--format", "json", "--project", str(app), cwd=box.root)
    assert [f["path"] for f in elsewhere.json()["files"]] == [str(box.latest)]


def test_a_subfolder_of_the_project_is_another_project(box, app):
    sub = app / "src"
    sub.mkdir()
    result = box.run("check", cwd=sub)
    assert result.code == 2
    assert f"Claude Code has no sessions for {os.path.realpath(sub)}" in result.err


def test_a_symlinked_folder_is_its_real_path(box, app):
    link = box.root / "link-to-app"
    link.symlink_to(app)
    result = box.run("check", "--format", "json", cwd=link)
    assert [f["path"] for f in result.json()["files"]] == [str(box.latest)]


def test_session_by_id_prefix(box, app):
    full = box.run("stats", "--format", "json", "--session", session_id(3), cwd=app)
    assert full.code == 0 and session_id(3) in picked_line(full)
    prefix = box.run("stats", "--format", "json", "--session", "00000003", cwd=app)
    assert prefix.code == 0 and prefix.out == full.out
    ambiguous = box.run("check", "--session", "0000000", cwd=app)
    assert ambiguous.code == 2
    assert "matches 4 sessions" in ambiguous.err
    assert all(session_id(n) in ambiguous.err for n in (1, 2, 3, 4))
    missing = box.run("check", "--session", "ffff", cwd=app)
    assert missing.code == 2 and "no session 'ffff'" in missing.err
    both = box.run("check", str(box.latest), "--session", "00000003", cwd=app)
    assert both.code == 2 and "not both" in both.err


def test_session_of_another_project_says_which(box, app):
    other = box.project("work/other")
    box.session(other, session_id(9), CLEAN, age=0)
    result = box.run("check", "--session", "00000009", cwd=app)
    assert result.code == 2
    assert result.out == ""
    assert f"session {session_id(9)} is not in this project ({os.path.realpath(app)})" in result.err
    assert f"~/.claude/projects/{project_slug(os.path.realpath(other))}" in result.err
    assert f"--project {os.path.realpath(other)}" in result.err
    # The advice works.
    ok = box.run("check", "--session", "00000009", "--project", str(other), cwd=app)
    assert ok.code == 0, ok.err


def test_an_empty_latest_session_is_named_not_read(box, app):
    empty = box.session(app, session_id(5), None, age=0)
    result = box.run("check", cwd=app)
    assert result.code == 2 and result.out == ""
    assert f"the latest session of {os.path.realpath(app)} is empty" in result.err
    assert empty.name in result.err
    listing = box.run("sessions", cwd=app)
    assert "(empty file)" in listing.out


def test_no_claude_folder_and_a_project_never_used(box):
    fresh = box.project("fresh")
    for command in ("check", "fix", "sessions"):
        result = box.run(command, cwd=fresh)
        assert result.code == 2, (command, result.err)
        assert result.err == ("transcript-doctor: no Claude Code sessions on this machine: ~/.claude does not exist;"
                              " give a transcript file instead\n"), result.err
        assert "Traceback" not in result.err
    (box.config / "projects" / project_slug(os.path.realpath(box.project("used")))).mkdir(parents=True)
    never = box.run("check", cwd=fresh)
    assert never.code == 2
    assert never.err.startswith(f"transcript-doctor: Claude Code has no sessions for {os.path.realpath(fresh)}: no folder ~/.claude/projects/")
    bad_project = box.run("check", "--project", str(box.root / "nowhere"), cwd=fresh)
    assert bad_project.code == 2 and "no such folder" in bad_project.err


def test_claude_config_dir_is_honoured(box):
    app = box.project("app")
    config = box.root / "elsewhere-config"
    box.session(app, session_id(1), CLEAN, age=0)  # in ~/.claude: not looked at
    in_config = box.session(app, session_id(2), BROKEN, age=100, config=config)
    result = box.run("check", "--format", "json", cwd=app, env={"CLAUDE_CONFIG_DIR": str(config)})
    assert [f["path"] for f in result.json()["files"]] == [str(in_config)]
    scan = box.run("scan", "--format", "json", cwd=box.root, env={"CLAUDE_CONFIG_DIR": str(config)})
    assert [f["path"] for f in scan.json()["files"]] == [str(in_config)]
    missing = box.run("check", cwd=app, env={"CLAUDE_CONFIG_DIR": str(box.root / "none")})
    assert missing.code == 2 and f"$CLAUDE_CONFIG_DIR is {box.root / 'none'}, which does not exist" in missing.err


def test_a_long_path_uses_the_cut_slug_and_its_hash(box):
    # Expected values from Claude Code's own function (cli.js 2.1.112, the same in 2.1.328), run with node.
    long = "/home/dev/" + "a-very-long-folder-name/" * 10 + "app"
    assert project_slug(long) == ("-home-dev" + "-a-very-long-folder-name" * 8)[:200] + "-q5asp4"
    assert project_slug("/home/dév/项目/😀app") == "-home-d-v------app"
    assert project_slug("/tmp/" + "😀é" * 80) == "-tmp-" + "-" * 195 + "-8k7gwp"
    assert project_slug("/home/dev/my.app_1") == "-home-dev-my-app-1"

    deep = box.project("deep/" + "x" * 120 + "/" + "y" * 120)
    slug = project_slug(os.path.realpath(deep))
    assert len(slug) > 200
    box.session(deep, session_id(1), BROKEN)
    assert box.run("check", cwd=deep).code == 1
    # A folder written by a client that named it otherwise (a different hash): matched by its cut prefix.
    folder = box.folder_of(deep)
    folder.rename(folder.with_name(slug[:200] + "-otherhash"))
    assert box.run("check", cwd=deep).code == 1


def test_sessions_lists_newest_first_in_80_columns(box, app):
    result = box.run("sessions", cwd=app, env={"COLUMNS": "80"})
    assert result.code == 1  # one session has errors, as scan says
    lines = result.out.splitlines()
    assert lines[0] == f"sessions of {os.path.realpath(app)}, newest first:"
    assert max(len(line) for line in lines[1:]) <= 80, result.out
    rows = [line for line in lines if line[:2] == "20"]
    ids = [re.search(r"B  ([0-9a-f]{8})  ", row).group(1) for row in rows]
    assert ids == [session_id(n)[:8] for n in (4, 2, 3, 1)]  # newest first; sub-agent files are not sessions
    assert "2 errors" in rows[1] and "clean" in rows[2]
    assert "(a sub-agent transcript)" in rows[0]
    assert "plain turn d" in rows[1]  # the last prompt
    assert lines[-1] == f"`claude --continue` and commands given no path take {session_id(2)[:8]}"
    assert rows[1].startswith(time.strftime("%Y-%m-%d %H:", time.localtime(box.latest.stat().st_mtime)))
    data = json.loads(box.run("sessions", "--format", "json", cwd=app).out)
    assert data["latest"] == str(box.latest)
    assert [r["session_id"] for r in data["sessions"]] == [session_id(n) for n in (4, 2, 3, 1)]
    assert data["sessions"][1]["errors"] == 2 and data["sessions"][1]["health"] == "errors"


def test_fix_ends_with_the_command_that_resumes_it(box, app):
    latest = box.latest
    sid = session_id(2)
    default = box.run("fix", cwd=app)
    assert default.code == 0, default.err
    last = default.out.splitlines()[-1]
    slug = project_slug(os.path.realpath(app))
    assert last == (f"resume it with: mv ~/.claude/projects/{slug}/{sid}.jsonl ~/.claude/projects/{slug}/{sid}.jsonl.bak"
                    f" && cp ~/.claude/projects/{slug}/{sid}.fixed.jsonl ~/.claude/projects/{slug}/{sid}.jsonl"
                    f" && claude --resume {sid}")
    # The line does what it says: run it (without the `claude` at the end) and the session checks clean.
    subprocess.run(last.removeprefix("resume it with: ").rsplit(" && ", 1)[0], shell=True, check=True, cwd=app,
                   env=box.env)
    assert box.run("check", cwd=app).code == 0
    assert (latest.parent / f"{sid}.jsonl.bak").read_bytes() == BROKEN.read_bytes().replace(
        EXAMPLE_CWD.encode(), os.path.realpath(app).encode()).replace(EXAMPLE_SESSION.encode(), sid.encode())

    box.session(app, sid, BROKEN, age=0)
    (latest.parent / f"{sid}.jsonl.bak").unlink()
    from_elsewhere = box.run("fix", "--in-place", "--project", str(app), cwd=box.root)
    assert from_elsewhere.code == 0, from_elsewhere.err
    assert from_elsewhere.out.splitlines()[-1] == (
        f"resume it with: cd {os.path.realpath(app)} && claude --resume {sid}  (the original is kept as {latest}.bak)")
    as_json = box.run("fix", "--new-session", "--format", "json", cwd=app)
    payload = json.loads(as_json.out)
    assert payload["resume"] == f"claude --resume {payload['session_id']}"


def test_the_resume_line_never_overwrites_a_backup(box, app):
    sid = session_id(2)
    taken = box.latest.with_name(f"{sid}.jsonl.bak")
    taken.write_bytes(b"an older backup")
    last = box.run("fix", cwd=app).out.splitlines()[-1]
    assert f"{sid}.jsonl ~/.claude/projects/{project_slug(os.path.realpath(app))}/{sid}.jsonl.bak.1 && cp" in last


REAL = Path(__file__).resolve().parent / "sessions-2.1.328"


def test_sessions_the_real_client_wrote(box):
    """Files and layout of Claude Code 2.1.328, copied as they are: <id>.jsonl and <id>/subagents/."""
    app = box.project("app")
    folder = box.folder_of(app)
    shutil.copytree(REAL, folder, ignore=shutil.ignore_patterns("README.md"))
    older, newer = folder / "6583b93e-a699-488e-8ebc-1bb17dded4f8.jsonl", folder / "feccd329-6819-466f-8c58-badb6037d4a2.jsonl"
    now = time.time()
    for path, age in ((older, 3600), (newer, 600), (next(folder.rglob("agent-*.jsonl")), 1)):
        os.utime(path, (now - age, now - age))
    check = box.run("check", "--format", "json", cwd=app)
    assert check.code == 0, check.err
    assert [f["path"] for f in check.json()["files"]] == [str(newer)]
    data = json.loads(box.run("sessions", "--format", "json", cwd=app).out)
    assert [(r["session_id"][:8], r["last_prompt"], r["health"]) for r in data["sessions"]] == [
        ("feccd329", "thanks", "clean"), ("6583b93e", "done", "clean")]  # the `last-prompt` records 2.1.328 writes
    os.utime(older, (now, now))
    show = box.run("show", "--json", cwd=app)
    assert show.code == 0 and older.name in show.err
