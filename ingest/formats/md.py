"""Markdown with markdown-it-py (CommonMark and tables) as canonical lines.

Front matter is dropped; raw HTML blocks are read as HTML; code is kept line by line.
A list item that opens with a bold lead ("- **Own your data**: keep the list...") is written
as the site writes a titled item, "Own your data — keep the list...", so its lead is the
item's title (`ingest.items`); bold words later in an item are only emphasis.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.decode import text_only
from ingest.formats.base import Format, Title
from ingest.formats.html import html_blocks
from ingest.items import MAX_DASH_HEAD_WORDS
from ingest.lines import END, Block, heading, item, join, one_line, para, row

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n[\w-]+:.*?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.M | re.S)
# What parts a bold lead from the rest of its item: a colon or full stop (inside the bold or
# just after it), or a dash with space around it ("**Lead** – rest", "**Lead** - rest").
_LEAD_END = (":", ".")
_AFTER_LEAD = re.compile(r"\A(?:[:.]\s+|\s+[-–—]\s+|\s*[–—]\s*)(?=\S)")
_TITLE_DASH = " — "  # how the site's items set a title before their text


def read(data: bytes) -> tuple[Title, str]:
    """markdown-it tokens to canonical lines; the title is the first level-1 heading."""
    source = _FRONT_MATTER.sub("", text_only(data), count=1)
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks = _blocks(tokens)
    title = next((line[2:] for kind, line in blocks if kind == "heading" and line[1] == " "), None)
    return title, join(blocks)


def _blocks(tokens: list[Token]) -> list[Block]:
    """Walk the token stream; every `inline` token is the text of one block."""
    walk = _Walk()
    for token in tokens:
        walk.step(token)
    return walk.blocks


class _Walk:
    """The state of one walk over markdown-it's tokens, and the blocks written so far."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.lists: list[Token] = []  # the open bullet_list / ordered_list tokens, outermost first
        self.open_item: Token | None = None  # a list item whose first line is still to come
        self.item_line: int | None = None  # index of the open item's line, while it may grow
        self.depth = 0  # the level of a heading whose text comes next
        self.cells: list[str] | None = None  # the cells of an open table row

    def step(self, token: Token) -> None:
        """Open or close what the token opens or closes; text and code become blocks."""
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            self.lists.append(token)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.lists.pop()
            if not self.lists:
                self.blocks.append(END)
        elif kind == "list_item_open":
            self.open_item = token
        elif kind == "list_item_close":
            self.open_item = self.item_line = None
        elif kind == "heading_open":
            self.depth = int(token.tag[1:])
        elif kind in ("tr_open", "tr_close", "table_close"):
            self.table(kind)
        elif kind == "inline":
            self.text(token)
        elif kind in ("fence", "code_block"):
            self.blocks.extend(para(line.rstrip()) for line in token.content.splitlines())
        elif kind == "html_block":
            self.blocks.extend(html_blocks(BeautifulSoup(token.content, "lxml")))

    def table(self, kind: str) -> None:
        """A row's cells are gathered until it closes; a closed table ends its run of rows."""
        if kind == "tr_open":
            self.cells = []
        elif kind == "tr_close" and self.cells is not None:
            self.blocks.append(row(self.cells))
            self.cells = None
        elif kind == "table_close":
            self.blocks.append(END)

    def text(self, token: Token) -> None:
        """The text of a table cell, a heading, a list item or a paragraph, by what is open."""
        text = one_line(_inline_text(token))
        if self.cells is not None:
            self.cells.append(text)
        elif self.depth:
            self.blocks.append(heading(self.depth, text))
            self.depth = 0
        elif self.open_item is not None:
            ordered = self.lists[-1].type == "ordered_list_open"
            number = int(self.open_item.info) if ordered else None
            self.blocks.append(item(len(self.lists) - 1, _titled(token) or text, number))
            self.open_item, self.item_line = None, len(self.blocks) - 1
        elif self.item_line is not None and self.item_line == len(self.blocks) - 1:
            # a loose item's second paragraph: the item stays one line
            self.blocks[-1] = ("item", f"{self.blocks[-1][1]} {text}")
        else:
            self.blocks.append(para(text))


def _titled(token: Token) -> str | None:
    """An item that opens with a bold lead, as "Lead — rest"; None when it has no such lead.

    The bold must open the item (only emphasis may wrap it) and be set apart from the rest
    by a colon, a full stop or a dash; the lead is a short name, and the rest says something.
    """
    children = token.children or []
    i = 0
    while i < len(children) and (
        children[i].type == "em_open" or (children[i].type == "text" and not children[i].content)
    ):
        i += 1
    if i == len(children) or children[i].type != "strong_open":
        return None
    depth, end = 0, i
    for end in range(i, len(children)):
        depth += {"strong_open": 1, "strong_close": -1}.get(children[end].type, 0)
        if depth == 0:
            break
    lead = one_line(_text_of(children[i + 1 : end]))
    rest = _text_of(children[end + 1 :])
    if lead.endswith(_LEAD_END) and rest[:1].isspace():
        title, body = lead[:-1].strip(), rest
    elif match := _AFTER_LEAD.match(rest):
        title, body = lead, rest[match.end() :]
    else:
        return None
    title, body = title.rstrip(":.").strip(), one_line(body)
    if not title or not body or _TITLE_DASH in title or len(title.split()) > MAX_DASH_HEAD_WORDS:
        return None
    return f"{title}{_TITLE_DASH}{body}"


def _inline_text(token: Token) -> str:
    """The words of an inline token: markup dropped, images by their alt text."""
    return _text_of(token.children or [])


def _text_of(children: list[Token]) -> str:
    """The words of a run of inline tokens: markup dropped, images by their alt text."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


FORMAT = Format("md", (".md", ".markdown"), read)
