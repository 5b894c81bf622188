"""The domain model: what a document becomes on its way into the knowledge base.

Every stage of the flow hands the next one these dataclasses; JSON output is made from
them by `dataclasses.asdict`, so field names follow the command-line contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The documents' levels, in reading order; a section or concept has one of them or None.
LEVELS = ("Fundamentals", "Intermediate", "Advanced")
# Concept kinds, strongest first: when two sources of one idea disagree, the earlier wins.
KINDS = ("framework", "practice", "risk", "principle", "case", "term")
RECOMMENDABLE = frozenset(KINDS) - {"term"}  # terms are for look-up, not advice


def level_named(name: str | None) -> str | None:
    """The level a name means, whatever its case ("advanced" -> "Advanced"); None if none."""
    wanted = (name or "").strip().casefold()
    return next((lv for lv in LEVELS if lv.casefold() == wanted), None)


@dataclass
class LoadedDocument:
    """A file read from disk, as canonical lines (see `ingest.load`)."""

    path: str
    doc: str  # stable id: the file name without its extension
    title: str | None  # from the file's own metadata; None when it has none
    text: str
    sha256: str
    format: str


@dataclass
class GlossaryEntry:
    """An inline pop-up definition lifted out of the running text."""

    term: str
    definition: str
    doc: str
    section: str
    level: str | None


@dataclass
class Reference:
    """One entry of a document's reference list."""

    key: str  # "kaplan-1996": first author's surname and year, for citation links
    authors: str
    year: str
    title: str
    source: str
    text: str


@dataclass
class Block:
    """A paragraph, list item or table row inside a section.

    `start`/`end` are character offsets into the document's cleaned text, so that
    `document.text[start:end] == block.text`.
    """

    kind: str  # "paragraph" | "item" | "row"
    text: str
    start: int
    end: int
    title: str | None = None  # list item title ("Joint Optimization") or table row key
    body: str | None = None  # the item's text after its title
    depth: int = 0  # nesting of list items
    parent: int | None = None  # index of the enclosing list item in the section
    cells: dict[str, str] | None = None  # table rows: column -> value
    citations: list[str] = field(default_factory=list)  # reference keys cited


@dataclass
class Section:
    """A heading and the blocks under it; `path` lists the enclosing headings."""

    heading: str
    level: str | None  # "Fundamentals" | "Intermediate" | "Advanced" | None
    depth: int
    path: list[str]
    start: int
    end: int
    blocks: list[Block] = field(default_factory=list)
    table_columns: list[str] = field(default_factory=list)


@dataclass
class ParsedDocument:
    """A document after cleaning and structure: the tree the rest of the flow reads."""

    doc: str
    path: str
    title: str
    format: str
    sha256: str
    text: str  # the cleaned text that block offsets point into
    sections: list[Section]
    glossary: list[GlossaryEntry]
    references: list[Reference]
    summary: str | None = None
    explore: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    pipeline: str = ""  # the version of the code and settings that parsed it (ingest.version)
    # The ingest that first brought this document in (0, 1, 2...): a later document adds
    # sources to the concepts an earlier one defined, never changes their kind or definition.
    added: int = 0

    @property
    def levels(self) -> list[str]:
        return list(dict.fromkeys(s.level for s in self.sections if s.level))


@dataclass
class Chunk:
    """A passage to embed and search; never spans two headings."""

    id: str  # "<doc>:<n>"
    doc: str
    level: str | None
    section: str
    section_path: list[str]
    title: str | None  # list item title when the chunk is one item
    text: str
    start: int
    end: int
    tokens: int

    @property
    def embed_text(self) -> str:
        """The heading path travels with the body (items and rows carry their own title)."""
        head = " > ".join(self.section_path)
        return f"{head}\n{self.text}" if head else self.text


@dataclass
class Source:
    doc: str
    section: str
    level: str | None


@dataclass
class Concept:
    """A principle, framework, practice, risk, case or term that the documents teach."""

    id: str
    title: str
    kind: str
    level: str | None
    doc: str
    section: str
    definition: str
    references: list[str] = field(default_factory=list)  # full reference texts
    sources: list[Source] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)  # chunk ids, best evidence first
    parent: str | None = None  # concept id
    children: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # table columns for table rows
    levels: list[str] = field(default_factory=list)
    # What decided the kind: "definition", "title", "column", "heading", "lead-in" or "verb"
    # (`ingest.kinds`); "" for a term, or a principle because nothing else spoke for it.
    kind_from: str = ""

    @property
    def all_levels(self) -> list[str]:
        """Every level the concept is taught at (a merged concept may have several)."""
        return self.levels or ([self.level] if self.level else [])

    def at_level(self, level: str | None) -> bool:
        """The level filter, one rule for the CLI, the page and the catalog: no level passes."""
        return not level or level_named(level) in self.all_levels


@dataclass
class Rejected:
    path: str
    reason: str


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    concepts: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    reparsed: list[str] = field(default_factory=list)  # same bytes, parsed again: the code changed
    rejected: list[Rejected] = field(default_factory=list)
    embedded: int = 0
    seconds: float = 0.0
    version: str = ""
    glossary: int = 0
    training: dict = field(default_factory=dict)  # what the query encoder learned from
