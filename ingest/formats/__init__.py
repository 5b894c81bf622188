"""The format readers, one module each, and the registry from a file suffix to its reader.

Adding a format is adding one module beside these that defines `FORMAT` (see
`ingest.formats.base.Format`) and naming it in `FORMATS`; the list of supported suffixes
is made from the registry, so it is written nowhere else.
"""

from __future__ import annotations

from ingest.formats import docx, html, md, pdf, txt
from ingest.formats.base import Format

FORMATS: tuple[Format, ...] = (txt.FORMAT, md.FORMAT, html.FORMAT, pdf.FORMAT, docx.FORMAT)
_BY_SUFFIX = {suffix: fmt for fmt in FORMATS for suffix in fmt.suffixes}
SUPPORTED = tuple(_BY_SUFFIX)


def format_for(suffix: str) -> Format | None:
    """The format that reads files ending in `suffix` (any case), or None."""
    return _BY_SUFFIX.get(suffix.lower())


def unsupported(suffix: str) -> str:
    """The rejection reason for a suffix no format reads."""
    return f"unsupported format {suffix}" if suffix else "unsupported format (no extension)"
