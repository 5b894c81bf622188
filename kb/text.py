"""Text rules every layer shares: control characters, words, sentences, truncation, hashes.

Each rule lives here once, so ingest, the recommender and the page cannot drift apart
(a title normalised one way at ingest and another way at look-up would never match).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import Stemmer

STEMMER = Stemmer.Stemmer("english")

# Terminal escape sequences and other control characters: never meaningful in prose, and
# harmful when a passage is printed to a terminal. Bidirectional overrides and isolates
# (U+202A-U+202E, U+2066-U+2069) too: they make "txt.exe" read as "exe.txt".
CONTROL = re.compile(
    r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff\u202a-\u202e\u2066-\u2069]"
)
# Markup pasted into a question: a script or style element with its body, or one tag. A tag
# starts with a letter after "<" (or "</"), so "costs < 5 and > 3" is left alone.
MARKUP = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|</?[A-Za-z][^<>]{0,200}>", re.I | re.S)
# A sentence ends at . ! or ? before white space and a capital, a quote or a parenthesis:
# "e.g. the" and "3.5 million" stay whole.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
ELLIPSIS = "…"
# A table row read as text: two or more "label: value" fields joined by ";".
ROW_GLUE = re.compile(r"(^|;\s)[^:;.]{1,60}:\s[^;]*;\s*[^:;.]{1,60}:\s")
# How much of a question is read (longer input is cut, with a notice; the model reads 256
# tokens): the recommender cuts there, and a vote keeps no more of it.
MAX_QUERY_CHARS = 2000


def strip_control(text: str) -> str:
    """Control characters become spaces, so words on either side stay apart."""
    return CONTROL.sub(" ", text)


def without_markup(text: str) -> str:
    """The words of a question with pasted markup taken out, as ingest takes it out of the
    documents; a question that is all markup is left as it is."""
    words_left = " ".join(MARKUP.sub(" ", text).split())
    return words_left or text


def words(text: str) -> list[str]:
    """Lower-case letters-and-digits words, accents folded: "Stratégie" -> "strategie".

    NFKD splits an accented letter into the letter and its mark; the marks are dropped and
    the rest is casefolded, so titles match however their accents or case were typed.
    """
    folded = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return re.findall(r"[^\W_]+", plain)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """English (Snowball) stem: "identifying", "identify" -> "identifi"."""
    return STEMMER.stemWord(word)


def normalise(text: str) -> str:
    """Words joined by single spaces: the form in which two titles are compared."""
    return " ".join(words(text))


def sentences(text: str, min_chars: int = 0) -> list[str]:
    """The sentences of a text, stripped; shorter ones than `min_chars` are left out."""
    return [s.strip() for s in SENTENCE_END.split(text) if len(s.strip()) > min_chars]


def is_table_row(text: str) -> bool:
    """Whether a text is (or holds) a table row glued into a line ("Aspect: ROI; With: High;
    Without: Low"): never shown as prose, only as the row's fields."""
    return bool(ROW_GLUE.search(text))


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + ELLIPSIS


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_sample(path: Path, blocks: int = 64, block: int = 1 << 16) -> str:
    """The sha256 of a large file's first and last MiB and of `blocks` blocks spread evenly
    between: reading 6 MiB instead of gigabytes still catches truncation, a damaged header
    and most damage elsewhere (a full check is `sha256_file`)."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    starts = [0, max(0, size - (1 << 20))] + [
        size * i // (blocks + 1) for i in range(1, blocks + 1)
    ]
    with open(path, "rb") as f:
        for start in starts:
            f.seek(start)
            digest.update(f.read(1 << 20 if start in starts[:2] else block))
    return digest.hexdigest()


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    """The file's sha256, read in blocks so a large index never sits in memory twice."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while part := f.read(block):
            digest.update(part)
    return digest.hexdigest()
