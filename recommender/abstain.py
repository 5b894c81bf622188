"""Abstaining: say "nothing here fits" instead of returning the least-bad matches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Decision:
    abstain: bool
    reason: str | None
    confidence: float


@dataclass
class Rule:
    threshold: float

    def decide(self, signals: dict[str, np.ndarray]) -> Decision:
        top = float(signals["chunk_dense"].max(initial=0.0))
        if top < self.threshold:
            return Decision(True, "nothing in the documents is close to this", top)
        return Decision(False, None, top)


def rule_for(recommender) -> Rule:
    return Rule(0.0)
