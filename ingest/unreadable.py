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


# Limits checked before and while a file is parsed, so that a bomb is refused before the
# damage. About 1,500 pages of text: past this a file is almost surely a dump, and embedding
# it would take the maintainer's afternoon. Split it into documents instead.
MAX_TEXT_CHARS = 3_000_000
MAX_PDF_PAGES = 1_500
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a DOCX's parts, uncompressed (real ones: a few MB)


def too_long(chars: int) -> Unreadable:
    return Unreadable(
        f"text too long: {chars:,} characters > {MAX_TEXT_CHARS:,}; split the document"
    )
