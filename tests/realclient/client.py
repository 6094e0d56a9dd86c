"""Drive the real Claude Code client (npm `@anthropic-ai/claude-code`, pinned) against the stand-in.

Everything runs in temporary folders: a sandbox HOME (so the real ~/.claude is never touched)
and a project directory. The client is installed once into a cache folder
(`TD_CLAUDE_CODE_CACHE`, default ~/.cache/transcript-doctor-tests) and reused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

VERSION = "2.0.30"  # the last 2.0.x client examined here; ships cli.js
# The clients the replay evidence covers: 2.0.30 and 2.1.112 ship cli.js (run with node); from
# 2.1.113 the package is a native binary that npm takes from an optional platform package.
VERSIONS = ("2.0.30", "2.1.112", "2.1.328")
TIMEOUT = 90


class ClientUnavailable(Exception):
    """node/npm missing or the package could not be installed: the replay tests are skipped."""


def _entry_point(package: Path) -> Path | None:
    """cli.js where the package ships one, else the native binary (2.1.113 and later). The
    package's own bin/claude.exe is a small placeholder until its postinstall script links the
    binary of the platform package in: a few kilobytes mean the install did not finish."""
    js, native = package / "cli.js", package / "bin" / "claude.exe"
    if js.is_file():
        return js
    if native.is_file() and os.access(native, os.X_OK) and native.stat().st_size > 1_000_000:
        return native
    return None


def cache_folder(version: str) -> Path:
    """Where the client `version` is installed once and reused (TD_CLAUDE_CODE_CACHE overrides the base)."""
    return Path(os.environ.get("TD_CLAUDE_CODE_CACHE", Path.home() / ".cache" / "transcript-doctor-tests")) / f"claude-code-{version}"


def install(version: str = VERSION) -> Path:
    """The client's entry point (cli.js or the native binary), installed once into the cache."""
    root = cache_folder(version)
    package = root / "node_modules" / "@anthropic-ai" / "claude-code"
    found = _entry_point(package)
    if found is not None and (found.suffix != ".js" or shutil.which("node") is not None):
        return found
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise ClientUnavailable("node and npm are needed to install and run the real Claude Code client")
    root.mkdir(parents=True, exist_ok=True)
    # --include=optional: the native builds come as the optional package
    # @anthropic-ai/claude-code-linux-x64 (about 370 MB), which npm must not skip.
    try:
        proc = subprocess.run(
            ["npm", "install", "--prefix", str(root), "--no-audit", "--no-fund", "--loglevel=error", "--include=optional",
             f"@anthropic-ai/claude-code@{version}"],
            capture_output=True, text=True, timeout=900,
        )
    except subprocess.TimeoutExpired:
        raise ClientUnavailable(f"npm install @anthropic-ai/claude-code@{version} took longer than 15 minutes") from None
    found = _entry_point(package)
    if proc.returncode != 0 or found is None:
        raise ClientUnavailable(f"npm install @anthropic-ai/claude-code@{version} failed (exit {proc.returncode}): "
                                f"{(proc.stderr.strip() or proc.stdout.strip() or 'no output')[:300]}")
    return found


def _text(data) -> str:
    return data.decode(errors="replace") if isinstance(data, bytes) else (data or "")


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

    def __init__(self, cli: Path, folder: Path, base_url: str, project: Path | None = None) -> None:
        self.cli = cli
        self.home = folder / "home"
        # A resume from another directory makes 2.1.3xx add an "# Environment update" system
        # message: pass the recording's project folder to resume as a user would.
        self.project = project or folder / "project"
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
        command = ["node", str(self.cli)] if self.cli.suffix == ".js" else [str(self.cli)]
        try:
            proc = subprocess.run([*command, *args, "--allowedTools", "Bash(echo:*)"],
                                  cwd=self.project, env=self.env, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            return Run(-1, _text(exc.stdout), _text(exc.stderr) + f"\n(timed out after {TIMEOUT} s)")
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def prompt(self, text: str) -> Run:
        return self.claude("-p", text)

    def resume(self, session_id: str, text: str) -> Run:
        return self.claude("-p", "--resume", session_id, text)

    @property
    def projects(self) -> Path:
        return self.home / ".claude" / "projects"

    @property
    def session_folder(self) -> Path:
        """Where the client keeps this project's sessions (it resumes only from the project's own folder)."""
        return self.projects / re.sub(r"[^A-Za-z0-9]", "-", str(self.project.resolve()))

    def sessions(self) -> list[Path]:
        return sorted(p for p in self.projects.rglob("*.jsonl") if not p.name.startswith("agent-"))
