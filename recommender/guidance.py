"""Guidance: what to do, in the documents' own whole sentences (extractive, no language model).

A concept's passages are split into sentences and each is read for what it is: advice (it
tells the owner what to do), a worked example (the documents' own example companies, shown
as an example and never as the advice), or a fragment that cannot stand alone (a list's
lead-in ending in ":", a table row's "label: value; label: value" glue, a cut-off piece).
Fragments are never shown; advice comes first; sentences are shown whole, in document order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.text import is_table_row, sentences
from recommender.lexical import TOKEN, content_stems, stem, stems

# Sentences that tell the owner what to do: an imperative at the start ("Involve employees",
# "Actively research"), or a modal of obligation anywhere ("SMBs should", "it is crucial
# to"). A verb in the middle of a description ("regulations create...") is not advice.
IMPERATIVE = (
    r"invest|involve|establish|develop|prioriti[sz]e|avoid|begin|build|foster|cultivate|"
    r"encourage|track|define|identify|align|measure|use|adopt|balance|embrace|create|start|"
    r"focus|consider|ensure|make|set|talk|ask|train|test|review|map|document|plan|choose|"
    r"communicate|implement|monitor|evaluate|assess|analy[sz]e|engage|seek|explore|keep|"
    r"leverage|conduct|provide|offer|celebrate|empower|pilot|automate|integrate|regularly|"
    r"clearly|actively|continuously|proactively|carefully|don[’']t|do not|never|always"
)
ADVICE = re.compile(
    rf"^({IMPERATIVE})\b"
    r"|\b(should|must|need to|needs to|ought to|have to|has to|make sure|"
    r"(it is|it’s|it's|is|are) (crucial|essential|important|vital|critical|key|wise) to)\b",
    re.I,
)
# A worked example: introduced as one, or about one particular business ("the landscaping
# business", "a small accounting firm could", "The SaaS startup's", "the bakery") rather than
# SMBs at large or "a business context". A generic noun needs a word before it that names
# the business; a trade noun stands alone.
EXAMPLE = re.compile(
    r"^(for example|for instance|e\.g\.|imagine|suppose|in this case)\b"
    r"|^(consider|take)\s+(a|an|the|this|one)\b"
    r"|\b(for example|for instance)\b"
    r"|\b(the|a|an|this|that|our|their)\s+"
    r"(((?!(entire|whole|same|overall|broader|modern|strategic|individual|own|particular|"
    r"typical|average|small-business)\b)[\w-]+\s+){1,2}?"
    r"(business|company|startup|firm|shop|store|chain|practice|brand)"
    r"|([\w-]+\s+){0,2}?(restaurant|bakery|boutique|caf[eé]|retailer|manufacturer|salon|"
    r"clinic))"
    r"('s|’s)?\b(?!\s+(owners?|models?|goals?|strateg\w*|needs?(?!\s+to)|processes|"
    r"landscape|context)\b)",
    re.I,
)
SENTENCE_END = re.compile(r"[.!?][\"”’)]*$")
MIN_SENTENCE_CHARS = 20  # shorter pieces are headings or fragments, not advice
MAX_CHARS = 420  # a card's guidance: about three lines; whole sentences only, never cut
MAX_SENTENCES = 2
PASSAGES_READ = 3  # a concept's best passages that guidance is taken from


@dataclass(frozen=True)
class Sentence:
    """One whole sentence of a concept's passages, and what it is."""

    text: str
    passage: int  # which passage (0 = the best) it comes from
    order: int  # its place in that passage
    advice: bool
    example: bool


@dataclass
class Guidance:
    """What a card says: advice sentences, and one worked example shown apart as such."""

    sentences: list[Sentence] = field(default_factory=list)
    example: Sentence | None = None

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def is_fragment(sentence: str) -> bool:
    """A piece that cannot stand alone: a lead-in to a list, a table row, no end stop."""
    return (
        len(sentence) <= MIN_SENTENCE_CHARS
        or sentence.rstrip().endswith(":")
        or not SENTENCE_END.search(sentence.rstrip())
        or is_table_row(sentence)
        or not (sentence[:1].isupper() or sentence[:1] in '“"(')
    )


def body(text: str) -> str:
    """A passage without its item title ("Joint Optimization — Involve ..." -> "Involve ...")."""
    return text.split(" — ", 1)[1] if " — " in text[:80] else text


def says_more(passage: str, guidance: str, fields: dict[str, str]) -> bool:
    """Whether a source passage adds to what its card already says: not when it is all in
    the guidance (its item title aside), nor when it is the table row the card's fields show."""
    if fields and is_table_row(body(passage)):
        return False
    return " ".join(body(passage).split()) not in " ".join(guidance.split())


def whole_sentences(texts: list[str]) -> list[Sentence]:
    """Every sentence of the passages that stands alone, read for advice and example."""
    found = []
    for p, text in enumerate(texts[:PASSAGES_READ]):
        for order, sentence in enumerate(sentences(body(text))):
            if not is_fragment(sentence):
                found.append(
                    Sentence(
                        sentence,
                        p,
                        order,
                        advice=bool(ADVICE.search(sentence)),
                        example=bool(EXAMPLE.search(sentence)),
                    )
                )
    return found


def guidance(query: str, texts: list[str], shown: set[str] | None = None) -> Guidance:
    """Up to two sentences of advice from the passages, and a worked example apart.

    Args:
        query: the user's situation; sentences that share its words rank higher.
        texts: the concept's passages, best first.
        shown: sentences already given on earlier cards; they are not repeated, and the
            chosen ones are added.
    """
    query_words = set(stems(query))
    shown = shown if shown is not None else set()
    every = whole_sentences(texts)
    fresh = [s for s in every if s.text not in shown]
    # a card whose every sentence an earlier card gave says them again rather than nothing
    advice = [s for s in fresh if not s.example] or [s for s in every if not s.example]

    def score(s: Sentence) -> tuple[bool, float]:
        """Advice before description; then the query's words, the item's lead, the best passage."""
        overlap = len(query_words & set(stems(s.text)))
        lead = 0.5 if s.passage == 0 and s.order == 0 else 0.0  # the item's own first words
        return s.advice, overlap + lead - 0.3 * s.passage

    chosen, length = [], 0
    for s in sorted(advice, key=score, reverse=True):
        if len(chosen) == MAX_SENTENCES:
            break
        if chosen and length + len(s.text) > MAX_CHARS:
            continue  # the first sentence is shown whole however long; the next must fit
        chosen.append(s)
        length += len(s.text) + 1
    chosen.sort(key=lambda s: (s.passage, s.order))
    example = next((s for s in fresh if s.example and len(s.text) <= MAX_CHARS), None)
    shown.update(s.text for s in chosen)
    return Guidance(chosen, example)


def typed_words(query: str, texts: list[str]) -> list[str]:
    """The content words the user typed that the texts share (by stem), as typed, in order."""
    found: set[str] = set()
    for text in texts:
        found.update(content_stems(text))
    out: dict[str, str] = {}  # lower case -> as first typed
    for word in TOKEN.findall(query):
        if word.isalpha() and word.lower() not in out and set(content_stems(word)) & found:
            out[word.lower()] = word
    return list(out.values())


def matched_words(query: str, text: str) -> list[str]:
    """The words of `text` that match a content word of the query by stem: what is marked."""
    query_words = set(content_stems(query))
    found = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]+", text):
        if word.lower() not in found and stem(word.lower()) in query_words:
            found.append(word.lower())
    return found
