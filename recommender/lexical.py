"""Lexical search: BM25 (bm25s) over chunks' heading path and text, with English stemming."""

from __future__ import annotations

import re

import bm25s
import numpy as np
import Stemmer

STEMMER = Stemmer.Stemmer("english")
WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def stems(text: str) -> list[str]:
    """The stemmed, stopword-free words of a text: what BM25 and highlighting compare."""
    tokens = bm25s.tokenize(
        [text], stopwords="en", stemmer=STEMMER, return_ids=False, show_progress=False
    )
    return tokens[0] if tokens else []


class LexicalIndex:
    """BM25 over a list of texts, kept in memory for the life of the process."""

    def __init__(self, texts: list[str]):
        self.size = len(texts)
        self.retriever = bm25s.BM25()
        if texts:
            corpus = bm25s.tokenize(texts, stopwords="en", stemmer=STEMMER, show_progress=False)
            self.retriever.index(corpus, show_progress=False)
            self.vocab = set(self.retriever.vocab_dict)
        else:
            self.vocab = set()

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for the query (zeros when no query word is known)."""
        words = [w for w in stems(query) if w in self.vocab]
        if not words:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(words), dtype=np.float32)
