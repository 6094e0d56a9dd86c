"""transcript-doctor: forensics and repair for Claude Code session transcripts.

    import transcript_doctor as td
    report = td.check("session.jsonl")              # -> Report
    result = td.fix("session.jsonl", "fixed.jsonl")  # -> FixResult

The names in `__all__` are the stable API (see README.md, "Python API"); they are imported on
first use, so that `transcript-doctor --help` does not pay for loading the analysis.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "check",
    "fix",
    "explain",
    "redact",
    "Report",
    "FixResult",
    "ExplainResult",
    "RedactResult",
    "Finding",
    "Change",
    "UnreadableInput",
    "NotATranscript",
    "WriteRefused",
    "__version__",
]

_HOMES = {
    "check": "api", "fix": "api", "explain": "api", "redact": "api",
    "Report": "api", "FixResult": "api", "ExplainResult": "api", "RedactResult": "api",
    "Finding": "findings", "Change": "repair",
    "UnreadableInput": "reader", "NotATranscript": "sniff", "WriteRefused": "writer",
}

if TYPE_CHECKING:
    from .api import ExplainResult, FixResult, RedactResult, Report, check, explain, fix, redact
    from .findings import Finding
    from .reader import UnreadableInput
    from .repair import Change
    from .sniff import NotATranscript
    from .writer import WriteRefused


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'transcript_doctor' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """`explain` and `redact` are both API functions and submodules (explain.py, redact.py).
    Importing a submodule sets it as an attribute of the package, which would hide the
    function; here the function wins, the submodule stays reachable through `import`."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
