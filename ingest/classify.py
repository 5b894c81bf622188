"""Line classification: each cleaned line becomes a heading, level, item, row, text or blank.

Explicit markup wins: `#` headings, `•`/`1.` items and `| a | b |` rows come from the readers.
Plain text from the business-advice site has none, so there a heading is recognised by its
shape: a short Title Case line without closing punctuation, or a short Title Case question
("What Is Lean Management?"), except under `Explore`, where such questions are the page's
further questions. The site's own section names
(levels, `References`, `Explore`, the closing ones) are kept here, beside the rules that
find them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.clean import STOP_WORDS, CleanLine
from kb.model import LEVELS as MODEL_LEVELS

LEVELS = {level.lower(): level for level in MODEL_LEVELS}
REFERENCES = {"references", "bibliography", "sources", "works cited"}
EXPLORE = {"explore", "further questions"}
CLOSING = {"reflection", "conclusion", "summary"}

MAX_HEADING_WORDS = 16
MAX_HEADING_CHARS = 150

# The words a question heading opens with ("Why Are...", "What Is...", "How Can...").
QUESTION_WORDS = set(
    """what why how when where which who whose is are can could do does did should would
    will shall may might must has have was were""".split()
)

EXPLICIT_HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
ITEM = re.compile(r"^(?P<indent>\s*)(?P<marker>•|[-*]|\d{1,3}[.)])\s+(?P<text>\S.*)$")


@dataclass
class Line:
    """One classified line; `depth` is a heading's `#` count or an item's nesting."""

    kind: str  # "heading" | "level" | "item" | "row" | "text" | "blank"
    text: str
    depth: int = 0
    terms: tuple = ()


def classify(lines: list[CleanLine]) -> list[Line]:
    """Give each line a kind; plain lines are headings only in files with no explicit ones.

    Under `Explore` the site lists its further questions in Title Case: they stay text, so
    the tree keeps them as explore questions rather than opening a section for each.
    """
    explicit = any(EXPLICIT_HEADING.match(c.text) for c in lines)
    out = []
    explore = False  # inside an `Explore` section, until the next heading or level
    for c in lines:
        line = _classify_one(c, explicit)
        if explore and line.kind == "heading" and not line.depth and line.text.endswith("?"):
            line = Line("text", line.text, 0, line.terms)
        elif line.kind in ("heading", "level"):
            explore = line.kind == "heading" and line.text.lower() in EXPLORE
        out.append(line)
    return out


def _classify_one(line: CleanLine, explicit: bool) -> Line:
    """The kind of one line; `explicit` says whether its file marks its headings."""
    text = line.text
    stripped = text.strip()
    terms = tuple(line.terms)
    if not stripped:
        return Line("blank", "")
    if m := EXPLICIT_HEADING.match(text):
        heading = m.group(2).rstrip(":").strip()
        kind = "level" if heading.lower() in LEVELS else "heading"
        return Line(kind, heading, len(m.group(1)), terms)
    if stripped.lower() in LEVELS:
        return Line("level", stripped, 0, terms)
    if m := ITEM.match(text):
        depth = len(m.group("indent").expandtabs(2)) // 2
        return Line("item", m.group("text").strip(), depth, terms)
    if stripped.endswith("|"):
        return Line("row", stripped, 0, terms)
    if not explicit and looks_like_heading(stripped):
        return Line("heading", stripped.rstrip(":").strip(), 0, terms)
    return Line("text", stripped, 0, terms)


def looks_like_heading(text: str) -> bool:
    """A short Title Case line without sentence punctuation at its end, or a short Title Case
    question (the site heads sections with them); a question in sentence case is a
    paragraph's, and stays text."""
    if text.endswith("?") and not is_question_heading(text):
        return False
    if len(text) > MAX_HEADING_CHARS or text[-1] in ".!,;" or not text[0].isupper():
        return False
    words = re.findall(r"[A-Za-z][\w’'\-/&]*", text)
    if not words or len(words) > MAX_HEADING_WORDS:
        return False
    content = [w for w in words if w.lower() not in STOP_WORDS]
    capitalised = sum(1 for w in content if w[0].isupper())
    return bool(content) and capitalised / len(content) >= 0.75


def is_question_heading(text: str) -> bool:
    """One question, opened by a question word, and nothing before its `?` that ends a
    sentence ("Why? Because..." and "Costs rose. Why?" are running text)."""
    body = text[:-1]
    first = re.match(r"[A-Za-z]+", text)
    return (
        first is not None
        and first.group(0).lower() in QUESTION_WORDS
        and not re.search(r"[.!?;](?:\s|$)", body)
    )
