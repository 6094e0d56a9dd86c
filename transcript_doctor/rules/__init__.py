"""The rule catalog: one module per rule, in code order.

Every rule module defines:

- ``CODE`` (``TD201``), ``NAME`` (``orphan-tool-use``), ``SEVERITY`` (error, warning, info),
  ``FIX`` (safe, unsafe, none) and ``SCOPE``: ``file`` rules look at the whole transcript once,
  ``conversation`` rules look at each projected conversation (the resumed one and every side one);
- a module docstring: a one-line summary, why it matters, a failing and a passing example;
- ``check(context)`` (file scope) or ``check(conversation, context)`` (conversation scope),
  yielding `Finding`s;
- where a repair exists, ``fix(finding, plan)``, which records edits in a `RepairPlan`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

MODULES = (
    "td001_invalid_json",
    "td002_torn_last_line",
    "td003_not_an_object",
    "td004_bad_encoding",
    "td005_schema_violation",
    "td006_not_claude_code",
    "td101_duplicate_uuid",
    "td102_missing_parent",
    "td103_parent_cycle",
    "td104_foreign_session",
    "td105_dangling_summary_leaf",
    "td106_branches",
    "td107_request_log_mismatch",
    "td201_orphan_tool_use",
    "td202_orphan_tool_result",
    "td203_duplicate_tool_use_id",
    "td204_duplicate_tool_result",
    "td205_misplaced_tool_result",
    "td206_client_patch",
    "td301_first_message_not_user",
    "td302_empty_content",
    "td303_empty_text_block",
    "td304_final_assistant_trailing_whitespace",
    "td305_thinking_without_signature",
    "td306_oversized_image",
    "td401_compaction_without_summary",
    "td402_tool_pair_split_by_compaction",
    "td403_context_near_window",
    "td404_api_error_storm",
    "td405_oversized_tool_result",
)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    fix: str
    scope: str
    module: ModuleType

    @property
    def summary(self) -> str:
        return (self.module.__doc__ or "").strip().splitlines()[0]

    @property
    def doc(self) -> str:
        return (self.module.__doc__ or "").strip()

    @property
    def can_fix(self) -> bool:
        return hasattr(self.module, "fix")


@cache
def catalog() -> tuple[Rule, ...]:
    rules = []
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        rules.append(Rule(module.CODE, module.NAME, module.SEVERITY, module.FIX, module.SCOPE, module))
    return tuple(rules)


def lookup(key: str) -> Rule | None:
    key = key.strip()
    for rule in catalog():
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None


def select(select: list[str] | None, ignore: list[str] | None) -> tuple[Rule, ...]:
    """Rules chosen by code, name or code prefix (`TD2` selects TD201..TD205), like ruff."""

    def matches(rule: Rule, keys: list[str]) -> bool:
        for key in keys:
            key = key.strip()
            if not key:
                continue
            if key.lower() in ("all", rule.name) or rule.code.startswith(key.upper()):
                return True
        return False

    chosen = [r for r in catalog() if not select or matches(r, select)]
    return tuple(r for r in chosen if not ignore or not matches(r, ignore))


def unknown_keys(keys: list[str]) -> list[str]:
    out = []
    for key in keys:
        key = key.strip()
        if not key or key.lower() == "all":
            continue
        if not any(key.lower() == r.name or r.code.startswith(key.upper()) for r in catalog()):
            out.append(key)
    return out
