"""The KB of tests/trained: data/docs with its query encoder trained on a small fixed slice of
the shipped corpus (the first SLICE_LINES lines of each data/training/*.jsonl file).

The slice is enough to prove that training happens, is repeatable, takes feedback and keeps
the abstention rule; the quality of the encoder trained on the whole corpus is measured by
`kb eval` and the benchmark, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TRAINING, RealKB, build_kb

SLICE_LINES = 8  # per file: 15 files, about 120 items; training takes seconds, not minutes


def training_slice(folder: Path) -> Path:
    """The first SLICE_LINES lines of each corpus file, copied into `folder`."""
    folder.mkdir(parents=True)
    for path in sorted(TRAINING.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)[:SLICE_LINES]
        (folder / path.name).write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def trained_kb(tmp_path_factory: pytest.TempPathFactory) -> RealKB:
    root = tmp_path_factory.mktemp("trained")
    return build_kb(root, training_slice(root / "training"))


@pytest.fixture(scope="session")
def trained_store(trained_kb: RealKB):
    """The trained KB, loaded once through `kb.store.open_kb`."""
    from kb.store import open_kb

    return open_kb(trained_kb.kb_dir)


@pytest.fixture(scope="session")
def product_kb(tmp_path_factory: pytest.TempPathFactory) -> RealKB:
    """data/docs with the whole shipped corpus: what `make run` builds. Its encoder's layers
    come from data/training/encoders/ (tests/core/test_shipped_encoder.py keeps them current),
    so nothing trains; what it answers is what an owner gets."""
    return build_kb(tmp_path_factory.mktemp("product"), TRAINING)


@pytest.fixture(scope="session")
def product_store(product_kb: RealKB):
    from kb.store import open_kb

    assert product_kb.returncode == 0, product_kb.stderr
    return open_kb(product_kb.kb_dir)
