"""How questions are read into vectors: a long one as its whole and its tail (the problem an
owner tells last), a short one whole. The mechanics only, with the fake embedder; whether it
helps is measured on real questions (benchmarks/real_questions.py)."""

from __future__ import annotations

import numpy as np

from kb.embed import TAIL_WORDS, EmbeddingCache, read_questions


def story(words: int, last: str) -> str:
    return " ".join(f"setting{i}" for i in range(words - 1)) + f" {last}"


def test_a_short_question_is_read_whole_once(fake_embedder):
    short = story(TAIL_WORDS, "resist")
    vectors = read_questions(fake_embedder, [short])
    assert fake_embedder.texts == [short]
    np.testing.assert_allclose(vectors, fake_embedder.embed([short]))


def test_a_long_question_is_its_whole_and_its_tail_averaged(fake_embedder):
    long = story(TAIL_WORDS + 40, "resist")
    vectors = read_questions(fake_embedder, ["short one", long])
    tail = " ".join(long.split()[-TAIL_WORDS:])
    assert fake_embedder.texts == ["short one", long, tail]
    whole, end = fake_embedder.embed([long, tail])
    np.testing.assert_allclose(vectors[1], (whole + end) / np.linalg.norm(whole + end), rtol=1e-6)
    assert np.isclose(np.linalg.norm(vectors[1]), 1.0)
    # the tail weighs more than its share of the whole: the last word's dimension grows
    last = fake_embedder.embed(["resist"])[0]
    assert vectors[1] @ last > whole @ last


def test_a_cached_reading_gives_the_same_vectors(fake_embedder, tmp_path):
    texts = [story(TAIL_WORDS + 5, "late"), "a short one"]
    plain = read_questions(fake_embedder, texts)
    cache = EmbeddingCache(tmp_path / "cache.sqlite", fake_embedder.name)
    try:
        first = read_questions(fake_embedder, texts, cache)
        calls = fake_embedder.calls
        again = read_questions(fake_embedder, texts, cache)
    finally:
        cache.close()
    np.testing.assert_allclose(first, plain, rtol=1e-6)
    np.testing.assert_allclose(again, plain, rtol=1e-6)
    assert fake_embedder.calls == calls  # all three parts came from the cache
