"""Commands given no path pick the session that the real client, Claude Code 2.1.328, resumes with
`claude --continue`: sessions written by the client itself against the local stand-in
(127.0.0.1), in a sandbox HOME, then `claude --continue -p "hello"` run there, and the file it
appended to compared with what transcript-doctor picked.

Skipped, saying why, where the 2.1.328 binary is not installed (it is about 370 MB from npm:
`npm install --prefix "$TD_CLAUDE_CODE_CACHE/claude-code-2.1.328" @anthropic-ai/claude-code@2.1.328`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "realclient"))

from standin import StandinAPI  # noqa: E402

from transcript_doctor.sessions import project_slug  # noqa: E402

pytestmark = pytest.mark.replay

VERSION = "2.1.328"
CACHE = Path(os.environ.get("TD_CLAUDE_CODE_CACHE", Path.home() / ".cache" / "transcript-doctor-tests"))
BINARY = CACHE / f"claude-code-{VERSION}" / "node_modules" / "@anthropic-ai" / "claude-code" / "bin" / "claude.exe"
SESSION_FILE = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl")


@pytest.fixture(scope="module")
def binary():
    if not os.access(BINARY, os.X_OK):
        pytest.skip(f"Claude Code {VERSION} is not installed at {BINARY}")
    return BINARY


class Box:
    def __init__(self, binary: Path, root: Path, base_url: str) -> None:
        self.binary = binary
        self.root = root
        self.home = root / "home"
        self.home.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k != "CLAUDE_CONFIG_DIR"}
        self.env.update({
            "HOME": str(self.home), "NO_COLOR": "1", "COLUMNS": "200",
            "ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": "sk-ant-test",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1",
        })

    def claude(self, cwd: Path, *args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(self.binary), *args, "--allowedTools", "Bash(echo:*)"], cwd=cwd, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-500:]
        return proc

    def td(self, cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "transcript_doctor", *args], cwd=cwd, env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=120)

    def folder(self, project: Path) -> Path:
        return self.home / ".claude" / "projects" / project_slug(os.path.realpath(project))


def sizes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.glob("*.jsonl")}


def continued(box: Box, project: Path) -> str:
    """The session file `claude --continue` appended to."""
    folder = box.folder(project)
    before = sizes(folder)
    box.claude(project, "--continue", "-p", "hello")
    after = sizes(folder)
    grown = [name for name in after if after[name] != before.get(name)]
    assert len(grown) == 1, (before, after)
    return grown[0]


def picks(box: Box, project: Path) -> dict[str, str]:
    """The session file each command given no path works on."""
    out = {}
    check = box.td(project, "check", "--format", "json")
    assert check.returncode in (0, 1), check.stderr
    out["check"] = Path(json.loads(check.stdout)["files"][0]["path"]).name
    error = "messages.3: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_x"
    for name, args, stdin in (("show", ("show", "--json"), None), ("stats", ("stats", "--format", "json"), None),
                              ("fix", ("fix", "--diff", "--format", "json"), None), ("explain", ("explain",), error)):
        result = box.td(project, *args, stdin=stdin)
        assert result.returncode in (0, 1), (name, result.stderr)
        named = SESSION_FILE.search(result.stderr)
        assert named, (name, result.stderr)
        out[name] = named.group(0)
    listing = json.loads(box.td(project, "sessions", "--format", "json").stdout)
    out["sessions"] = Path(listing["latest"]).name
    return out


def test_no_path_picks_the_session_claude_continue_resumes(binary, tmp_path):
    with StandinAPI() as api:
        box = Box(binary, tmp_path, api.base_url)
        app = tmp_path / "my.app"
        twin = tmp_path / "my-app"  # another folder with the same slug: its sessions land in the same place
        app.mkdir()
        twin.mkdir()
        for text in ("USE-TOOLS first", "plain second", "plain third"):
            box.claude(app, "-p", text)
        box.claude(twin, "-p", "from the twin folder")
        folder = box.folder(app)
        assert folder == box.folder(twin)
        by_age = sorted(folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
        first, second, third, twins = by_age
        assert "from the twin folder" in twins.read_text()

        now = time.time()
        # The first session written is made the newest: modification time decides, not creation or name.
        for path, age in ((first, 30), (second, 300), (third, 200), (twins, 10)):
            os.utime(path, (now - age, now - age))
        # Sub-agent files, newer than every session: never taken.
        agent = folder / "agent-a1b2c3d4.jsonl"
        agent.write_bytes(third.read_bytes())
        sub = folder / second.stem / "subagents"
        sub.mkdir(parents=True)
        (sub / "agent-e5f6.jsonl").write_bytes(third.read_bytes())
        sidechain = folder / "0d0d0d0d-0000-4000-8000-000000000000.jsonl"
        sidechain.write_bytes(third.read_bytes().replace(b'"isSidechain":false', b'"isSidechain":true'))
        for path in (agent, sub / "agent-e5f6.jsonl", sidechain):
            os.utime(path, (now - 5, now - 5))

        ours = picks(box, app)
        assert set(ours.values()) == {first.name}, ours
        assert continued(box, app) == first.name

        # From the twin folder the twin's session is the one, for the client and for us.
        os.utime(twins, (time.time() + 5, time.time() + 5))
        ours = picks(box, twin)
        assert set(ours.values()) == {twins.name}, ours
        assert continued(box, twin) == twins.name

        # An empty session file, newest: the client resumes it (and writes into it); we name it and say it is empty.
        empty = folder / "0e0e0e0e-0000-4000-8000-000000000000.jsonl"
        empty.write_bytes(b"")
        os.utime(empty, (time.time() + 60, time.time() + 60))
        said = box.td(app, "check")
        assert said.returncode == 2 and f"is empty: ~/.claude/projects/{folder.name}/{empty.name} holds 0 bytes" in said.stderr
        assert continued(box, app) == empty.name
        assert not api.rejections


def run_resume_line(box: Box, line: str, cwd: Path, prompt: str) -> None:
    """Run what `fix` printed, as a user pastes it, with the client in place of `claude`."""
    command = line.removeprefix("resume it with: ").split("  (the original")[0]
    assert re.search(r"(^| && )claude --resume [0-9a-f-]{36}$", command), command
    command = command.replace("claude --resume", f"{box.binary} -p --resume") + f" {prompt!r} --allowedTools 'Bash(echo:*)'"
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=box.env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "MOCK-OK" in proc.stdout, proc.stderr[-500:]


def test_the_line_fix_ends_with_resumes_the_repaired_session(binary, tmp_path):
    with StandinAPI() as api:
        box = Box(binary, tmp_path, api.base_url)
        app = tmp_path / "app"
        app.mkdir()
        box.claude(app, "-p", "USE-TOOLS first")
        session = next(box.folder(app).glob("*.jsonl"))
        torn = b'{"parentUuid":"x","type":"user","message":{"role":"user","content":"half a li'
        session.write_bytes(session.read_bytes() + torn)  # the client died writing a line

        fixed = box.td(app, "fix")  # in the project's folder, no path: <id>.fixed.jsonl beside it
        assert fixed.returncode == 0, fixed.stderr
        line = fixed.stdout.splitlines()[-1]
        assert line.startswith("resume it with: mv ") and " && cp " in line
        run_resume_line(box, line, app, "after the fix")
        text = session.read_text()
        assert "after the fix" in text and torn.decode() not in text  # the repaired file took the new turn
        assert session.with_name(session.name + ".bak").read_bytes().endswith(torn)  # and the original is kept

        session.write_bytes(session.read_bytes() + torn)
        in_place = box.td(tmp_path, "fix", "--in-place", "--project", str(app))  # from another folder
        assert in_place.returncode == 0, in_place.stderr
        line = in_place.stdout.splitlines()[-1]
        assert line.startswith(f"resume it with: cd {os.path.realpath(app)} && claude --resume {session.stem}  (the original is kept as ")
        run_resume_line(box, line, tmp_path, "after the second fix")
        assert "after the second fix" in session.read_text()
        assert not api.rejections
