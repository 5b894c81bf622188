"""The ingest run: files -> load -> clean -> structure -> chunk -> concepts -> embed -> store.

Incremental by content hash and pipeline version: a document whose bytes did not change, and
that was parsed by the same parsing code and chunk settings (`ingest.version`), keeps its
parsed tree and chunks from the current version (`ingest.gather`); any other is parsed again.
Vectors come from the embedding cache, so a re-run with nothing changed parses and embeds
nothing, and one after a change to the ingest code parses again but embeds only new texts.
One ingest runs at a time (a file lock).
`run` is the sequence of steps below, one job each, in the order the data flows. What a version
learns besides its documents comes from a `Learner` the caller passes in (`ui.build` passes
`learn.version.CorpusLearner`): reading documents imports no training code, nor torch.
"""

from __future__ import annotations

import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from filelock import FileLock, Timeout

from ingest.concepts import embedding_text, extract, link_related
from ingest.corpus import Corpus
from ingest.files import find_documents
from ingest.gather import Progress, Scope, gather_documents
from ingest.names import shown
from ingest.version import Pipeline
from kb import store, versions
from kb.embed import BUNDLED, EMBEDDINGS, Cached, Embedder, EmbeddingCache, embed_cached
from kb.errors import KBBusy, KBCorrupt, KBError, KBNotFound, ModelMismatch, UsageError
from kb.learned import Learned
from kb.model import Chunk, Concept, IngestReport, Rejected
from kb.text import sentences

LOCK_WAIT_SECONDS = 0.0  # a second ingest refuses at once rather than queueing silently
DEFAULT_DOCS = Path("data/docs")  # what a first plain `kb ingest` reads


class Learner(Protocol):
    """What a version learns besides its documents (query encoder, calibration sets)."""

    def current(self, previous: store.KnowledgeBase, root: Path, base: Embedder) -> bool:
        """Whether `previous` already holds what would be learned now."""
        ...

    def learn(
        self,
        root: Path,
        base: Embedder,
        chunks: list[Chunk],
        concepts: list[Concept],
        concept_vectors: np.ndarray,
        chunk_vectors: np.ndarray,
        progress: Progress,
    ) -> Learned:
        """What the new version learns over its documents' chunks and concepts."""
        ...

    def prune(self, root: Path) -> None:
        """Remove what learning left that no kept version reads any more."""
        ...


@dataclass
class Embedded:
    """What the embedding steps make for a new version: vectors and the concept catalog."""

    chunk_vectors: np.ndarray
    concepts: list[Concept]
    concept_vectors: np.ndarray


def ingest(
    paths: list[Path],
    learner: Learner,
    kb_dir: str | Path | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    prune: bool = False,
    confirm: bool = False,
) -> IngestReport:
    """Bring the KB in line with the documents under `paths` and publish a new version.

    Documents of the current version outside `paths` stay (a subset ingest adds or updates
    and removes nothing); one whose file is gone from a folder in `paths` is removed.

    Args:
        paths: files or folders; none at all keeps every document and only re-learns.
        learner: what the version learns besides its documents.
        kb_dir: the KB folder (see `kb.store.resolve_kb_dir`).
        rebuild: ignore the current version and the embedding cache; start from nothing.
        embedder: the embedding model (the bundled MiniLM by default).
        progress: called with a short line at each step (the page shows them).
        prune: also remove the documents that are not under `paths`.
        confirm: allow a version that drops more than half of the current documents, or
            replaces or drops more than half of their passages (see `refuse_if_most_dropped`).

    Returns:
        What happened, in the contract's terms.

    Raises:
        UsageError: a path does not exist, or the ingest would drop most documents unasked.
        KBBusy: another ingest holds the lock. ModelMismatch: the KB was built with another model.
    """
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    started = time.perf_counter()
    root = store.resolve_kb_dir(kb_dir)
    root.mkdir(parents=True, exist_ok=True)
    embedder = embedder or Embedder(BUNDLED, root=root)
    try:
        with FileLock(str(root / ".lock"), timeout=LOCK_WAIT_SECONDS):
            scope = Scope([Path(p) for p in paths], prune, confirm)
            report = run(scope, root, rebuild, embedder, progress or (lambda _: None), learner)
    except Timeout as exc:
        raise KBBusy(f"another `kb ingest` is running on {root}; try again when it ends") from exc
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def run(
    scope: Scope,
    root: Path,
    rebuild: bool,
    embedder: Embedder,
    progress: Progress,
    learner: Learner,
) -> IngestReport:
    """One ingest, under the lock: find, reuse or parse, embed, learn, publish."""
    current = previous_kb(root)
    previous = None if rebuild else open_previous(current, root, embedder)
    report = IngestReport()
    files = find_files(scope.paths, report, progress)
    pipeline = Pipeline.of(embedder)
    with closing(EmbeddingCache(root / EMBEDDINGS, embedder.name)) as cache:
        corpus = gather_documents(  # parsing embeds paragraphs too (ingest.captions)
            files,
            Corpus.after(previous, history=current),
            scope,
            report,
            Cached(embedder, cache),
            progress,
            pipeline,
        )
    refuse_if_nothing_ingested(corpus, previous, report)
    refuse_if_most_dropped(corpus, current, scope)
    old_sources = (previous.manifest if previous else {}).get("sources", [])
    sources = sorted(set(scope.folders) | set(old_sources))
    if (
        previous
        and not (report.added or report.changed or report.removed or report.reparsed)
        and sources == old_sources
        and learner.current(previous, root, embedder)
    ):
        return keep_current(previous, report)
    embedded = embed(corpus, root, rebuild, embedder, report, progress)
    learned = learner.learn(
        root,
        embedder,
        corpus.chunks,
        embedded.concepts,
        embedded.concept_vectors,
        embedded.chunk_vectors,
        progress,
    )
    report.training = learned.summary
    export = getattr(embedder, "export", None)  # a stand-in embedder has nothing to export
    if export:
        export()
    publish(root, corpus, embedded, learned, embedder, pipeline, sources, report, progress)
    learner.prune(root)
    return report


def open_previous(
    previous: store.KnowledgeBase | None, root: Path, embedder: Embedder
) -> store.KnowledgeBase | None:
    """The current version to reuse from.

    A KB built with another model is refused: vectors of two models cannot be compared.
    """
    if previous and previous.manifest.get("model") != embedder.name:
        raise ModelMismatch(
            f"the KB in {root} was built with {previous.manifest.get('model')}, not "
            f"{embedder.name}; run `kb ingest --rebuild` to rebuild it with the new model"
        )
    return previous


def previous_kb(root: Path) -> store.KnowledgeBase | None:
    """The current version, or None; a damaged one is rebuilt from nothing, with a warning."""
    try:
        return store.open_kb(root)
    except KBNotFound:
        return None
    except KBCorrupt as exc:
        print(f"warning: {exc}; rebuilding from the documents", file=sys.stderr)
        return None


def recorded_folders(kb_dir: str | Path | None = None) -> list[Path]:
    """The folders the current version was built from (`data/docs` for a new KB): what a
    plain `kb ingest` reads again, so that a file deleted from them leaves the KB."""
    root = store.resolve_kb_dir(kb_dir)
    try:  # the manifest alone: the ingest that follows opens the whole version anyway
        version = versions.current_version(root)
        manifest = versions.read_manifest(versions.version_dir(root, version)) if version else {}
    except KBError:
        manifest = {}
    return [Path(s) for s in manifest.get("sources") or []] or [DEFAULT_DOCS]


def find_files(paths: list[Path], report: IngestReport, progress: Progress) -> list[Path]:
    """The document files under `paths`; paths that cannot be documents go to the report."""
    files, rejected = find_documents(paths)
    report.rejected = [Rejected(shown(r.path), r.reason) for r in rejected]
    progress(f"{len(files)} document file(s) found")
    return files


def refuse_if_nothing_ingested(
    corpus: Corpus, previous: store.KnowledgeBase | None, report: IngestReport
) -> None:
    """A first ingest in which every file was rejected fails, rather than publish an empty KB."""
    if not corpus.documents and not previous and report.rejected:
        raise KBError(
            "no document could be ingested: "
            + "; ".join(f"{r.path}: {r.reason}" for r in report.rejected)
        )


def refuse_if_most_dropped(
    corpus: Corpus, current: store.KnowledgeBase | None, scope: Scope
) -> None:
    """A version without most of the current documents, or with most of their passages
    replaced, is published only when asked for: a folder emptied by mistake, or a folder of
    same-named decoys, must not empty the KB."""
    if current is None or scope.confirm:
        return
    kept = {d.doc for d in corpus.documents}  # a document replaced under its name stays
    gone = [shown(d.path) for d in current.documents if d.doc not in kept]
    if 2 * len(gone) > len(current.documents):
        raise UsageError(
            f"this ingest would remove {len(gone)} of the {len(current.documents)} documents "
            f"({_some(gone)}); nothing was changed. To remove them, run it again with --yes"
        )
    lost, total, documents = lost_text(corpus, current)
    if 2 * lost > total:
        raise UsageError(
            f"this ingest would replace or remove {round(100 * lost / total)}% of the KB's text "
            f"(in {_some(documents)}); nothing was changed. To replace it, run it again "
            "with --yes"
        )


def lost_text(corpus: Corpus, current: store.KnowledgeBase) -> tuple[int, int, list[str]]:
    """How much of the current version's text (characters of its passages' sentences) the
    new one drops or rewrites, of how much, and the files it comes from. Only documents gone
    or whose bytes changed can lose text, and only sentences found nowhere in the new
    version count: an edit in one place, or a sentence added, loses little."""
    now = {d.doc: d.sha256 for d in corpus.documents}
    moved = {d.doc: d.path for d in current.documents if now.get(d.doc) != d.sha256}
    total = sum(len(c.text) for c in current.chunks)
    if not moved:
        return 0, total, []
    kept = {s for c in corpus.chunks for s in sentences(c.text)}
    lost: dict[str, int] = {}
    for chunk in current.chunks:
        if chunk.doc in moved:
            gone = sum(len(s) for s in sentences(chunk.text) if s not in kept)
            lost[chunk.doc] = lost.get(chunk.doc, 0) + gone
    documents = [shown(moved[doc]) for doc, chars in lost.items() if chars]
    return sum(lost.values()), total, documents


def _some(paths: list[str]) -> str:
    """The first three paths, and how many more."""
    return ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def keep_current(previous: store.KnowledgeBase, report: IngestReport) -> IngestReport:
    """Nothing added, changed or removed: the current version stands, nothing is published
    (what killed writers left behind is still swept)."""
    versions.sweep_temporary(previous.root)
    report.version = previous.version
    report.documents, report.chunks = len(previous.documents), len(previous.chunks)
    report.concepts, report.glossary = len(previous.concepts), len(previous.glossary)
    return report


def embed(
    corpus: Corpus,
    root: Path,
    rebuild: bool,
    embedder: Embedder,
    report: IngestReport,
    progress: Progress,
) -> Embedded:
    """Passages and concepts through the documents' model, via one cache."""
    progress(f"embedding {len(corpus.chunks)} passages (unchanged ones come from the cache)")
    with closing(EmbeddingCache(root / EMBEDDINGS, embedder.name)) as cache:
        texts = [c.embed_text for c in corpus.chunks]
        chunk_vectors, report.embedded = embed_cached(embedder, cache, texts, refresh=rebuild)
        concepts, concept_vectors = extract_concepts(corpus, embedder, cache)
    return Embedded(chunk_vectors, concepts, concept_vectors)


def extract_concepts(
    corpus: Corpus, embedder: Embedder, cache: EmbeddingCache
) -> tuple[list[Concept], np.ndarray]:
    """The concept catalog and its vectors; close vectors link concepts as related."""
    concepts = extract(corpus.documents, corpus.chunks)
    vectors, _ = embed_cached(embedder, cache, [embedding_text(c) for c in concepts])
    link_related(concepts, vectors)
    return concepts, vectors


def publish(
    root: Path,
    corpus: Corpus,
    embedded: Embedded,
    learned: Learned,
    embedder: Embedder,
    pipeline: Pipeline,
    sources: list[str],
    report: IngestReport,
    progress: Progress,
) -> None:
    """Write the new version and make it current (atomically, in `kb.store`); report it."""
    vectors = embedded.chunk_vectors
    dims = vectors.shape[1] if vectors.size else embedder.dimensions
    concepts = embedded.concepts
    concept_vectors = embedded.concept_vectors if len(concepts) else np.zeros((0, dims), np.float32)
    manifest = {
        "model": embedder.name,
        "dimensions": int(dims),
        "max_tokens": pipeline.max_tokens,  # the chunk token limit (`ingest.version`)
        "pipeline": pipeline.version,  # what parsed the documents parsed by this ingest
        "documents": len(corpus.documents),
        "chunks": len(corpus.chunks),
        "concepts": len(concepts),
        "glossary": sum(len(d.glossary) for d in corpus.documents),
        "query_model": learned.query_model,
        "training": learned.summary,
        "sources": sources,  # the folders it was built from (see `recorded_folders`)
    }
    progress(f"publishing: {len(corpus.documents)} documents, {len(concepts)} concepts")
    report.version = store.write_version(
        root,
        corpus.documents,
        corpus.chunks,
        vectors,
        concepts,
        concept_vectors,
        manifest,
        learned.calibration,
        learned.record,
    )
    report.documents, report.chunks = len(corpus.documents), len(corpus.chunks)
    report.concepts, report.glossary = len(concepts), manifest["glossary"]
