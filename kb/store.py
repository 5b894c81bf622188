"""Storage: one KB folder holding numbered versions, of which one is current.

    data/kb/
      CURRENT                 the name of the published version, replaced atomically
      versions/v000003/       kb.sqlite, vectors.faiss, concepts.npy, manifest.json
      embeddings.sqlite       the embedding cache, shared by all versions
      feedback.sqlite         users' thumbs up/down, kept across versions
      .lock                   held by the one ingest allowed at a time

A version is written in a temporary folder, made durable, renamed into place and only then
named in CURRENT (write a temp file, fsync, `os.replace`). A reader that opens CURRENT sees a
complete version; a crash at any moment leaves the previous version current.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kb import disk
from kb import vectors as vector_index
from kb.errors import DiskFull, KBCorrupt, KBNotFound, UsageError
from kb.learned import EMPTY, TrainingRecord
from kb.model import (
    Block,
    Chunk,
    Concept,
    GlossaryEntry,
    ParsedDocument,
    Reference,
    Section,
    Source,
)
from kb.versions import (
    FORMAT,
    check_files,
    current_version,
    file_digest,
    fsync_dir,
    next_version,
    prune,
    read_manifest,
    record_published,
    version_dir,
    write_durably,
    write_manifest,
)

SCHEMA_VERSION = 2  # 2: sections, glossary and refs live in documents.structure only
FILES = ("kb.sqlite", "vectors.faiss", "concepts.npy", "calibration.npz", "training.json")

SCHEMA = """
CREATE TABLE documents (doc TEXT PRIMARY KEY, path TEXT, title TEXT, format TEXT,
    sha256 TEXT, summary TEXT, levels TEXT, structure TEXT);
CREATE TABLE chunks (idx INTEGER PRIMARY KEY, id TEXT UNIQUE, doc TEXT, level TEXT,
    section TEXT, section_path TEXT, title TEXT, text TEXT, start INTEGER, "end" INTEGER,
    tokens INTEGER);
CREATE TABLE concepts (idx INTEGER PRIMARY KEY, id TEXT UNIQUE, title TEXT, kind TEXT,
    level TEXT, doc TEXT, section TEXT, definition TEXT, data TEXT);
CREATE INDEX chunks_doc ON chunks (doc);
"""


@dataclass
class KnowledgeBase:
    """One published version, loaded: what the recommender, CLI and page read."""

    root: Path
    version: str
    manifest: dict
    documents: list[ParsedDocument]
    chunks: list[Chunk]
    concepts: list[Concept]
    index: object  # faiss.Index over chunk vectors, row i = chunks[i]
    concept_vectors: np.ndarray
    glossary: list[GlossaryEntry] = field(default_factory=list)
    calibration: dict[str, np.ndarray] = field(default_factory=dict)  # set name -> vectors
    # What the training corpus left for this version: its query sets' texts and held-out parts.
    training: TrainingRecord = EMPTY

    def concept(self, concept_id: str) -> Concept | None:
        return self._concepts_by_id().get(concept_id)

    def _concepts_by_id(self) -> dict[str, Concept]:
        if not hasattr(self, "_by_id"):
            self._by_id = {c.id: c for c in self.concepts}
        return self._by_id


def resolve_kb_dir(kb_dir: str | Path | None = None) -> Path:
    """--kb-dir, else $KB_DIR, else data/kb (the CLI contract).

    Raises:
        UsageError: the path is a file: no ingest could ever make a KB there.
    """
    root = Path(kb_dir or os.environ.get("KB_DIR") or "data/kb")
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file, not a KB folder: give --kb-dir a folder")
    return root


def write_version(
    root: Path,
    documents: list[ParsedDocument],
    chunks: list[Chunk],
    chunk_vectors: np.ndarray,
    concepts: list[Concept],
    concept_vectors: np.ndarray,
    manifest: dict,
    calibration: dict[str, np.ndarray],
    training: TrainingRecord = EMPTY,
) -> str:
    """Write a complete new version and publish it; return its name.

    Everything goes to a temporary folder first; CURRENT names the new version only once
    every file is on disk, so readers and crashes see the old or the new, never a mix.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "versions").mkdir(exist_ok=True)
    version = next_version(root)
    try:
        before = current_version(root)
    except KBCorrupt:  # a damaged CURRENT named nothing worth keeping
        before = None
    tmp = root / "versions" / f".tmp-{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    with disk.writing(root, "the new version", leftover=tmp, after=UNTOUCHED):
        write_sqlite(tmp / "kb.sqlite", documents, chunks, concepts)
        index, index_info = vector_index.build(chunk_vectors)
        vector_index.save(index, tmp / "vectors.faiss")
        with open(tmp / "concepts.npy", "wb") as f:
            np.save(f, concept_vectors.astype(np.float32))
        with open(tmp / "calibration.npz", "wb") as f:
            np.savez(f, **{name: v.astype(np.float32) for name, v in calibration.items()})
        write_durably(tmp / "training.json", json.dumps(training.to_json(), ensure_ascii=False))
        manifest = {
            **manifest,
            "format": FORMAT,
            "schema": SCHEMA_VERSION,
            "version": version,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "index": index_info,
            "files": {name: file_digest(tmp / name) for name in FILES},
        }
        write_manifest(tmp, manifest)
        fsync_dir(tmp)
    os.rename(tmp, version_dir(root, version))
    fsync_dir(root / "versions")
    # CURRENT unwritten, the renamed folder was never published: the next publish prunes it
    with disk.writing(root, "the new version", after=UNTOUCHED):
        write_durably(root / "CURRENT", version + "\n")
    try:
        record_published(root, version, before)
    except DiskFull as exc:  # published all the same: only the record for pruning is behind
        print(f"warning: {exc}", file=sys.stderr)
    prune(root, version)
    return version


UNTOUCHED = "the current one is untouched; free some space and ingest again"


def write_sqlite(path: Path, documents, chunks, concepts) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for d in documents:
            db.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?)",
                (
                    d.doc,
                    d.path,
                    d.title,
                    d.format,
                    d.sha256,
                    d.summary,
                    json.dumps(d.levels),
                    json.dumps(asdict(d)),
                ),
            )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    i,
                    c.id,
                    c.doc,
                    c.level,
                    c.section,
                    json.dumps(c.section_path),
                    c.title,
                    c.text,
                    c.start,
                    c.end,
                    c.tokens,
                )
                for i, c in enumerate(chunks)
            ],
        )
        db.executemany(
            "INSERT INTO concepts VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    i,
                    c.id,
                    c.title,
                    c.kind,
                    c.level,
                    c.doc,
                    c.section,
                    c.definition,
                    json.dumps(asdict(c)),
                )
                for i, c in enumerate(concepts)
            ],
        )
        db.commit()
    finally:
        db.close()


# numpy reads an .npy header with ast.literal_eval, which CPython 3.11 does not make safe
# across threads: readers of the page loading at once failed with "AST constructor recursion
# depth mismatch" (tests/test_reliability.py's eight readers, about one run in three).
NPY_HEADERS = threading.Lock()


def open_kb(kb_dir: str | Path | None = None) -> KnowledgeBase:
    """Load the current version, checking it is whole.

    Raises:
        KBNotFound: nothing has been ingested into this folder yet.
        KBCorrupt: a file is missing, truncated or altered; `kb ingest --rebuild` is the way out.
    """
    root = resolve_kb_dir(kb_dir)
    version = current_version(root)
    if version is None:
        raise KBNotFound(f"no knowledge base in {root}: run `kb ingest` first")
    folder = version_dir(root, version)
    manifest = read_manifest(folder)
    check_files(folder, manifest)
    try:
        documents, chunks, concepts = read_sqlite(folder / "kb.sqlite")
        index = vector_index.load(folder / "vectors.faiss")
        with NPY_HEADERS:
            concept_vectors = np.load(folder / "concepts.npy")
            with np.load(folder / "calibration.npz") as npz:
                calibration = {name: npz[name] for name in npz.files}
        training = read_training(folder)
    except Exception as exc:  # any library error here means a damaged file
        raise KBCorrupt(f"{folder} cannot be read ({exc}); run `kb ingest --rebuild`") from exc
    if index.ntotal != len(chunks) or len(concept_vectors) != len(concepts):
        raise KBCorrupt(f"{folder} is inconsistent; run `kb ingest --rebuild`")
    glossary = [g for d in documents for g in d.glossary]
    return KnowledgeBase(
        root,
        version,
        manifest,
        documents,
        chunks,
        concepts,
        index,
        concept_vectors,
        glossary,
        calibration,
        training,
    )


def read_sqlite(path: Path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        documents = [
            parsed_from_dict(json.loads(s))
            for (s,) in db.execute("SELECT structure FROM documents ORDER BY doc")
        ]
        chunks = [
            Chunk(id, doc, level, section, json.loads(path_), title, text, start, end, tokens)
            for (id, doc, level, section, path_, title, text, start, end, tokens) in db.execute(
                'SELECT id, doc, level, section, section_path, title, text, start, "end", tokens '
                "FROM chunks ORDER BY idx"
            )
        ]
        concepts = [
            concept_from_dict(json.loads(s))
            for (s,) in db.execute("SELECT data FROM concepts ORDER BY idx")
        ]
    finally:
        db.close()
    return documents, chunks, concepts


def parsed_from_dict(d: dict) -> ParsedDocument:
    sections = [
        Section(**{**s, "blocks": [Block(**b) for b in s["blocks"]]}) for s in d["sections"]
    ]
    return ParsedDocument(
        **{
            **d,
            "sections": sections,
            "glossary": [GlossaryEntry(**g) for g in d["glossary"]],
            "references": [Reference(**r) for r in d["references"]],
        }
    )


def concept_from_dict(d: dict) -> Concept:
    return Concept(**{**d, "sources": [Source(**s) for s in d["sources"]]})


def read_training(folder: Path) -> TrainingRecord:
    """The version's training record; EMPTY for a version written before there was one."""
    path = folder / "training.json"
    if not path.exists():
        return EMPTY
    return TrainingRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
