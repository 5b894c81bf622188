"""Abstaining: say "nothing here fits" instead of returning the least-bad matches.

The evidence is the query's best cosine similarity to any chunk or concept of the KB. The
threshold is learned per KB version from the score distributions of the shipped calibration
queries (in-domain situations and off-topic questions, `kb/calibration/`): the cut that
minimises the balanced error (missed in-domain share + accepted off-topic share), placed in
the middle of the lowest such range of cuts so that the sample's exact scores do not decide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb import vectors
from kb.store import KnowledgeBase

FALLBACK_THRESHOLD = 0.25  # used only when a KB carries no calibration queries


@dataclass
class Decision:
    abstain: bool
    reason: str | None
    confidence: float  # the evidence: best similarity to the KB, 0..1


@dataclass
class Rule:
    threshold: float
    in_domain_missed: float = 0.0  # share of calibration situations it would abstain on
    off_topic_accepted: float = 0.0  # share of off-topic questions it would answer

    def decide(self, evidence: float) -> Decision:
        if evidence < self.threshold:
            return Decision(
                True,
                "nothing in the documents is close enough to this "
                f"(best match {evidence:.2f}, needed {self.threshold:.2f})",
                evidence,
            )
        return Decision(False, None, evidence)


def evidence(chunk_dense: np.ndarray, concept_dense: np.ndarray) -> float:
    """How close the KB comes to a query: its best chunk or concept similarity."""
    return float(max(chunk_dense.max(initial=0.0), concept_dense.max(initial=0.0)))


def batch_evidence(kb: KnowledgeBase, queries: np.ndarray) -> np.ndarray:
    """`evidence` for many query vectors at once (one FAISS search, one matrix product)."""
    if not len(queries) or not kb.index.ntotal:
        return np.zeros(len(queries), dtype=np.float32)
    chunk_best, _ = vectors.search(kb.index, queries, 1)
    concept_best = (queries @ kb.concept_vectors.T).max(axis=1)
    return np.maximum(chunk_best[:, 0], concept_best)


def fit(in_domain: np.ndarray, off_topic: np.ndarray) -> Rule:
    """The threshold that best separates the two samples of evidence (balanced error)."""
    if not len(in_domain) or not len(off_topic):
        return Rule(FALLBACK_THRESHOLD)
    cuts = np.unique(np.concatenate([in_domain, off_topic]))
    cuts = np.concatenate([cuts, [cuts[-1] + 1e-6]])

    def error(t: float) -> float:
        return float((in_domain < t).mean() + (off_topic >= t).mean())

    errors = np.array([error(t) for t in cuts])
    best = np.flatnonzero(errors == errors.min())
    # The first run of equally good cuts spans the gap between two observed scores: take its
    # middle. Runs further up would refuse more in-domain queries for no fewer errors.
    last = best[0]
    while last + 1 < len(cuts) and last + 1 in best:
        last += 1
    low = cuts[best[0] - 1] if best[0] > 0 else cuts[best[0]]
    threshold = float((low + cuts[last]) / 2)
    return Rule(
        threshold,
        in_domain_missed=float((in_domain < threshold).mean()),
        off_topic_accepted=float((off_topic >= threshold).mean()),
    )


def rule_for(kb: KnowledgeBase) -> Rule:
    """The abstention rule of a KB version, from its calibration query vectors."""
    sets = kb.calibration
    if "in_domain" not in sets or "out_of_domain" not in sets:
        return Rule(FALLBACK_THRESHOLD)
    return fit(batch_evidence(kb, sets["in_domain"]), batch_evidence(kb, sets["out_of_domain"]))
