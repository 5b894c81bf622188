"""Ingest: full, unchanged and one-changed re-ingests, against the naive pipeline.

The naive pipeline is what a first attempt would do: every non-empty line of every document
(a paragraph) through MiniLM, into a flat FAISS index. Both run with the same model object,
already loaded (its load time is reported on its own), so the ratio compares the work only.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import faiss
import numpy as np
from bench_util import log, ratio, timed

from ingest.files import find_documents
from ingest.load import load
from kb.embed import Embedder
from ui.build import ingest

CHANGED_SENTENCE = " The benchmark added this sentence to change one paragraph of one document."


class NaiveIndex:
    """Paragraphs -> MiniLM -> faiss.IndexFlatIP; a query is one embedding and one search."""

    def __init__(self, embedder: Embedder, paragraphs: list[str]):
        self.embedder = embedder
        self.paragraphs = paragraphs
        vectors = embedder.embed(paragraphs)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def query(self, text: str, k: int = 10):
        vector = self.embedder.embed([text])
        return self.index.search(vector, k)


def document_files(folder: Path) -> list[Path]:
    """The benchmark's document files, found as an ingest finds them, in sorted order."""
    files, _ = find_documents([folder])
    return sorted(files)


def paragraphs(folder: Path) -> list[str]:
    """Every non-empty line of every document, as loaded (one paragraph per line)."""
    out = []
    for path in document_files(folder):
        out += [line.strip() for line in load(path).text.splitlines() if line.strip()]
    return out


def naive_pipeline(embedder: Embedder, folder: Path) -> tuple[NaiveIndex, float]:
    """The naive index over `folder`, and seconds from reading the files to a searchable index."""
    return timed(lambda: NaiveIndex(embedder, paragraphs(folder)))


def report_row(report, wall: float) -> dict:
    return {
        "seconds": round(wall, 3),
        "reported_seconds": report.seconds,
        "embedded": report.embedded,
        "documents": report.documents,
        "chunks": report.chunks,
        "concepts": report.concepts,
        "added": len(report.added),
        "changed": len(report.changed),
        "unchanged": len(report.unchanged),
    }


def change_one(folder: Path) -> Path:
    """Append a sentence to the first long paragraph of the first document, as an editor would
    (the folder is the benchmark's own copy)."""
    path = next(p for p in document_files(folder) if p.suffix in (".txt", ".md"))
    lines = path.read_text(encoding="utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if len(line.split()) > 30)
    lines[first] += CHANGED_SENTENCE
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run(docs: Path, work: Path, embedder: Embedder) -> tuple[dict, NaiveIndex]:
    """Ingest timings in a fresh KB folder (so the embedding cache starts empty)."""
    folder, kb_dir = work / "docs", work / "kb"
    shutil.copytree(docs, folder)
    log("ingest: full, from nothing")
    full, full_s = timed(ingest, [folder], kb_dir, embedder=embedder)
    log(f"ingest: full took {full_s:.1f}s; again with nothing changed")
    same, same_s = timed(ingest, [folder], kb_dir, embedder=embedder)
    changed_path = change_one(folder)
    log("ingest: with one document changed")
    one, one_s = timed(ingest, [folder], kb_dir, embedder=embedder)
    log("ingest: the naive pipeline (paragraphs -> MiniLM -> flat FAISS)")
    naive, naive_s = naive_pipeline(embedder, folder)
    result = {
        "model": "loaded once before all runs (warm); its load time is reported separately",
        "full": report_row(full, full_s),
        "unchanged": report_row(same, same_s),
        "one_changed": {**report_row(one, one_s), "path": changed_path.name},
        "naive": {
            "seconds": round(naive_s, 3),
            "embedded": len(naive.paragraphs),
            "what": "non-empty lines -> MiniLM (same loaded model) -> faiss.IndexFlatIP",
        },
        "ratio_unchanged_to_full": ratio(same_s, full_s),
        "ratio_one_changed_to_full": ratio(one_s, full_s),
        "ratio_full_to_naive": ratio(full_s, naive_s),
    }
    return result, naive


def replicate(docs: Path, out: Path, copies: int, seed: int = 0) -> int:
    """`copies` variants of every document: each long line loses one word at random, so every
    chunk's text (and vector) differs from its siblings. Returns the number of files written."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in document_files(docs):
        if path.suffix != ".txt":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for n in range(copies):
            varied = [
                drop_word(line, rng) if n and len(line.split()) > 12 else line for line in lines
            ]
            (out / f"{path.stem}-copy{n:02d}.txt").write_text("\n".join(varied), encoding="utf-8")
            written += 1
    return written


def drop_word(line: str, rng: random.Random) -> str:
    words = line.split(" ")
    del words[rng.randrange(3, len(words))]  # past any indent and list bullet
    return " ".join(words)


def copies_for(chunks_wanted: int, chunks_per_copy: int) -> int:
    return max(1, int(np.ceil(chunks_wanted / max(1, chunks_per_copy))))
