"""The example-situations signal read from label pairs equals the dense examples x concepts
formula it replaced (the best weighted similarity over all examples, unlabelled ones giving 0)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.learned import LIKE_IN
from recommender.examples import LATER_LABEL, example_labels, neighbour_votes, situation_scores

TITLES = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]


def dense(labels: list[list[str]], titles: list[str]) -> np.ndarray:
    matrix = np.zeros((len(labels), len(titles)), dtype=np.float32)
    for e, named in enumerate(labels):
        for rank, title in enumerate(named):
            c = titles.index(title)
            matrix[e, c] = max(matrix[e, c], 1.0 if rank == 0 else LATER_LABEL)
    return matrix


def fake_kb(labels: list[list[str]], vectors: np.ndarray) -> SimpleNamespace:
    return SimpleNamespace(
        training=SimpleNamespace(examples=SimpleNamespace(labels=labels)),
        calibration={LIKE_IN: vectors},
        concepts=[SimpleNamespace(title=t) for t in TITLES],
    )


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.lists(st.sampled_from(TITLES), max_size=3), min_size=1, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_pairs_score_as_the_dense_matrix(labels: list[list[str]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    examples = rng.normal(size=(len(labels), 8)).astype(np.float32)
    query = rng.normal(size=8).astype(np.float32)
    fallback = rng.normal(size=len(TITLES)).astype(np.float32)
    pairs = example_labels(fake_kb(labels, examples))
    assert pairs is not None
    matrix = dense(labels, TITLES)
    expected = np.where(
        matrix.any(axis=0), ((examples @ query)[:, None] * matrix).max(axis=0), fallback
    )
    np.testing.assert_allclose(situation_scores(pairs, examples @ query, fallback), expected)


def test_no_labels_or_a_length_mismatch_means_no_signal() -> None:
    vectors = np.ones((2, 4), dtype=np.float32)
    assert example_labels(fake_kb([], vectors[:0])) is None
    assert example_labels(fake_kb([["Alpha"]], vectors)) is None


def test_the_nearest_examples_vote_by_their_closeness() -> None:
    """Ten of eleven examples name Alpha or Beta; the query sits nearest the Beta ones."""
    labels = [["Alpha"]] * 4 + [["Beta", "Gamma"]] * 6 + [["Delta"]]
    examples = np.zeros((len(labels), 4), dtype=np.float32)
    examples[:4, 0] = 1.0  # Alpha's situations
    examples[4:10, 1] = 1.0  # Beta's
    examples[10, 3] = 1.0  # Delta's, the eleventh: too far to be among the ten nearest
    query = np.array([0.6, 0.8, 0.0, 0.0], dtype=np.float32)
    pairs = example_labels(fake_kb(labels, examples))
    assert pairs is not None
    votes = neighbour_votes(pairs, examples @ query, len(TITLES))
    by_title = dict(zip(TITLES, votes.tolist()))
    assert by_title["Beta"] == by_title["Gamma"] > by_title["Alpha"] > 0
    assert by_title["Delta"] == by_title["Epsilon"] == 0
    np.testing.assert_allclose(by_title["Alpha"] + by_title["Beta"], 1.0, rtol=1e-6)


def test_no_close_examples_vote_for_nothing() -> None:
    labels = [["Alpha"], ["Beta"]]
    examples = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    pairs = example_labels(fake_kb(labels, examples))
    assert pairs is not None
    away = np.array([-1.0, -1.0], dtype=np.float32)  # every similarity below zero
    assert not neighbour_votes(pairs, examples @ away, len(TITLES)).any()
