"""Concepts: the principles, frameworks, practices, risks, cases and terms a KB teaches.

They come from the documents' own structure: headings, list-item titles, table rows and
glossary pop-ups. The kind is read from the words of the title, of the heading a concept
stands under and of a table's column label. Two candidates whose titles are the same once
case, punctuation and a parenthesised abbreviation are set aside ("Balanced Scorecard (BSC)"
as a heading and as a table row) are one concept with several sources; concepts whose
title-and-definition embeddings are close are linked as related.
"""

from __future__ import annotations

import re

import numpy as np

from kb import vectors as vector_index
from kb.model import KINDS, Block, Chunk, Concept, ParsedDocument, Section, Source
from kb.text import SENTENCE_END, words

MAX_TITLE_WORDS = 14
DEFINITION_CHARS = 320
RELATED_MIN_SIMILARITY = 0.6  # cosine of MiniLM title+definition vectors; set on the seeds
RELATED_MAX = 6
LAYOUT_SECTIONS = {"reflection", "references", "explore", "conclusion", "summary"}

# Kind cues: words in a concept's title, its heading or its table column. Order matters:
# the first kind whose cue appears wins, title before context.
KIND_CUES = [
    ("case", r"\b(case stud(y|ies)|examples?|scenarios?|stories|story)\b"),
    ("framework", r"\b(frameworks?|scorecard|methodology|methodologies|models?|matrix|canvas)\b"),
    (
        "risk",
        r"\b(risks?|pitfalls?|dangers?|threats?|traps?|erosion|challenges?|barriers?|"
        r"patholog(y|ies)|misallocation|silos?|diminished|lock-in)\b",
    ),
    (
        "practice",
        r"\b(steps?|strateg(y|ies)|practices?|techniques?|tools?|roadmap|how to|"
        r"implementation|implementing|remed(y|ies))\b",
    ),
    ("principle", r"\b(principles?|dimensions?|pillars?|elements?|components?|foundations?)\b"),
]
DEFINES_FRAMEWORK = re.compile(
    r"\b(is|provides|offers)\s+an?\s+(?:[\w-]+\s+){0,3}(framework|methodology|model)\b", re.I
)


def key_of(title: str) -> str:
    """What makes two titles the same concept: words, without case, punctuation or (ABBR)."""
    plain = words(re.sub(r"\([^)]*\)", " ", title))
    if plain and plain[0] == "the":
        plain = plain[1:]
    return " ".join(plain)


def slug(title: str) -> str:
    return key_of(title).replace(" ", "-")[:80] or "concept"


# A heading naming frameworks (plural) lists frameworks; one naming a single framework
# lists its steps or parts.
PLURAL_FRAMEWORKS = re.compile(
    r"\b(frameworks|methodologies|models|scorecards|matrices|canvases)\b", re.I
)
ONE_FRAMEWORK = re.compile(r"\b(framework|methodology|model|scorecard|matrix|canvas)\b", re.I)


def kind_of(title: str, context: str, definition: str, column: str = "") -> str:
    """The kind a concept's own words, its heading's words or its column's name suggest."""
    if DEFINES_FRAMEWORK.search(definition[:200]) or re.search(KIND_CUES[1][1], column, re.I):
        return "framework"
    if PLURAL_FRAMEWORKS.search(context) and not re.search(KIND_CUES[1][1], title, re.I):
        return "framework"
    if ONE_FRAMEWORK.search(context) and not re.search(KIND_CUES[1][1], title, re.I):
        context = "steps"
    for text in (title, column, context):
        for kind, pattern in KIND_CUES:
            if re.search(pattern, text, re.I):
                return kind
    first = title.split()[0].lower() if title.split() else ""
    if first.endswith("ing") and len(first) > 5:  # "Cultivating...", "Balancing..."
        return "practice"
    return "principle"


def first_sentences(text: str, limit: int = DEFINITION_CHARS) -> str:
    """The opening sentences of a text, up to `limit` characters, ending at a sentence end."""
    sentences = SENTENCE_END.split(text.strip())
    out = ""
    for sentence in sentences:
        if out and len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    return out[: limit * 2]


def is_title(text: str | None) -> bool:
    """A concept title is a short name, not a sentence or a fragment of one."""
    if not text:
        return False
    words = text.split()
    return (
        0 < len(words) <= MAX_TITLE_WORDS
        and (text[0].isupper() or text[0].isdigit())
        and not text.rstrip().endswith((".", ",", ";"))
    )


class Catalog:
    """Collects concept candidates, merging those with the same key."""

    def __init__(self):
        self.by_key: dict[str, Concept] = {}

    def add(self, candidate: Concept) -> Concept:
        key = key_of(candidate.title)
        existing = self.by_key.get(key)
        if existing is None:
            candidate.id = unique_id(slug(candidate.title), self.by_key)
            self.by_key[key] = candidate
            return candidate
        merge(existing, candidate)
        return existing

    def concepts(self) -> list[Concept]:
        return list(self.by_key.values())


def unique_id(base: str, by_key: dict[str, Concept]) -> str:
    taken = {c.id for c in by_key.values()}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def merge(into: Concept, other: Concept) -> None:
    """One idea with several sources: keep the strongest kind and the fuller definition."""
    if KINDS.index(other.kind) < KINDS.index(into.kind):
        into.kind = other.kind
    if into.kind == "term" or (len(other.definition) > len(into.definition) and not into.fields):
        into.definition = into.definition or other.definition
    for source in other.sources:
        if source not in into.sources:
            into.sources.append(source)
    into.chunks += [c for c in other.chunks if c not in into.chunks]
    into.references += [r for r in other.references if r not in into.references]
    into.fields = into.fields or other.fields
    into.levels = list(dict.fromkeys(into.levels + other.levels))
    if into.parent is None:
        into.parent = other.parent


def extract(documents: list[ParsedDocument], chunks: list[Chunk]) -> list[Concept]:
    """All concepts of a set of documents, with parents, children and evidence chunks.

    Args:
        documents: parsed documents.
        chunks: their chunks; a concept's evidence is the chunks of its own text.

    Returns:
        The merged catalog; `related` is filled later by `link_related`.
    """
    catalog = Catalog()
    by_section: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in chunks:
        by_section.setdefault((chunk.doc, chunk.section), []).append(chunk)
    for parsed in documents:
        refs = {r.key: r.text for r in parsed.references}
        heading_concepts: dict[str, Concept] = {}
        for section in parsed.sections:
            own = by_section.get((parsed.doc, section.heading), [])
            parent = section_concept(catalog, parsed, section, own, refs, heading_concepts)
            for _i, block in enumerate(section.blocks):
                if block.kind in ("item", "row") and is_title(block.title):
                    owner = parent
                    if block.parent is not None and section.blocks[block.parent].title:
                        owner = catalog.by_key.get(key_of(section.blocks[block.parent].title))
                    block_concept(catalog, parsed, section, block, own, refs, owner)
    for parsed in documents:
        for entry in parsed.glossary:
            catalog.add(
                Concept(
                    id="",
                    title=entry.term[0].upper() + entry.term[1:],
                    kind="term",
                    level=entry.level,
                    doc=parsed.doc,
                    section=entry.section,
                    definition=entry.definition,
                    sources=[Source(parsed.doc, entry.section, entry.level)],
                    levels=[entry.level] if entry.level else [],
                )
            )
    concepts = catalog.concepts()
    link_children(concepts)
    return concepts


def section_concept(catalog, parsed, section: Section, own, refs, heading_concepts):
    """A heading is a concept when it names something (not a level or layout heading)."""
    if section.heading == section.level or section.heading.lower() in LAYOUT_SECTIONS:
        return None
    if not is_title(section.heading) or not section.blocks:  # a bare heading teaches nothing
        return None
    paragraphs = [b for b in section.blocks if b.kind == "paragraph"]
    text = paragraphs[0].text if paragraphs else (section.blocks[0].text if section.blocks else "")
    group = section.path[0] if len(section.path) > 1 else ""
    parent = heading_concepts.get(group)
    definition = first_sentences(text)
    concept = catalog.add(
        Concept(
            id="",
            title=section.heading,
            kind=kind_of(section.heading, group, definition),
            level=section.level,
            doc=parsed.doc,
            section=section.heading,
            definition=definition,
            references=cited(section.blocks, refs),
            sources=[Source(parsed.doc, section.heading, section.level)],
            chunks=[c.id for c in own if c.title is None],
            parent=parent.id if parent else None,
            levels=[section.level] if section.level else [],
        )
    )
    heading_concepts[section.heading] = concept
    return concept


def block_concept(catalog, parsed, section: Section, block: Block, own, refs, parent):
    """A titled list item or a table row is a concept of its own, when it says something."""
    column = section.table_columns[0] if block.kind == "row" and section.table_columns else ""
    body = block.body or "; ".join(
        f"{k}: {v}" for k, v in (block.cells or {}).items() if k != column
    )
    if not body.strip():
        return None
    chunk_ids = [c.id for c in own if c.title == block.title and c.start >= block.start]
    chunk_ids = [cid for cid in chunk_ids if cid in {c.id for c in own if c.end <= block.end}]
    return catalog.add(
        Concept(
            id="",
            title=block.title,
            kind=kind_of(block.title, section.heading, body, column),
            level=section.level,
            doc=parsed.doc,
            section=section.heading,
            definition=first_sentences(body),
            references=cited([block], refs),
            sources=[Source(parsed.doc, section.heading, section.level)],
            chunks=chunk_ids,
            parent=parent.id if parent else None,
            fields={k: v for k, v in (block.cells or {}).items() if k != column},
            levels=[section.level] if section.level else [],
        )
    )


def cited(blocks: list[Block], refs: dict[str, str]) -> list[str]:
    keys = dict.fromkeys(k for b in blocks for k in b.citations)
    return [refs[k] for k in keys if k in refs]


def link_children(concepts: list[Concept]) -> None:
    by_id = {c.id: c for c in concepts}
    for concept in concepts:
        parent = by_id.get(concept.parent) if concept.parent else None
        if parent is None or parent.id == concept.id:
            concept.parent = None
        elif concept.id not in parent.children:
            parent.children.append(concept.id)


def embedding_text(concept: Concept) -> str:
    return f"{concept.title}: {concept.definition}"


def link_related(concepts: list[Concept], vectors: np.ndarray) -> None:
    """Link each concept to its nearest others by meaning (not its parent or children).

    A nearest-neighbour search (the KB's own FAISS index type), never the full matrix of
    every pair: 20,000 concepts would need 1.6 GB for it."""
    if len(concepts) < 2:
        return
    index, _ = vector_index.build(vectors)
    want = min(len(concepts), RELATED_MAX * 3 + 1)  # +1: a concept finds itself first
    scores, rows = index.search(np.ascontiguousarray(vectors, dtype=np.float32), want)
    for i, concept in enumerate(concepts):
        family = {concept.parent, *concept.children}
        related = []
        for score, j in zip(scores[i], rows[i]):
            if j == i or j < 0:
                continue
            if score < RELATED_MIN_SIMILARITY or len(related) == RELATED_MAX:
                break
            if concepts[j].id not in family:
                related.append(concepts[j].id)
        concept.related = related
