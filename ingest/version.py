"""The pipeline version: what a stored document's parse and chunks were made by.

A document is reused from the current version only when its bytes AND the pipeline version
are the same (`ingest.gather`): a fix to the code that reads, cleans, structures or chunks
documents, a new version of a format's library, or another chunk token limit re-parses every
document once. Its unchanged chunk texts still come from the embedding cache, so re-parsing
embeds nothing twice.

The version is a hash of the source files of the `ingest` package that turn a file's bytes
into the stored document and chunks (every module but the ones listed in `NOT_PARSING`),
of `kb/text.py` and `kb/model.py` (the shared text rules and the stored shapes), of the
format libraries' versions, and of the settings that shape chunks: the token limit and the
model whose tokenizer counts the tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from ingest.captions import model_hash
from ingest.chunk import MAX_TOKENS
from kb.text import sha256_bytes, sha256_text

REPO = Path(__file__).resolve().parents[1]
# The ingest modules that run after the documents are parsed and chunked (concepts are made
# again on every run), only name what is shown, or are this module.
NOT_PARSING = frozenset({"pipeline.py", "concepts.py", "names.py", "version.py"})
SHARED = ("kb/text.py", "kb/model.py")
# The libraries the format readers and the decoder parse with.
LIBRARIES = ("markdown-it-py", "beautifulsoup4", "python-docx", "pypdf", "charset-normalizer")


def parsing_sources() -> list[Path]:
    """The source files whose code turns bytes into the stored document and chunks, in a
    stable order (paths relative to the repository, sorted)."""
    package = REPO / "ingest"
    files = [p for p in package.rglob("*.py") if p.name not in NOT_PARSING or p.parent != package]
    files += [REPO / s for s in SHARED if (REPO / s).exists()]
    return sorted(files, key=lambda p: p.relative_to(REPO).as_posix())


@cache
def code_hash() -> str:
    """A hash of the parsing code (file names and contents) and its libraries' versions,
    computed once per process."""
    parts = []
    for path in parsing_sources():
        parts.append(f"{path.relative_to(REPO).as_posix()}\0{sha256_bytes(path.read_bytes())}")
    for name in LIBRARIES:
        try:
            parts.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} missing")
    # the caption classifier's weights decide which lines are dropped: a retrained one re-parses
    parts.append(f"caption model\0{model_hash()}")
    return sha256_text("\n".join(parts))


@dataclass(frozen=True)
class Pipeline:
    """The settings that shape a document's chunks, and the version they make with the code."""

    max_tokens: int  # the chunk token limit: the chunker's, never above the model's input
    model: str  # the model whose tokenizer counts the tokens

    @classmethod
    def of(cls, embedder) -> Pipeline:
        """The settings an ingest with `embedder` chunks by."""
        limit = int(getattr(embedder, "max_tokens", MAX_TOKENS) or MAX_TOKENS)
        return cls(min(MAX_TOKENS, limit), embedder.name)

    @property
    def version(self) -> str:
        settings = {"code": code_hash(), "max_tokens": self.max_tokens, "model": self.model}
        return sha256_text(json.dumps(settings, sort_keys=True))[:16]
