"""Lexical search: BM25 (bm25s) over chunks' heading path and text, with English stemming."""

from __future__ import annotations

import re

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

from kb.text import STEMMER, stem

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's own token pattern (scikit-learn's)
STOPWORDS = frozenset(STOPWORDS_EN_PLUS)  # the longer list: "any", "has" are noise too
# Words that fit any situation, so a match on them says nothing about why a passage fits
# ("we are a small shop", "a new app", "one vendor"): never named as a reason or marked.
NEAR_STOPWORDS = frozenset(
    "new small big one ones two get got go going make made want wanted need needs use used "
    "using like really thing things way lot lots also many much even still first last good "
    "bad keep kept know think try tried take took put say said see come came able well "
    "without within via onto upon across around every quite whether though although yet "
    "always never ever often maybe anyway".split()
)


NEAR_STEMS = frozenset(STEMMER.stemWords(sorted(NEAR_STOPWORDS)))


def stems(text: str) -> list[str]:
    """The stemmed, stopword-free words of a text: what BM25 and highlighting compare."""
    return [stem(w) for w in TOKEN.findall(text.lower()) if w not in STOPWORDS]


def content_stems(text: str) -> list[str]:
    """The stems of a text's words that carry meaning: no stopwords or near-stopwords."""
    found = (stem(w) for w in TOKEN.findall(text.lower()) if w not in STOPWORDS)
    return [s for s in found if s not in NEAR_STEMS]


class LexicalIndex:
    """BM25 over a list of texts, kept in memory for the life of the process."""

    def __init__(self, texts: list[str]):
        self.size = len(texts)
        self.retriever = bm25s.BM25()
        corpus = [stems(t) for t in texts]
        self.vocab: set[str] = set()
        if any(corpus):
            self.retriever.index(corpus, show_progress=False)
            self.vocab = set(self.retriever.vocab_dict)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every text for the query (zeros when no query word is known)."""
        words = [w for w in stems(query) if w in self.vocab]
        if not words:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(words), dtype=np.float32)
