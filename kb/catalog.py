"""The concept catalog, read from a loaded KB: filters, look-up by name, details, tables.

Shared by `kb concepts`, `kb show` and the page's framework library.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field

import pandas as pd

from kb.errors import KBError
from kb.model import Chunk, Concept
from kb.store import KnowledgeBase
from kb.text import normalise, truncate

PASSAGE_CHARS = 300


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


def find_concept(kb: KnowledgeBase, name: str) -> Concept:
    """The concept a name means: exact title, abbreviation, title prefix, else the closest title.

    "balanced scorecard" and "BSC" find "Balanced Scorecard (BSC)"; "okr" finds "Objectives
    and Key Results (OKRs)" through its abbreviation.
    """
    wanted = normalise(name)
    if not wanted:
        raise KBError('give a concept name, e.g. kb show "balanced scorecard"')
    ranked = sorted(kb.concepts, key=lambda c: c.kind == "term")  # named things before terms
    for match in (
        lambda c: normalise(c.title) == wanted,
        lambda c: wanted in abbreviations(c.title),
        lambda c: normalise(re.sub(r"\([^)]*\)", "", c.title)) == wanted,
        lambda c: normalise(c.title).startswith(wanted + " "),
        lambda c: f" {wanted} " in f" {normalise(c.title)} ",
    ):
        hits = [c for c in ranked if match(c)]
        if hits:
            return min(hits, key=lambda c: len(c.title))
    titles = {normalise(c.title): c for c in ranked}
    close = difflib.get_close_matches(wanted, list(titles), n=1, cutoff=0.6)
    if close:
        return titles[close[0]]
    raise KBError(f"no concept named like {name!r}; try `kb concepts` to list them")


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
    return pd.DataFrame(rows)


def short(text: str, limit: int = PASSAGE_CHARS) -> str:
    return truncate(text, limit)
