"""The two naive pipelines `kb eval` prints beside the product, run on the same KB.

Both rank the documents' paragraphs (every paragraph, list item and table row, as parsed)
and never abstain: BM25 over paragraphs, and MiniLM over paragraphs in a flat FAISS index.
Each result names the paragraph's heading, which is what the scorer matches.
"""

from __future__ import annotations

import faiss
import numpy as np

from kb.embed import Embedder
from kb.store import KnowledgeBase
from recommender.lexical import LexicalIndex


def paragraphs(kb: KnowledgeBase) -> list[dict]:
    return [
        {"doc": d.doc, "section": s.heading, "level": s.level, "text": b.text}
        for d in kb.documents
        for s in d.sections
        for b in s.blocks
    ]


def as_answer(qid, query: str, rows: list[dict], order, scores, k: int) -> dict:
    recs = []
    for rank, (i, score) in enumerate(zip(order[:k], scores[:k]), start=1):
        p = rows[int(i)]
        recs.append(
            {
                "rank": rank,
                "title": p["section"],
                "section": p["section"],
                "score": float(score),
                "passages": [{**p, "score": float(score)}],
            }
        )
    return {"id": qid, "query": query, "abstained": False, "reason": None, "recommendations": recs}


class BM25Paragraphs:
    name = "bm25-paragraphs"

    def __init__(self, kb: KnowledgeBase):
        self.rows = paragraphs(kb)
        self.index = LexicalIndex([p["text"] for p in self.rows])

    def run(self, items: list[tuple[str, str]], k: int) -> list[dict]:
        out = []
        for qid, query in items:
            scores = self.index.scores(query)
            order = np.argsort(-scores, kind="stable")
            out.append(as_answer(qid, query, self.rows, order, scores[order], k))
        return out


class DenseParagraphs:
    name = "minilm-paragraphs-faiss"

    def __init__(self, kb: KnowledgeBase, embedder: Embedder):
        self.rows = paragraphs(kb)
        self.embedder = embedder
        vectors = embedder.embed([p["text"] for p in self.rows])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def run(self, items: list[tuple[str, str]], k: int) -> list[dict]:
        vectors = self.embedder.embed([q for _, q in items])
        scores, ids = self.index.search(vectors, k)
        return [
            as_answer(qid, query, self.rows, ids[n], scores[n], k)
            for n, (qid, query) in enumerate(items)
        ]
