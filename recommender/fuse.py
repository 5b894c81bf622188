"""Fusion: several rankings of the same items become one score per item."""

from __future__ import annotations

RRF_K = 60  # the constant of Cormack et al. (2009): damps the weight of the very top ranks


def reciprocal_rank_fusion(
    rankings: list[list[int]], weights: list[float] | None = None, k: int = RRF_K
) -> dict[int, float]:
    """Sum of weight / (k + rank) over the rankings each item appears in (rank from 1)."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def rank(scores: dict[int, float], limit: int | None = None) -> list[int]:
    """Items by descending score (ties by id, so results are stable)."""
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return order[:limit] if limit else order
