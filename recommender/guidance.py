"""Guidance: a short "what to do", taken from the concept's own sentences (extractive)."""

from __future__ import annotations

import re

from kb.text import sentences, truncate
from recommender.lexical import stems

# Sentences that advise rather than describe: modal verbs of obligation and imperatives.
ADVICE = re.compile(
    r"\b(should|must|need to|needs to|ensure|start|focus on|consider|invest|involve|"
    r"establish|develop|prioriti[sz]e|avoid|begin|build|foster|cultivate|encourage|track|"
    r"define|identify|align|measure|use|adopt|balance|embrace|create)\b",
    re.I,
)
MAX_SENTENCES = 2
MAX_CHARS = 420
MIN_SENTENCE_CHARS = 20  # shorter pieces are headings or fragments, not advice


def guidance(query: str, texts: list[str], shown: set[str] | None = None) -> str:
    """Up to two sentences of the passages, preferring advice that shares the query's words.

    Args:
        query: the user's situation.
        texts: the concept's passages, best first.
        shown: sentences already given on earlier cards; they are not repeated, and the
            chosen ones are added.

    Returns:
        The chosen sentences in their document order, cleaned of list-title dashes.
    """
    query_words = set(stems(query))
    candidates = []
    for t, text in enumerate(texts[:3]):
        body = text.split(" — ", 1)[1] if " — " in text[:80] else text
        for s, sentence in enumerate(sentences(body, MIN_SENTENCE_CHARS)):
            if shown is not None and sentence in shown:
                continue
            overlap = len(query_words & set(stems(sentence)))
            advice = 1.0 if ADVICE.search(sentence) else 0.0
            score = overlap + advice + (0.5 if s == 0 and t == 0 else 0.0) - 0.3 * t
            candidates.append((score, t, s, sentence))
    best = sorted(candidates, key=lambda c: -c[0])[:MAX_SENTENCES]
    chosen = [c[3] for c in sorted(best, key=lambda c: (c[1], c[2]))]
    if shown is not None:
        shown.update(chosen)
    return truncate(" ".join(chosen), MAX_CHARS)


def matched_words(query: str, text: str) -> list[str]:
    """The words of `text` that match a query word once stemmed: what the page highlights."""
    query_words = set(stems(query))
    found = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]+", text):
        if word.lower() not in found and set(stems(word)) & query_words:
            found.append(word.lower())
    return found
