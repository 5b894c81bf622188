"""The vector index: FAISS, exact for small KBs and approximate (HNSW) for large ones.

Vectors are unit length, so inner product is cosine similarity. Below `EXACT_MAX` vectors a
flat index is both exact and fast enough; above it an HNSW graph keeps queries fast.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

EXACT_MAX = 50_000  # flat search over 50k x 384 floats takes a few ms on one core
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def build(vectors: np.ndarray) -> tuple[faiss.Index, dict]:
    """An index over the rows of `vectors`, and a description of it for the manifest."""
    n, dim = vectors.shape if vectors.size else (0, vectors.shape[1] if vectors.ndim == 2 else 0)
    if n <= EXACT_MAX:
        index = faiss.IndexFlatIP(dim)
        info = {"type": "flat", "metric": "inner_product"}
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        info = {
            "type": "hnsw",
            "metric": "inner_product",
            "M": HNSW_M,
            "efConstruction": HNSW_EF_CONSTRUCTION,
            "efSearch": HNSW_EF_SEARCH,
        }
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    info["vectors"] = int(n)
    return index, info


def save(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of the k nearest rows for each query; ids are -1 past the index size."""
    k = max(1, min(k, index.ntotal))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
