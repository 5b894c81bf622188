"""The recommender: a situation in plain words -> the concepts that fit, with their evidence.

    query -> dense (FAISS) and lexical (BM25) chunk scores -> concept signals
          -> abstain? -> weighted sum -> diversify (MMR) -> guidance and passages

Loaded once per process (model, FAISS, BM25 in memory) and shared by the CLI and the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from kb.embed import Embedder, read_questions
from kb.errors import ModelMismatch, UsageError
from kb.learned import LIKE_IN
from kb.model import RECOMMENDABLE, Chunk, Concept
from kb.store import KnowledgeBase, open_kb
from kb.text import MAX_QUERY_CHARS, sentences, strip_control, without_markup
from recommender import abstain, dense, examples, fuse, lift
from recommender.guidance import Guidance, guidance, matched_words, typed_words
from recommender.lexical import LexicalIndex
from recommender.summary import Summary, summarise

DENSE_CANDIDATES = 200
PASSAGES = 3
PASSAGE_LEXICAL_WEIGHT = 0.3
# Weights of the signals in the fused score. Cosine similarities carry the meaning; BM25
# (scaled to the query's best match) adds exact words such as names and abbreviations, but
# only as a tie-breaker: a common word ("small", "new") must not outweigh meaning. Measured
# on the dev set and our held-out paraphrases (tests/data/heldout.jsonl): rank fusion (RRF),
# BM25 over concept titles and pseudo-relevance feedback each did worse and were dropped.
# `situations` (a KB with a training corpus only) is the closeness to labelled example
# situations: measured on the corpus's held-out items and situations, +0.03-0.04 nDCG@10 at
# 0.5, while concepts without examples keep their place (see `recommender.examples`).
# `votes` (the same KBs) is the share of the ten nearest examples' closeness that names a
# concept: at 0.5 / 0.75 / 1, situations.jsonl 0.622 -> 0.666 / 0.659 / 0.656, the corpus's
# held-out items 0.610 -> 0.632 / 0.632 / 0.627, dev.jsonl 0.919 -> 0.932 / 0.942 / 0.913.
WEIGHTS = {
    "chunk_dense": 1.0,
    "concept_dense": 1.0,
    "chunk_lexical": 0.2,
    "situations": 0.5,
    "votes": 0.5,
}
# A question's products are one vector against a few thousand rows: waking numpy's BLAS
# threads costs more than they save (one vector against 2,060 examples: 0.8 ms on two threads
# against 0.17 ms on one, idle; 14 ms against 0.16 ms with the other core busy).
BLAS_THREADS = 1
MIN_PART_CHARS = 15  # shorter pieces of a question ("Help!") answer nothing on their own
SPARE = 3  # concepts picked beyond k, for those whose every passage an earlier card led with
MAX_PARTS = 12  # a long question's sentences read one by one (the model reads 256 tokens)


@dataclass(frozen=True)
class Request:
    """One question as the recommender reads it: the prepared text and its filters."""

    query: str
    k: int = 5
    level: str | None = None
    doc: str | None = None
    id: str | None = None
    notice: str | None = None  # said to the user about the text (e.g. that it was cut)

    @property
    def reading(self) -> str:
        """What the model reads: the question without pasted markup (it is shown as typed)."""
        return without_markup(self.query)

    @classmethod
    def of(cls, text: str, k: int = 5, level=None, doc=None, id=None) -> Request:
        """A request from raw input; raises UsageError for empty text."""
        query, notice = prepare(text)
        return cls(query, k, level, doc, id, notice)


@dataclass
class Signals:
    """What one query scores, per concept (the fused signals) and per chunk (for passages)."""

    by_concept: dict[str, np.ndarray]  # signal name (the keys of WEIGHTS) -> score per concept
    chunk_dense: np.ndarray  # cosine similarity per chunk row (0 where not retrieved)
    best_row: np.ndarray  # per concept, the chunk row of its best dense evidence (-1: none)
    passage: np.ndarray  # per chunk row: how passages are ranked within a concept


@dataclass
class Passage:
    doc: str
    section: str
    level: str | None
    text: str
    score: float
    chunk: str
    start: int
    end: int
    matched: list[str] = field(default_factory=list)


@dataclass
class Recommendation:
    rank: int
    title: str
    kind: str
    score: float
    doc: str
    section: str
    level: str | None
    guidance: str
    passages: list[Passage]
    concept: str
    definition: str
    why: str
    why_words: list[str] = field(default_factory=list)  # content words the user typed
    answers: str | None = None  # the part of a longer question it answers, by meaning
    example: str | None = None  # one of the documents' worked examples, shown as such
    fields: dict[str, str] = field(default_factory=dict)  # a table row's columns


@dataclass
class Answer:
    id: str | None
    query: str
    abstained: bool
    reason: str | None
    recommendations: list[Recommendation]
    notice: str | None = None
    confidence: float = 0.0
    summary: Summary | None = None  # "start here": a few sentences citing the cards


class Recommender:
    """Everything a query needs, in memory: the KB, the model, BM25 and the concept map.

    `embedder` reads the questions: the query encoder the KB was trained with, or (in a KB
    without a training corpus) the model that embedded its documents.
    """

    def __init__(self, kb: KnowledgeBase, embedder: Embedder | None = None):
        threadpool_limits(BLAS_THREADS, user_api="blas")  # for this process: it answers
        model = query_model(kb)
        if embedder is not None and embedder.name != model:
            raise ModelMismatch(f"the KB reads questions with {model}, not {embedder.name}")
        self.kb = kb
        self.embedder = embedder or Embedder(model, root=kb.root)
        self.chunk_row = {c.id: i for i, c in enumerate(kb.chunks)}
        self.chunk_lexical = LexicalIndex([c.embed_text for c in kb.chunks])
        self.evidence = lift.evidence_map(kb.concepts, self.chunk_row)
        self.flat_evidence = lift.flatten(self.evidence)
        self.recommendable = np.array([c.kind in RECOMMENDABLE for c in kb.concepts])
        self.rule = abstain.rule_for(kb)
        self.situations = examples.example_labels(kb)  # None without a training corpus
        self.groups = lift.section_groups(kb.concepts)

    @classmethod
    def load(cls, kb_dir=None) -> Recommender:
        return cls(open_kb(kb_dir))

    def recommend(
        self,
        text: str,
        k: int = 5,
        level: str | None = None,
        doc: str | None = None,
        query_id: str | None = None,
    ) -> Answer:
        """The concepts that fit a situation, best first, or an abstention with its reason.

        Raises:
            UsageError: the text is empty or whitespace only.
        """
        request = Request.of(text, k, level, doc, query_id)
        return self.answer(request, read_questions(self.embedder, [request.reading])[0])

    def recommend_many(
        self, items: list[tuple[str | None, str]], k: int = 5, level=None, doc=None
    ) -> list[Answer]:
        """Answers for (id, text) pairs, embedding all queries in one batch."""
        requests = [Request.of(text, k, level, doc, qid) for qid, text in items]
        vectors = read_questions(self.embedder, [r.reading for r in requests])
        return [self.answer(r, v) for r, v in zip(requests, vectors)]

    def signals(self, query: str, vector: np.ndarray) -> Signals:
        """Every signal of one query (concepts and chunks not reached score 0)."""
        n = len(self.kb.chunks)
        chunk_dense = np.zeros(n, dtype=np.float32)
        for row, score in dense.chunk_similarities(self.kb.index, vector, DENSE_CANDIDATES).items():
            chunk_dense[row] = score
        lexical = self.chunk_lexical.scores(query)
        lexical = lexical / lexical.max() if lexical.size and lexical.max() > 0 else lexical
        concept_dense = self.kb.concept_vectors @ vector if len(self.kb.concepts) else np.zeros(0)
        n_concepts = len(self.kb.concepts)
        best_dense, best_row = lift.best_evidence(self.flat_evidence, n_concepts, chunk_dense)
        best_lexical, _ = lift.best_evidence(self.flat_evidence, n_concepts, lexical)
        by_concept = {
            "chunk_dense": best_dense,
            "concept_dense": concept_dense,
            "chunk_lexical": best_lexical,
        }
        if self.situations is not None:
            similarity = self.kb.calibration[LIKE_IN] @ vector
            by_concept["situations"] = examples.situation_scores(
                self.situations, similarity, concept_dense
            )
            by_concept["votes"] = examples.neighbour_votes(self.situations, similarity, n_concepts)
        return Signals(
            by_concept=by_concept,
            chunk_dense=chunk_dense,
            best_row=best_row,
            # how a passage is ranked within its concept: meaning first, words second
            passage=chunk_dense + PASSAGE_LEXICAL_WEIGHT * lexical,
        )

    def answer(self, request: Request, vector: np.ndarray) -> Answer:
        """The answer to one prepared request, given its query vector."""
        if not self.kb.concepts:
            return self.refusal(request, nothing_to_recommend(self.kb), 0.0)
        signals = self.signals(request.reading, vector)
        closest = abstain.evidence(signals.chunk_dense, signals.by_concept["concept_dense"])
        decision = self.rule.decide(abstain.features(closest, vector, self.kb))
        if decision.abstain:
            return self.refusal(request, decision.reason, decision.confidence)
        fused = fuse.weighted_sum(signals.by_concept, WEIGHTS, self.candidates(request))
        order = fuse.rank(fused)
        picked = lift.diversify(
            order, fused, self.kb.concept_vectors, request.k + SPARE, signals.best_row, self.groups
        )
        top = fused[picked[0]] if picked else 1.0
        card = Card(request.reading, signals)
        recs, said = [], []
        for i in picked:
            rows = self.passage_rows(i, card)
            if rows and set(rows) <= card.led:
                continue  # everything it could quote, an earlier card led with
            rec, words = self.recommendation(len(recs) + 1, i, fused[i] / top, rows, card)
            recs.append(rec)
            said.append(words)
            if len(recs) == request.k:
                break
        return Answer(
            request.id,
            request.query,
            False,
            None,
            recs,
            request.notice,
            decision.confidence,
            summarise(said, decision.margin),
        )

    def question_parts(self, question: str) -> tuple[list[str], np.ndarray | None]:
        """A question of several sentences, read sentence by sentence (none for one sentence):
        a card found by meaning then says which of them it answers."""
        parts = sentences(question, MIN_PART_CHARS)[:MAX_PARTS]
        return (parts, self.embedder.embed(parts)) if len(parts) > 1 else ([], None)

    @staticmethod
    def refusal(request: Request, reason: str | None, confidence: float) -> Answer:
        return Answer(request.id, request.query, True, reason, [], request.notice, confidence)

    def candidates(self, request: Request) -> list[int]:
        """Rows of the concepts this request may recommend: recommendable, in its filters."""
        return [
            i
            for i, concept in enumerate(self.kb.concepts)
            if self.recommendable[i]
            and concept.at_level(request.level)
            and (not request.doc or request.doc in {s.doc for s in concept.sources})
        ]

    def recommendation(
        self, rank: int, i: int, score: float, rows: list[int], card: Card
    ) -> tuple[Recommendation, Guidance]:
        """One card: its passages (none that an earlier card led with), guidance and reason."""
        concept: Concept = self.kb.concepts[i]
        passages = self.passages(rows, card)
        texts = [p.text for p in passages] or [concept.definition]
        said = guidance(card.query, texts, card.shown)
        words = typed_words(card.query, [concept.title, *texts])
        answers = None if words else self.part_answered(i, card)
        if words:
            why = f"matches your words: {', '.join(words[:6])}"
        elif answers:
            why = f"answers this part of your question: “{answers}”"
        else:
            why = "close in meaning to your description"
        rec = Recommendation(
            rank=rank,
            title=concept.title,
            kind=concept.kind,
            score=round(float(score), 4),
            doc=concept.doc,
            section=concept.section,
            level=concept.level,
            guidance=said.text,  # a table row with no prose of its own shows its fields instead
            passages=passages,
            concept=concept.id,
            definition=concept.definition,
            why=why,
            why_words=words,
            answers=answers,
            example=said.example.text if said.example else None,
            fields=dict(concept.fields),
        )
        return rec, said

    def passage_rows(self, i: int, card: Card) -> list[int]:
        """A concept's evidence rows, best first; those an earlier card led with come last."""
        scores = card.signals.passage
        ranked = sorted(self.evidence[i], key=lambda e: -scores[e[0]] * e[1])
        rows = list(dict.fromkeys(row for row, _ in ranked))
        return [r for r in rows if r not in card.led] + [r for r in rows if r in card.led]

    def passages(self, rows: list[int], card: Card) -> list[Passage]:
        """The card's source passages; its first one is not to lead another card."""
        if rows:
            card.led.add(rows[0])
        scores = card.signals.passage
        return [
            self.passage(self.kb.chunks[row], float(scores[row]), card.query)
            for row in rows[:PASSAGES]
        ]

    def part_answered(self, i: int, card: Card) -> str | None:
        """The sentence of a longer question closest in meaning to the concept. The sentences
        are embedded once an answer needs them: most cards match by the words typed."""
        if card.parts is None:
            card.parts = self.question_parts(card.query)
        parts, vectors = card.parts
        if vectors is None:
            return None
        return parts[int(np.argmax(vectors @ self.kb.concept_vectors[i]))]

    def passage(self, chunk: Chunk, score: float, query: str) -> Passage:
        return Passage(
            doc=chunk.doc,
            section=chunk.section,
            level=chunk.level,
            text=chunk.text,
            score=round(score, 4),
            chunk=chunk.id,
            start=chunk.start,
            end=chunk.end,
            matched=matched_words(query, chunk.text),
        )


@dataclass
class Card:
    """What the cards of one answer share while they are made, so none repeats another."""

    query: str
    signals: Signals
    # a longer question's sentences and their vectors; None until a card needs them
    parts: tuple[list[str], np.ndarray | None] | None = None
    shown: set[str] = field(default_factory=set)  # guidance sentences already on a card
    led: set[int] = field(default_factory=set)  # chunk rows an earlier card led with


def query_model(kb: KnowledgeBase) -> str:
    """The model that reads questions for this KB."""
    return kb.manifest.get("query_model") or kb.manifest.get("model")


def nothing_to_recommend(kb: KnowledgeBase) -> str:
    """Why a KB without concepts cannot answer: no documents, or none with headings."""
    if not kb.chunks:
        return "the knowledge base is empty: ingest some documents first"
    return (
        f"the documents ({len(kb.documents)}) name no principles or frameworks to recommend: "
        "they have no headings, lists or tables that the catalog is built from"
    )


def prepare(text: str) -> tuple[str, str | None]:
    """Refuse empty input; cut very long input, saying so."""
    query = " ".join(strip_control(text or "").split())
    if not query:
        raise UsageError("the query is empty: describe your situation in a few words")
    if len(query) > MAX_QUERY_CHARS:
        cut = query[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        return (
            cut,
            f"your text was {len(query):,} characters; only the first {len(cut):,} were used",
        )
    return query, None
