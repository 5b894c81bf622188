"""The encoder shipped in data/training/encoders/ is the one the shipped corpus and documents
make: a change of corpus, catalog titles or training settings makes it stale, and this test
says so (a fresh clone would then train instead of taking it). Rebuild it with `make encoder`."""

from __future__ import annotations

from kb.embed import BUNDLED
from kb.store import open_kb
from learn.finetune import LAYERS, SHIPPED, model_key
from learn.version import corpus_for
from tests.conftest import TRAINING
from ui.build import ingest

MAX_BYTES = 10 * 2**20  # what the repository may carry


def test_the_shipped_encoder_matches_the_shipped_corpus_and_documents(
    docs_copy, tmp_path, fake_embedder
) -> None:
    ingest([docs_copy], tmp_path / "kb", embedder=fake_embedder)  # the catalog, no training
    kb = open_kb(tmp_path / "kb")
    corpus = corpus_for(kb.root, TRAINING, kb.concepts)
    key = model_key(BUNDLED, corpus.learned, kb.concepts)
    shipped = sorted(p.name for p in (TRAINING / SHIPPED).glob(f"*{LAYERS}"))
    assert shipped == [f"{key}{LAYERS}"], "the shipped encoder is stale: run `make encoder`"
    assert (TRAINING / SHIPPED / shipped[0]).stat().st_size <= MAX_BYTES
