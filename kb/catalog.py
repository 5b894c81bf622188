"""The concept catalog, read from a loaded KB: filters, look-up by name and meaning, details,
tables.

Shared by `kb concepts`, `kb show` and the page's framework library.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from kb.model import Chunk, Concept
from kb.store import KnowledgeBase
from kb.text import normalise, truncate

PASSAGE_CHARS = 300
# A concept found by meaning only is shown when its cosine with the query reaches this. With
# the bundled MiniLM and the trained encoder a purpose that a concept serves scores 0.35-0.55
# ("a way to set goals for the team": OKRs 0.45), while names the documents never mention
# ("swot analysis", "porter five forces", "chocolate cake recipe") stay under 0.26.
MEANING_FLOOR = 0.3
MEANING_LIMIT = 10  # concepts found by meaning alone, at most, after the names
SPELLING_CUTOFF = 0.85  # difflib ratio for a title spelled another way ("optimisation")
ARTICLES = ("the ", "a ", "an ")

# How a concept was found, strongest first: the order `lookup` returns them in.
EXACT_HOWS = ("title", "abbreviation", "id")
NAME_HOWS = ("name", "spelling", "definition")
MEANING = "meaning"
HOWS = (*EXACT_HOWS, *NAME_HOWS, MEANING)

# The query's vector as the recommender reads questions, or a callable giving it for a text
# (called only when the look-up gets to meaning): kb/ never imports the recommender.
QueryVector = np.ndarray | Callable[[str], np.ndarray] | None


@dataclass
class ConceptDetail:
    """One concept with what a consultant wants beside it."""

    concept: Concept
    passages: list[Chunk]
    parent: Concept | None
    children: list[Concept]
    related: list[Concept]
    documents: dict[str, str] = field(default_factory=dict)  # doc id -> title


def concept_row(c: Concept) -> dict:
    """The contract's JSON shape for `kb concepts --json`."""
    return {
        "id": c.id,
        "title": c.title,
        "kind": c.kind,
        "level": c.level,
        "levels": c.levels,
        "doc": c.doc,
        "section": c.section,
        "definition": c.definition,
        "references": c.references,
        "sources": [asdict(s) for s in c.sources],
        "fields": c.fields,
        "parent": c.parent,
        "children": c.children,
        "related": c.related,
    }


def filter_concepts(
    kb: KnowledgeBase,
    kind: str | None = None,
    level: str | None = None,
    doc: str | None = None,
    search: str | None = None,
) -> list[Concept]:
    """Concepts matching every filter given (case-insensitive; `search` looks in titles)."""
    out = []
    needle = (search or "").lower().strip()
    for c in kb.concepts:
        if kind and c.kind != kind.lower():
            continue
        if not c.at_level(level):
            continue
        if doc and doc not in {s.doc for s in c.sources}:
            continue
        if needle and needle not in c.title.lower() and needle not in c.definition.lower():
            continue
        out.append(c)
    return out


@dataclass(frozen=True)
class Match:
    """One concept a look-up found, how (see HOWS) and, when computed, its cosine with the query."""

    concept: Concept
    how: str
    similarity: float | None = None

    @property
    def exact(self) -> bool:
        """Found by its own title, abbreviation or id, not by a part of it or its meaning."""
        return self.how in EXACT_HOWS


def lookup(
    kb: KnowledgeBase,
    text: str,
    query: QueryVector = None,
    among: Collection[str] | None = None,
    floor: float | None = MEANING_FLOOR,
    limit: int | None = None,
) -> list[Match]:
    """The concepts a search means, by name first, then by meaning: each concept once.

    1. exact: the title (case, punctuation, a leading article and a parenthesised
       abbreviation set aside), the abbreviation ("ROI" finds "Return on Investment (ROI)"
       before "Diminished Return on Investment (ROI)": the shorter title first), or the id;
    2. by name: the search's words inside a title, a title spelled another way, then the
       search's words in a definition;
    3. by meaning: the cosine of `query` (the text's vector, as the recommender reads
       questions, or a callable giving it) with each concept's vector, best first, down to
       `floor` (None: no floor), at most MEANING_LIMIT of them (or `limit`).

    `among` keeps only those concept ids (the filters); `limit` cuts the whole list. Named
    things come before glossary terms within a tier.
    """
    wanted = name_key(text)
    if not wanted:
        return []
    allowed = None if among is None else set(among)
    pool = [(row, c) for row, c in enumerate(kb.concepts) if allowed is None or c.id in allowed]
    found: dict[str, Match] = {}

    def add(how: str, hits: list[Concept]) -> None:
        for c in sorted(hits, key=lambda c: (c.kind == "term", len(c.title), c.title)):
            found.setdefault(c.id, Match(c, how))

    plain = normalise(text)
    add("title", [c for _, c in pool if wanted in (name_key(c.title), bare_key(c.title))])
    add("abbreviation", [c for _, c in pool if plain in abbreviations(c.title)])
    add("id", [c for _, c in pool if c.id.casefold() == text.strip().casefold()])
    add("name", [c for _, c in pool if f" {plain} " in f" {normalise(c.title)} "])
    keys = {}
    for _, c in pool:
        keys.setdefault(bare_key(c.title), []).append(c)
    close = difflib.get_close_matches(wanted, list(keys), n=5, cutoff=SPELLING_CUTOFF)
    add("spelling", [c for key in close for c in keys[key]])
    add("definition", [c for _, c in pool if f" {plain} " in f" {normalise(c.definition)} "])
    out = list(found.values())
    vector = query(text) if callable(query) else query
    if vector is not None and pool and len(kb.concept_vectors):
        rows = np.array([row for row, _ in pool])
        scores = kb.concept_vectors[rows] @ np.asarray(vector, dtype=np.float32).reshape(-1)
        by_id = {c.id: float(s) for (_, c), s in zip(pool, scores, strict=True)}
        out = [Match(m.concept, m.how, by_id[m.concept.id]) for m in out]
        meaning = []
        for i in np.argsort(-scores, kind="stable"):
            c = pool[i][1]
            if floor is not None and scores[i] < floor:
                break
            if c.id not in found:
                meaning.append(Match(c, MEANING, float(scores[i])))
            if len(meaning) == (limit or MEANING_LIMIT):
                break
        out += meaning
    return out[:limit] if limit else out


def closest(
    kb: KnowledgeBase,
    text: str,
    query: QueryVector = None,
    among: Collection[str] | None = None,
    n: int = 3,
) -> list[Match]:
    """The few concepts nearest a search that found nothing: by name if any, else by meaning
    with no floor (or by spelling alone, loosely, without a query vector)."""
    near = lookup(kb, text, query, among, floor=None, limit=n)
    if near:
        return near
    allowed = None if among is None else set(among)
    keys = {bare_key(c.title): c for c in kb.concepts if allowed is None or c.id in allowed}
    loose = difflib.get_close_matches(name_key(text), list(keys), n=n, cutoff=0.5)
    return [Match(keys[k], "spelling") for k in loose]


def exact_match(kb: KnowledgeBase, name: str) -> Concept | None:
    """The concept a name names exactly (title, abbreviation or id, case-insensitive), if any."""
    hits = [m for m in lookup(kb, name) if m.exact]
    return hits[0].concept if hits else None


def name_key(title: str) -> str:
    """A title as two names of one thing compare equal: words, without a leading article."""
    key = normalise(title)
    for article in ARTICLES:
        if key.startswith(article) and len(key) > len(article):
            return key[len(article) :]
    return key


def bare_key(title: str) -> str:
    """`name_key` without the parenthesised parts: "Balanced Scorecard (BSC)" -> "balanced
    scorecard"."""
    return name_key(re.sub(r"\([^)]*\)", " ", title)) or name_key(title)


def abbreviations(title: str) -> set[str]:
    """ "Objectives and Key Results (OKRs)" -> {"okrs", "okr"}."""
    out = set()
    for inner in re.findall(r"\(([^)]+)\)", title):
        word = normalise(inner)
        if word and " " not in word:
            out |= {word, word.removesuffix("s")}
    return out


def detail(kb: KnowledgeBase, concept: Concept) -> ConceptDetail:
    rows = {c.id: c for c in kb.chunks}
    by_id = {c.id: c for c in kb.concepts}
    return ConceptDetail(
        concept=concept,
        passages=[rows[c] for c in concept.chunks if c in rows],
        parent=by_id.get(concept.parent) if concept.parent else None,
        children=[by_id[c] for c in concept.children if c in by_id],
        related=[by_id[c] for c in concept.related if c in by_id],
        documents={d.doc: d.title for d in kb.documents},
    )


def framework_table(kb: KnowledgeBase) -> pd.DataFrame:
    """The documents' framework comparisons as one table: a row per framework, a column per field.

    Built from table rows whose concept is a framework (their columns are the documents' own,
    e.g. Core Focus, Key Benefits, SMB Applicability), with level, source and references.
    """
    rows = []
    for c in kb.concepts:
        if c.kind == "framework" and c.fields:
            rows.append(
                {
                    "Framework": c.title,
                    **c.fields,
                    "Level": ", ".join(c.all_levels),
                    "Document": c.doc,
                    "References": "; ".join(c.references),
                }
            )
    return pd.DataFrame(rows).fillna("")  # tables with other columns leave gaps: empty text


def short(text: str, limit: int = PASSAGE_CHARS) -> str:
    return truncate(text, limit)
