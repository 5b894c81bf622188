"""Example situations: the training corpus's situations, as one more signal per concept.

A question close to a situation the corpus labels with a concept speaks for that concept,
the more so the closer it is (the first label fully, later ones at LATER_LABEL). A concept no
example names (one from a new document) is not pushed down for it: its signal is its own
vector's similarity instead, so it competes as the untouched ranking would let it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.learned import LIKE_IN
from kb.store import KnowledgeBase
from kb.text import normalise

LATER_LABEL = 0.8  # an example's second or third title answers it less directly


@dataclass(frozen=True)
class Labels:
    """Which example situations name which concepts, as (example, concept, weight) pairs
    grouped by concept: a question reads only the pairs that exist. (A dense examples x
    concepts matrix cost 7 ms a question, a quarter of a warm answer.)"""

    examples: np.ndarray  # the example of each pair, grouped by concept
    weights: np.ndarray  # how much that example speaks for the concept
    concepts: np.ndarray  # the concepts some example names, ascending
    starts: np.ndarray  # where each of those concepts' pairs begin
    complete: np.ndarray  # per named concept: every example names it (rare; no zero floor)


def example_labels(kb: KnowledgeBase) -> Labels | None:
    """How much each example situation speaks for each concept."""
    labels = kb.training.examples.labels
    examples = kb.calibration.get(LIKE_IN)  # stored apart: row for row with the labels
    if not labels or examples is None or len(examples) != len(labels):
        return None
    rows: dict[str, list[int]] = {}
    for i, concept in enumerate(kb.concepts):
        rows.setdefault(normalise(concept.title), []).append(i)
    weight: dict[tuple[int, int], float] = {}
    for e, titles in enumerate(labels):
        for rank, title in enumerate(titles):
            for c in rows.get(normalise(title), []):
                weight[c, e] = max(weight.get((c, e), 0.0), 1.0 if rank == 0 else LATER_LABEL)
    pairs = sorted(weight)
    concept_of = np.array([c for c, _ in pairs], dtype=np.int64)
    named, starts, counts = np.unique(concept_of, return_index=True, return_counts=True)
    return Labels(
        examples=np.array([e for _, e in pairs], dtype=np.int64),
        weights=np.array([weight[p] for p in pairs], dtype=np.float32),
        concepts=named,
        starts=starts,
        complete=counts == len(labels),
    )


def situation_scores(
    labels: Labels, examples: np.ndarray, query: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Per concept: the best similarity of the query to an example naming it, weighted
    (never below 0, which is what each example that does not name it contributes)."""
    scores = fallback.astype(np.float32, copy=True)
    if len(labels.concepts):
        weighted = (examples @ query)[labels.examples] * labels.weights
        best = np.maximum.reduceat(weighted, labels.starts)
        scores[labels.concepts] = np.where(labels.complete, best, np.maximum(best, 0.0))
    return scores
