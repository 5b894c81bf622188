"""The caption classifier without a model (`ingest.captions`): a stand-in embedder keeps
every line, the features are what the docstrings say, and the shipped weights fit them."""

from __future__ import annotations

import numpy as np

from ingest.captions import (
    LINK_FEATURES,
    CaptionModel,
    candidates,
    caption_lines,
    drop_captions,
    link_features,
    shipped,
)
from ingest.clean import CleanLine, clean
from kb.embed import BUNDLED

PAGE = """Fundamentals

Growing Steadily

A caption-shaped line of more than twelve words stands here between two paragraphs of text.

  • An item of a list is never a candidate, however many words it holds in the end.

| Column | Another |

Short line.
"""


def test_a_stand_in_embedder_keeps_every_line(fake_embedder) -> None:
    lines = clean(PAGE)
    assert drop_captions(lines, fake_embedder) == lines
    assert fake_embedder.calls == 0  # not even embedded: its vectors would mean nothing


def test_a_stand_in_under_the_model_name_keeps_every_line(make_embedder) -> None:
    """Same name, other vectors (64 dimensions): the weights do not fit, nothing is dropped."""
    lines = clean(PAGE)
    assert caption_lines(lines, make_embedder(BUNDLED)) == []


def test_only_plain_paragraphs_of_twelve_words_are_candidates() -> None:
    lines = clean(PAGE)
    assert [lines[i].text for i in candidates(lines)] == [
        "A caption-shaped line of more than twelve words stands here between two paragraphs "
        "of text."
    ]


def test_a_paragraph_unlike_its_neighbours_has_weak_links() -> None:
    a, b, c = np.eye(3, dtype=np.float32)
    near = (a + 0.1 * c) / np.linalg.norm(a + 0.1 * c)
    links = link_features(np.stack([a, near, b, a]))
    assert links.shape == (4, len(LINK_FEATURES))
    assert links[2, 0] < 0.01 < links[1, 0]  # b is close to neither neighbour
    assert links[2, 1] < links[0, 1]


def test_a_model_drops_what_it_scores_above_its_threshold(make_embedder) -> None:
    """The mechanics with a made-up model over the fake embedder's 64 dimensions."""
    embedder = make_embedder("made-up")
    lines = [
        CleanLine(t) for t in ["One two three four five six seven eight nine ten eleven twelve."]
    ]
    weights = np.zeros(2 * 64 + len(LINK_FEATURES))  # embedding, residual, links
    names = ("embedding[64]", "residual[64]", *LINK_FEATURES)
    model = CaptionModel(weights, 1.0, 0.5, "made-up", names)
    assert drop_captions(lines, embedder, model) == []
    never = CaptionModel(weights, -1.0, 0.5, "made-up", model.feature_names)
    assert drop_captions(lines, embedder, never) == lines


def test_the_shipped_model_is_over_the_bundled_model() -> None:
    model = shipped()
    assert model is not None and model.model == BUNDLED
    assert len(model.coefficients) == 2 * 384 + len(LINK_FEATURES)
    assert model.feature_names == ("embedding[384]", "residual[384]", *LINK_FEATURES)
    assert 0.0 < model.threshold < 1.0
