"""Fusion: several per-concept signals become one score per concept."""

from __future__ import annotations

import numpy as np


def weighted_sum(
    signals: dict[str, np.ndarray], weights: dict[str, float], candidates: list[int]
) -> dict[int, float]:
    """Sum of weight × signal for each candidate (signals are each on a 0..1 scale).

    A signal a KB does not have (no training corpus, no example situations) adds nothing.
    """
    total = sum(weight * signals[name] for name, weight in weights.items() if name in signals)
    return {i: float(total[i]) for i in candidates}


def rank(scores: dict[int, float], limit: int | None = None) -> list[int]:
    """Items by descending score (ties by id, so results are stable)."""
    order = sorted(scores, key=lambda i: (-scores[i], i))
    return order[:limit] if limit else order
