"""What a loaded KB holds, counted: the figures of `kb stats` and of the page's Documents view.

Counted here once, so the command line and the page can never report different figures.
"""

from __future__ import annotations

from collections import Counter

from kb.store import KnowledgeBase


def stats(kb: KnowledgeBase) -> dict:
    """Version, build, model, index and the size of each part: `kb stats --json`, key for key."""
    m = kb.manifest
    return {
        "version": kb.version,
        "built_at": m.get("built_at"),
        "model": m.get("model"),
        "dimensions": m.get("dimensions"),
        "documents": len(kb.documents),
        "chunks": len(kb.chunks),
        "concepts": len(kb.concepts),
        "glossary": len(kb.glossary),
        "index": m.get("index"),
        "kb_dir": str(kb.root),
    }


def per_document(kb: KnowledgeBase) -> dict[str, dict[str, int]]:
    """Chunks and concepts per document id, so a maintainer sees what each file contributed."""
    chunks = Counter(chunk.doc for chunk in kb.chunks)
    concepts = Counter(concept.doc for concept in kb.concepts)
    return {d.doc: {"chunks": chunks[d.doc], "concepts": concepts[d.doc]} for d in kb.documents}
