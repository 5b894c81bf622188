"""Gathering the new version's documents, file by file: each file is read once, then reused
(bytes and pipeline version unchanged), parsed (new or changed), parsed again (same bytes,
but the parsing code or the chunk settings changed: `ingest.version`) or rejected with a
reason.

What a file held is what was hashed and parsed: the bytes are read once, hashed, and those
same bytes are parsed; the file's size, modification and change times and inode are checked
again after parsing. A file rewritten meanwhile is read again once, then rejected. A rejected
file that was in the KB keeps its previous version there (and the report says so): a file
caught half-written must not silently leave the KB.

A document is its file (`ingest.corpus`): a same-named file from another folder is another
document. Parsing runs in a worker under a budget of time and memory (`ingest.budget`), and
every file name the report holds is escaped to one line (`ingest.names`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.budget import ParseFailed, clean, load
from ingest.captions import drop_captions
from ingest.chunk import chunk_document
from ingest.corpus import Corpus, same_file
from ingest.files import catalog_title, read_bytes
from ingest.names import shown
from ingest.structure import parse
from ingest.unreadable import Unreadable
from ingest.version import Pipeline
from kb.embed import Embedder
from kb.errors import RejectedFile
from kb.model import Chunk, IngestReport, ParsedDocument, Rejected
from kb.text import sha256_bytes

Progress = Callable[[str], None]
CHANGED_WHILE_READ = "the file changed while it was being read; ingest again once it is saved"


@dataclass
class Scope:
    """What an ingest was asked to cover, and what it may remove."""

    paths: list[Path]
    prune: bool = False  # remove documents outside `paths` too
    confirm: bool = False  # dropping most of the documents was asked for

    @property
    def folders(self) -> list[str]:
        return [same_file(p) for p in self.paths if p.is_dir()]

    def removes(self, path: str) -> bool:
        """Whether a current document whose file was not found again leaves the KB."""
        key = same_file(path)
        return self.prune or any(key.startswith(f.rstrip("/") + "/") for f in self.folders)


@dataclass(frozen=True)
class Snapshot:
    """A file's bytes as read, and what the file was (size, times, inode) when they were read.

    The change time and inode are part of it: an editor that rewrites a file in place within
    one tick of the clock, or puts its modification time back, still moves the change time,
    and a save by rename gives a new inode.
    """

    data: bytes
    fingerprint: tuple[int, int, int, int, int]  # size, mtime, ctime (ns), device, inode

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.data)

    @classmethod
    def of(cls, path: Path) -> Snapshot:
        """Read a file once (raises `Unreadable`)."""
        try:
            before = os.stat(path)
        except OSError as exc:
            raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
        return cls(read_bytes(path), _fingerprint(before))

    def still(self, path: Path) -> bool:
        """Whether the file on disk is still the one that was read."""
        try:
            now = os.stat(path)
        except OSError:
            return False
        return _fingerprint(now) == self.fingerprint and len(self.data) == self.fingerprint[0]


def _fingerprint(info: os.stat_result) -> tuple[int, int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_dev, info.st_ino)


def gather_documents(
    files: list[Path],
    corpus: Corpus,
    scope: Scope,
    report: IngestReport,
    embedder: Embedder,
    progress: Progress,
    pipeline: Pipeline | None = None,
) -> Corpus:
    """The new version's documents: unchanged files reused, new and changed ones parsed, and
    unchanged ones parsed by another pipeline version (`ingest.version`) parsed again.

    A current document not found again is removed when its folder was ingested (or on
    prune), and kept as it is otherwise (it keeps its pipeline version, so it is parsed again
    when its file is next ingested).
    """
    pipeline = pipeline or Pipeline.of(embedder)
    corpus.reserve(files, scope.removes)
    for path in files:
        gather_file(path, corpus, report, embedder, progress, pipeline)
    if report.reparsed:
        progress(
            f"re-parsed {len(report.reparsed)} document(s): the ingest code or its settings changed"
        )
    for document in corpus.not_found(files):
        if scope.removes(document.path) or document.doc in corpus.taken:
            report.removed.append(shown(document.path))
        else:
            corpus.reuse(document)
    report.removed.sort()
    return corpus


def gather_file(
    path: Path,
    corpus: Corpus,
    report: IngestReport,
    embedder: Embedder,
    progress: Progress,
    pipeline: Pipeline,
) -> None:
    """Reuse, parse or reject one file; a file rewritten while it was read gets one more try."""
    version = pipeline.version
    for _attempt in range(2):
        try:
            snapshot = Snapshot.of(path)
        except Unreadable as exc:
            return reject(path, str(exc), corpus, report)
        old = corpus.old(path)
        same = old is not None and old.sha256 == snapshot.sha256 and old.doc not in corpus.taken
        if same and old.pipeline == version:
            corpus.reuse(old)
            report.unchanged.append(shown(path))
            return None
        progress(f"reading {shown(path.name)}")
        try:
            parsed, chunks = parse_file(path, snapshot.data, corpus, embedder, pipeline)
        except RejectedFile as exc:
            return reject(path, exc.reason, corpus, report)
        except RecursionError:
            return reject(path, "nested too deeply to parse", corpus, report)
        except Exception as exc:  # one file's surprise must not stop the others
            kind = exc.kind if isinstance(exc, ParseFailed) else type(exc).__name__
            reason = f"could not be parsed ({kind}: {exc})"
            return reject(path, reason, corpus, report)
        if snapshot.still(path):
            corpus.add(parsed, chunks)
            kind = report.reparsed if same else report.changed if old is not None else report.added
            kind.append(shown(path))
            return None
    return reject(path, CHANGED_WHILE_READ, corpus, report)


def reject(path: Path, reason: str, corpus: Corpus, report: IngestReport) -> None:
    """Report a file that cannot be ingested; its previous version, if any, stays."""
    old = corpus.old(path)
    if old is not None and old.doc not in corpus.taken:
        corpus.reuse(old)
        reason += "; its previous version stays in the KB"
    report.rejected.append(Rejected(shown(path), reason))


def parse_file(
    path: Path, data: bytes, corpus: Corpus, embedder: Embedder, pipeline: Pipeline
) -> tuple[ParsedDocument, list[Chunk]]:
    """Load, clean, structure and chunk one file's bytes, stamped with the pipeline version;
    its id is its file name, unless another file holds that id (`Corpus.id_for`). Loading
    and cleaning run in the worker process, under a budget of time and memory
    (`ingest.budget`); image descriptions are then dropped by the learned classifier
    (`ingest.captions`); chunks fit the pipeline's token limit."""
    loaded = load(path, data)
    doc = corpus.id_for(path, loaded.doc, loaded.sha256)
    title = catalog_title(path) or loaded.title
    lines = drop_captions(clean(loaded.text, path), embedder)  # in this process: the model is here
    parsed = parse(doc, loaded.path, title, loaded.format, loaded.sha256, lines)
    if not any(s.blocks for s in parsed.sections):
        raise RejectedFile(str(path), "no text left after cleaning")
    parsed.pipeline = pipeline.version
    return parsed, chunk_document(parsed, embedder.count_tokens, pipeline.max_tokens)
