"""The ingest run: files -> load -> clean -> structure -> chunk -> concepts -> embed -> store.

Incremental by content hash: a document whose bytes did not change keeps its parsed tree and
chunks from the current version, and its vectors come from the embedding cache, so a re-run
with nothing changed parses and embeds nothing. One ingest runs at a time (a file lock).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from ingest.chunk import chunk_document
from ingest.clean import clean
from ingest.concepts import embedding_text, extract, link_related
from ingest.load import find_documents, load
from ingest.structure import parse
from kb import store
from kb.calibration import SETS as CALIBRATION_SETS
from kb.calibration import queries as calibration_queries
from kb.embed import BUNDLED, Embedder, EmbeddingCache, embed_cached
from kb.errors import KBBusy, KBCorrupt, KBError, KBNotFound, ModelMismatch, RejectedFile
from kb.model import Chunk, IngestReport, ParsedDocument, Rejected

CATALOG = "catalog.json"
LOCK_WAIT_SECONDS = 0.0  # a second ingest refuses at once rather than queueing silently


def ingest(
    paths: list[Path],
    kb_dir: str | Path | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    """Bring the KB in line with the documents under `paths` and publish a new version.

    Args:
        paths: files or folders.
        kb_dir: the KB folder (see `kb.store.resolve_kb_dir`).
        rebuild: ignore the current version and the embedding cache; start from nothing.
        embedder: the embedding model (the bundled MiniLM by default).
        progress: called with a short line at each step (the page shows them).

    Returns:
        What happened, in the contract's terms.

    Raises:
        KBBusy: another ingest holds the lock. ModelMismatch: the KB was built with another model.
    """
    started = time.perf_counter()
    root = store.resolve_kb_dir(kb_dir)
    root.mkdir(parents=True, exist_ok=True)
    embedder = embedder or Embedder(BUNDLED)
    try:
        with FileLock(str(root / ".lock"), timeout=LOCK_WAIT_SECONDS):
            report = run(paths, root, rebuild, embedder, progress or (lambda _: None))
    except Timeout as exc:
        raise KBBusy(f"another `kb ingest` is running on {root}; try again when it ends") from exc
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def run(
    paths: list[Path],
    root: Path,
    rebuild: bool,
    embedder: Embedder,
    progress: Callable[[str], None],
) -> IngestReport:
    previous = None if rebuild else previous_kb(root)
    if previous and previous.manifest.get("model") != embedder.name:
        raise ModelMismatch(
            f"the KB in {root} was built with {previous.manifest.get('model')}, not "
            f"{embedder.name}; run `kb ingest --rebuild` to rebuild it with the new model"
        )
    report = IngestReport()
    files, rejected = find_documents(paths)
    report.rejected = rejected
    progress(f"{len(files)} document file(s) found")
    # Documents are the same file whatever path spelling reached them (relative, absolute).
    old_docs = {same_file(d.path): d for d in previous.documents} if previous else {}
    old_chunks: dict[str, list[Chunk]] = {}
    for chunk in previous.chunks if previous else []:
        old_chunks.setdefault(chunk.doc, []).append(chunk)

    documents: list[ParsedDocument] = []
    chunks: list[Chunk] = []
    taken: set[str] = set()
    for path in files:
        key = str(path)
        old = old_docs.get(same_file(key))
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            report.rejected.append(Rejected(key, f"cannot read: {exc.strerror or exc}"))
            continue
        if old is not None and old.sha256 == digest and old.doc not in taken:
            documents.append(old)
            chunks += old_chunks.get(old.doc, [])
            report.unchanged.append(key)
            taken.add(old.doc)
            continue
        progress(f"reading {path.name}")
        try:
            parsed = parse_file(path, taken, embedder)
        except RejectedFile as exc:
            report.rejected.append(Rejected(key, exc.reason))
            continue
        documents.append(parsed)
        chunks += chunk_document(parsed, embedder.count_tokens)
        taken.add(parsed.doc)
        (report.changed if old is not None else report.added).append(key)
    seen = {same_file(str(p)) for p in files}
    report.removed = sorted(d.path for k, d in old_docs.items() if k not in seen)
    if not documents and not previous and report.rejected:
        raise KBError(
            "no document could be ingested: "
            + "; ".join(f"{r.path}: {r.reason}" for r in report.rejected)
        )

    if previous and not (report.added or report.changed or report.removed):
        report.version = previous.version  # nothing to publish: the current version stands
        report.documents, report.chunks = len(previous.documents), len(previous.chunks)
        report.concepts, report.glossary = len(previous.concepts), len(previous.glossary)
        return report

    progress(f"embedding {len(chunks)} passages (unchanged ones come from the cache)")
    cache = EmbeddingCache(root / "embeddings.sqlite", embedder.name)
    try:
        chunk_vectors, report.embedded = embed_cached(
            embedder, cache, [c.embed_text for c in chunks], refresh=rebuild
        )
        concepts = extract(documents, chunks)
        concept_vectors, _ = embed_cached(embedder, cache, [embedding_text(c) for c in concepts])
        calibration = {
            name: embed_cached(embedder, cache, calibration_queries(name))[0]
            for name in CALIBRATION_SETS
        }
    finally:
        cache.close()
    link_related(concepts, concept_vectors)
    dims = chunk_vectors.shape[1] if chunk_vectors.size else embedder.dimensions
    manifest = {
        "model": embedder.name,
        "dimensions": int(dims),
        "max_tokens": 256,
        "documents": len(documents),
        "chunks": len(chunks),
        "concepts": len(concepts),
        "glossary": sum(len(d.glossary) for d in documents),
    }
    progress(f"publishing: {len(documents)} documents, {len(concepts)} concepts")
    report.version = store.write_version(
        root,
        documents,
        chunks,
        chunk_vectors,
        concepts,
        concept_vectors if len(concepts) else np.zeros((0, dims), np.float32),
        manifest,
        calibration,
    )
    report.documents, report.chunks, report.concepts = len(documents), len(chunks), len(concepts)
    report.glossary = manifest["glossary"]
    return report


def same_file(path: str) -> str:
    return os.path.realpath(path)


def previous_kb(root: Path) -> store.KnowledgeBase | None:
    """The current version, or None; a damaged one is rebuilt from nothing, with a warning."""
    try:
        return store.open_kb(root)
    except KBNotFound:
        return None
    except KBCorrupt as exc:
        print(f"warning: {exc}; rebuilding from the documents", file=sys.stderr)
        return None


def parse_file(path: Path, taken: set[str], embedder: Embedder) -> ParsedDocument:
    """Load, clean and structure one file; its id is its file name, made unique."""
    loaded = load(path)
    doc = loaded.doc
    n = 2
    while doc in taken:
        doc, n = f"{loaded.doc}-{n}", n + 1
    title = catalog_title(path) or loaded.title
    parsed = parse(doc, loaded.path, title, loaded.format, loaded.sha256, clean(loaded.text))
    if not any(s.blocks for s in parsed.sections):
        raise RejectedFile(str(path), "no text left after cleaning")
    return parsed


def catalog_title(path: Path) -> str | None:
    """The title a maintainer gave the file in its folder's catalog.json, if any."""
    try:
        catalog = json.loads((path.parent / CATALOG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = catalog.get(path.name) if isinstance(catalog, dict) else None
    return entry.get("title") if isinstance(entry, dict) else None
