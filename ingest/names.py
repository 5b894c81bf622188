"""File names as a report shows them: one line, read in the order they are written.

A file name may hold any character but "/" and NUL: a newline would print as a fake line of
the report ("rejected: ..."), a right-to-left override (U+202E) would turn "gpj.exe" around.
`shown` writes each control, line-breaking or bidirectional character as a visible escape
(`\\n`, `\\x1b`, `\\u202e`), so the name stays one line, recognisable and unambiguous.
"""

from __future__ import annotations

import re
from pathlib import Path

# C0 and C1 controls, DEL, zero-width and line/paragraph separators, bidirectional marks,
# embeddings, overrides and isolates, and the byte-order mark.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(name: str | Path) -> str:
    """`name` with every unsafe character written as an escape; a safe name is unchanged."""
    return UNSAFE.sub(_escape, str(name))


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
