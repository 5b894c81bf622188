"""Image descriptions (captions) dropped by what they are, not by the words they use.

A page of the business-advice site puts a description of its picture between paragraphs
("A clear glass rests on a grid of colorful buttons, embodying ..."). It is not the author's
text and must not reach the index. A word list of depiction, appearance and symbolism misses
a caption written in other words, so a small classifier learned from the corpus
(`learn.captions`, `make captions`) decides instead: a logistic regression over the
paragraph's embedding by the KB's model, what it says beyond the rest of its document, and
how it links to its neighbours (a caption describes a picture; the paragraphs around it
carry the argument, and it has no link to them). Its weights are data,
`data/captions/model.json`; this module only applies them, with numpy, so reading
documents never imports scikit-learn or torch.

The model's file is part of the pipeline version (`ingest.version`): a retrained classifier
re-parses every document. Training reads the documents here too, so that it sees the very
features an ingest computes: `python -m ingest.captions` writes the labelled table (the
captions listed in `data/captions/captions.txt`, every other candidate paragraph of
`data/docs` and of the pages written for training, `data/captions/pages`) that
`learn.captions` fits; `make captions` runs both.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ingest.classify import classify
from ingest.clean import CleanLine, clean
from ingest.files import find_documents
from ingest.load import load
from kb.embed import BUNDLED, Embedder
from kb.text import sha256_bytes

REPO = Path(__file__).resolve().parents[1]
MODEL_FILE = REPO / "data" / "captions" / "model.json"
CAPTIONS = REPO / "data" / "captions" / "captions.txt"
DOCS = REPO / "data" / "docs"
# Pages written for training only, in the site's style, with captions of other kinds (people,
# shops, landscapes, graphs, purely visual ones): data/docs' captions all come from one page.
# They are training data, never ingested.
PAGES = REPO / "data" / "captions" / "pages"
# A caption on the site is two or three full sentences (the shortest in data/docs has 27
# words); a shorter paragraph is a lead-in or a summary line, and too little text to judge.
MIN_WORDS = 12
# The features after the embedding and its residual, in the order of the coefficients.
LINK_FEATURES = ("neighbour_link", "document_link")


def candidates(lines: list[CleanLine]) -> list[int]:
    """The indices of the lines that may be captions: plain paragraphs of MIN_WORDS words or
    more (never a heading, a level, a list item or a table row)."""
    kinds = classify(lines)
    return [
        i
        for i, line in enumerate(kinds)
        if line.kind == "text" and len(line.text.split()) >= MIN_WORDS
    ]


def link_features(vectors: np.ndarray) -> np.ndarray:
    """How each paragraph links to the others of its document, from their unit vectors in
    document order: its closest neighbour (cosine to the paragraph before or after it, the
    higher) and the document as a whole (cosine to the mean of the other paragraphs).

    A caption describes a picture and is linked to neither; a paragraph of the argument is
    close to at least one neighbour. A document of one paragraph has no links: 0.
    """
    n = len(vectors)
    out = np.zeros((n, len(LINK_FEATURES)), dtype=np.float32)
    if n < 2:
        return out
    adjacent = np.einsum("ij,ij->i", vectors[:-1], vectors[1:])  # paragraph i with i + 1
    before = np.concatenate([[-1.0], adjacent])
    after = np.concatenate([adjacent, [-1.0]])
    out[:, 0] = np.maximum(before, after)
    others = mean_of_others(vectors)
    norms = np.linalg.norm(others, axis=1)
    out[:, 1] = np.einsum("ij,ij->i", vectors, others) / np.maximum(norms, 1e-9)
    return out


def mean_of_others(vectors: np.ndarray) -> np.ndarray:
    """Row i: the mean of every row but i (a document's other paragraphs; two rows or more)."""
    return (vectors.sum(axis=0)[None, :] - vectors) / (len(vectors) - 1)


def residuals(vectors: np.ndarray) -> np.ndarray:
    """What each paragraph says beyond the rest of its document: its vector minus the mean
    of the others, at unit length (0 for a document of one paragraph).

    The seed captions talk the site's business talk ("digital transformation", "scaling"),
    so over the embedding alone a page about digital transformation looked like a caption
    from end to end. Taken away from its document's topic, a paragraph of that page is
    ordinary; a caption still differs (it describes a picture).
    """
    n = len(vectors)
    if n < 2:
        return np.zeros_like(vectors)
    rest = vectors - mean_of_others(vectors)
    return rest / np.maximum(np.linalg.norm(rest, axis=1, keepdims=True), 1e-9)


def features(vectors: np.ndarray) -> np.ndarray:
    """The classifier's input for a document's candidate paragraphs (unit vectors, in
    document order): each embedding, its `residuals` and its `link_features`."""
    return np.hstack([vectors, residuals(vectors), link_features(vectors)]).astype(np.float32)


@dataclass(frozen=True)
class CaptionModel:
    """The learned classifier: weights over `features`, and the embedding model they need."""

    coefficients: np.ndarray
    intercept: float
    threshold: float  # at or above this probability a caption (`learn.captions.threshold`)
    model: str  # the embedding model's name the weights were learned over
    feature_names: tuple[str, ...]

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> CaptionModel | None:
        """The model in `path`, or None when there is none (nothing is dropped then)."""
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            np.asarray(data["coefficients"], dtype=np.float64),
            float(data["intercept"]),
            float(data["threshold"]),
            str(data["model"]),
            tuple(data["features"]),
        )

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """The probability that each row of `features(...)` is a caption."""
        return 1.0 / (1.0 + np.exp(-(x.astype(np.float64) @ self.coefficients + self.intercept)))


@cache
def shipped() -> CaptionModel | None:
    """The model in the repository, read once per process."""
    return CaptionModel.load()


def model_hash(path: Path = MODEL_FILE) -> str:
    """The model file's content hash (for the pipeline version), or "none" without one."""
    return sha256_bytes(path.read_bytes()) if path.exists() else "none"


def caption_lines(lines: list[CleanLine], embedder, model: CaptionModel | None = None) -> list[int]:
    """The indices of the lines the classifier takes for captions.

    Nothing is taken when there is no model or when `embedder` is not the model it was
    learned over (its weights mean nothing in another model's space): a stand-in embedder,
    such as the tests' hashing one, is only used where embedding quality cannot matter, so
    every line is kept there.
    """
    model = model or shipped()
    if model is None or getattr(embedder, "name", None) != model.model:
        return []
    found = candidates(lines)
    if not found:
        return []
    vectors = np.asarray(embedder.embed([lines[i].text.strip() for i in found]))
    if 2 * vectors.shape[1] + len(LINK_FEATURES) != len(model.coefficients):
        return []  # a stand-in under the model's name: its vectors are not the model's
    scores = model.probabilities(features(vectors))
    return [i for i, p in zip(found, scores) if p >= model.threshold]


def drop_captions(
    lines: list[CleanLine], embedder, model: CaptionModel | None = None
) -> list[CleanLine]:
    """The document's cleaned lines without its captions (`caption_lines`), removed as
    `ingest.clean` removes noise: the blank lines around a caption keep its neighbours apart."""
    dropped = set(caption_lines(lines, embedder, model))
    return [line for i, line in enumerate(lines) if i not in dropped] if dropped else lines


# Training: the labelled table `learn.captions` fits.


def read_captions(path: Path = CAPTIONS) -> set[str]:
    """The listed captions: one a line, `#` comments and blank lines skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def cleaned_lines(path: Path) -> list[CleanLine]:
    """A document's lines as an ingest cleans them, before captions are dropped."""
    return clean(load(path).text)


def table(docs: list[Path], captions: set[str], embedder: Embedder) -> Iterator[dict]:
    """The labelled table: a header (model, feature names), then one row per candidate
    paragraph of every document in the folders `docs` (data/docs and the written pages,
    each page its own document): its document, its level part (Fundamentals, ...: for
    cross-validation within a document), whether it is a listed caption, its text and its
    features. A listed caption found in no document is an error: the list and the documents
    have drifted apart."""
    yield {"model": embedder.name, "features": ["embedding", "residual", *LINK_FEATURES]}
    seen: set[str] = set()
    for path in find_documents(list(docs))[0]:
        lines = cleaned_lines(path)
        found = candidates(lines)
        if not found:
            continue
        parts, part = {}, 0
        for i, line in enumerate(classify(lines)):
            part += line.kind == "level"
            parts[i] = part
        texts = [lines[i].text.strip() for i in found]
        x = features(np.asarray(embedder.embed(texts)))
        for i, text, row in zip(found, texts, x):
            seen.add(text)
            yield {
                "doc": path.name,
                "part": parts[i],
                "caption": text in captions,
                "text": text,
                "x": [round(float(v), 6) for v in row],
            }
    if missing := captions - seen:
        raise SystemExit(
            f"{len(missing)} listed caption(s) are in no document of {docs}, e.g. "
            f"{sorted(missing)[0][:80]!r}: correct the caption list or the documents"
        )


def main(argv: list[str] | None = None) -> int:
    """Write the labelled table as JSON lines to stdout, closed by a count of its rows (a
    table cut short by an error must not be learned from)."""
    parser = argparse.ArgumentParser(description="The labelled table of captions to learn from")
    parser.add_argument(
        "--docs",
        type=Path,
        action="append",
        help=f"a folder of documents (default {DOCS}, {PAGES})",
    )
    parser.add_argument("--captions", type=Path, default=CAPTIONS)
    args = parser.parse_args(argv)
    rows = -1  # the header is no row
    docs = args.docs or [DOCS, PAGES]
    for row in table(docs, read_captions(args.captions), Embedder(BUNDLED)):
        sys.stdout.write(json.dumps(row) + "\n")
        rows += 1
    sys.stdout.write(json.dumps({"end": rows}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
