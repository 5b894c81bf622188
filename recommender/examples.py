"""Example situations: the training corpus's situations, as two more signals per concept.

`situation_scores`: a question close to a situation the corpus labels with a concept speaks
for that concept, the more so the closer it is (the first label fully, later ones at
LATER_LABEL). A concept no example names (one from a new document) is not pushed down for
it: its signal is its own vector's similarity instead, so it competes as the untouched
ranking would let it.

`neighbour_votes`: the question's NEIGHBOURS nearest examples vote for every concept they
name, each by its similarity: the share of that closeness a concept gathers. One close
example can be a fluke; several near ones naming the same concept rarely are, and a concept
close to every question (a hub) gathers few votes from any one question's neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.learned import LIKE_IN
from kb.store import KnowledgeBase
from kb.text import normalise

LATER_LABEL = 0.8  # an example's second or third title answers it less directly
NEIGHBOURS = 10  # the examples that vote: as many as the ranker experiment read (not tuned)


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
    named_by: tuple[np.ndarray, ...]  # per example: the concepts it names (none: a title)


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
    named_by: list[list[int]] = [[] for _ in labels]
    for c, e in pairs:
        named_by[e].append(c)
    return Labels(
        examples=np.array([e for _, e in pairs], dtype=np.int64),
        weights=np.array([weight[p] for p in pairs], dtype=np.float32),
        concepts=named,
        starts=starts,
        complete=counts == len(labels),
        named_by=tuple(np.array(rows, dtype=np.int64) for rows in named_by),
    )


def situation_scores(labels: Labels, similarity: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Per concept: the best similarity of the query to an example naming it, weighted
    (never below 0, which is what each example that does not name it contributes).
    `similarity`: the query's cosine to each example."""
    scores = fallback.astype(np.float32, copy=True)
    if len(labels.concepts):
        weighted = similarity[labels.examples] * labels.weights
        best = np.maximum.reduceat(weighted, labels.starts)
        scores[labels.concepts] = np.where(labels.complete, best, np.maximum(best, 0.0))
    return scores


def neighbour_votes(labels: Labels, similarity: np.ndarray, concepts: int) -> np.ndarray:
    """Per concept: the share of the nearest examples' closeness that names it (0..1).

    A concept no example names (one of a new document) gathers none: measured on the
    concepts held out of training, nDCG@10 0.346 -> 0.302 (the untouched model 0.287). Letting
    such a concept stand as its own example, its vector among the neighbours, won back 0.0005."""
    votes = np.zeros(concepts, dtype=np.float32)
    k = min(NEIGHBOURS, len(similarity))
    if k == 0:
        return votes
    nearest = np.argpartition(-similarity, k - 1)[:k]
    weights = np.maximum(similarity[nearest], 0.0)
    if weights.sum() <= 0:
        return votes
    for example, weight in zip(nearest, weights):
        votes[labels.named_by[example]] += weight
    return votes / weights.sum()
