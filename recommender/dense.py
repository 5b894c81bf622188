"""Dense search: the query's embedding against the chunk vectors in FAISS."""

from __future__ import annotations

import numpy as np

from kb import vectors


def chunk_similarities(index, query_vector: np.ndarray, candidates: int) -> dict[int, float]:
    """Cosine similarity of the `candidates` nearest chunks, by chunk row."""
    scores, ids = vectors.search(index, query_vector[None, :], candidates)
    return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}
