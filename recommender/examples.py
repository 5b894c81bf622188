"""Example situations: the training corpus's situations, as one more signal per concept.

A question close to a situation the corpus labels with a concept speaks for that concept,
the more so the closer it is (the first label fully, later ones at LATER_LABEL). A concept no
example names (one from a new document) is not pushed down for it: its signal is its own
vector's similarity instead, so it competes as the untouched ranking would let it.
"""

from __future__ import annotations

import numpy as np

from kb.learned import LIKE_IN
from kb.store import KnowledgeBase
from kb.text import normalise

LATER_LABEL = 0.8  # an example's second or third title answers it less directly


def label_matrix(kb: KnowledgeBase) -> np.ndarray | None:
    """Examples x concepts: how much each example situation speaks for each concept."""
    labels = kb.training.examples.labels
    examples = kb.calibration.get(LIKE_IN)  # stored apart: row for row with the labels
    if not labels or examples is None or len(examples) != len(labels):
        return None
    rows: dict[str, list[int]] = {}
    for i, concept in enumerate(kb.concepts):
        rows.setdefault(normalise(concept.title), []).append(i)
    matrix = np.zeros((len(labels), len(kb.concepts)), dtype=np.float32)
    for e, titles in enumerate(labels):
        for rank, title in enumerate(titles):
            for c in rows.get(normalise(title), []):
                matrix[e, c] = max(matrix[e, c], 1.0 if rank == 0 else LATER_LABEL)
    return matrix


def situation_scores(
    matrix: np.ndarray, examples: np.ndarray, query: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """Per concept: the best similarity of the query to an example naming it, weighted."""
    similarity = examples @ query
    scores = (similarity[:, None] * matrix).max(axis=0)
    return np.where(matrix.any(axis=0), scores, fallback)
