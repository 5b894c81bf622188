"""DOCX with python-docx: body paragraphs and tables, in order, as canonical lines.

Headings come from the `Title` and `Heading N` styles; list items from the `List Bullet N` /
`List Number N` styles or from a paragraph's own numbering, counted per depth as Word shows
them. Only python-docx's public objects are used. It has no numbering API, so a paragraph's
numbering properties and the numbering definitions are read from the XML elements it
exposes (`ParagraphFormat.element`, `NumberingPart.element`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.formats.base import Format, Title
from ingest.lines import END, Block, heading, item, join, one_line, para, row
from ingest.unreadable import MAX_UNPACKED_BYTES, Unreadable, corrupt

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
_LIST_STYLE = re.compile(r"^List (Bullet|Number)(?: (\d))?$")
_UNNUMBERED = ("bullet", "none")  # numbering formats that show no number
# About 1,500 pages of prose hold 30,000 paragraphs (20,000 are read in about a second);
# a body of more is a generated bomb, refused before python-docx parses any of it.
MAX_DOCX_PARAGRAPHS = 60_000
_BODY = "word/document.xml"
_PARAGRAPH_TAGS = (b"<w:p>", b"<w:p ", b"<w:p/>")  # not <w:pPr>, <w:pStyle>
_LONGEST_TAG = max(map(len, _PARAGRAPH_TAGS))


def read(data: bytes) -> tuple[Title, str]:
    """python-docx, body order: Heading N / Title styles, list styles or numbering, tables."""
    check_unpacked_size(data)
    check_paragraph_count(data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_blocks(document))
        title = document.core_properties.title
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise corrupt("DOCX", exc) from None
    return (title.strip() or None) if title else None, join(blocks)


def check_unpacked_size(data: bytes) -> None:
    """Refuse a package that unpacks to far more XML than any real document holds, from its
    zip directory alone: a 1 MB file can hold 1 GB of XML, and parsing it would cost that."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise corrupt("DOCX", exc) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise Unreadable(
            f"DOCX unpacks to {unpacked / 2**20:,.0f} MB > {MAX_UNPACKED_BYTES / 2**20:,.0f} MB; "
            "split the document"
        )


def check_paragraph_count(data: bytes) -> None:
    """Refuse a body of more paragraphs than any real document holds, counted in the XML as
    it is unpacked (and no further than the cap): python-docx spends milliseconds on each,
    and 2.5 million tiny ones fit in a 281 KB file."""
    paragraphs, tail = 0, b""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package, package.open(_BODY) as body:
            while block := body.read(1 << 20):
                text = tail + block
                paragraphs += sum(text.count(tag) for tag in _PARAGRAPH_TAGS)
                if paragraphs > MAX_DOCX_PARAGRAPHS:
                    raise Unreadable(
                        f"DOCX has more than {MAX_DOCX_PARAGRAPHS:,} paragraphs; split the document"
                    )
                tail = text[-(_LONGEST_TAG - 1) :]
    except KeyError:
        return  # no body part: python-docx says what is wrong
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise corrupt("DOCX", exc) from None


def _blocks(document: Document) -> Iterator[Block]:
    """Paragraphs and tables in body order; a table or plain paragraph ends the open lists."""
    numbering = _NumberFormats(document)
    counters: dict[int, int] = {}  # depth -> last number used, for numbered items
    styles: dict[str | None, str] = {}  # style id -> name, looked up once per document
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            counters.clear()
            yield from _table(part)
            yield END
        elif text := one_line(part.text):
            yield _paragraph(part, text, numbering, counters, styles)


def _paragraph(
    paragraph: Paragraph,
    text: str,
    numbering: _NumberFormats,
    counters: dict[int, int],
    styles: dict[str | None, str],
) -> Block:
    """The heading, list item or paragraph line of one paragraph with text."""
    style = _style_name(paragraph, styles)
    depth = _heading_depth(style)
    listing = _list_level(paragraph, style, numbering)
    if depth:
        counters.clear()
        return heading(depth, text)
    if listing is None:
        counters.clear()
        return para(text)
    level, numbered = listing
    return item(level, text, _number(counters, level, numbered))


def _style_name(paragraph: Paragraph, styles: dict[str | None, str]) -> str:
    """The paragraph's style name, looked up once per style id: `Paragraph.style` searches
    every style of the document for the default one at each call (a millisecond)."""
    properties = paragraph.paragraph_format.element.pPr
    style_id = (
        properties.pStyle.val if properties is not None and properties.pStyle is not None else None
    )
    if style_id not in styles:
        style = paragraph.style
        styles[style_id] = (style.name if style is not None else "") or ""
    return styles[style_id]


def _number(counters: dict[int, int], level: int, numbered: bool) -> int | None:
    """The number an item at `level` shows, None for a bullet.

    Any item ends the lists deeper than itself, so their numbering restarts under it.
    """
    for deeper in [d for d in counters if d > level]:
        del counters[deeper]
    if not numbered:
        return None
    counters[level] = counters.get(level, 0) + 1
    return counters[level]


def _heading_depth(style: str) -> int:
    """1 for the Title style, N for Heading N, 0 for any other style."""
    if style == "Title":
        return 1
    match = _HEADING_STYLE.match(style)
    return int(match.group(1)) if match else 0


def _list_level(
    paragraph: Paragraph, style: str, numbering: _NumberFormats
) -> tuple[int, bool] | None:
    """(depth, numbered) for a list paragraph, from its style name or its numbering."""
    match = _LIST_STYLE.match(style)
    if match:
        return int(match.group(2) or 1) - 1, match.group(1) == "Number"
    properties = paragraph.paragraph_format.element.pPr  # the <w:p>'s own <w:pPr>
    num_pr = properties.numPr if properties is not None else None
    if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
        return None
    level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return level, numbering.numbered(num_pr.numId.val, level)


def _table(table: Table) -> Iterator[Block]:
    """One row line per row with text; a merged cell gives its text once.

    `_Row.cells` repeats a merged cell once per grid column it spans, as the same `_Cell`
    object; cells compare by identity, so `dict.fromkeys` keeps each one once, in order.
    """
    for table_row in table.rows:
        cells = [one_line(cell.text) for cell in dict.fromkeys(table_row.cells)]
        if any(cells):
            yield row(cells)


class _NumberFormats:
    """Whether a (numId, level) of the document's numbering counts (1, 2, 3) or bullets."""

    def __init__(self, document: Document) -> None:
        try:
            self._root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):  # the document has none
            self._root = None

    def numbered(self, num_id: int, level: int) -> bool:
        """True when the level's number format shows a number; False when it is unknown."""
        if self._root is None:
            return False
        for num in self._root.iter(qn("w:num")):
            if num.get(qn("w:numId")) != str(num_id):
                continue
            abstract = num.find(qn("w:abstractNumId")).get(qn("w:val"))
            for definition in self._root.iter(qn("w:abstractNum")):
                if definition.get(qn("w:abstractNumId")) == abstract:
                    fmt = _level_format(definition, level)
                    if fmt is not None:
                        return fmt.get(qn("w:val")) not in _UNNUMBERED
        return False


def _level_format(definition: BaseOxmlElement, level: int) -> BaseOxmlElement | None:
    """The <w:numFmt> of `level` in one abstract numbering definition, if it has one."""
    for lvl in definition.iter(qn("w:lvl")):
        fmt = lvl.find(qn("w:numFmt"))
        if lvl.get(qn("w:ilvl")) == str(level) and fmt is not None:
            return fmt
    return None


FORMAT = Format("docx", (".docx",), read)
