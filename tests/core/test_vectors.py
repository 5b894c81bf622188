"""The vector index chooses exact or approximate search by size and keeps its settings."""

from __future__ import annotations

import numpy as np
import pytest

from kb import vectors


def unit(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, 32)).astype(np.float32)
    x[:, :4] *= 6  # most variance in a few directions, as sentence embeddings have
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_small_kbs_get_exact_search():
    index, info = vectors.build(unit(500, 0))
    assert info == {"type": "flat", "metric": "inner_product", "vectors": 500}
    assert index.ntotal == 500


def test_large_kbs_get_ivf_that_finds_the_true_neighbours(monkeypatch, tmp_path):
    monkeypatch.setattr(vectors, "EXACT_MAX", 1_000)
    x = unit(5_000, 1)
    index, info = vectors.build(x)
    assert info["type"] == "ivf-flat"
    assert info["nlist"] == int(vectors.IVF_LISTS_PER_SQRT_N * 5_000**0.5)
    vectors.save(index, tmp_path / "v.faiss")
    loaded = vectors.load(tmp_path / "v.faiss")
    assert loaded.nprobe == info["nprobe"]
    queries = unit(50, 2)
    truth = queries @ x.T
    found = [vectors.search(loaded, q[None, :], 10)[1][0] for q in queries]
    recall = np.mean(
        [len(set(f) & set(np.argsort(-t)[:10])) / 10 for f, t in zip(found, truth, strict=True)]
    )
    assert recall >= 0.95


@pytest.mark.parametrize("k", [1, 10, 10_000])
def test_search_never_asks_for_more_than_the_index_holds(k):
    index, _ = vectors.build(unit(20, 3))
    scores, ids = vectors.search(index, unit(2, 4), k)
    assert ids.shape == (2, min(k, 20)) and (ids >= 0).all()
