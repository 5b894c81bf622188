"""Read a document file from disk into canonical lines (see `ingest.lines`).

`load` reads one file with the reader its suffix names in `ingest.formats`, and raises
`kb.errors.RejectedFile` with a reason a person can act on whenever the file cannot be
turned into text. Plain ``.txt`` files are already in the site's own line format and are
returned as decoded, with ``\\r\\n`` turned into ``\\n``. PDFs have no structure markers:
their text is pypdf's, page by page.

The names callers use from here are kept here: `SUPPORTED` (from the registry),
`find_documents` (`ingest.files`), `decode_text` (`ingest.decode`) and the size caps.
"""

from __future__ import annotations

from pathlib import Path

from ingest.decode import decode_text
from ingest.files import MAX_BYTES, find_documents, read_bytes
from ingest.formats import SUPPORTED, format_for, unsupported
from ingest.names import shown
from ingest.unreadable import MAX_TEXT_CHARS, Unreadable, too_long
from kb.errors import RejectedFile
from kb.model import LoadedDocument
from kb.text import sha256_bytes

__all__ = ["MAX_BYTES", "MAX_TEXT_CHARS", "SUPPORTED", "decode_text", "find_documents", "load"]


def load(path: Path, data: bytes | None = None) -> LoadedDocument:
    """Read one file (or the bytes already read from it) into canonical lines, or raise
    `RejectedFile` saying why it cannot be."""
    path = Path(path)
    fmt = format_for(path.suffix)
    if fmt is None:
        raise RejectedFile(str(path), unsupported(path.suffix.lower()))
    try:
        if data is None:
            data = read_bytes(path)
        title, text = fmt.read(data)
        _check_text(text)
    except Unreadable as exc:
        raise RejectedFile(str(path), str(exc)) from None
    return LoadedDocument(
        path=str(path),
        doc=shown(path.stem),  # one line, however the file is named
        title=title,
        text=text,
        sha256=sha256_bytes(data),
        format=fmt.name,
    )


def _check_text(text: str) -> None:
    """Refuse text the later stages cannot use: none at all, or too much to embed."""
    if not text.strip():
        raise Unreadable("no extractable text")
    if len(text) > MAX_TEXT_CHARS:
        raise too_long(len(text))
