"""Render the small part of reStructuredText the rule docstrings use, for a terminal.

Rule docstrings are reST (``inline literals``, `Paragraph::` followed by an indented literal
block) so that they read well as source and in generated docs; `rules TD201` shows them as text:
`::` becomes `:`, literal blocks keep their indentation and are set apart, inline literals lose
their backticks and are highlighted.
"""

from __future__ import annotations

import re

from rich.text import Text

_INLINE = re.compile(r"``(.+?)``")
LITERAL_STYLE = "cyan"


def render_rst(doc: str) -> Text:
    out = Text()
    lines = doc.strip("\n").split("\n")
    in_literal = False
    literal_indent = None
    for i, line in enumerate(lines):
        if in_literal:
            if line.strip() == "":
                out.append("\n")
                continue
            indent = len(line) - len(line.lstrip())
            if literal_indent is None:
                literal_indent = indent
            if indent >= (literal_indent or 1):
                out.append("    " + line[literal_indent:], style=LITERAL_STYLE)
                out.append("\n")
                continue
            in_literal = False
        stripped = line.rstrip()
        if stripped.endswith("::"):
            head = stripped[:-2]
            # "Example::" -> "Example:"; "Example ::" and a lone "::" -> no colon.
            text = head + ":" if head and not head.endswith(" ") else head.rstrip()
            _inline(out, text)
            out.append("\n")
            in_literal, literal_indent = True, None
            continue
        _inline(out, line)
        out.append("\n")
    out.rstrip()
    return out


def _inline(out: Text, line: str) -> None:
    at = 0
    for m in _INLINE.finditer(line):
        out.append(line[at:m.start()])
        out.append(m.group(1), style=LITERAL_STYLE)
        at = m.end()
    out.append(line[at:])
