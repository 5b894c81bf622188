"""The canonical line format every reader writes, and the writer that joins its blocks.

Every later stage reads one text format, whatever the file was. Canonical lines are:

- a heading: ``#`` repeated for its depth, a space, the heading text (``## Balanced Scorecard``);
- a bullet list item: two spaces per nesting level, ``• ``, the item text (``  • Nested item``);
- a numbered list item: the same indentation, then ``1. ``, ``2. `` ... and the item text;
- a table: one line per row, cells joined as ``| a | b | c |``, header row first, no ``|---|``;
- anything else: one paragraph per line.

Blocks are separated by a blank line; the items of one list and the rows of one table are not.
A reader yields `Block`s and hands them to `join`; it never writes a separator itself.
"""

from __future__ import annotations

BULLET = "•"
Block = tuple[str, str]  # (kind, line): kind is "heading" | "item" | "row" | "para" | "end"
END: Block = ("end", "")  # closes a list or table, so the next one is set apart


def one_line(text: str) -> str:
    """All whitespace (newlines too) collapsed: every block is exactly one line."""
    return " ".join(text.split())


def heading(depth: int, text: str) -> Block:
    """A heading line; depths outside 1-6 are clamped, as Markdown has only six."""
    return "heading", f"{'#' * max(1, min(depth, 6))} {text}"


def item(depth: int, text: str, number: int | None = None) -> Block:
    """A list item line: numbered when `number` is given, else a bullet."""
    marker = f"{number}." if number is not None else BULLET
    return "item", f"{'  ' * depth}{marker} {text}"


def row(cells: list[str]) -> Block:
    """A table row line; a `|` inside a cell is escaped so the cells stay apart."""
    return "row", "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def para(text: str) -> Block:
    """A paragraph line."""
    return "para", text


def join(blocks: list[Block]) -> str:
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
