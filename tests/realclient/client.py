"""Drive the real Claude Code client (npm `@anthropic-ai/claude-code`, pinned) against the stand-in.

Everything runs in temporary folders: a sandbox HOME (so the real ~/.claude is never touched)
and a project directory. The client is installed once into a cache folder
(`TD_CLAUDE_CODE_CACHE`, default ~/.cache/transcript-doctor-tests) and reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

VERSION = "2.0.30"  # the last 2.0.x client examined here; ships cli.js
TIMEOUT = 90


class ClientUnavailable(Exception):
    """node/npm missing or the package could not be installed: the replay tests are skipped."""


def install(version: str = VERSION) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise ClientUnavailable("node and npm are needed to run the real Claude Code client")
    root = Path(os.environ.get("TD_CLAUDE_CODE_CACHE", Path.home() / ".cache" / "transcript-doctor-tests")) / f"claude-code-{version}"
    cli = root / "node_modules" / "@anthropic-ai" / "claude-code" / "cli.js"
    if cli.is_file():
        return cli
    root.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["npm", "install", "--prefix", str(root), "--no-audit", "--no-fund", "--silent", f"@anthropic-ai/claude-code@{version}"],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0 or not cli.is_file():
        raise ClientUnavailable(f"npm install @anthropic-ai/claude-code@{version} failed: {proc.stderr.strip()[:300]}")
    return cli


def installed(version: str) -> Path:
    """An already installed client of `version` (cli.js up to 2.1.112, the native binary after),
    from the cache; ClientUnavailable when it is not there (it is ~370 MB: not installed here)."""
    root = Path(os.environ.get("TD_CLAUDE_CODE_CACHE", Path.home() / ".cache" / "transcript-doctor-tests")) / f"claude-code-{version}"
    package = root / "node_modules" / "@anthropic-ai" / "claude-code"
    for candidate in (package / "cli.js", package / "bin" / "claude.exe"):
        if candidate.is_file():
            return candidate
    if version == VERSION:
        return install(version)
    raise ClientUnavailable(f"Claude Code {version} is not installed in {root}")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


class Sandbox:
    """A HOME and a project folder for one client, talking to `base_url`."""

    def __init__(self, cli: Path, folder: Path, base_url: str) -> None:
        self.cli = cli
        self.home = folder / "home"
        self.project = folder / "project"
        self.home.mkdir(parents=True, exist_ok=True)
        self.project.mkdir(parents=True, exist_ok=True)
        self.base_url = base_url

    @property
    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "ANTHROPIC_BASE_URL": self.base_url,
            "ANTHROPIC_API_KEY": "sk-ant-test",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_ERROR_REPORTING": "1",
        }

    def claude(self, *args: str) -> Run:
        runner = ["node", str(self.cli)] if self.cli.suffix == ".js" else [str(self.cli)]
        proc = subprocess.run([*runner, *args, "--allowedTools", "Bash(echo:*)"],
                              cwd=self.project, env=self.env, capture_output=True, text=True, timeout=TIMEOUT)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def prompt(self, text: str) -> Run:
        return self.claude("-p", text)

    def resume(self, session_id: str, text: str) -> Run:
        return self.claude("-p", "--resume", session_id, text)

    @property
    def projects(self) -> Path:
        return self.home / ".claude" / "projects"

    def sessions(self) -> list[Path]:
        return sorted(p for p in self.projects.rglob("*.jsonl") if not p.name.startswith("agent-"))
