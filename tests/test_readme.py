"""The README's quick start, run exactly as written on a fresh machine (a HOME with no ~/.claude,
the shipped examples/ in a scratch folder), every line of output compared with what it shows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, ROOT


def quick_start() -> list[tuple[str, str]]:
    """(command, expected output) pairs of the first code block under `## Quick start`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```\n(.*?)^```$", section, re.DOTALL | re.MULTILINE).group(1)
    pairs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        else:
            pairs[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in pairs]


def test_the_quick_start_runs_as_written(tmp_path):
    steps = quick_start()
    assert [c.split()[:2] for c, _ in steps] == [["transcript-doctor", "check"], ["transcript-doctor", "explain"],
                                                  ["transcript-doctor", "fix"], ["transcript-doctor", "check"],
                                                  ["transcript-doctor", "check"]]
    work = tmp_path / "source"
    shutil.copytree(EXAMPLES, work / "examples")
    home = tmp_path / "home"
    home.mkdir()
    # The installed command when there is one (it is beside this Python), else the module.
    script = Path(sys.executable).parent / "transcript-doctor"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "transcript-doctor"
    shim.write_text(f'#!/bin/sh\nexec "{script}" "$@"\n' if script.exists() else f'#!/bin/sh\nexec "{sys.executable}" -m transcript_doctor "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "COLUMNS", "FORCE_COLOR")}
    env.update({"HOME": str(home), "NO_COLOR": "1", "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"})
    for command, expected in steps:
        proc = subprocess.run(["bash", "-c", command], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=120)
        shown = "\n".join(line.rstrip() for line in proc.stdout.rstrip("\n").splitlines())
        assert shown == expected, f"$ {command}\n--- README shows ---\n{expected}\n--- it printed ---\n{shown}"
    # What the quick start says it did: the repaired copy is beside the original, which is untouched.
    assert (work / "examples" / "td201-orphan-tool-use.jsonl").read_bytes() == (EXAMPLES / "td201-orphan-tool-use.jsonl").read_bytes()
    assert (work / "examples" / "td201-orphan-tool-use.fixed.jsonl").is_file()
