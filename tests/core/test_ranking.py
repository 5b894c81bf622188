"""Ranking logic without a model: fusion, lifting, MMR, the abstention fit, filters.

Every vector here is written by hand, so each test knows the right answer. A tiny KB is put
together in memory (no ingest, no model) and a stand-in embedder maps each query to a chosen
vector: what is tested is the arithmetic of the recommender, not the meaning of words.
"""

from __future__ import annotations

import numpy as np
import pytest

from kb import vectors
from kb.model import Chunk, Concept, Source
from kb.store import KnowledgeBase
from recommender import abstain, fuse, lift
from recommender.service import Recommender


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


# ------------------------------------------------------------------ fusion


def test_weighted_sum_adds_weighted_signals_for_candidates_only() -> None:
    signals = {"a": np.array([1.0, 0.5, 0.0]), "b": np.array([0.0, 1.0, 1.0])}
    fused = fuse.weighted_sum(signals, {"a": 1.0, "b": 0.5}, [0, 2])
    assert fused == {0: 1.0, 2: 0.5}


def test_rank_orders_by_score_and_breaks_ties_by_id() -> None:
    assert fuse.rank({3: 0.5, 1: 0.9, 2: 0.5}) == [1, 2, 3]
    assert fuse.rank({3: 0.5, 1: 0.9, 2: 0.5}, limit=2) == [1, 2]


# ------------------------------------------------------------------ lifting


def concept(i: int, chunks: list[str], children: tuple[str, ...] = (), **extra) -> Concept:
    fields = {"title": f"Concept {i}", "kind": "principle", "level": "Fundamentals"}
    fields.update(extra)
    return Concept(
        id=f"c{i}",
        doc="doc",
        section=fields["title"],
        definition=f"Definition of concept {i}.",
        chunks=chunks,
        children=list(children),
        sources=[Source("doc", fields["title"], fields["level"])],
        **fields,
    )


def test_evidence_map_discounts_a_childs_chunks() -> None:
    concepts = [concept(0, ["k0"], children=("c1",)), concept(1, ["k1"])]
    evidence = lift.evidence_map(concepts, {"k0": 0, "k1": 1})
    assert evidence == [[(0, 1.0), (1, lift.CHILD_DISCOUNT)], [(1, 1.0)]]


def test_best_evidence_takes_the_best_weighted_chunk_per_concept() -> None:
    evidence = [[(0, 1.0), (1, 0.9)], [(1, 1.0)], []]
    best, row = lift.best_evidence(lift.flatten(evidence), 3, np.array([0.2, 0.8], np.float32))
    assert best == pytest.approx([0.72, 0.8, 0.0])
    assert row.tolist() == [1, 1, -1]


def test_best_evidence_on_an_empty_map_scores_nothing() -> None:
    best, row = lift.best_evidence(lift.flatten([[], []]), 2, np.zeros(0, np.float32))
    assert best.tolist() == [0.0, 0.0] and row.tolist() == [-1, -1]


# ------------------------------------------------------------------ diversifying (MMR)


def test_mmr_skips_a_near_copy_of_the_first_pick() -> None:
    vecs = np.stack([unit(1, 0, 0), unit(1, 0.01, 0), unit(0, 1, 0)])
    scores = {0: 1.0, 1: 0.99, 2: 0.9}
    picked = lift.diversify([0, 1, 2], scores, vecs, 2, np.array([-1, -1, -1]))
    assert picked == [0, 2]


def test_mmr_treats_the_same_best_passage_as_the_same_thing() -> None:
    vecs = np.eye(3, dtype=np.float32)
    scores = {0: 1.0, 1: 0.85, 2: 0.8}
    assert lift.diversify([0, 1, 2], scores, vecs, 2, np.array([7, 8, 3])) == [0, 1]
    assert lift.diversify([0, 1, 2], scores, vecs, 2, np.array([7, 7, 3])) == [0, 2]


def test_mmr_keeps_relevance_order_when_all_are_distinct() -> None:
    vecs = np.eye(3, dtype=np.float32)
    picked = lift.diversify([0, 1, 2], {0: 1.0, 1: 0.8, 2: 0.7}, vecs, 3, np.array([0, 1, 2]))
    assert picked == [0, 1, 2]


def test_a_sections_items_are_shown_up_to_its_limit() -> None:
    def concept(title: str, section: str, kind: str = "principle", fields=None) -> Concept:
        return Concept(title, title, kind, None, "d", section, "", fields=fields or {})

    concepts = [
        concept("Joint Optimization", "Principles"),
        concept("Participation", "Principles"),
        concept("Task Allocation", "Principles"),
        concept("ROI", "Comparison", fields={"With": "High"}),
        concept("Diminished ROI", "Comparison", fields={"With": "Low"}),
        concept("Principles", "Principles"),  # the section itself: no limit
        concept("A Local Restaurant", "A Local Restaurant", kind="case"),
        concept("Kitchen Staff", "A Local Restaurant"),  # a part of the worked example
    ]
    groups = lift.section_groups(concepts)
    assert groups[0] == ("d", "Principles", 2) and groups[3] == ("d", "Comparison", 1)
    assert groups[5] is None and groups[6] is None
    assert groups[7] == ("d", "A Local Restaurant", 1)
    concepts, groups = concepts[:6], groups[:6]
    vecs = np.eye(6, dtype=np.float32)
    scores = {i: 1.0 - 0.1 * i for i in range(6)}
    picked = lift.diversify(list(range(6)), scores, vecs, 6, np.full(6, -1), groups)
    assert picked == [0, 1, 3, 5]  # a third principle of the list and a second row are left


# ------------------------------------------------------------------ the abstention fit


def test_fit_puts_the_threshold_in_the_gap_between_the_samples() -> None:
    rule = abstain.fit(np.array([0.5, 0.6, 0.7]), np.array([0.1, 0.2, 0.3]))
    assert rule.threshold == pytest.approx(0.4)
    assert rule.in_domain_missed == 0.0 and rule.off_topic_accepted == 0.0
    assert rule.decide(0.35).abstain and not rule.decide(0.45).abstain


def test_fit_with_overlap_takes_the_lowest_balanced_error() -> None:
    rule = abstain.fit(np.array([0.3, 0.6, 0.7, 0.8]), np.array([0.1, 0.2, 0.4, 0.5]))
    # cuts in (0.5, 0.6] miss one of four in-domain and accept none of four off-topic
    errors = (rule.in_domain_missed, rule.off_topic_accepted)
    assert 0.5 < rule.threshold <= 0.6 and errors == (0.25, 0.0)


def test_logistic_regression_fits_what_scikit_learn_fits() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 5))
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0, 1.0]) + rng.normal(size=400) > 0.8).astype(float)
    reference = LogisticRegression(class_weight="balanced", tol=1e-10, max_iter=10000).fit(x, y)
    weights, bias = abstain.logistic_regression(x, y)
    assert np.allclose(weights, reference.coef_[0], atol=1e-4)
    assert bias == pytest.approx(reference.intercept_[0], abs=1e-4)


def test_fit_without_samples_falls_back() -> None:
    assert abstain.fit(np.array([]), np.array([0.1])).threshold == abstain.FALLBACK_THRESHOLD


def test_a_refusal_says_how_close_the_best_match_came() -> None:
    decision = abstain.Rule(0.4).decide(0.21)
    assert decision.abstain and "0.21" in decision.reason and "0.40" in decision.reason


# ------------------------------------------------------------------ a tiny KB, end to end


class VectorEmbedder:
    """Maps each query text to a vector the test chose: the arithmetic, not the model."""

    name = "hand-made-3d"

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = table

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.table[t] for t in texts])


@pytest.fixture
def tiny() -> Recommender:
    """Three concepts on three axes, one chunk each, and calibration samples on either side."""
    chunk_vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)])
    chunks = [
        Chunk(
            f"doc:{i:04d}",
            "doc",
            level,
            f"Concept {i}",
            [f"Concept {i}"],
            None,
            f"Passage {i} says owners should act on topic {i}.",
            0,
            10,
            12,
        )
        for i, level in enumerate(["Fundamentals", "Advanced", "Fundamentals"])
    ]
    concepts = [
        concept(0, ["doc:0000"]),
        concept(1, ["doc:0001"], level="Advanced"),
        concept(2, ["doc:0002"], kind="term"),
    ]
    index, _ = vectors.build(chunk_vectors)
    kb = KnowledgeBase(
        root=None,
        version="v000001",
        manifest={"model": VectorEmbedder.name},
        documents=[],
        chunks=chunks,
        concepts=concepts,
        index=index,
        concept_vectors=chunk_vectors.copy(),
        calibration={
            "in_domain": np.stack([unit(1, 0.1, 0), unit(0.1, 1, 0)]),
            "out_of_domain": np.stack([unit(1, 1, 1) * -1, unit(-1, 0, 0.2)]),
        },
    )
    table = {
        "near zero": unit(1, 0.3, 0),
        "near one": unit(0.3, 1, 0),
        "nowhere": unit(-1, -1, -1),
    }
    return Recommender(kb, VectorEmbedder(table))


def test_the_closest_concept_comes_first(tiny: Recommender) -> None:
    answer = tiny.recommend("near zero", k=2)
    assert not answer.abstained
    assert [r.title for r in answer.recommendations] == ["Concept 0", "Concept 1"]
    assert answer.recommendations[0].score == 1.0


def test_terms_are_never_recommended(tiny: Recommender) -> None:
    answer = tiny.recommend("near zero", k=5)
    assert "Concept 2" not in [r.title for r in answer.recommendations]


def test_the_level_filter_is_case_insensitive(tiny: Recommender) -> None:
    answer = tiny.recommend("near zero", k=5, level="advanced")
    assert [r.title for r in answer.recommendations] == ["Concept 1"]


def test_a_query_far_from_everything_is_refused(tiny: Recommender) -> None:
    answer = tiny.recommend("nowhere")
    assert answer.abstained and answer.recommendations == [] and "best match" in answer.reason
