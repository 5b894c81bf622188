"""Shared fixtures and the folders that say what a test costs.

tests/core     no model: parsing, storage, ranking logic with the fake embedder below, the CLI
               in process; `make test-fast`, under a minute.
tests/model    the real bundled model, untrained, on small KBs: the session KB `real_kb` is
               `kb ingest` of a copy of data/docs with no training corpus (tens of seconds).
tests/trained  a KB whose query encoder is trained, on a small fixed slice of data/training
               (tests/trained/conftest.py); proves training, repeatability, feedback and
               abstention, not the full model's quality (that is `kb eval` and the benchmark).
tests/e2e      the page in a real browser (Chromium).

The folder sets the markers: model/ and trained/ are `slow`, e2e/ is `e2e` and `slow`, so
`-m "not slow"` still selects what it did. The fake embedder has the interface of
`kb.embed.Embedder` and is passed to `ingest.pipeline.ingest(..., embedder=fake)`. The
embedding cache lives in the KB folder, so copies of a session KB re-ingest fast.
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
from hypothesis import settings

from tests.samples import GOOD

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "data" / "docs"
KB_BIN = REPO / ".venv" / "bin" / "kb"
TESTS = REPO / "tests"
REAL_FIXTURES = {"real_kb", "real_store", "real_concepts", "trained_kb", "trained_store"}
TRAINING = REPO / "data" / "training"
# Training the query encoder takes minutes on the whole corpus: only tests/trained names a
# corpus, a small slice of it. Everything else, the `kb` command, the page and their
# subprocesses, sees a corpus folder that does not exist, and trains nothing.
NO_TRAINING = TESTS / "data" / "no-training-corpus"
os.environ["KB_TRAINING"] = str(NO_TRAINING)
# No test reaches the network for a model: the bundled one is on disk, and a name that is not
# installed (a fake embedder's) must fail at once, in process as in a subprocess.
os.environ["HF_HUB_OFFLINE"] = "1"
# The property tests' examples per test (tests/core/test_properties.py): 50 by default, as
# `make test` runs them; `make test-fast` asks for the quick profile (--hypothesis-profile).
settings.register_profile("thorough", max_examples=50)
settings.register_profile("quick", max_examples=15)
settings.load_profile("thorough")
# The markers each folder gives its tests (core has none: it is what `make test-fast` runs).
FOLDER_MARKS = {"model": ("slow",), "trained": ("slow",), "e2e": ("e2e", "slow")}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's folder says what it costs, and sets its markers; core must not load the model."""
    for item in items:
        parts = Path(str(item.path)).relative_to(TESTS).parts
        folder = parts[0] if len(parts) > 1 else ""
        for mark in FOLDER_MARKS.get(folder, ()):
            item.add_marker(getattr(pytest.mark, mark))
        if folder == "core" and REAL_FIXTURES & set(getattr(item, "fixturenames", ())):
            raise pytest.UsageError(f"{item.nodeid} uses a real KB: it belongs in tests/model")


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
def docs(tmp_path: Path) -> Path:
    """A folder of one small Markdown document that ingests (`tests.samples.GOOD`)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD)
    return folder


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A private copy of data/docs (with its catalog.json) that a test may edit."""
    target = tmp_path / "docs"
    shutil.copytree(DOCS, target)
    return target


def run_kb(
    *args: str, env: dict | None = None, timeout: float = 3600
) -> subprocess.CompletedProcess:
    """Run the installed `kb` command, as a user would, and capture its output.

    The timeout only stops a hung command: it is many times what any call takes."""
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


def invoke_kb(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`kb` in this process, through `ui.cli.main` (its exit codes and one-line errors), with
    click's CliRunner capturing the output: what `run_kb` checks, without a new Python."""
    from click.testing import CliRunner

    from ui.cli import main

    runner = CliRunner(**CLI_RUNNER_ARGS)
    saved = sys.argv
    code = 0
    with runner.isolation(env={"KB_DIR": None, **(env or {})}) as streams:
        sys.argv = ["kb", *args]
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = saved
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return subprocess.CompletedProcess(["kb", *args], code, out.decode(), err.decode())


def _cli_runner_args() -> dict:
    import inspect

    from click.testing import CliRunner

    # click < 8.2 mixes stderr into stdout unless told not to; 8.2 always keeps them apart.
    return {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}


CLI_RUNNER_ARGS = _cli_runner_args()


@dataclass
class RealKB:
    """A session KB: built from `docs` into `kb_dir` by `kb ingest --json`, reading questions
    with the query encoder trained on `training` (a folder that does not exist: untrained)."""

    docs: Path
    kb_dir: Path
    returncode: int
    report: dict
    stderr: str
    training: Path

    def copy_to(self, target: Path) -> Path:
        """A private copy of the KB folder (versions and embedding cache) for a test to change."""
        shutil.copytree(self.kb_dir, target, ignore=shutil.ignore_patterns(".lock"))
        return target


def build_kb(root: Path, training: Path) -> RealKB:
    """`kb ingest --json` of a copy of data/docs into `root`/kb, trained on `training`."""
    docs = root / "docs"
    shutil.copytree(DOCS, docs)
    kb_dir = root / "kb"
    done = run_kb(
        "ingest", str(docs), "--kb-dir", str(kb_dir), "--training", str(training), "--json"
    )
    try:
        report = json.loads(done.stdout)
    except ValueError:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise
    return RealKB(docs, kb_dir, done.returncode, report, done.stderr, training)


@pytest.fixture(scope="session")
def real_kb(tmp_path_factory: pytest.TempPathFactory) -> RealKB:
    """data/docs with the bundled model, untrained (tests/model and tests/e2e)."""
    return build_kb(tmp_path_factory.mktemp("real"), NO_TRAINING)


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
