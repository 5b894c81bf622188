"""HTML with BeautifulSoup: the visible text of a page as canonical lines.

Chrome (navigation, scripts, forms) and hidden parts are dropped; headings, lists, tables,
preformatted text and paragraphs become their lines. Markdown's raw HTML blocks come here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString

from ingest.decode import text_only
from ingest.formats.base import Format, Title
from ingest.lines import END, Block, heading, item, join, one_line, para, row

_DROPPED = ("script", "style", "noscript", "nav", "header", "footer", "template", "svg", "iframe")
_DROPPED += ("head", "button", "select", "object", "embed", "canvas")  # chrome, not prose
_BLOCKS = frozenset(
    {"html", "body", "main", "article", "section", "aside", "div", "address", "fieldset"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "blockquote", "hr", "details", "summary"}
    | {"ul", "ol", "li", "dl", "dt", "dd", "figure", "figcaption"}
    | {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"}
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def read(data: bytes) -> tuple[Title, str]:
    """BeautifulSoup walk to canonical lines; the title is <title>, else the first <h1>."""
    soup = BeautifulSoup(text_only(data), "lxml")
    titles = (one_line(tag.get_text()) for tag in (soup.find("title"), soup.find("h1")) if tag)
    title = next((t for t in titles if t), None)
    return title, join(list(html_blocks(soup)))


def html_blocks(soup: BeautifulSoup) -> Iterator[Block]:
    """Visible text of a page as blocks, after dropping chrome, scripts and hidden parts."""
    for tag in soup.find_all(_is_invisible):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with(" ")
    yield from _walk(soup.body or soup)


def _is_invisible(tag: Tag) -> bool:
    """Chrome or hidden: a reader of the page would never see its text."""
    return (
        tag.name in _DROPPED
        or tag.has_attr("hidden")
        or tag.get("aria-hidden") == "true"
        or (tag.name == "input" and tag.get("type") == "hidden")
        or bool(_HIDDEN_STYLE.search(tag.get("style") or ""))
    )


def _walk(element: Tag) -> Iterator[Block]:
    """Block children become lines; loose text between them becomes a paragraph."""
    loose: list[str] = []
    for child in element.children:
        if isinstance(child, Tag) and (child.name in _BLOCKS or child.find(_BLOCKS)):
            if text := one_line("".join(loose)):
                yield para(text)
            loose = []
            yield from _block(child)
        elif isinstance(child, Tag):
            loose.append(child.get_text())
        elif _is_text(child):  # not a comment, doctype or CDATA
            loose.append(str(child))
    if text := one_line("".join(loose)):
        yield para(text)


def _block(tag: Tag) -> Iterator[Block]:
    """The lines of one block element, by what the element is."""
    name = tag.name
    if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        yield heading(int(name[1]), one_line(tag.get_text()))
    elif name in ("ul", "ol"):
        yield from _list(tag)
        yield END
    elif name == "li":  # an item outside any list: still an item
        yield from _item(tag, 0, None)
    elif name == "table":
        yield from _table(tag)
        yield END
    elif name == "pre":
        yield from (para(line.rstrip()) for line in tag.get_text().splitlines())
    elif name == "p":
        yield para(one_line(tag.get_text()))
    elif name != "hr":
        yield from _walk(tag)


def _list(tag: Tag) -> Iterator[Block]:
    """The items of a list, numbered from `start` and `value` as a browser would."""
    depth = len(tag.find_parents(["ul", "ol"]))
    number = _int(tag.get("start"), 1) if tag.name == "ol" else None
    for li in tag.find_all("li", recursive=False):
        if number is not None:
            number = _int(li.get("value"), number)
        yield from _item(li, depth, number)
        if number is not None:
            number += 1


def _item(li: Tag, depth: int, number: int | None) -> Iterator[Block]:
    """The item's own words on one line, then any lists nested inside it."""
    nested = [lst for lst in li.find_all(["ul", "ol"]) if lst.find_parent("li") is li]
    words = [s for s in li.find_all(string=True) if not _inside_any(s, nested)]
    yield item(depth, one_line("".join(w for w in words if _is_text(w))), number)
    for lst in nested:
        yield from _list(lst)


def _table(table: Tag) -> Iterator[Block]:
    """Its caption as a paragraph, then one row line per row of this table (not nested ones)."""
    caption = table.find("caption")
    if caption is not None:
        yield para(one_line(caption.get_text()))
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            cells = tr.find_all(["th", "td"], recursive=False)
            yield row([one_line(cell.get_text()) for cell in cells])


def _inside_any(node: NavigableString, containers: list[Tag]) -> bool:
    """Whether the text belongs to one of `containers`."""
    return any(parent in containers for parent in node.parents)


def _is_text(node: NavigableString) -> bool:
    """Visible text, as opposed to a comment, doctype or CDATA section."""
    return not isinstance(node, PreformattedString)


def _int(value: object, default: int) -> int:
    """An attribute's number, or `default` when it is missing or not a number."""
    try:
        return int(str(value))
    except ValueError:
        return default


FORMAT = Format("html", (".html", ".htm"), read)
