"""Structure: cleaned lines become a document tree (levels, sections, blocks).

Explicit markup wins: `#` headings, `•`/`1.` items and `| a | b |` rows come from the loaders.
Plain text from the business-advice site has none, so headings are recognised by shape (a
short Title Case line without closing punctuation), list-item titles by the run of Title Case
words before the first sentence, and flattened tables ("Framework Balanced Scorecard (BSC) |")
by the period with which their column labels repeat. The site's own sections (levels,
`References`, `Reflection`, `Explore`, the closing summary) are layout, not content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.clean import STOP_WORDS, CleanLine
from kb.model import LEVELS as MODEL_LEVELS
from kb.model import Block, GlossaryEntry, ParsedDocument, Reference, Section

LEVELS = {level.lower(): level for level in MODEL_LEVELS}
REFERENCES = {"references", "bibliography", "sources", "works cited"}
EXPLORE = {"explore", "further questions"}
CLOSING = {"reflection", "conclusion", "summary"}

MAX_HEADING_WORDS = 16
MAX_HEADING_CHARS = 150
LEAD_IN_CHARS = 300  # a heading whose whole text is one paragraph this short introduces a group
SUMMARY_CHARS = 200

EXPLICIT_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
ITEM = re.compile(r"^(?P<indent>\s*)(?P<marker>•|[-*]|\d{1,3}[.)])\s+(?P<text>\S.*)$")
# A parenthesis holding one or more "Author[, Author][ & Author], 1996" separated by ";".
CITATION_GROUP = re.compile(r"\(([^()]*?\b\d{4}[a-z]?)\)")
ONE_CITATION = re.compile(
    r"^\s*([A-Z][\w’'\-]+)"  # the first author's surname
    r"(?:,?\s+et al\.|(?:,?\s*(?:&|and)?\s*[A-Z][\w’'\-]+)*),?\s+(\d{4})[a-z]?\s*$"
)
REFERENCE = re.compile(
    r"^(?P<authors>.+?)\s*\((?P<year>\d{4})[a-z]?\)\.?\s*(?P<title>.+?[.?!])\s+(?P<source>.*)$"
)
# Words that open a sentence after a title ("Legacy Systems ... Complexity Many SMBs rely").
SENTENCE_OPENERS = set(
    """a an the this these that those it its many most some all few several each every such
    our your their his her we you they one""".split()
)


# Words after which an acronym is the object of a verb, not the subject of a sentence.
OBJECT_FOLLOWERS = set("to with for in of and or on by from into at as".split())


@dataclass
class Line:
    kind: str  # "heading" | "level" | "item" | "row" | "text" | "blank"
    text: str
    depth: int = 0
    terms: tuple = ()


def parse(doc: str, path: str, title: str | None, fmt: str, sha256: str, lines: list[CleanLine]):
    """Build the document tree from cleaned lines.

    Args:
        doc: the document id; path, fmt, sha256: carried into the result.
        title: a known title (catalog or file metadata), else one is inferred.
        lines: the output of `ingest.clean.clean`.

    Returns:
        A `ParsedDocument` whose block offsets point into its cleaned `text`.
    """
    classified = classify(lines)
    builder = TreeBuilder(doc)
    summary, keywords, classified = split_closing(classified)
    for line in group_tables(classified):
        builder.add(line)
    parsed = builder.finish()
    inferred = infer_title(parsed, summary, doc)
    return ParsedDocument(
        doc=doc,
        path=path,
        title=title or inferred,
        format=fmt,
        sha256=sha256,
        text=builder.text(),
        sections=parsed,
        glossary=builder.glossary,
        references=builder.references,
        summary=summary,
        explore=builder.explore,
        keywords=keywords,
    )


def classify(lines: list[CleanLine]) -> list[Line]:
    """Give each line a kind; plain lines are headings only in files with no explicit ones."""
    explicit = any(EXPLICIT_HEADING.match(c.text) for c in lines)
    out = []
    for c in lines:
        text = c.text
        stripped = text.strip()
        if not stripped:
            out.append(Line("blank", ""))
            continue
        if m := EXPLICIT_HEADING.match(text):
            heading = m.group(2).rstrip(":").strip()
            kind = "level" if heading.lower() in LEVELS else "heading"
            out.append(Line(kind, heading, len(m.group(1)), tuple(c.terms)))
        elif stripped.lower() in LEVELS:
            out.append(Line("level", stripped))
        elif m := ITEM.match(text):
            depth = len(m.group("indent").expandtabs(2)) // 2
            out.append(Line("item", m.group("text").strip(), depth, tuple(c.terms)))
        elif stripped.endswith("|"):
            out.append(Line("row", stripped, 0, tuple(c.terms)))
        elif not explicit and looks_like_heading(stripped):
            out.append(Line("heading", stripped.rstrip(":").strip(), 0, tuple(c.terms)))
        else:
            out.append(Line("text", stripped, 0, tuple(c.terms)))
    return out


def looks_like_heading(text: str) -> bool:
    """A short Title Case line without sentence punctuation at its end."""
    if len(text) > MAX_HEADING_CHARS or text[-1] in ".!?,;" or not text[0].isupper():
        return False
    words = re.findall(r"[A-Za-z][\w’'\-/&]*", text)
    if not words or len(words) > MAX_HEADING_WORDS:
        return False
    content = [w for w in words if w.lower() not in STOP_WORDS]
    capitalised = sum(1 for w in content if w[0].isupper())
    return bool(content) and capitalised / len(content) >= 0.75


def split_closing(lines: list[Line]) -> tuple[str | None, list[str], list[Line]]:
    """Take the site's closing summary (and a keyword line before it) off the body.

    Only pages laid out in levels have them: there the last short paragraph before
    `Explore` (or the end) sums the page up.
    """
    if not any(line.kind == "level" for line in lines):
        return None, [], lines
    closing = {ln.text.lower() for ln in lines if ln.kind == "heading"} & (EXPLORE | CLOSING)
    end = next(
        (i for i, ln in enumerate(lines) if ln.kind == "heading" and ln.text.lower() in EXPLORE),
        len(lines),
    )
    body = [i for i in range(end) if lines[i].kind != "blank"]
    if not body:
        return None, [], lines
    last = lines[body[-1]]
    if last.kind not in ("text", "heading") or len(last.text) > SUMMARY_CHARS:
        return None, [], lines
    drop = {body[-1]}
    keywords: list[str] = []
    if len(body) > 1:
        prev = lines[body[-2]]
        if prev.kind in ("text", "heading") and prev.text.count(",") >= 2 and "." not in prev.text:
            keywords = [k.strip() for k in prev.text.split(",") if k.strip()]
            drop.add(body[-2])
    if not (closing or keywords):  # a plain last paragraph is content, not a summary
        return None, [], lines
    if not any(lines[i].kind in ("text", "item", "row") for i in body if i not in drop):
        return None, [], lines  # the page's only paragraph is its content
    return last.text, keywords, [ln for i, ln in enumerate(lines) if i not in drop]


def group_tables(lines: list[Line]) -> list[Line | list[Line]]:
    """Gather runs of table rows, and runs of headings that share a first word, into tables.

    A scraped table sometimes loses its `|` and leaves heading-like lines that all start with
    the column label ("Technology Robotic Process Automation (RPA)"); three or more such lines
    with no text between them are one table, not empty sections.
    """
    out: list[Line | list[Line]] = []
    i = 0
    while i < len(lines):
        j = i
        if lines[i].kind == "row":  # a table ends at the first line that is not a row
            while j < len(lines) and lines[j].kind == "row":
                j += 1
            run = [ln for ln in lines[i:j] if ln.kind == "row"]
            out.append(run)
            i = j
            continue
        if lines[i].kind == "heading" and lines[i].depth == 0:
            first = lines[i].text.split()[0]
            while j < len(lines) and (
                lines[j].kind == "blank"
                or (lines[j].kind == "heading" and lines[j].text.split()[0] == first)
            ):
                j += 1
            run = [ln for ln in lines[i:j] if ln.kind == "heading"]
            if len(run) >= 3 and len(first) > 2:
                out.append([Line("row", f"{ln.text} |") for ln in run])
                i = j
                continue
        out.append(lines[i])
        i += 1
    return out


def rebuild_table(rows: list[Line]) -> tuple[list[str], list[list[str]]]:
    """Columns and records of a table given as lines.

    Explicit rows (`| a | b |`) have their header first. Flattened rows ("Label value |")
    repeat their column labels with a period p: the smallest p for which line i and line i+p
    always share a first word. Each column label is the longest word prefix common to all
    records at that position.
    """
    texts = [r.text.strip() for r in rows]
    if all(t.startswith("|") for t in texts):
        cells = [[c.strip() for c in t.strip("|").split("|")] for t in texts]
        header, body = cells[0], cells[1:]
        return header, [c + [""] * (len(header) - len(c)) for c in body if any(c)]
    lines = [t.rstrip("|").strip() for t in texts]
    words = [ln.split() for ln in lines]
    n = len(lines)
    period = next(
        (
            p
            for p in range(1, n // 2 + 1)
            if n % p == 0 and all(words[i][0] == words[i + p][0] for i in range(n - p))
        ),
        None,
    )
    if period is None:
        return [], []
    columns, records = [], [[] for _ in range(n // period)]
    for col in range(period):
        group = [words[r * period + col] for r in range(n // period)]
        prefix = 0
        while all(len(g) > prefix + 1 and g[prefix] == group[0][prefix] for g in group):
            prefix += 1
        columns.append(" ".join(group[0][:prefix]))
        for r, g in enumerate(group):
            records[r].append(" ".join(g[prefix:]))
    return columns, records


def split_item_title(text: str) -> tuple[str | None, str]:
    """Split "Joint Optimization This is a core principle..." into title and body.

    A dash after a short leading phrase marks the title ("Social System — This is...").
    Otherwise the body's sentence starts at the last capitalised word before the first
    lower-case content word (parentheses are part of the title). When only acronyms stand
    between that word and the body's text, the sentence starts at the acronym ("Resource
    Constraints SMBs often have"), unless the word is a determiner ("... Complexity Many SMBs")
    or the acronym is an object ("... Innovations Encourages SMBs to look").
    """
    if " — " in text:
        head, body = text.split(" — ", 1)
        if len(head.split()) <= 10:
            return head.strip(), body.strip()
    tokens = text.split()
    depth = 0
    capitals = []  # indices of capitalised words outside parentheses
    first_lower = len(tokens)
    for i, tok in enumerate(tokens):
        inside = depth > 0 or tok.startswith("(")
        depth += tok.count("(") - tok.count(")")
        bare = tok.strip("(),:;“”\"'?!.")
        if inside or not bare:
            continue
        if bare[0].isupper():
            capitals.append(i)
        elif bare.lower() not in STOP_WORDS:
            first_lower = i
            break
    plain = [i for i in capitals if i < first_lower and not is_acronym(tokens[i])]
    if not plain or plain[-1] == 0:
        return None, text
    cut = plain[-1]
    between = []
    for tok in tokens[cut + 1 : first_lower]:
        if not tok[0].isupper():
            break
        between.append(tok)
    only_acronyms = between and all(is_acronym(t) for t in between)
    after = tokens[cut + 1 + len(between)].lower() if cut + 1 + len(between) < len(tokens) else ""
    subject = tokens[cut].lower() not in SENTENCE_OPENERS and after not in OBJECT_FOLLOWERS
    if only_acronyms and subject:
        cut += 1
    title = " ".join(tokens[:cut]).rstrip(",:;")
    if len(title.split()) > 12:
        return None, text
    return title, " ".join(tokens[cut:])


def is_acronym(token: str) -> bool:
    bare = token.strip("(),:;").removesuffix("s").removesuffix("’")
    return len(bare) >= 2 and bare.isupper()


def parse_reference(text: str) -> Reference | None:
    """ "Kaplan, R. S., & Norton, D. P. (1996). Title. Source." as a Reference."""
    m = REFERENCE.match(text.lstrip("-• ").strip())
    if not m:
        return None
    authors = m.group("authors").strip().rstrip(",.")
    surname = authors.split(",")[0].split()[0] if authors else ""
    year = m.group("year")
    return Reference(
        key=citation_key(surname, year),
        authors=authors,
        year=year,
        title=m.group("title").strip().rstrip("."),
        source=m.group("source").strip(),
        text=text.lstrip("-• ").strip(),
    )


def citation_key(surname: str, year: str) -> str:
    return f"{surname.lower().replace('’', '').replace(chr(39), '')}-{year}"


def find_citations(text: str) -> list[str]:
    """Keys of the in-text citations: "(Kaplan & Norton, 1996)" -> ["kaplan-1996"],
    "(Teece, Pisano, & Shuen, 1997)" -> ["teece-1997"]."""
    keys = []
    for group in CITATION_GROUP.finditer(text):
        for part in group.group(1).split(";"):
            if m := ONE_CITATION.match(part):
                keys.append(citation_key(m.group(1), m.group(2)))
    return keys


def infer_title(sections: list[Section], summary: str | None, doc: str) -> str:
    """A document with no title is named by its summary's lead, its first heading or its file."""
    if summary and " — " in summary:
        return summary.split(" — ")[0].strip()
    for section in sections:
        if section.level is None or section.heading != section.level:
            return section.heading
    return doc.replace("-", " ").replace("_", " ").strip().title()


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
        self.mode = "body"

    def text(self) -> str:
        return "".join(self.parts)

    def append(self, text: str) -> tuple[int, int]:
        start = self.size
        self.parts.append(text + "\n")
        self.size += len(text) + 1
        return start, start + len(text)

    def add(self, line: Line | list[Line]) -> None:
        if isinstance(line, list):
            self.add_table(line)
        elif line.kind == "level":
            self.level = LEVELS[line.text.lower()]
            self.group = None
            self.stack = []
            self.mode = "body"
            self.open_section(self.level, 1, [self.level])
        elif line.kind == "heading":
            self.add_heading(line)
        elif line.kind in ("text", "item"):
            self.add_block(line)

    def add_heading(self, line: Line) -> None:
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
        start, end = self.append(heading)
        self.sections.append(Section(heading, self.level, depth, path, start, end))

    def current(self) -> Section:
        if not self.sections:
            self.sections.append(Section(self.doc, self.level, 1, [], 0, 0))
        return self.sections[-1]

    def add_block(self, line: Line) -> None:
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
            block = Block("item", text, start, end, title, body, line.depth, parent)
        else:
            start, end = self.append(line.text)
            block = Block("paragraph", line.text, start, end)
        block.citations = find_citations(block.text)
        section.blocks.append(block)
        section.end = end
        self.record_terms(line)

    def add_table(self, rows: list[Line]) -> None:
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
            block = Block("row", text, start, end, record[0], None, 0, None, cells)
            block.citations = find_citations(text)
            section.blocks.append(block)
            section.end = end

    def record_terms(self, line: Line) -> None:
        section = self.current()
        for term, definition in line.terms:
            self.glossary.append(
                GlossaryEntry(term, definition, self.doc, section.heading, self.level)
            )

    def finish(self) -> list[Section]:
        layout = REFERENCES | EXPLORE
        return [s for s in self.sections if s.blocks or s.heading.lower() not in layout]
