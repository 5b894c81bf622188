"""The example-situations signal read from label pairs equals the dense examples x concepts
formula it replaced (the best weighted similarity over all examples, unlabelled ones giving 0)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.learned import LIKE_IN
from recommender.examples import LATER_LABEL, example_labels, situation_scores

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
    np.testing.assert_allclose(situation_scores(pairs, examples, query, fallback), expected)


def test_no_labels_or_a_length_mismatch_means_no_signal() -> None:
    vectors = np.ones((2, 4), dtype=np.float32)
    assert example_labels(fake_kb([], vectors[:0])) is None
    assert example_labels(fake_kb([["Alpha"]], vectors)) is None
