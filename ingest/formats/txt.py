"""Plain text: the site's own line format, already canonical."""

from __future__ import annotations

from ingest.decode import text_only
from ingest.formats.base import Format, Title


def read(data: bytes) -> tuple[Title, str]:
    """The site's text kept exactly, with Unix line ends; plain text carries no title."""
    return None, text_only(data).replace("\r\n", "\n")


FORMAT = Format("txt", (".txt",), read)
