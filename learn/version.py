"""What a KB version learns from its training corpus and its users' feedback.

Three things, all per version: the query encoder (`learn.finetune`), the calibration
queries the recommender fits its abstention rule on, and the held-out parts of the corpus
that `kb eval --heldout` scores (`kb.learned` types what is stored). The second encoder that
measures the held-out concepts is only named here, and trained by `measuring_model` when an
evaluation first asks for it: a build pays for the product's encoder alone. Without a corpus
a version learns nothing: questions are read by the untouched model and abstention rests on
the shipped calibration queries alone. `CorpusLearner` is what the CLI and the page hand to
an ingest (through `ui.build`).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kb import encoder, feedback
from kb.embed import (
    EMBEDDINGS,
    MODELS,
    Embedder,
    EmbeddingCache,
    embed_cached,
    model_key_of,
    model_location,
    model_name,
    read_questions,
)
from kb.errors import KBError
from kb.learned import (
    IN_DOMAIN,
    LIKE_OUT,
    OFF_TOPIC,
    Examples,
    HeldOutQuery,
    Item,
    Learned,
    Measuring,
    TrainingRecord,
)
from kb.model import RECOMMENDABLE, Chunk, Concept
from kb.store import KnowledgeBase
from kb.versions import referenced_models
from learn import calibration as shipped
from learn import corpus as training
from learn import finetune
from learn.corpus import TrainingCorpus


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


@dataclass(frozen=True)
class CorpusLearner:
    """Learning from the training corpus in `folder` and the page's votes (None or an empty
    folder: questions are read by the untouched model); an `ingest.pipeline.Learner`."""

    folder: Path | None

    def current(self, previous: KnowledgeBase, root: Path, base: Embedder) -> bool:
        """Whether the current version already holds what the corpus and votes would teach."""
        corpus = corpus_for(root, self.folder, previous.concepts)
        learned = corpus.learned
        key = None if corpus.empty else finetune.model_key(base.name, learned, previous.concepts)
        return key == previous.manifest.get("training", {}).get("key")

    def learn(
        self,
        root: Path,
        base: Embedder,
        chunks: list[Chunk],
        concepts: list[Concept],
        concept_vectors: np.ndarray,
        chunk_vectors: np.ndarray,
        progress: Callable[[str], None],
    ) -> Learned:
        """Train (or reuse) the product's query encoder, which learns from every training
        item, and embed the calibration queries with it; name the encoder that `kb eval
        --heldout` measures on the held-out concepts, which learns without them."""
        corpus = corpus_for(root, self.folder, concepts)
        for problem in corpus.problems:
            progress(f"training corpus: refused {problem}")
        queries, examples = calibration_sets(corpus, concepts)
        record = TrainingRecord(
            folder=str(self.folder) if self.folder else None,
            queries=queries,
            examples=examples,
            # what the measuring encoder's variant compares with (its examples never name a
            # held-out concept, so the held-out items are not examples of themselves)
            measuring=Measuring(
                examples_of(corpus.unseen, concepts),
                tuple(replace(i, source="") for i in corpus.unseen),
                tuple(sorted(corpus.held_titles)),
            ),
            held_titles=tuple(sorted(corpus.held_titles)),
            heldout_items=labelled(corpus.heldout_items, "item"),
            heldout_concepts=labelled(corpus.heldout_concepts, "concept"),
            refused=tuple(corpus.problems),
        )
        args = (concepts, chunks, concept_vectors, chunk_vectors, progress)
        reads = [text for texts in record.texts().values() for text in texts]
        shipped = self.folder / finetune.SHIPPED if self.folder else None
        name = (
            finetune.query_model(root, base, corpus.learned, *args, reads=reads, shipped=shipped)
            if not corpus.empty
            else None
        )
        hidden = frozenset(corpus.held_titles)
        measuring = (
            model_name(finetune.model_key(base.name, corpus.unseen, concepts, hidden=hidden))
            if name
            else None
        )
        reader = Embedder(name, root=root) if name else base
        if name:
            reader.export()  # questions are then read without torch
        with closing(EmbeddingCache(root / EMBEDDINGS, reader.name)) as cache:
            vectors = {
                s: read_questions(reader, list(t), cache) for s, t in record.texts().items() if t
            }
        summary = {
            "key": model_key_of(name) if name else None,
            "measuring_model": measuring,
            "train": len(corpus.learned),
            "calibration": len(corpus.calibration),
            "heldout_items": len(corpus.heldout_items),
            "heldout_concepts": len(corpus.heldout_concepts),
            "refused": len(corpus.problems),
        }
        return Learned(name, vectors, record, summary)

    def prune(self, root: Path) -> None:
        """Remove the trained encoders, and the exports, that no kept version reads any more."""
        keep = referenced_models(root)
        for folder in (root / MODELS).glob("query-*") if (root / MODELS).is_dir() else []:
            if f"{MODELS}/{folder.name}" not in keep:
                shutil.rmtree(folder, ignore_errors=True)
        encoder.prune(root, {model_location(name, root) for name in keep})


def measuring_model(kb: KnowledgeBase, progress: Callable[[str], None]) -> str | None:
    """The encoder that measures the held-out concepts, trained now if it is not built yet
    (from what the version recorded: the same key as the build named)."""
    name = kb.manifest.get("training", {}).get("measuring_model")
    if not name or (kb.root / name).is_dir():
        return name
    base = Embedder(kb.manifest["model"], root=kb.root)
    with closing(EmbeddingCache(kb.root / EMBEDDINGS, base.name)) as cache:
        chunk_vectors, _ = embed_cached(base, cache, [c.embed_text for c in kb.chunks])
    record = kb.training.measuring
    args = (kb.concepts, kb.chunks, kb.concept_vectors, chunk_vectors, progress)
    hidden = frozenset(record.hidden)
    trained = finetune.query_model(kb.root, base, list(record.items), *args, hidden=hidden)
    if trained != name:  # the record and the manifest disagree: say so rather than mismeasure
        raise KBError(f"the held-out encoder of {kb.version} cannot be rebuilt as recorded")
    return name


def lookups(concepts: list[Concept]) -> list[Concept]:
    """The concepts whose titles stand as example look-ups: a consultant typing a
    framework's name ("OKRs") asks something the documents answer, though it reads like no
    owner's situation."""
    return [c for c in concepts if c.kind in RECOMMENDABLE]


def examples_of(items: list[Item], concepts: list[Concept]) -> Examples:
    """The in-domain examples a question is compared with: situations, then titles.

    A title looked up is no situation: it tells abstention that such questions are in the
    documents' domain, but lends its concept nothing in ranking (measured: labelling titles
    with their own concept cost 0.01-0.02 nDCG@10 on the held-out corpus and situations).
    """
    titles = lookups(concepts)
    return Examples(
        tuple(i.text for i in items) + tuple(c.title for c in titles),
        tuple(i.concepts for i in items) + tuple(() for _ in titles),
    )


def calibration_sets(
    corpus: TrainingCorpus, concepts: list[Concept]
) -> tuple[dict[str, tuple[str, ...]], Examples]:
    """The queries of each calibration set, shipped ones first, and the examples."""
    inside, outside = shipped.queries(IN_DOMAIN), shipped.queries(OFF_TOPIC)
    if corpus.empty:  # no examples to compare with: the rule cuts on closeness to the KB
        return {IN_DOMAIN: inside, OFF_TOPIC: outside}, Examples()
    queries = {
        IN_DOMAIN: inside + tuple(i.text for i in corpus.calibration if not i.off_topic),
        OFF_TOPIC: outside + tuple(i.text for i in corpus.calibration if i.off_topic),
        LIKE_OUT: tuple(i.text for i in corpus.reference),
    }
    return queries, examples_of(corpus.learned, concepts)


def labelled(items: list[Item], prefix: str) -> tuple[HeldOutQuery, ...]:
    """Held-out items as an evaluation set, in the form of `../shared/eval/dev.jsonl`:
    the first title is a best answer (grade 2), the others also relevant (grade 1)."""
    return tuple(
        HeldOutQuery(
            f"heldout-{prefix}-{n}",
            "ood" if item.off_topic else "situation",
            item.text,
            {t: 2 if rank == 0 else 1 for rank, t in enumerate(item.concepts)},
        )
        for n, item in enumerate(items)
    )
