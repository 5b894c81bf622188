"""Markdown with markdown-it-py (CommonMark and tables) as canonical lines.

Front matter is dropped; raw HTML blocks are read as HTML; code is kept line by line.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.decode import text_only
from ingest.formats.base import Format, Title
from ingest.formats.html import html_blocks
from ingest.lines import END, Block, heading, item, join, one_line, para, row

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n[\w-]+:.*?^(?:---|\.\.\.)[ \t]*$\r?\n?", re.M | re.S)


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
            self.text(one_line(_inline_text(token)))
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

    def text(self, text: str) -> None:
        """The text of a table cell, a heading, a list item or a paragraph, by what is open."""
        if self.cells is not None:
            self.cells.append(text)
        elif self.depth:
            self.blocks.append(heading(self.depth, text))
            self.depth = 0
        elif self.open_item is not None:
            ordered = self.lists[-1].type == "ordered_list_open"
            number = int(self.open_item.info) if ordered else None
            self.blocks.append(item(len(self.lists) - 1, text, number))
            self.open_item, self.item_line = None, len(self.blocks) - 1
        elif self.item_line is not None and self.item_line == len(self.blocks) - 1:
            # a loose item's second paragraph: the item stays one line
            self.blocks[-1] = ("item", f"{self.blocks[-1][1]} {text}")
        else:
            self.blocks.append(para(text))


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


FORMAT = Format("md", (".md", ".markdown"), read)
