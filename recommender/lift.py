"""Lifting: chunk evidence becomes concept scores, then a diversified list of concepts.

A concept's evidence is its own chunks and, discounted, its children's (a heading over a list
is supported by its items). A chunk-level signal becomes a concept-level one by taking the
best weighted chunk of each concept's evidence.
"""

from __future__ import annotations

import numpy as np

from kb.model import Concept
from kb.text import normalise

CHILD_DISCOUNT = 0.9  # a child's passage speaks for its parent, a little less directly
MMR_LAMBDA = 0.9  # relevance vs. novelty in maximal marginal relevance (Carbonell 1998)


def evidence_map(
    concepts: list[Concept], chunk_index: dict[str, int]
) -> list[list[tuple[int, float]]]:
    """For each concept, (chunk row, weight) of the chunks that speak for it."""
    by_id = {c.id: i for i, c in enumerate(concepts)}
    evidence: list[list[tuple[int, float]]] = []
    for concept in concepts:
        rows = [(chunk_index[c], 1.0) for c in concept.chunks if c in chunk_index]
        for child_id in concept.children:
            child = concepts[by_id[child_id]] if child_id in by_id else None
            if child:
                rows += [(chunk_index[c], CHILD_DISCOUNT) for c in child.chunks if c in chunk_index]
        evidence.append(rows)
    return evidence


def flatten(evidence: list[list[tuple[int, float]]]) -> tuple[np.ndarray, ...]:
    """The evidence map as three parallel arrays (concept, chunk row, weight), for numpy."""
    concept = [i for i, rows in enumerate(evidence) for _ in rows]
    row = [r for rows in evidence for r, _ in rows]
    weight = [w for rows in evidence for _, w in rows]
    return np.array(concept, dtype=np.int64), np.array(row, dtype=np.int64), np.array(weight)


def best_evidence(
    flat: tuple[np.ndarray, ...], n_concepts: int, chunk_scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per concept, the highest weighted chunk score of its evidence and that chunk's row.

    Vectorised because it is the one step that grows with the KB: a Python loop over the
    evidence took 1.3 ms a query at 3,100 chunks (benchmarks/run.py). Concepts without
    evidence score 0 with row -1; ties go to the first piece of evidence.
    """
    concept, row, weight = flat
    best = np.zeros(n_concepts, dtype=np.float32)
    best_row = np.full(n_concepts, -1, dtype=np.int64)
    if not len(concept):
        return best, best_row
    values = chunk_scores[row] * weight
    order = np.lexsort((np.arange(len(values)), -values, concept))
    first = order[np.r_[True, concept[order][1:] != concept[order][:-1]]]
    best[concept[first]] = values[first]
    best_row[concept[first]] = row[first]
    return best, best_row


def section_groups(concepts: list[Concept]) -> list[tuple[str, str, int] | None]:
    """Per concept, the section it is one item of and how many of that section's items an
    answer may show; None where the section is the concept itself.

    A table's rows and a worked example's parts (the items of a section that is a case) are
    one answer seen from several sides: one
    of them is shown. Items of a list are distinct ideas, but five cards from one list hide
    the rest of the library: two are shown. (Two, not one: one item of any section cost
    situations.jsonl 0.666 -> 0.621 nDCG@10 and the corpus's held-out items 0.632 -> 0.600;
    these limits cost 0.643 and 0.617.)
    """
    heading_kind = {(c.doc, normalise(c.title)): c.kind for c in concepts}

    def limit(c: Concept) -> int:
        of_a_case = heading_kind.get((c.doc, normalise(c.section))) == "case"
        return 1 if c.fields or c.kind == "case" or of_a_case else 2

    return [
        None if normalise(c.title) == normalise(c.section) else (c.doc, c.section, limit(c))
        for c in concepts
    ]


def diversify(
    order: list[int],
    scores: dict[int, float],
    vectors: np.ndarray,
    k: int,
    best_rows,
    groups: list[tuple[str, str, int] | None] | None = None,
) -> list[int]:
    """Maximal marginal relevance over concept vectors: no two picks that say the same thing.

    Each next pick maximises λ·relevance − (1−λ)·(similarity to the closest pick so far);
    relevance is scaled to the best score so λ weighs like for like. Two concepts whose best
    evidence is the same passage (a heading carried by its own item's text) count as the
    same thing: similarity 1. With `groups` (see `section_groups`), a section's items are
    picked up to the section's limit.
    """
    if not order:
        return []
    top = scores[order[0]] or 1.0
    picked: list[int] = []
    taken: dict[tuple[str, str, int], int] = {}  # section -> its items picked
    pool = order[: max(k * 4, 20)]

    def similarity(i: int, j: int) -> float:
        same = best_rows[i] >= 0 and best_rows[i] == best_rows[j]
        return 1.0 if same else float(vectors[i] @ vectors[j])

    while pool and len(picked) < k:

        def value(i: int) -> float:
            novelty = max((similarity(i, j) for j in picked), default=0.0)
            return MMR_LAMBDA * scores[i] / top - (1 - MMR_LAMBDA) * novelty

        best = max(pool, key=value)
        pool.remove(best)
        group = groups[best] if groups else None
        if group is not None and taken.get(group, 0) >= group[2]:
            continue
        if group is not None:
            taken[group] = taken.get(group, 0) + 1
        picked.append(best)
    return picked
