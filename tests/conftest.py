from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CORPUS = Path(__file__).resolve().parent / "corpus"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run(*args: str | os.PathLike, cwd: Path | None = None, env: dict | None = None) -> Result:
    """Run the real command line, as a user would (`python -m transcript_doctor ...`)."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "transcript_doctor", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=300,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def td():
    return run


def example_names() -> list[str]:
    return sorted(p.name.removesuffix(".expected.json") for p in EXAMPLES.glob("*.expected.json"))


def finding_key(f: dict) -> tuple:
    return (f["code"], f["line"], f["severity"], f["message_index"], f["content_index"], f["tool_use_id"])
