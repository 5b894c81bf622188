"""`Unreadable`: why a file cannot become text, said where the path is not known.

Reading the bytes, decoding them and every format reader raise it; `ingest.load.load` adds
the path and raises `kb.errors.RejectedFile`, the error the rest of the flow reports.
"""

from __future__ import annotations


class Unreadable(Exception):
    """A reason a person can act on: "empty file", "encrypted PDF (password required)"."""


def corrupt(kind: str, exc: Exception) -> Unreadable:
    """The rejection of a damaged file of `kind`, naming what its library raised."""
    return Unreadable(f"corrupt or unreadable {kind}: {str(exc) or type(exc).__name__}")
