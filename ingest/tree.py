"""The tree builder: classified lines become sections and blocks with character offsets.

It writes the document's cleaned text as it goes, so every block's `start`/`end` point into
it. Levels open top sections; explicit headings nest by depth; plain headings nest under a
short lead-in ("...several key steps:") that announces them. `References` entries become
`Reference`s, `Explore` questions metadata, and pop-up terms glossary entries.
"""

from __future__ import annotations

from ingest.citations import find_citations, parse_reference
from ingest.classify import CLOSING, EXPLORE, LEVELS, REFERENCES, Line
from ingest.items import split_item_title
from ingest.tables import rebuild_table
from kb.model import Block, GlossaryEntry, Reference, Section

LEAD_IN_CHARS = 300  # a heading whose whole text is one paragraph this short introduces a group


class TreeBuilder:
    """Accumulates sections and blocks while keeping the cleaned text and its offsets."""

    def __init__(self, doc: str):
        self.doc = doc
        self.parts: list[str] = []
        self.size = 0
        self.sections: list[Section] = []
        self.glossary: list[GlossaryEntry] = []
        self.references: list[Reference] = []
        self.explore: list[str] = []
        self.level: str | None = None
        self.group: str | None = None  # heading of an open lead-in group
        self.stack: list[tuple[int, str]] = []  # explicit headings: (depth, heading)
        self.mode = "body"  # "body" | "references" | "explore": where the next block goes

    def text(self) -> str:
        """The cleaned text written so far: what the offsets point into."""
        return "".join(self.parts)

    def append(self, text: str) -> tuple[int, int]:
        """Write one line of text; its (start, end) offsets, without the newline."""
        start = self.size
        self.parts.append(text + "\n")
        self.size += len(text) + 1
        return start, start + len(text)

    def add(self, line: Line | list[Line]) -> None:
        """Place one classified line, or one table (a list of row lines), in the tree."""
        if isinstance(line, list):
            self.add_table(line)
        elif line.kind == "level":
            self.add_level(line)
        elif line.kind == "heading":
            self.add_heading(line)
        elif line.kind in ("text", "item"):
            self.add_block(line)

    def add_level(self, line: Line) -> None:
        """A level (Fundamentals...) opens a top section and closes every group and heading."""
        self.level = LEVELS[line.text.lower()]
        self.group = None
        self.stack = []
        self.mode = "body"
        self.open_section(self.level, 1, [self.level])
        self.record_terms(line)  # a pop-up line right under a level gives its terms here

    def add_heading(self, line: Line) -> None:
        """Open a section; the site's layout headings also say where the next blocks go."""
        name = line.text.lower()
        self.mode = "references" if name in REFERENCES else "explore" if name in EXPLORE else "body"
        if name in REFERENCES | EXPLORE | CLOSING:
            self.group = None
        if line.depth:  # explicit heading: its depth places it
            self.stack = [(d, h) for d, h in self.stack if d < line.depth] + [
                (line.depth, line.text)
            ]
            path = [h for _, h in self.stack]
        else:
            self.close_group_if_lead_in(line.text)
            path = [self.group, line.text] if self.group else [line.text]
        self.open_section(line.text, len(path) + 1, path)
        self.record_terms(line)

    def close_group_if_lead_in(self, next_heading: str) -> None:
        """The heading just finished opens a group when its whole text is one short lead-in.

        A lead-in announces what follows ("...several key steps:"); the headings after it
        are its children until the next lead-in or level. Parallel headings ("Example 1",
        "Example 2") are siblings, whatever their text.
        """
        if not self.sections:
            return
        last = self.sections[-1]
        blocks = last.blocks
        if (
            last.heading != last.level
            and len(blocks) == 1
            and blocks[0].kind == "paragraph"
            and len(blocks[0].text) <= LEAD_IN_CHARS
            and blocks[0].text.endswith(":")
            and last.heading.split()[0] != next_heading.split()[0]
        ):
            self.group = last.heading
            last.path = [last.heading]

    def open_section(self, heading: str, depth: int, path: list[str]) -> None:
        """Write the heading and start its section."""
        start, end = self.append(heading)
        self.sections.append(Section(heading, self.level, depth, path, start, end))

    def current(self) -> Section:
        """The section a block goes into; text before any heading gets one named by the doc."""
        if not self.sections:
            self.sections.append(Section(self.doc, self.level, 1, [], 0, 0))
        return self.sections[-1]

    def add_block(self, line: Line) -> None:
        """A paragraph or list item; under `Explore` a question, under `References` an entry."""
        if self.mode == "explore":
            self.explore.append(line.text)
            return
        if self.mode == "references":
            ref = parse_reference(line.text)
            if ref:
                self.references.append(ref)
                return
        section = self.current()
        if line.kind == "item":
            block = self.item_block(section, line)
        else:
            start, end = self.append(line.text)
            block = Block("paragraph", line.text, start, end)
        self.place(section, block)
        self.record_terms(line)

    def item_block(self, section: Section, line: Line) -> Block:
        """A list item, written as "Title — body", under the nearest shallower item."""
        title, body = split_item_title(line.text)
        text = f"{title} — {body}" if title else line.text
        start, end = self.append(text)
        parent = next(
            (
                i
                for i in range(len(section.blocks) - 1, -1, -1)
                if section.blocks[i].kind == "item" and section.blocks[i].depth < line.depth
            ),
            None,
        )
        return Block("item", text, start, end, title, body, line.depth, parent)

    def add_table(self, rows: list[Line]) -> None:
        """One row block per record, as "Column: value; ..."; not a table: paragraphs."""
        columns, records = rebuild_table(rows)
        section = self.current()
        if not columns:  # not a table after all: keep the lines as paragraphs
            for row in rows:
                self.add_block(Line("text", row.text.rstrip("|").strip()))
            return
        section.table_columns = columns
        for record in records:
            cells = dict(zip(columns, record))
            text = "; ".join(f"{c}: {v}" for c, v in cells.items() if v)
            start, end = self.append(text)
            self.place(section, Block("row", text, start, end, record[0], None, 0, None, cells))

    def place(self, section: Section, block: Block) -> None:
        """Add a written block to its section, with the citations in its text."""
        block.citations = find_citations(block.text)
        section.blocks.append(block)
        section.end = block.end

    def record_terms(self, line: Line) -> None:
        """The line's pop-up terms as glossary entries of the current section."""
        section = self.current()
        for term, definition in line.terms:
            self.glossary.append(
                GlossaryEntry(term, definition, self.doc, section.heading, self.level)
            )

    def finish(self) -> list[Section]:
        """The sections, without empty layout ones (a `References` list that was all parsed)."""
        layout = REFERENCES | EXPLORE
        return [s for s in self.sections if s.blocks or s.heading.lower() not in layout]
