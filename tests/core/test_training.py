"""The training corpus without a model: reading, checking titles, splitting, feedback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kb.feedback import DOWN, UP, Vote
from kb.learned import Item
from kb.model import Concept
from learn import corpus as training
from learn import finetune

TITLES = ["Joint Optimization", "Change Management and Employee Resistance", "Phased Rollout"]


def write(folder: Path, name: str, rows: list) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
        encoding="utf-8",
    )
    return path


def vote(query: str, title: str, value: int, ts: str = "2026-01-01T00:00:00Z") -> Vote:
    return Vote(ts, query, title.lower().replace(" ", "-"), title, value, "v000001")


def test_items_with_titles_not_in_the_kb_are_refused_with_their_place(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.jsonl",
        [
            {"text": "the crew ignores the new job app", "concepts": ["phased rollout"]},
            {"text": "we bought a robot", "concepts": ["Robot Strategy"]},
            "not json",
            {"text": "", "concepts": []},
            {"text": "fine", "concepts": "Phased Rollout"},
        ],
    )
    corpus = training.build(tmp_path, TITLES)
    kept = corpus.train + corpus.calibration + corpus.heldout_items + corpus.heldout_concepts
    assert [i.concepts for i in kept] == [("Phased Rollout",)]  # spelled as the KB spells it
    assert len(corpus.problems) == 4
    assert "a.jsonl:2: not a concept of this KB: Robot Strategy" in corpus.problems
    assert any(p.startswith("a.jsonl:3:") for p in corpus.problems)


def test_a_missing_folder_is_an_empty_corpus(tmp_path: Path) -> None:
    corpus = training.build(tmp_path / "nowhere", TITLES)
    assert corpus.empty and not corpus.problems


def test_the_split_depends_on_the_text_only(tmp_path: Path) -> None:
    rows = [
        {"text": f"situation number {n} at the shop", "concepts": [TITLES[n % 3]]}
        for n in range(200)
    ]
    rows += [{"text": f"how do I file tax form {n}", "concepts": []} for n in range(60)]
    write(tmp_path / "one", "x.jsonl", rows)
    write(tmp_path / "two", "y.jsonl", list(reversed(rows)))
    first, second = (
        training.build(tmp_path / "one", TITLES),
        training.build(tmp_path / "two", TITLES),
    )
    for part in ("train", "calibration", "reference", "heldout_items", "heldout_concepts"):
        assert {i.text for i in getattr(first, part)} == {i.text for i in getattr(second, part)}
    assert first.digest() == second.digest()
    # every item is in exactly one part, and off-topic ones never train
    parts = [
        first.train,
        first.calibration,
        first.reference,
        first.heldout_items,
        first.heldout_concepts,
    ]
    assert sum(len(p) for p in parts) == 260
    assert not any(i.off_topic for i in first.train)
    assert {i.off_topic for i in first.reference} == {True}


def test_a_held_out_concept_is_never_seen_by_the_measuring_encoder(tmp_path: Path) -> None:
    titles = [f"Concept number {n}" for n in range(40)]
    rows = [
        {"text": f"case {n}", "concepts": [titles[n % 40], titles[(n * 7 + 3) % 40]]}
        for n in range(400)
    ]
    write(tmp_path, "x.jsonl", rows)
    corpus = training.build(tmp_path, titles)
    held = corpus.held_titles
    assert held  # about one in ten of the labelled titles
    assert len(held) < len(titles) / 4
    # items whose best answer is held out are measured, never trained on by that encoder
    assert corpus.heldout_concepts
    assert all(i.concepts[0] in held for i in corpus.heldout_concepts)
    assert not any(i.concepts[0] in held for i in corpus.train)
    # a held title as a later answer is taken out of the labels it trains on
    assert any(set(i.concepts) & held for i in corpus.train)
    assert not any(set(i.concepts) & held for i in corpus.unseen)
    assert [i.text for i in corpus.unseen] == [i.text for i in corpus.train]


def test_feedback_votes_become_training_items_and_change_the_digest(tmp_path: Path) -> None:
    write(tmp_path, "x.jsonl", [{"text": "staff keep the paper book", "concepts": [TITLES[1]]}])
    before = training.build(tmp_path, TITLES)
    votes = [
        vote("our cooks hate the new screens", TITLES[1], UP),
        vote("our cooks hate the new screens", TITLES[0], DOWN),
        vote("only a thumbs down here", TITLES[2], DOWN),
        vote("changed my mind", TITLES[0], UP, "2026-01-01T00:00:00Z"),
        vote("changed my mind", TITLES[0], DOWN, "2026-01-02T00:00:00Z"),
    ]
    after = training.build(tmp_path, TITLES, votes)
    fed = [i for i in after.train if i.source == "feedback"]
    assert fed == [Item("our cooks hate the new screens", (TITLES[1],), (TITLES[0],), "feedback")]
    assert after.digest() != before.digest()


def test_hidden_concepts_are_neither_targets_nor_negatives() -> None:
    """The measuring encoder's examples: a held-out concept must be as new to it as a new
    document's, so no example may point at it or push away from it."""
    concepts = [
        Concept(
            f"c{n}", f"Concept {n}", "principle", None, "d", "s", f"about {n}", chunks=[f"k{n}"]
        )
        for n in range(6)
    ]
    vectors = np.random.default_rng(0).normal(size=(6, 8)).astype(np.float32)
    items = [
        Item(f"case {n}", (f"Concept {n % 5}",), ("Concept 5",) if n == 0 else ())
        for n in range(20)
    ]
    queries = np.repeat(vectors[5:], 20, axis=0)  # every case looks most like Concept 5
    settings = finetune.Settings(hard_negatives=2, negative_pool=5)

    def used(hidden: frozenset[str]) -> set[tuple[str, int]]:
        rows = {f"k{n}": n for n in range(6)}
        data = finetune.examples(items, concepts, rows, queries, vectors, settings, hidden)
        return {(t.kind, t.row) for _, target, negatives in data for t in (target, *negatives)}

    assert ("concept", 5) in used(frozenset()) and ("chunk", 5) in used(frozenset())
    hidden = used(frozenset({"Concept 5"}))
    assert ("concept", 5) not in hidden and ("chunk", 5) not in hidden
