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
from dataclasses import dataclass

import numpy as np

from ingest.kinds import introduction, kind_of, lead_in
from ingest.subject import Subject, capitalised, find_subject
from kb import vectors as vector_index
from kb.model import (
    KINDS,
    Block,
    Chunk,
    Concept,
    GlossaryEntry,
    ParsedDocument,
    Section,
    Source,
)
from kb.text import SENTENCE_END, stem, words

MAX_TITLE_WORDS = 14
DEFINITION_CHARS = 320
RELATED_MIN_SIMILARITY = 0.6  # cosine of MiniLM title+definition vectors; set on the seeds
RELATED_MAX = 6
LAYOUT_SECTIONS = {"reflection", "references", "explore", "conclusion", "summary"}

# Headings that organise a text rather than name an idea: its text explains something named
# elsewhere (the group `x`, when there is one), so it is evidence for that, not a concept.
EXPOSITORY = [
    re.compile(
        r"^(?:understanding|introducing|(?:an\s+)?introduction\s+to|exploring|decoding"
        r"|demystifying|unpacking|deciphering)\b[\s:—-]*(?P<x>.*)$",
        re.I,
    ),
    re.compile(r"^why\s+(?P<x>.+?)\s+(?:matters?|(?:is|are)\s+(?:so\s+)?important)\b", re.I),
    re.compile(r"^the\s+(?:importance|role|basics|meaning)\s+of\s+(?P<x>.+)$", re.I),
    re.compile(r"^(?:introduction|overview|background|getting started|key takeaways)$", re.I),
    re.compile(r"^(?P<x>.+?)\s+(?:defined|explained|demystified)\b", re.I),
    re.compile(r"\?$"),  # a question the section answers
    re.compile(r"^(?:what|how|when|where|who|which)\b(?!\s+to\b)", re.I),  # one without "?"
]
# A heading that defines or explains the page's own subject ("Defining X for SMBs").
EXPLAINS_SUBJECT = re.compile(r"^(?:defining|explaining|what)\b|\bmeans?\b", re.I)


def expository(heading: str, subject: str | None = None) -> tuple[bool, str | None]:
    """Whether a heading only organises the text, and what it names as its topic if anything."""
    for pattern in EXPOSITORY:
        if m := pattern.search(heading.strip()):
            topic = m.groupdict().get("x")
            return True, topic.strip() if topic else None
    if subject and key_of(subject) in key_of(heading) and EXPLAINS_SUBJECT.search(heading):
        return True, subject
    return False, None


def key_of(title: str) -> str:
    """What makes two titles the same concept: words, without case, punctuation or (ABBR)."""
    plain = words(re.sub(r"\([^)]*\)", " ", title))
    if plain and plain[0] == "the":
        plain = plain[1:]
    return " ".join(plain)


def slug(title: str) -> str:
    return key_of(title).replace(" ", "-")[:80] or "concept"


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


# Words a title may gain or lose without naming something else ("Automation in SMBs" is
# "SMB Automation"): function words, and the site's "SMB" qualifier is not among them.
TITLE_FILLER = {"a", "an", "the", "of", "in", "for", "to", "on", "and", "with", "within", "at"}
ACRONYM = re.compile(r"^[A-Z][A-Za-z]*[A-Z]s?$")  # "CRM", "KPIs", "SaaS"
SAME_DEFINITION_CHARS = 60  # shorter definitions ("A key metric.") may be shared by chance


def merge_keys(title: str, definition: str = "") -> list[str]:
    """The keys under which two concept candidates are one concept.

    - the title's stems in any order, without function words: "Identifying Pain Points" and
      "Identify Pain Points", "SMB automation" and "Automation in SMBs";
    - its initials, or the title itself when it is an abbreviation, so "CRM" finds
      "Customer Relationship Management (CRM)" (`Catalog.find` joins on initials only when
      one of the two titles is the bare abbreviation);
    - a definition of some length, word for word: the site defines one idea in one sentence
      wherever its pop-up appears.
    Titles that differ by a word stay apart: "Modular Automation Architectures" is not
    "Modular Automation".
    """
    singular = re.sub(r"\b([A-Z]{2,})[s’']+\b", r"\1", title)  # "SMBs" is "SMB"
    plain = words(re.sub(r"\([^)]*\)", " ", singular))
    content = [w for w in plain if w not in TITLE_FILLER] or plain
    keys = ["t:" + " ".join(sorted(stem(w) for w in content))]
    if ACRONYM.match(title.strip()):
        keys.append("a:" + title.strip().lower().removesuffix("s"))
    elif len(plain) >= 2:
        keys.append("a:" + "".join(w[0] for w in plain))
    normal = " ".join(words(definition))
    if len(normal) >= SAME_DEFINITION_CHARS:
        keys.append("d:" + normal)
    return keys


class Catalog:
    """Collects concept candidates, merging those that name the same idea (`merge_keys`).

    A candidate from a document brought in by a later ingest (`ParsedDocument.added`) only
    adds a source to a concept an earlier document defined: a new page never changes what
    the catalog already said a concept is.
    """

    def __init__(self, added: dict[str, int] | None = None):
        self.by_key: dict[str, Concept] = {}
        self.concepts_: list[Concept] = []
        self.added = added or {}

    def find(self, title: str, definition: str = "") -> Concept | None:
        """The concept a title (or its abbreviation, or its definition) already names."""
        return self._find(title, merge_keys(title, definition))

    def _find(self, title: str, keys: list[str]) -> Concept | None:
        for key in keys:
            found = self.by_key.get(key)
            # initials only join a title that is itself the abbreviation ("CRM"), never two
            # long titles that happen to share them
            if found is not None and (not key.startswith("a:") or _is_abbreviation(title, found)):
                return found
        return None

    def add(self, candidate: Concept) -> Concept:
        keys = merge_keys(candidate.title, candidate.definition)
        existing = self._find(candidate.title, keys)
        if existing is None:
            candidate.id = unique_id(slug(candidate.title), self.concepts_)
            self.concepts_.append(candidate)
            existing = candidate
        elif self.added.get(candidate.doc, 0) > self.added.get(existing.doc, 0):
            add_sources(existing, candidate)
        else:
            merge(existing, candidate)
        for key in keys:
            self.by_key.setdefault(key, existing)
        return existing

    def concepts(self) -> list[Concept]:
        return list(self.concepts_)


def _is_abbreviation(title: str, other: Concept) -> bool:
    """Whether one of two titles sharing initials is the bare abbreviation of the other."""
    return any(ACRONYM.match(t.strip()) for t in (title, other.title))


def unique_id(base: str, concepts: list[Concept]) -> str:
    taken = {c.id for c in concepts}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def merge(into: Concept, other: Concept) -> None:
    """One idea with several sources: keep the strongest kind and the fuller definition."""
    stronger = KINDS.index(other.kind) < KINDS.index(into.kind)
    if (other.kind_from and not into.kind_from) or (
        bool(other.kind_from) == bool(into.kind_from) and stronger
    ):  # evidence beats none; between equals, the stronger kind
        into.kind, into.kind_from = other.kind, other.kind_from
    if into.kind == "term" or (len(other.definition) > len(into.definition) and not into.fields):
        into.definition = into.definition or other.definition
    into.fields = into.fields or other.fields
    if into.parent is None:
        into.parent = other.parent
    add_sources(into, other)


def add_sources(into: Concept, other: Concept) -> None:
    """Another place that speaks of the same idea: its source, passages and references."""
    for source in other.sources:
        if source not in into.sources:
            into.sources.append(source)
    into.chunks += [c for c in other.chunks if c not in into.chunks]
    into.references += [r for r in other.references if r not in into.references]
    into.levels = list(dict.fromkeys(into.levels + other.levels))


def extract(documents: list[ParsedDocument], chunks: list[Chunk]) -> list[Concept]:
    """All concepts of a set of documents, with parents, children and evidence chunks.

    Args:
        documents: parsed documents.
        chunks: their chunks; a concept's evidence is the chunks of its own text.

    Returns:
        The merged catalog; `related` is filled later by `link_related`.
    """
    catalog = Catalog({d.doc: d.added for d in documents})
    by_section: dict[tuple[str, str], list[Chunk]] = {}
    for chunk in chunks:
        by_section.setdefault((chunk.doc, chunk.section), []).append(chunk)
    # Documents of one ingest together, the earliest ingest first: within an ingest the
    # strongest evidence decides a kind; a later ingest only adds sources (`Catalog`).
    for added in sorted({d.added for d in documents}):
        batch = [d for d in documents if d.added == added]
        explained = [e for parsed in batch for e in structure_concepts(catalog, parsed, by_section)]
        for parsed in batch:
            for entry in parsed.glossary:
                catalog.add(glossary_concept(parsed, entry))
        for section in explained:
            place_explained(catalog, section)
    concepts = catalog.concepts()
    link_children(concepts)
    return concepts


@dataclass
class Explained:
    """An expository section, waiting to give its passages to the concept it explains."""

    parsed: ParsedDocument
    section: Section
    topic: str | None
    chunks: list[str]
    fallback: Concept | None  # the page's subject, or the group the section stands in


def structure_concepts(
    catalog: Catalog, parsed: ParsedDocument, by_section: dict[tuple[str, str], list[Chunk]]
) -> list[Explained]:
    """The concepts a document's subject, headings, titled list items and table rows name;
    its expository sections are returned, to be placed once the glossary is known."""
    refs = {r.key: r.text for r in parsed.references}
    heading_concepts: dict[str, Concept] = {}
    subject = find_subject(parsed.path, parsed.sections, parsed.glossary)
    home = subject_concept(catalog, parsed, subject, by_section) if subject else None
    explained = []
    for section in parsed.sections:
        own = by_section.get((parsed.doc, section.heading), [])
        is_expository, topic = expository(section.heading, subject.title if subject else None)
        if is_expository and section.heading != section.level:
            group = heading_concepts.get(section.path[0]) if len(section.path) > 1 else None
            chunk_ids = [c.id for c in own if c.title is None]
            explained.append(Explained(parsed, section, topic, chunk_ids, home or group))
            parent = home or group
        else:
            parent = section_concept(catalog, parsed, section, own, refs, heading_concepts)
        names = [section.heading, parsed.title, subject.title if subject else ""]
        for index, block in enumerate(section.blocks):
            if block.kind in ("item", "row") and is_title(block.title):
                owner = parent
                if block.parent is not None and section.blocks[block.parent].title:
                    owner = catalog.find(section.blocks[block.parent].title)
                if is_detail(section, index, names):
                    if owner is not None:  # its text still speaks for what it details
                        owner.chunks += [
                            c for c in block_chunks(own, block) if c not in owner.chunks
                        ]
                    continue
                block_concept(catalog, parsed, section, index, own, refs, owner)
    return explained


# A list item whose text is a figure ("Monthly revenue: $12,000", "Churn: 4%") is a detail of
# a worked example, not an idea; so is every item of a list a worked example announces
# ("Imagine a local coffee shop. Its supply chain involves:").
FIGURE = re.compile(r"^\W*(?:[$€£¥]\s?)?\d")
EXAMPLE_LEAD_IN = re.compile(
    r"\b(?:imagine|consider|take|for example,?|for instance,?)\s+(?:an?|your)\s", re.I
)
# An item that asks ("What are our best-selling products?") is a prompt, not an idea.
QUESTION = re.compile(r"^(?:what|who|which|why|how|when|where)\b", re.I)


def is_detail(section: Section, index: int, names: list[str]) -> bool:
    """Whether a list item only details something: a figure, or one word of a list that
    spells out a name ("Socio", "Technical", "Systems" for socio-technical systems)."""
    block = section.blocks[index]
    if block.kind == "item" and (
        FIGURE.match(block.body or "")
        or QUESTION.match(block.title or "")
        or EXAMPLE_LEAD_IN.search(introduction(section, index))
    ):
        return True
    start = end = index
    while start > 0 and section.blocks[start - 1].kind == "item":
        start -= 1
    while end + 1 < len(section.blocks) and section.blocks[end + 1].kind == "item":
        end += 1
    titles = [b.title or "" for b in section.blocks[start : end + 1]]
    if len(titles) < 2 or any(len(t.split()) != 1 for t in titles):
        return False
    spelled = " ".join(words(" ".join(titles)))
    context = [*names, lead_in(section, index)]
    return any(spelled in " ".join(words(name)) for name in context if name)


def block_chunks(own: list[Chunk], block: Block) -> list[str]:
    """The ids of the chunks made of one list item or row."""
    inside = {c.id for c in own if c.end <= block.end}
    return [
        c.id for c in own if c.title == block.title and c.start >= block.start and c.id in inside
    ]


def subject_concept(
    catalog: Catalog,
    parsed: ParsedDocument,
    subject: Subject,
    by_section: dict[tuple[str, str], list[Chunk]],
) -> Concept:
    """The idea a page is named after, defined in the page's own words."""
    section = next(s for s in parsed.sections if s.heading == subject.section)
    own = by_section.get((parsed.doc, section.heading), [])
    # from its defining sentence on (a pop-up's definition stands alone)
    paragraph = next(
        (b.text for b in section.blocks if subject.definition in b.text), subject.definition
    )
    definition = first_sentences(paragraph[paragraph.index(subject.definition) :])
    kind, kind_from = kind_of(subject.title, "", definition)
    return catalog.add(
        candidate(
            parsed.doc,
            section.heading,
            section.level,
            title=subject.title,
            kind=kind,
            kind_from=kind_from,
            definition=definition,
            chunks=[c.id for c in own if c.title is None],
        )
    )


def place_explained(catalog: Catalog, explained: Explained) -> None:
    """An expository section's passages become evidence of what it explains: the concept its
    heading names ("Understanding X": X), else the page's subject or its group."""
    found = catalog.find(explained.topic) if explained.topic else None
    target = found or explained.fallback
    if target is None or not explained.chunks:
        return
    section, parsed = explained.section, explained.parsed
    same_ingest = catalog.added.get(parsed.doc, 0) <= catalog.added.get(target.doc, 0)
    paragraphs = [b.text for b in section.blocks if b.kind == "paragraph"]
    if same_ingest and target.kind == "term" and paragraphs:
        # a term a whole section explains is an idea to recommend, defined by that section
        target.definition = first_sentences(paragraphs[0])
        target.kind, target.kind_from = kind_of(target.title, "", target.definition)
        target.section, target.level = section.heading, section.level
    add_sources(
        target,
        candidate(
            parsed.doc,
            section.heading,
            section.level,
            title=target.title,
            kind=target.kind,
            definition=target.definition,
            chunks=explained.chunks,
        ),
    )


def candidate(doc: str, section: str, level: str | None, **fields) -> Concept:
    """A concept as one section of one document names it: that place is its first source."""
    return Concept(
        id="",
        doc=doc,
        section=section,
        level=level,
        sources=[Source(doc, section, level)],
        levels=[level] if level else [],
        **fields,
    )


def glossary_concept(parsed: ParsedDocument, entry: GlossaryEntry) -> Concept:
    """A pop-up's term: looked up, not recommended."""
    return candidate(
        parsed.doc,
        entry.section,
        entry.level,
        title=capitalised(entry.term),
        kind="term",
        definition=entry.definition,
    )


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
    kind, kind_from = kind_of(section.heading, group, definition)
    concept = catalog.add(
        candidate(
            parsed.doc,
            section.heading,
            section.level,
            title=section.heading,
            kind=kind,
            kind_from=kind_from,
            definition=definition,
            references=cited(section.blocks, refs),
            chunks=[c.id for c in own if c.title is None],
            parent=parent.id if parent else None,
        )
    )
    heading_concepts[section.heading] = concept
    return concept


def block_concept(catalog, parsed, section: Section, index: int, own, refs, parent):
    """A titled list item or a table row is a concept of its own, when it says something."""
    block = section.blocks[index]
    column = section.table_columns[0] if block.kind == "row" and section.table_columns else ""
    body = block.body or "; ".join(
        f"{k}: {v}" for k, v in (block.cells or {}).items() if k != column
    )
    if not body.strip():
        return None
    kind, kind_from = kind_of(block.title, section.heading, body, column, lead_in(section, index))
    return catalog.add(
        candidate(
            parsed.doc,
            section.heading,
            section.level,
            title=block.title,
            kind=kind,
            kind_from=kind_from,
            definition=first_sentences(body),
            references=cited([block], refs),
            chunks=block_chunks(own, block),
            parent=parent.id if parent else None,
            fields={k: v for k, v in (block.cells or {}).items() if k != column},
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
