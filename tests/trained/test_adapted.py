"""The query encoder trained from a corpus, on the real model and the real KB.

The session KB (`trained_kb`, tests/trained/conftest.py) is built by the real `kb ingest` from
`data/docs` with a small fixed slice of `data/training`, so it reads questions with a trained
encoder. The situations here are written for these tests and appear in no evaluation set and
in no training file. How good the encoder trained on the whole corpus is, is measured by
`kb eval` and the benchmark, not here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from kb import feedback
from kb.embed import Embedder, model_key_of
from kb.learned import LIKE_IN
from kb.store import open_kb
from learn import corpus as training
from learn import finetune
from recommender import Recommender
from tests.conftest import run_kb


@pytest.fixture(scope="module")
def recommender(trained_store) -> Recommender:
    return Recommender(trained_store)


def titles(answer, n: int = 5) -> list[str]:
    return [r.title for r in answer.recommendations[:n]]


def test_the_kb_reads_questions_with_its_trained_encoder(trained_kb, trained_store) -> None:
    manifest = trained_store.manifest
    assert manifest["query_model"].startswith("models/query-")
    assert (trained_store.root / manifest["query_model"] / "config.json").exists()
    assert manifest["model"] != manifest["query_model"]  # the documents keep the base model
    titles = [c.title for c in trained_store.concepts]
    corpus = training.build(trained_kb.training, titles)  # the slice, read as the build read it
    assert manifest["training"]["train"] == len(corpus.learned) > 0
    assert manifest["training"]["refused"] == 0
    assert trained_store.training.heldout_items and trained_store.training.heldout_concepts


@pytest.mark.parametrize(
    "text",
    [
        "How many days do I have to send my seasonal pickers their W-2 after the harvest ends?",
        "what interest rate should I expect on an equipment loan for a second pizza oven",
        "Do I need a separate liquor licence to serve wine at the bookshop's evening readings?",
    ],
)
def test_a_business_question_the_documents_do_not_cover_is_abstained_on(recommender, text):
    answer = recommender.recommend(text)
    assert answer.abstained, titles(answer)
    assert answer.recommendations == []


def tiny_corpus(tmp_path: Path, concepts) -> Path:
    """A few situations written for this test, labelled with real titles of the KB."""
    wanted = [c.title for c in concepts if c.kind in ("principle", "practice")][:3]
    rows = [
        {
            "text": "the crew at our tyre shop writes jobs on a board nobody reads",
            "concepts": [wanted[0]],
        },
        {
            "text": "my partner and I argue about which orders to take first",
            "concepts": [wanted[1]],
        },
        {"text": "the printer we bought sits unused in the back office", "concepts": [wanted[2]]},
        {
            "text": "our florist team works around the till instead of with it",
            "concepts": [wanted[0]],
        },
        {"text": "nobody at the kennel agrees what the new app is for", "concepts": [wanted[1]]},
        {"text": "how do I register for sales tax in two states", "concepts": []},
    ]
    folder = tmp_path / "training"
    folder.mkdir()
    (folder / "few.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return folder


def test_training_is_repeatable_and_built_once(trained_store, tmp_path) -> None:
    corpus = training.build(
        tiny_corpus(tmp_path, trained_store.concepts), [c.title for c in trained_store.concepts]
    )
    base = Embedder(trained_store.manifest["model"])
    settings = finetune.Settings(epochs=1, title_pairs=1)
    chunk_vectors = np.stack(
        [trained_store.index.reconstruct(i) for i in range(trained_store.index.ntotal)]
    )
    args = (
        base,
        corpus.learned,
        trained_store.concepts,
        trained_store.chunks,
        trained_store.concept_vectors,
        chunk_vectors,
    )
    said: list[str] = []
    first = finetune.query_model(tmp_path / "a", *args, said.append, settings)
    second = finetune.query_model(tmp_path / "b", *args, said.append, settings)
    assert first == second  # one key for the same inputs
    texts = ["our staff push back on the new rota app", "which framework measures payoff"]
    a = Embedder(first, root=tmp_path / "a").embed(texts)
    b = Embedder(second, root=tmp_path / "b").embed(texts)
    assert np.array_equal(a, b)
    assert not np.allclose(a, base.embed(texts), atol=1e-3)  # it did learn something
    weights = next((tmp_path / "a" / first).glob("*.safetensors"))
    stamp = weights.stat().st_mtime_ns
    said.clear()
    assert finetune.query_model(tmp_path / "a", *args, said.append, settings) == first
    assert any("built already" in line for line in said) and not any("epoch" in s for s in said)
    assert weights.stat().st_mtime_ns == stamp


def test_a_reingest_with_nothing_changed_trains_nothing(
    trained_kb, trained_store, tmp_path
) -> None:
    kb_dir = trained_kb.copy_to(tmp_path / "kb")
    done = run_kb(
        "ingest",
        str(trained_kb.docs),
        "--kb-dir",
        str(kb_dir),
        "--training",
        str(trained_kb.training),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == trained_store.version
    assert "training the query encoder" not in done.stderr


def test_feedback_reaches_the_next_model(trained_kb, tmp_path) -> None:
    """A vote on the page is one more training item: `kb train` makes a new encoder with it."""
    kb_dir = trained_kb.copy_to(tmp_path / "kb")
    before = open_kb(kb_dir)  # trained on the slice
    query = "the bike couriers keep their own spreadsheet instead of our dispatch tool"
    liked = next(c for c in before.concepts if c.title == "Participation and Involvement")
    feedback.record(kb_dir, query, liked.id, liked.title, feedback.UP, before.version)
    folder = str(trained_kb.training)
    done = run_kb("train", "--kb-dir", str(kb_dir), "--training", folder, "--json")
    assert done.returncode == 0, done.stderr
    after = open_kb(kb_dir)
    assert after.version != before.version
    assert after.manifest["query_model"] != before.manifest["query_model"]
    assert after.manifest["training"]["train"] == before.manifest["training"]["train"] + 1
    examples = dict(zip(after.training.examples.texts, after.training.examples.labels))
    assert examples[query] == ("Participation and Involvement",)
    assert (kb_dir / after.manifest["query_model"]).is_dir()


def test_the_held_out_encoder_is_trained_when_first_measured(trained_kb, tmp_path):
    """A build trains only the product's encoder; `kb eval --heldout` trains the one that
    never saw the held-out concepts, once, under the name the build recorded."""
    from kb.text import normalise
    from learn.version import measuring_model

    kb_dir = trained_kb.copy_to(tmp_path / "kb")
    kb = open_kb(kb_dir)  # built from the slice
    name = kb.manifest["training"]["measuring_model"]
    assert name and name != kb.manifest["query_model"]
    assert not (kb_dir / name).exists()  # named by the build, not trained by it
    corpus = training.build(trained_kb.training, [c.title for c in kb.concepts])
    hidden = kb.training.measuring.hidden
    assert hidden and set(hidden) == corpus.held_titles
    assert all(training.bucket("concept:" + normalise(t), 10) == 0 for t in hidden)
    assert not any(set(hidden) & set(i.concepts) for i in kb.training.measuring.items)
    said: list[str] = []
    assert measuring_model(kb, said.append) == name
    assert (kb_dir / name).is_dir() and any("training the query encoder" in s for s in said)
    said.clear()
    assert measuring_model(kb, said.append) == name
    assert not any("training the query encoder" in s for s in said)


def test_a_shipped_encoder_is_taken_instead_of_training(trained_kb, trained_store, tmp_path):
    """`kb train --ship` keeps the trained layers beside the corpus; a fresh build with that
    corpus and catalog takes them instead of training, and reads questions the same way."""
    corpus = tmp_path / "corpus"
    shutil.copytree(trained_kb.training, corpus)
    kb_dir = trained_kb.copy_to(tmp_path / "kb")
    done = run_kb("train", "--kb-dir", str(kb_dir), "--training", str(corpus), "--ship")
    assert done.returncode == 0, done.stderr
    key = model_key_of(trained_store.manifest["query_model"])
    shipped = corpus / finetune.SHIPPED
    assert [p.name for p in shipped.iterdir()] == [f"{key}{finetune.LAYERS}"]
    fresh = tmp_path / "fresh"
    done = run_kb(
        "ingest",
        str(trained_kb.docs),
        "--kb-dir",
        str(fresh),
        "--training",
        str(corpus),
        "--verbose",
    )
    assert done.returncode == 0, done.stderr
    assert "trained layers come from" in done.stderr and "epoch" not in done.stderr
    built = open_kb(fresh)
    assert built.manifest["query_model"] == trained_store.manifest["query_model"]
    texts = ["our drivers ignore the new routing app", "which framework measures payoff"]
    ours = Embedder(built.manifest["query_model"], root=fresh).embed(texts)
    theirs = Embedder(trained_store.manifest["query_model"], root=trained_kb.kb_dir).embed(texts)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert np.allclose(built.calibration[LIKE_IN], trained_store.calibration[LIKE_IN], atol=1e-5)
