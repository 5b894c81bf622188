"""Shared fixtures: a fast deterministic fake embedder, and one real KB built once per session.

The fake embedder has the interface of `kb.embed.Embedder` and is passed to
`ingest.pipeline.ingest(..., embedder=fake)` for plumbing tests. Tests that need the real
concepts, the real tokenizer limits or the `kb` command use the session KB, built by the real
`.venv/bin/kb ingest --json` (the bundled MiniLM, with its query encoder trained from
`data/training`) from a copy of `data/docs`; they are marked
`slow`. The embedding cache lives in the KB folder, so copies of that folder re-ingest fast.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "data" / "docs"
KB_BIN = REPO / ".venv" / "bin" / "kb"
REAL_FIXTURES = {"real_kb", "real_store", "real_concepts"}
TRAINING = REPO / "data" / "training"
# Training the query encoder takes minutes: only the tests that ask for it (the session KB,
# tests/test_adapted.py) name a corpus. Everything else, the `kb` command, the page and their
# subprocesses, sees a corpus folder that does not exist, and trains nothing.
os.environ["KB_TRAINING"] = str(REPO / "tests" / "data" / "no-training-corpus")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reads the real (MiniLM-built) session KB is `slow`, wherever it is."""
    for item in items:
        if REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


class FakeEmbedder:
    """Deterministic stand-in for `kb.embed.Embedder`: words hashed into 64 signed dims.

    `calls` counts the texts embedded (as the real one does); `texts` keeps them, so tests can
    say which texts were embedded, not only how many.
    """

    dimensions = 64
    max_tokens = 256

    def __init__(self, name: str = "fake-hash-64"):
        self.name = name
        self.calls = 0
        self.texts: list[str] = []

    def count_tokens(self, text: str) -> int:
        return math.ceil(len(text.split()) * 1.3 + 2)

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        self.texts += list(texts)
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
                out[i, h % self.dimensions] += 1.0 if (h >> 32) & 1 else -1.0
            norm = float(np.linalg.norm(out[i]))
            if norm == 0.0:
                out[i, 0], norm = 1.0, 1.0
            out[i] /= norm
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def make_embedder():
    """A factory for fake embedders under another model name (for model-mismatch tests)."""
    return FakeEmbedder


@pytest.fixture
def kb_run():
    """`run_kb`: the installed `kb` command in a subprocess."""
    return run_kb


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A private copy of data/docs (with its catalog.json) that a test may edit."""
    target = tmp_path / "docs"
    shutil.copytree(DOCS, target)
    return target


def run_kb(
    *args: str, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the installed `kb` command, as a user would, and capture its output."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    full_env.pop("KB_DIR", None)  # only --kb-dir (or the test's own env) says where the KB is
    full_env.update(env or {})
    return subprocess.run(
        [str(KB_BIN), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=REPO,
        timeout=timeout,
    )


@dataclass
class RealKB:
    """The session's real KB: built from `docs` into `kb_dir` by `kb ingest --json`."""

    docs: Path
    kb_dir: Path
    returncode: int
    report: dict
    stderr: str

    def copy_to(self, target: Path) -> Path:
        """A private copy of the KB folder (versions and embedding cache) for a test to change."""
        shutil.copytree(self.kb_dir, target, ignore=shutil.ignore_patterns(".lock"))
        return target


@pytest.fixture(scope="session")
def real_kb(tmp_path_factory: pytest.TempPathFactory) -> RealKB:
    root = tmp_path_factory.mktemp("real")
    docs = root / "docs"
    shutil.copytree(DOCS, docs)
    kb_dir = root / "kb"
    done = run_kb(
        "ingest",
        str(docs),
        "--kb-dir",
        str(kb_dir),
        "--training",
        str(TRAINING),
        "--json",
        timeout=900,
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise
    return RealKB(docs, kb_dir, done.returncode, report, done.stderr)


@pytest.fixture(scope="session")
def real_store(real_kb: RealKB):
    """The session KB, loaded once through `kb.store.open_kb`."""
    from kb.store import open_kb

    return open_kb(real_kb.kb_dir)


@pytest.fixture(scope="session")
def real_concepts(real_kb: RealKB) -> list[dict]:
    """`kb concepts --json` on the session KB, parsed."""
    done = run_kb("concepts", "--kb-dir", str(real_kb.kb_dir), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
