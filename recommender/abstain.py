"""Abstaining: say "nothing here fits" instead of returning the least-bad matches.

Five things are measured of a query vector:
- `kb`: its best cosine similarity to any chunk or concept of the KB;
- `like_in`: its best similarity to the training corpus's situations (questions the documents
  do answer), and `like_in_10` the mean of its ten best;
- `like_out`, `like_out_10`: the same against the corpus's off-topic questions (tax, legal,
  recipes...: business-adjacent questions the documents do not answer).
The means of ten steady the single nearest neighbour: on the corpus's held-out items they
halved the in-domain questions wrongly refused, at the same off-topic share refused.
Closeness to the KB alone cannot tell "how do I file quarterly taxes" from a real situation:
both sound like business. Closeness to known examples of each side can.

The decision is learned per KB version from its calibration queries (the corpus's calibration
part and the shipped `learn/calibration/` sets): a logistic regression over the five measures,
then the cut on its score with the lowest weighted error (MISS_COST × missed in-domain share
+ accepted off-topic share), placed in the middle of the lowest range of such cuts so that
the sample's exact scores do not decide. A KB without a corpus has no examples: it cuts
on `kb` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb import vectors
from kb.learned import IN_DOMAIN, LIKE_IN, LIKE_OUT, OFF_TOPIC
from kb.store import KnowledgeBase

FALLBACK_THRESHOLD = 0.25  # used only when a KB carries no calibration queries
NEIGHBOURS = 10
# Refusing a situation the documents answer costs the owner more than one more off-topic
# answer does. On the corpus's held-out items 1, 1.5 and 2 gave the same figures (1.8% of
# situations refused, 98.4% of off-topic questions refused); on the shared owners' set 1.5
# refused one situation fewer than 1 did, and 2 moved nothing more.
MISS_COST = 1.5


@dataclass
class Decision:
    abstain: bool
    reason: str | None
    confidence: float  # the query's best similarity to the KB, 0..1
    margin: float = 0.0  # the rule's score minus its threshold: how clearly it answers


@dataclass
class Rule:
    """A cut on a score of the features: `kb` itself, or a learned weighted sum of all five."""

    threshold: float
    in_domain_missed: float = 0.0  # share of calibration situations it would abstain on
    off_topic_accepted: float = 0.0  # share of off-topic questions it would answer
    # over (kb, like_in, like_out, like_in_10, like_out_10); None: the score is `kb`
    weights: tuple[float, ...] | None = None
    bias: float = 0.0

    def score(self, features: np.ndarray) -> np.ndarray:
        """The rule's score of one feature row, or of a matrix of them (one row a query)."""
        if self.weights is None:
            return features[..., 0]
        return features @ np.asarray(self.weights) + self.bias

    def decide(self, features: np.ndarray | float) -> Decision:
        """Abstain below the threshold, saying how close the KB came."""
        row = np.atleast_1d(np.asarray(features, dtype=np.float64))
        closest = float(row[0])
        margin = float(self.score(row)) - self.threshold
        if margin >= 0:
            return Decision(False, None, closest, margin)
        if self.weights is None:
            reason = (
                "nothing in the documents is close enough to this "
                f"(best match {closest:.2f}, needed {self.threshold:.2f})"
            )
        else:
            reason = (
                f"nothing in the documents is close enough to this (best match {closest:.2f}); "
                "it reads like the questions they do not cover"
            )
        return Decision(True, reason, closest, margin)


def likeness(kb: KnowledgeBase, queries: np.ndarray) -> np.ndarray:
    """The last four measures of query vectors (0 where a KB has no such examples)."""
    out = np.zeros((len(queries), 4), dtype=np.float32)
    for column, name in enumerate((LIKE_IN, LIKE_OUT)):
        examples = kb.calibration.get(name)
        if examples is not None and len(examples) and len(queries):
            similarity = queries @ examples.T
            count = min(NEIGHBOURS, similarity.shape[1])
            # the nearest few, unordered: a full sort of every example cost a warm answer 3 ms
            nearest = -np.partition(-similarity, count - 1, axis=1)[:, :count]
            out[:, column] = nearest.max(axis=1)
            out[:, column + 2] = nearest.mean(axis=1)
    return out


def batch_features(kb: KnowledgeBase, queries: np.ndarray) -> np.ndarray:
    """The five measures for many query vectors at once: one row a query."""
    best = np.zeros(len(queries), dtype=np.float32)
    if len(queries) and kb.index.ntotal:
        best = vectors.search(kb.index, queries, 1)[0][:, 0]
    if len(queries) and len(kb.concept_vectors):
        best = np.maximum(best, (queries @ kb.concept_vectors.T).max(axis=1))
    return np.column_stack([best, likeness(kb, queries)])


def features(kb_best: float, query: np.ndarray, kb: KnowledgeBase) -> np.ndarray:
    """The five measures of one query, given its best similarity to the KB already."""
    return np.r_[np.float32(kb_best), likeness(kb, query[None, :])[0]]


def evidence(chunk_dense: np.ndarray, concept_dense: np.ndarray) -> float:
    """How close the KB comes to a query: its best chunk or concept similarity."""
    return float(max(chunk_dense.max(initial=0.0), concept_dense.max(initial=0.0)))


def fit(in_domain: np.ndarray, off_topic: np.ndarray, miss_cost: float = 1.0) -> Rule:
    """The threshold that best separates two samples of a score (weighted error)."""
    if not len(in_domain) or not len(off_topic):
        return Rule(FALLBACK_THRESHOLD)
    cuts = np.unique(np.concatenate([in_domain, off_topic]))
    cuts = np.concatenate([cuts, [cuts[-1] + 1e-6]])

    def error(t: float) -> float:
        return float(miss_cost * (in_domain < t).mean() + (off_topic >= t).mean())

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


def learn(in_domain: np.ndarray, off_topic: np.ndarray) -> Rule:
    """A logistic regression over the feature rows of both samples, then `fit`'s cut on it."""
    x = np.concatenate([in_domain, off_topic]).astype(np.float64)
    y = np.r_[np.ones(len(in_domain)), np.zeros(len(off_topic))]
    weights, bias = logistic_regression(x, y)
    weighted = Rule(0.0, weights=tuple(float(w) for w in weights), bias=float(bias))
    cut = fit(weighted.score(in_domain), weighted.score(off_topic), MISS_COST)
    weighted.threshold = cut.threshold
    weighted.in_domain_missed, weighted.off_topic_accepted = (
        cut.in_domain_missed,
        cut.off_topic_accepted,
    )
    return weighted


def logistic_regression(
    x: np.ndarray, y: np.ndarray, c: float = 1.0, steps: int = 100
) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression with balanced class
    weights, by Newton's method: what scikit-learn's
    `LogisticRegression(class_weight="balanced")` fits (a test compares the two). Every
    process that answers fits this once, and importing scikit-learn would cost it 0.8 s."""
    rows, dims = x.shape
    positives = y.sum()
    sample = np.where(y == 1, rows / (2 * positives), rows / (2 * (rows - positives)))
    design = np.column_stack([x, np.ones(rows)])
    penalty = np.r_[np.full(dims, 1.0 / c), 0.0]  # the bias is not penalised
    beta = np.zeros(dims + 1)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (sample * (p - y)) + penalty * beta
        hessian = (design * (sample * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta[:-1], float(beta[-1])


def rule_for(kb: KnowledgeBase) -> Rule:
    """The abstention rule of a KB version, from its calibration query vectors."""
    sets = kb.calibration
    if IN_DOMAIN not in sets or OFF_TOPIC not in sets:
        return Rule(FALLBACK_THRESHOLD)
    inside = batch_features(kb, sets[IN_DOMAIN])
    outside = batch_features(kb, sets[OFF_TOPIC])
    if len(sets.get(LIKE_IN, ())) and len(sets.get(LIKE_OUT, ())):
        return learn(inside, outside)
    return fit(inside[:, 0], outside[:, 0])
