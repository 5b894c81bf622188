"""What a KB version learns from its training corpus and its users' feedback.

Three things, all per version: the query encoder (`learn.finetune`), the calibration
queries the recommender fits its abstention rule on, and the held-out parts of the corpus
that `kb eval --heldout` scores. The second encoder that measures the held-out concepts is
only named here, and trained by `measuring_model` when an evaluation first asks for it: a
build pays for the product's encoder alone. Without a corpus a version learns nothing: questions are
read by the untouched model and abstention rests on the shipped calibration queries alone.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb import encoder, feedback
from kb.embed import MODELS, Embedder, EmbeddingCache, embed_cached, model_location, model_name
from kb.errors import KBError
from kb.model import RECOMMENDABLE, Chunk, Concept
from kb.store import KnowledgeBase
from kb.versions import referenced_models
from learn import calibration as shipped
from learn import corpus as training
from learn import finetune
from learn.calibration import IN_DOMAIN, LIKE_IN, LIKE_OUT, OFF_TOPIC
from learn.corpus import Item, TrainingCorpus


@dataclass
class Learned:
    """A version's query encoder, calibration vectors and training record."""

    query_model: str | None  # None: the documents' model reads questions too
    calibration: dict[str, np.ndarray]  # set name -> query vectors
    record: dict = field(default_factory=dict)  # training.json: texts and held-out sets
    summary: dict = field(default_factory=dict)  # for the manifest and the ingest report


def corpus_for(root: Path, folder: Path | None, concepts: list[Concept]) -> TrainingCorpus:
    """The training corpus and the page's votes, checked against this catalog's titles."""
    if folder is None:
        return TrainingCorpus()
    try:
        votes = feedback.votes(root)
    except feedback.FeedbackUnavailable as exc:  # the corpus still teaches; say what is missing
        print(f"warning: {exc}; training without the page's votes", file=sys.stderr)
        votes = []
    return training.build(folder, [c.title for c in concepts], votes)


def current(previous: KnowledgeBase, root: Path, folder: Path | None, base: Embedder) -> bool:
    """Whether the current version already holds what the corpus and votes would teach."""
    corpus = corpus_for(root, folder, previous.concepts)
    key = None if corpus.empty else finetune.model_key(base.name, corpus.learned, previous.concepts)
    return key == previous.manifest.get("training", {}).get("key")


def learn(
    root: Path,
    folder: Path | None,
    base: Embedder,
    chunks: list[Chunk],
    concepts: list[Concept],
    concept_vectors: np.ndarray,
    chunk_vectors: np.ndarray,
    progress: Callable[[str], None],
) -> Learned:
    """Train (or reuse) the product's query encoder, which learns from every training item,
    and embed the calibration queries with it; name the encoder that `kb eval --heldout`
    measures on the held-out concepts, which learns without them."""
    corpus = corpus_for(root, folder, concepts)
    for problem in corpus.problems:
        progress(f"training corpus: refused {problem}")
    args = (concepts, chunks, concept_vectors, chunk_vectors, progress)
    name = finetune.query_model(root, base, corpus.learned, *args) if not corpus.empty else None
    hidden = frozenset(corpus.held_titles)
    measuring = (
        model_name(finetune.model_key(base.name, corpus.unseen, concepts, hidden=hidden))
        if name
        else None
    )
    reader = Embedder(name, root=root) if name else base
    if name:
        reader.export()  # questions are then read without torch
    texts = calibration_texts(corpus, concepts)
    with closing(EmbeddingCache(root / "embeddings.sqlite", reader.name)) as cache:
        vectors = {s: embed_cached(reader, cache, t)[0] for s, t in texts.items() if t}
    summary = {
        "key": name.rsplit("/", 1)[-1] if name else None,
        "measuring_model": measuring,
        "train": len(corpus.learned),
        "calibration": len(corpus.calibration),
        "heldout_items": len(corpus.heldout_items),
        "heldout_concepts": len(corpus.heldout_concepts),
        "refused": len(corpus.problems),
    }
    record = {
        "folder": str(folder) if folder else None,
        "texts": texts,
        "example_concepts": example_concepts(corpus.learned, concepts),  # by texts[LIKE_IN]
        # what the measuring encoder's variant compares with (its examples never name a
        # held-out concept, so the held-out items are not examples of themselves)
        "measuring": {
            "texts": {LIKE_IN: example_texts(corpus.unseen, concepts)},
            "example_concepts": example_concepts(corpus.unseen, concepts),
            "items": [
                {"text": i.text, "concepts": list(i.concepts), "avoid": list(i.avoid)}
                for i in corpus.unseen
            ],
            "hidden": sorted(hidden),
        },
        "held_titles": sorted(corpus.held_titles),
        "heldout_items": labelled(corpus.heldout_items, "item"),
        "heldout_concepts": labelled(corpus.heldout_concepts, "concept"),
        "refused": corpus.problems,
    }
    return Learned(name, vectors, record, summary)


def measuring_model(kb: KnowledgeBase, progress: Callable[[str], None]) -> str | None:
    """The encoder that measures the held-out concepts, trained now if it is not built yet
    (from what the version recorded: the same key as the build named)."""
    name = kb.manifest.get("training", {}).get("measuring_model")
    record = kb.training.get("measuring", {})
    if not name or (kb.root / name).is_dir():
        return name
    base = Embedder(kb.manifest["model"], root=kb.root)
    with closing(EmbeddingCache(kb.root / "embeddings.sqlite", base.name)) as cache:
        chunk_vectors, _ = embed_cached(base, cache, [c.embed_text for c in kb.chunks])
    items = [
        Item(r["text"], tuple(r["concepts"]), tuple(r["avoid"])) for r in record.get("items", [])
    ]
    hidden = frozenset(record.get("hidden", []))
    args = (kb.concepts, kb.chunks, kb.concept_vectors, chunk_vectors, progress)
    trained = finetune.query_model(kb.root, base, items, *args, hidden=hidden)
    if trained != name:  # the record and the manifest disagree: say so rather than mismeasure
        raise KBError(f"the held-out encoder of {kb.version} cannot be rebuilt as recorded")
    return name


def lookups(concepts: list[Concept]) -> list[Concept]:
    """The concepts whose titles stand as example look-ups: a consultant typing a
    framework's name ("OKRs") asks something the documents answer, though it reads like no
    owner's situation."""
    return [c for c in concepts if c.kind in RECOMMENDABLE]


def example_texts(items: list[Item], concepts: list[Concept]) -> list[str]:
    """The in-domain examples a question is compared with: situations, then titles."""
    return [i.text for i in items] + [c.title for c in lookups(concepts)]


def example_concepts(items: list[Item], concepts: list[Concept]) -> list[list[str]]:
    """The labels of the in-domain examples, in the order of `example_texts`.

    A title looked up is no situation: it tells abstention that such questions are in the
    documents' domain, but lends its concept nothing in ranking (measured: labelling titles
    with their own concept cost 0.01-0.02 nDCG@10 on the held-out corpus and situations).
    """
    return [list(i.concepts) for i in items] + [[] for _ in lookups(concepts)]


def calibration_texts(corpus: TrainingCorpus, concepts: list[Concept]) -> dict[str, list[str]]:
    """The queries of each calibration and example set, shipped ones first."""
    if corpus.empty:  # no examples to compare with: the rule cuts on closeness to the KB
        return {
            IN_DOMAIN: shipped.queries(IN_DOMAIN),
            OFF_TOPIC: shipped.queries(OFF_TOPIC),
        }
    return {
        IN_DOMAIN: shipped.queries(IN_DOMAIN)
        + [i.text for i in corpus.calibration if not i.off_topic],
        OFF_TOPIC: shipped.queries(OFF_TOPIC) + [i.text for i in corpus.calibration if i.off_topic],
        LIKE_IN: example_texts(corpus.learned, concepts),
        LIKE_OUT: [i.text for i in corpus.reference],
    }


def labelled(items: list[Item], prefix: str) -> list[dict]:
    """Held-out items as an evaluation set, in the form of `../shared/eval/dev.jsonl`:
    the first title is a best answer (grade 2), the others also relevant (grade 1)."""
    return [
        {
            "id": f"heldout-{prefix}-{n}",
            "kind": "ood" if item.off_topic else "situation",
            "query": item.text,
            "relevant": {t: 2 if rank == 0 else 1 for rank, t in enumerate(item.concepts)},
        }
        for n, item in enumerate(items)
    ]


def prune_models(root: Path) -> None:
    """Remove the trained encoders, and the exports, that no kept version reads any more."""
    keep = referenced_models(root)
    for folder in (root / MODELS).glob("query-*") if (root / MODELS).is_dir() else []:
        if f"{MODELS}/{folder.name}" not in keep:
            shutil.rmtree(folder, ignore_errors=True)
    encoder.prune(root, {model_location(name, root) for name in keep})
