"""What one ingest gathers: the new version's documents and chunks, beside the current
version's, indexed by file so that an unchanged document is reused rather than parsed.

A document is its file: the file's real path (folder and name, links resolved), never its
base name. Its id is the file name without its extension, kept from one version to the next;
a file of the same name in another folder is another document, with the next free id
(`name-2`, `name-3`). A file of the same name takes a document's id over, and replaces it,
only when the document's own file is gone from disk (a folder was moved or renamed) or when
it is a byte-for-byte copy of it (a folder was copied): then no text is lost.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import Chunk, ParsedDocument
from kb.store import KnowledgeBase


def same_file(path: str | Path) -> str:
    """The key of a file whatever path spelling (relative, absolute, a link) reached it."""
    return os.path.realpath(path)


@dataclass
class Corpus:
    """The documents and chunks of the new version, gathered file by file."""

    old_docs: dict[str, ParsedDocument] = field(default_factory=dict)  # file key -> document
    old_chunks: dict[str, list[Chunk]] = field(default_factory=dict)  # doc id -> its chunks
    documents: list[ParsedDocument] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)  # document ids in use, to keep them unique
    reserved: dict[str, str] = field(default_factory=dict)  # doc id -> the file key it keeps
    found: set[str] = field(default_factory=set)  # the file keys this ingest reads
    generation: int = 0  # what `ParsedDocument.added` a document new in this ingest gets
    # file key -> the ingest that first brought it in, known even when nothing is reused
    # (`--rebuild`): a rebuild re-derives the catalog, it does not forget which page came first
    first_added: dict[str, int] = field(default_factory=dict)

    @classmethod
    def after(cls, current: KnowledgeBase | None, history: KnowledgeBase | None = None) -> Corpus:
        """An empty new version that can reuse what `current` holds (nothing, if None);
        `history` (the current version, also on a rebuild) says when each file came in."""
        history = history or current
        first_added = {same_file(d.path): d.added for d in history.documents} if history else {}
        generation = 1 + max(first_added.values(), default=-1)
        if current is None:
            return cls(generation=generation, first_added=first_added)
        chunks: dict[str, list[Chunk]] = {}
        for chunk in current.chunks:
            chunks.setdefault(chunk.doc, []).append(chunk)
        return cls(
            {same_file(d.path): d for d in current.documents},
            chunks,
            generation=generation,
            first_added=first_added,
        )

    def reserve(self, files: list[Path], leaves: Callable[[str], bool]) -> None:
        """Keep each current document's id for its own file: a document found again, or one
        kept as it is (outside what was ingested, file still on disk). The ids of documents
        that leave (`leaves(path)`) or whose file is gone from disk are free to take."""
        self.found = {same_file(str(p)) for p in files}
        for key, document in self.old_docs.items():
            if key in self.found or not (leaves(document.path) or not os.path.lexists(key)):
                self.reserved[document.doc] = key

    def id_for(self, path: Path, name: str, sha256: str = "") -> str:
        """The id of the document from `path`: its current id if it has one, else `name`,
        or `name-2`, `name-3`... when another file holds or keeps that one. A byte-for-byte
        copy of a document whose own file is not ingested now takes its id over (the folder
        was copied elsewhere): the same text, so nothing is lost, and no duplicate."""
        key = same_file(str(path))
        old = self.old(path)
        if old is not None and old.doc not in self.taken:
            return old.doc
        doc, n = name, 2
        while doc in self.taken or self.reserved.get(doc, key) != key:
            if doc not in self.taken and self._copy_of(doc, sha256):
                break
            doc, n = f"{name}-{n}", n + 1
        return doc

    def _copy_of(self, doc: str, sha256: str) -> bool:
        """Whether a file of these bytes may take over `doc`, kept for a file not read now."""
        owner = self.old_docs.get(self.reserved.get(doc, ""))
        return (
            bool(sha256)
            and owner is not None
            and owner.sha256 == sha256
            and (self.reserved[doc] not in self.found)
        )

    def old(self, path: Path) -> ParsedDocument | None:
        """The current version's document from this file, if it has one."""
        return self.old_docs.get(same_file(str(path)))

    def add(self, document: ParsedDocument, chunks: list[Chunk]) -> None:
        """Take a document and its chunks into the new version; a document parsed again keeps
        the ingest that first brought its file in."""
        document.added = self.first_added.get(same_file(document.path), self.generation)
        self.documents.append(document)
        self.chunks += chunks
        self.taken.add(document.doc)

    def reuse(self, document: ParsedDocument) -> None:
        """Take a document of the current version, with its chunks, into the new one."""
        self.add(document, self.old_chunks.get(document.doc, []))

    def not_found(self, files: list[Path]) -> list[ParsedDocument]:
        """The current version's documents whose files are not among `files`."""
        seen = {same_file(str(p)) for p in files}
        return [d for k, d in self.old_docs.items() if k not in seen]
