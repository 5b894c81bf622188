"""Lifting: chunk evidence becomes concept scores, then a diversified list of concepts.

A concept's evidence is its own chunks and, discounted, its children's (a heading over a list
is supported by its items). Each signal ranks the concepts on its own; the rankings are fused.
"""

from __future__ import annotations

import numpy as np

from kb.model import Concept

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


def best_evidence(
    evidence: list[tuple[int, float]], chunk_scores: np.ndarray
) -> tuple[float, int | None]:
    """The highest weighted chunk score of a concept's evidence, and that chunk's row."""
    best, row = 0.0, None
    for chunk_row, weight in evidence:
        score = chunk_scores[chunk_row] * weight
        if row is None or score > best:
            best, row = float(score), chunk_row
    return best, row


def diversify(
    order: list[int], scores: dict[int, float], vectors: np.ndarray, k: int, best_rows
) -> list[int]:
    """Maximal marginal relevance over concept vectors: no two picks that say the same thing.

    Each next pick maximises λ·relevance − (1−λ)·(similarity to the closest pick so far);
    relevance is scaled to the best score so λ weighs like for like. Two concepts whose best
    evidence is the same passage (a heading carried by its own item's text) count as the
    same thing: similarity 1.
    """
    if not order:
        return []
    top = scores[order[0]] or 1.0
    picked: list[int] = []
    pool = order[: max(k * 4, 20)]

    def similarity(i: int, j: int) -> float:
        same = best_rows[i] >= 0 and best_rows[i] == best_rows[j]
        return 1.0 if same else float(vectors[i] @ vectors[j])

    while pool and len(picked) < k:

        def value(i: int) -> float:
            novelty = max((similarity(i, j) for j in picked), default=0.0)
            return MMR_LAMBDA * scores[i] / top - (1 - MMR_LAMBDA) * novelty

        best = max(pool, key=value)
        picked.append(best)
        pool.remove(best)
    return picked
