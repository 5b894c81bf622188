"""Read a document file from disk into canonical lines.

Every later stage reads one text format, whatever the file was. Canonical lines are:

- a heading: ``#`` repeated for its depth, a space, the heading text (``## Balanced Scorecard``);
- a bullet list item: two spaces per nesting level, ``• ``, the item text (``  • Nested item``);
- a numbered list item: the same indentation, then ``1. ``, ``2. `` ... and the item text;
- a table: one line per row, cells joined as ``| a | b | c |``, header row first, no ``|---|``;
- anything else: one paragraph per line.

Blocks are separated by a blank line; the items of one list and the rows of one table are not.
Plain ``.txt`` files are already in the site's own line format and are returned as decoded, with
``\\r\\n`` turned into ``\\n``. PDFs have no structure markers: their text is pypdf's, page by page.

`load` raises `kb.errors.RejectedFile` with a reason a person can act on whenever a file cannot
be turned into text; `find_documents` expands the paths the user named into the files to load.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import io
import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from charset_normalizer import from_bytes
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pypdf import PdfReader

from kb.errors import RejectedFile
from kb.model import LoadedDocument, Rejected

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
MAX_BYTES = 64 * 1024 * 1024
# About 1,500 pages: past this a file is almost surely a dump, and embedding it would take
# the maintainer's afternoon. Split it into documents instead.
MAX_TEXT_CHARS = 3_000_000
IGNORED_NAMES = frozenset({"catalog.json"})

BULLET = "•"
Title = str | None
Reader = Callable[[bytes], tuple[Title, str]]  # file bytes -> (title, canonical text)
Block = tuple[str, str]  # (kind, line): kind is "heading" | "item" | "row" | "para" | "end"
END: Block = ("end", "")  # closes a list or table, so the next one is set apart


class _Reject(Exception):
    """Raised by the format readers, which do not know the path; `load` adds it."""


# --------------------------------------------------------------------------- public API


def load(path: Path) -> LoadedDocument:
    """Read one file into canonical lines, or raise `RejectedFile` saying why it cannot be."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise RejectedFile(str(path), _unsupported(suffix))
    format_name, reader = _READERS[suffix]
    try:
        data = _read_bytes(path)
        title, text = reader(data)
        if not text.strip():
            raise _Reject("no extractable text")
        if len(text) > MAX_TEXT_CHARS:
            raise _Reject(
                f"text too long: {len(text):,} characters > {MAX_TEXT_CHARS:,}; split the document"
            )
    except _Reject as exc:
        raise RejectedFile(str(path), str(exc)) from None
    return LoadedDocument(
        path=str(path),
        doc=path.stem,
        title=title,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        format=format_name,
    )


def find_documents(paths: list[Path]) -> tuple[list[Path], list[Rejected]]:
    """Expand the named paths into the document files to load.

    Folders are searched recursively, in sorted order; inside them only files with a
    supported suffix are kept, and hidden files, hidden folders and `catalog.json` are
    skipped silently. A named file with an unsupported suffix, a path that does not exist,
    a symlink loop or a folder that cannot be listed is returned as `Rejected` instead.
    Each file is listed once, even when several named paths reach it.
    """
    found: list[Path] = []
    rejected: list[Rejected] = []
    for path in map(Path, paths):
        if path.is_dir():
            files, problems = _walk_folder(path)
            found.extend(files)
            rejected.extend(problems)
        else:
            problem = _check_named_file(path)
            if problem:
                rejected.append(Rejected(str(path), problem))
            else:
                found.append(path)
    return _unique(found), rejected


# --------------------------------------------------------------------------- files


def _read_bytes(path: Path) -> bytes:
    """The whole file, after checking it is a regular file of a sensible size."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _Reject("not a regular file")
        if info.st_size > MAX_BYTES:
            raise _Reject(f"file too large: {_mb(info.st_size)} MB > {_mb(MAX_BYTES)} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise _Reject(f"cannot read: {exc.strerror or exc}") from None
    if not data:
        raise _Reject("empty file")
    return data


def _mb(size: int) -> int:
    return -(-size // (1024 * 1024))  # round up, so 64 MB + 1 byte says 65


def _unsupported(suffix: str) -> str:
    return f"unsupported format {suffix}" if suffix else "unsupported format (no extension)"


def _check_named_file(path: Path) -> str | None:
    """Why a path the user named cannot be loaded, or None when it can."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno != errno.ELOOP and os.path.islink(path):
            return "broken symlink"
        return _os_reason(exc)
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if path.suffix.lower() not in SUPPORTED:
        return _unsupported(path.suffix.lower())
    return None


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return exc.strerror or str(exc)


def _walk_folder(root: Path) -> tuple[list[Path], list[Rejected]]:
    """Supported files under `root`, sorted as a tree; symlinked folders are followed once."""
    files: list[Path] = []
    rejected: list[Rejected] = []

    def visit(folder: Path, ancestors: frozenset[str]) -> None:
        real = os.path.realpath(folder)
        if real in ancestors:
            rejected.append(Rejected(str(folder), "symlink loop"))
            return
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            rejected.append(Rejected(str(folder), f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name in IGNORED_NAMES:
                continue
            path = folder / entry.name
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError as exc:
                rejected.append(Rejected(str(path), _os_reason(exc)))
                continue
            if is_dir:
                visit(path, ancestors | {real})
            elif is_file:
                if path.suffix.lower() in SUPPORTED:
                    files.append(path)
            elif entry.is_symlink():  # dangling or looping: say so if it could be a document
                problem = _check_named_file(path) or "broken symlink"
                if problem == "symlink loop" or path.suffix.lower() in SUPPORTED:
                    rejected.append(Rejected(str(path), problem))

    visit(root, frozenset())
    return files, rejected


def _unique(paths: list[Path]) -> list[Path]:
    """First occurrence of each file, comparing real paths."""
    seen: set[str] = set()
    kept = []
    for path in paths:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            kept.append(path)
    return kept


# --------------------------------------------------------------------------- decoding

_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\n\r\f\v\x1b") + b"\x7f"
_MAX_CONTROL_SHARE = 0.05  # share of control bytes above which a file is binary, not text
_MAX_CHAOS = 0.2  # charset-normalizer's "mess" ratio above which a guess is not trusted
_UNDECODABLE = "cannot decode text (not UTF-8 and no reliable encoding found)"


def decode_text(data: bytes) -> str:
    """Bytes of a text format as str: UTF-8 first, then a guess we can trust, else reject.

    Order matters. UTF-8 is what almost every file is. A file that is UTF-8 except for a
    few damaged bytes is still read as UTF-8 (damage shown as U+FFFD) instead of being
    guessed into mojibake. Otherwise charset-normalizer guesses; among equally good
    guesses we prefer Windows-1252, the web's reading of "Latin-1", because
    charset-normalizer ranks Central-European cp1250 first for French text ("très" would
    come out as "trčs"). Garbage gets no guess or a messy one and is rejected.
    """
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, codec)
    if b"\x00" in data or _control_share(data) > _MAX_CONTROL_SHARE:
        raise _Reject("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = _mostly_utf8(data)
    return text if text is not None else _guess(data)


def _strict(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise _Reject(_UNDECODABLE) from None


def _control_share(data: bytes) -> float:
    sample = data[: 1024 * 1024]
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few damaged bytes: real multi-byte characters outnumber the damage."""
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    real = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if damaged <= max(1, len(text) // 100) and real > damaged:
        return text
    return None


def _guess(data: bytes) -> str:
    """charset-normalizer's reading; it drops every candidate messier than `_MAX_CHAOS`."""
    matches = from_bytes(data, threshold=_MAX_CHAOS)
    best = matches.best()
    if best is None:
        raise _Reject(_UNDECODABLE)
    for match in matches:
        if match.chaos <= best.chaos + 0.01 and "cp1252" in match.could_be_from_charset:
            return _strict(data, "cp1252")
    return str(best)


def _text_only(data: bytes) -> str:
    """Decoded text that has something besides whitespace in it."""
    text = decode_text(data)
    if not text.strip():
        raise _Reject("no text (whitespace only)")
    return text


# --------------------------------------------------------------------------- canonical lines


def _one_line(text: str) -> str:
    """All whitespace (newlines too) collapsed: every block is exactly one line."""
    return " ".join(text.split())


def _heading(depth: int, text: str) -> Block:
    return "heading", f"{'#' * max(1, min(depth, 6))} {text}"


def _item(depth: int, text: str, number: int | None = None) -> Block:
    marker = f"{number}." if number is not None else BULLET
    return "item", f"{'  ' * depth}{marker} {text}"


def _row(cells: list[str]) -> Block:
    return "row", "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _join(blocks: list[Block]) -> str:
    """Lines of one list or one table stay together; other blocks get a blank line between."""
    lines: list[str] = []
    previous = ""
    for kind, line in blocks:
        if kind == "end":
            previous = kind
            continue
        if not line.strip():
            continue
        if lines and not (kind == previous and kind in ("item", "row")):
            lines.append("")
        lines.append(line)
        previous = kind
    return "\n".join(lines)


# --------------------------------------------------------------------------- .txt


def _read_txt(data: bytes) -> tuple[Title, str]:
    """Already canonical: the site's text is kept exactly, with Unix line ends."""
    return None, _text_only(data).replace("\r\n", "\n")


# --------------------------------------------------------------------------- Markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n[\w-]+:.*?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.M | re.S)


def _read_markdown(data: bytes) -> tuple[Title, str]:
    """markdown-it tokens to canonical lines; the title is the first level-1 heading."""
    source = _FRONT_MATTER.sub("", _text_only(data), count=1)
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks = _markdown_blocks(tokens)
    title = next((line[2:] for kind, line in blocks if kind == "heading" and line[1] == " "), None)
    return title, _join(blocks)


def _markdown_blocks(tokens: list[Token]) -> list[Block]:
    """Walk the token stream; every `inline` token is the text of one block."""
    blocks: list[Block] = []
    lists: list[Token] = []  # the open bullet_list / ordered_list tokens, outermost first
    item: Token | None = None  # a list item whose first line is still to come
    item_line: int | None = None  # index of the open item's line, while it may grow
    heading = 0
    cells: list[str] | None = None
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(token)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                blocks.append(END)
        elif kind == "list_item_open":
            item = token
        elif kind == "list_item_close":
            item = item_line = None
        elif kind == "heading_open":
            heading = int(token.tag[1:])
        elif kind == "table_close":
            blocks.append(END)
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close" and cells is not None:
            blocks.append(_row(cells))
            cells = None
        elif kind == "inline":
            text = _one_line(_inline_text(token))
            if cells is not None:
                cells.append(text)
            elif heading:
                blocks.append(_heading(heading, text))
                heading = 0
            elif item is not None:
                number = int(item.info) if lists[-1].type == "ordered_list_open" else None
                blocks.append(_item(len(lists) - 1, text, number))
                item, item_line = None, len(blocks) - 1
            elif item_line is not None and item_line == len(blocks) - 1:
                # a loose item's second paragraph: the item stays one line
                blocks[-1] = ("item", f"{blocks[-1][1]} {text}")
            else:
                blocks.append(("para", text))
        elif kind in ("fence", "code_block"):
            blocks.extend(("para", line.rstrip()) for line in token.content.splitlines())
        elif kind == "html_block":
            blocks.extend(_html_blocks(BeautifulSoup(token.content, "lxml")))
    return blocks


def _inline_text(token: Token) -> str:
    """The words of an inline token: markup dropped, images by their alt text."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


# --------------------------------------------------------------------------- HTML

_DROPPED = ("script", "style", "noscript", "nav", "header", "footer", "template", "svg", "iframe")
_DROPPED += ("head", "button", "select", "object", "embed", "canvas")  # chrome, not prose
_BLOCKS = frozenset(
    {"html", "body", "main", "article", "section", "aside", "div", "address", "fieldset"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "blockquote", "hr", "details", "summary"}
    | {"ul", "ol", "li", "dl", "dt", "dd", "figure", "figcaption"}
    | {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"}
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _read_html(data: bytes) -> tuple[Title, str]:
    """BeautifulSoup walk to canonical lines; the title is <title>, else the first <h1>."""
    soup = BeautifulSoup(_text_only(data), "lxml")
    titles = (_one_line(tag.get_text()) for tag in (soup.find("title"), soup.find("h1")) if tag)
    title = next((t for t in titles if t), None)
    return title, _join(list(_html_blocks(soup)))


def _html_blocks(soup: BeautifulSoup) -> Iterator[Block]:
    """Visible text of a page as blocks, after dropping chrome, scripts and hidden parts."""
    for tag in soup.find_all(_is_invisible):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with(" ")
    yield from _html_walk(soup.body or soup)


def _is_invisible(tag: Tag) -> bool:
    return (
        tag.name in _DROPPED
        or tag.has_attr("hidden")
        or tag.get("aria-hidden") == "true"
        or (tag.name == "input" and tag.get("type") == "hidden")
        or bool(_HIDDEN_STYLE.search(tag.get("style") or ""))
    )


def _html_walk(element: Tag) -> Iterator[Block]:
    """Block children become lines; loose text between them becomes a paragraph."""
    loose: list[str] = []
    for child in element.children:
        if isinstance(child, Tag) and (child.name in _BLOCKS or child.find(_BLOCKS)):
            if text := _one_line("".join(loose)):
                yield "para", text
            loose = []
            yield from _html_block(child)
        elif isinstance(child, Tag):
            loose.append(child.get_text())
        elif not isinstance(child, PreformattedString):  # comments, doctype, CDATA
            loose.append(str(child))
    if text := _one_line("".join(loose)):
        yield "para", text


def _html_block(tag: Tag) -> Iterator[Block]:
    name = tag.name
    if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        yield _heading(int(name[1]), _one_line(tag.get_text()))
    elif name in ("ul", "ol"):
        yield from _html_list(tag)
        yield END
    elif name == "li":  # an item outside any list: still an item
        yield from _html_item(tag, 0, None)
    elif name == "table":
        yield from _html_table(tag)
        yield END
    elif name == "pre":
        yield from (("para", line.rstrip()) for line in tag.get_text().splitlines())
    elif name == "p":
        yield "para", _one_line(tag.get_text())
    elif name != "hr":
        yield from _html_walk(tag)


def _html_list(tag: Tag) -> Iterator[Block]:
    depth = len(tag.find_parents(["ul", "ol"]))
    number = _int(tag.get("start"), 1) if tag.name == "ol" else None
    for li in tag.find_all("li", recursive=False):
        if number is not None:
            number = _int(li.get("value"), number)
        yield from _html_item(li, depth, number)
        if number is not None:
            number += 1


def _html_item(li: Tag, depth: int, number: int | None) -> Iterator[Block]:
    """The item's own words on one line, then any lists nested inside it."""
    nested = [lst for lst in li.find_all(["ul", "ol"]) if lst.find_parent("li") is li]
    words = [s for s in li.find_all(string=True) if not _inside_any(s, nested)]
    yield _item(depth, _one_line("".join(w for w in words if _is_text(w))), number)
    for lst in nested:
        yield from _html_list(lst)


def _html_table(table: Tag) -> Iterator[Block]:
    caption = table.find("caption")
    if caption is not None:
        yield "para", _one_line(caption.get_text())
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            cells = tr.find_all(["th", "td"], recursive=False)
            yield _row([_one_line(cell.get_text()) for cell in cells])


def _inside_any(node: NavigableString, containers: list[Tag]) -> bool:
    return any(parent in containers for parent in node.parents)


def _is_text(node: NavigableString) -> bool:
    return not isinstance(node, PreformattedString)


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


# --------------------------------------------------------------------------- DOCX

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
_LIST_STYLE = re.compile(r"^List (Bullet|Number)(?: (\d))?$")


def _read_docx(data: bytes) -> tuple[Title, str]:
    """python-docx, body order: Heading N / Title styles, list styles or numbering, tables."""
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
        title = document.core_properties.title
    except Exception as exc:  # python-docx raises many kinds for a damaged package
        raise _Reject(f"corrupt or unreadable DOCX: {_describe(exc)}") from None
    return (title.strip() or None) if title else None, _join(blocks)


def _docx_blocks(document: DocxDocument) -> Iterator[Block]:
    numbering = _NumberFormats(document)
    counters: dict[int, int] = {}  # depth -> last number used, for numbered items
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            counters.clear()
            yield from _docx_table(part)
            yield END
            continue
        text = _one_line(part.text)
        if not text:
            continue
        style = (part.style.name if part.style is not None else "") or ""
        heading = _docx_heading_depth(style)
        listing = _docx_list(part, style, numbering)
        if heading:
            counters.clear()
            yield _heading(heading, text)
        elif listing:
            depth, numbered = listing
            for deeper in [d for d in counters if d > depth]:
                del counters[deeper]
            if numbered:
                counters[depth] = counters.get(depth, 0) + 1
            yield _item(depth, text, counters[depth] if numbered else None)
        else:
            counters.clear()
            yield "para", text


def _docx_heading_depth(style: str) -> int:
    if style == "Title":
        return 1
    match = _HEADING_STYLE.match(style)
    return int(match.group(1)) if match else 0


def _docx_list(
    paragraph: Paragraph, style: str, numbering: _NumberFormats
) -> tuple[int, bool] | None:
    """(depth, numbered) for a list paragraph, from its style name or its numbering."""
    match = _LIST_STYLE.match(style)
    if match:
        return int(match.group(2) or 1) - 1, match.group(1) == "Number"
    num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if num_pr is None or num_pr.numId is None or num_pr.numId.val == 0:
        return None
    level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
    return level, numbering.numbered(num_pr.numId.val, level)


class _NumberFormats:
    """Whether a (numId, level) of the document's numbering counts (1, 2, 3) or bullets."""

    def __init__(self, document: DocxDocument) -> None:
        try:
            self._root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            self._root = None

    def numbered(self, num_id: int, level: int) -> bool:
        if self._root is None:
            return False
        w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
        for num in self._root.iter(f"{w}num"):
            if num.get(f"{w}numId") != str(num_id):
                continue
            abstract = num.find(f"{w}abstractNumId").get(f"{w}val")
            for absnum in self._root.iter(f"{w}abstractNum"):
                if absnum.get(f"{w}abstractNumId") != abstract:
                    continue
                for lvl in absnum.iter(f"{w}lvl"):
                    fmt = lvl.find(f"{w}numFmt")
                    if lvl.get(f"{w}ilvl") == str(level) and fmt is not None:
                        return fmt.get(f"{w}val") not in ("bullet", "none")
        return False


def _docx_table(table: Table) -> Iterator[Block]:
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a merged cell is repeated once per grid column it spans
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(_one_line(cell.text))
        if any(cells):
            yield _row(cells)


# --------------------------------------------------------------------------- PDF


def _read_pdf(data: bytes) -> tuple[Title, str]:
    """pypdf text per page, joined by newlines; the title from the document information."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Reject("encrypted PDF (password required)")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except _Reject:
        raise
    except Exception as exc:  # pypdf raises many kinds for a damaged file
        raise _Reject(f"corrupt or unreadable PDF: {_describe(exc)}") from None
    text = "\n".join(pages)
    if not text.strip():
        raise _Reject("no extractable text (scanned PDF?)")
    return (_one_line(str(title)) or None) if title else None, text


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


# --------------------------------------------------------------------------- dispatch

_READERS: dict[str, tuple[str, Reader]] = {  # suffix -> (format name, reader)
    ".txt": ("txt", _read_txt),
    ".md": ("md", _read_markdown),
    ".markdown": ("md", _read_markdown),
    ".html": ("html", _read_html),
    ".htm": ("html", _read_html),
    ".pdf": ("pdf", _read_pdf),
    ".docx": ("docx", _read_docx),
}
