"""What an owner reads, across the shared owners' situations, on the product's own KB: the
"start here" summary and the cards' guidance are whole sentences (no table row's glue, no
lead-in ending in ":", nothing cut), no card leads with a passage another card led with, and
every word named as a reason is one the owner typed.

The situations are read from ../shared/eval/situations.jsonl at test time (they are the
measure, never copied here); what is asserted holds for any question.
"""

from __future__ import annotations

import json
import re

import pytest

from recommender import Recommender
from recommender.lexical import NEAR_STOPWORDS, STOPWORDS
from tests.conftest import REPO

SITUATIONS = REPO.parent / "shared" / "eval" / "situations.jsonl"
ROW_GLUE = re.compile(r"[^:;.]{1,60}: [^;]*; ?[^:;.]{1,60}: ")


@pytest.fixture(scope="module")
def answers(product_store) -> list:
    rec = Recommender(product_store)
    lines = SITUATIONS.read_text(encoding="utf-8").splitlines()
    items = [(q["id"], q["query"]) for q in map(json.loads, lines) if q.get("query")]
    found = [a for a in rec.recommend_many(items) if not a.abstained]
    assert len(found) >= len(items) // 2  # most situations are answered, or this tests nothing
    return found


def shown_sentences(answer) -> list[str]:
    texts = [r.guidance for r in answer.recommendations if r.guidance]
    texts += [r.example for r in answer.recommendations if r.example]
    if answer.summary:
        texts += [s.text for s in answer.summary.sentences]
    return texts


def test_every_answer_opens_with_a_cited_summary_saying_how_strong_it_is(answers) -> None:
    for answer in answers:
        assert answer.summary is not None, answer.query
        assert 1 <= len(answer.summary.sentences) <= 4
        assert answer.summary.strength in {"strong match", "partial match, read with care"}
        for s in answer.summary.sentences:
            card = answer.recommendations[s.rank - 1]
            assert s.text in card.guidance  # cited where it comes from
            assert 1 <= s.passage <= len(card.passages)


def test_guidance_and_summary_are_whole_sentences(answers) -> None:
    for answer in answers:
        for text in shown_sentences(answer):
            assert not ROW_GLUE.search(text), text
            assert not text.rstrip().endswith(":"), text
            assert "…" not in text and "..." not in text, text
            assert re.search(r"[.!?][\"”’)]*$", text.rstrip()), text


def test_no_card_leads_with_a_passage_another_card_led_with(answers) -> None:
    for answer in answers:
        best = [r.passages[0].chunk for r in answer.recommendations if r.passages]
        assert len(best) == len(set(best)), answer.query


def test_every_why_word_is_a_content_word_the_owner_typed(answers) -> None:
    named = 0
    for answer in answers:
        typed = {w.lower() for w in re.findall(r"\w+", answer.query)}
        for r in answer.recommendations:
            for word in r.why_words:
                named += 1
                assert word.lower() in typed, (word, answer.query)
                assert word.lower() not in STOPWORDS | NEAR_STOPWORDS, word
            if r.why_words:
                assert r.why == f"matches your words: {', '.join(r.why_words[:6])}"
    assert named  # some cards do match by words, so the rule was exercised
