"""PDF with pypdf: text page by page. PDFs have no structure markers to turn into lines."""

from __future__ import annotations

import io

from pypdf import PdfReader

from ingest.formats.base import Format, Title
from ingest.lines import one_line
from ingest.unreadable import Unreadable, corrupt


def read(data: bytes) -> tuple[Title, str]:
    """pypdf text per page, joined by newlines; the title from the document information."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted PDF (password required)")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except Unreadable:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise corrupt("PDF", exc) from None
    text = "\n".join(pages)
    if not text.strip():
        raise Unreadable("no extractable text (scanned PDF?)")
    return (one_line(str(title)) or None) if title else None, text


FORMAT = Format("pdf", (".pdf",), read)
