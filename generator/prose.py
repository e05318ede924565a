"""Limits on the Markdown prose of fact sheets (``summary`` fields), checked before rendering.

Python-Markdown is quadratic on some inputs (10,000 unmatched ``[`` take half a
minute) and recursive on nested lists and quotes (500 levels raise
``RecursionError``). A summary is a short text, so instead of racing a timer the
schema refuses prose beyond these bounds, with an error at the field; anything
within them renders in well under a second.
"""

from __future__ import annotations

import re
from typing import Final

#: Longest summary accepted, in characters (the bundled summaries are under 1,000).
MAX_CHARS: Final = 5_000
#: Most ``[`` (link and image openers) in one summary.
MAX_BRACKETS: Final = 200
#: Deepest nesting of lists and block quotes.
MAX_NESTING: Final = 16

# One container marker at the start of a line: a quote '>' or a list bullet/number.
_MARKER = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]?")


def nesting(line: str) -> int:
    """How many lists and quotes a line opens: markers at its start plus 4-space indents."""
    depth = 0
    indent = len(line) - len(line.lstrip(" \t"))
    depth += indent // 4
    pos = 0
    while True:
        found = _MARKER.match(line, pos)
        if not found or found.end() == pos:
            return depth
        depth += 1
        pos = found.end()


def prose_problem(text: str) -> str | None:
    """Why ``text`` is refused as Markdown prose, or None if it is within the limits."""
    if len(text) > MAX_CHARS:
        return f"is longer than {MAX_CHARS:,} characters; shorten it"
    brackets = text.count("[")
    if brackets > MAX_BRACKETS:
        return f"has {brackets:,} '[' (more than {MAX_BRACKETS}); Markdown this complex is refused"
    deepest = max((nesting(line) for line in text.split("\n")), default=0)
    if deepest > MAX_NESTING:
        return (
            f"nests lists or quotes {deepest} levels deep (more than {MAX_NESTING}); "
            "Markdown this complex is refused"
        )
    return None
