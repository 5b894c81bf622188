"""PDF with pypdf: text page by page. PDFs have no structure markers to turn into lines."""

from __future__ import annotations

import io

from pypdf import PdfReader

from ingest.formats.base import Format, Title
from ingest.lines import one_line
from ingest.unreadable import MAX_PDF_PAGES, MAX_TEXT_CHARS, Unreadable, corrupt, too_long


def read(data: bytes) -> tuple[Title, str]:
    """pypdf text per page, joined by newlines; the title from the document information."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted PDF (password required)")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise Unreadable(
                f"too many pages: {len(reader.pages):,} > {MAX_PDF_PAGES:,}; split the document"
            )
        pages, chars = [], 0
        for page in reader.pages:  # stop as soon as the text is too long, not at the end
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            if chars > MAX_TEXT_CHARS:
                raise too_long(chars)
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
