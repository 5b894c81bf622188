"""The ingest entry of the CLI and the page: `ingest.pipeline.ingest` with learning wired in.

Learning (`learn`, which trains with torch) sits beside ingest, not under it; this is the one
place that hands it to an ingest, so `ingest` itself never imports it.
"""

from __future__ import annotations

from pathlib import Path

from ingest import pipeline
from ingest.gather import Progress
from kb.embed import Embedder
from kb.model import IngestReport
from learn.version import CorpusLearner


def ingest(
    paths: list[Path],
    kb_dir: str | Path | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    training: Path | None = None,
    prune: bool = False,
    confirm: bool = False,
) -> IngestReport:
    """`ingest.pipeline.ingest`, learning from the training corpus folder `training` (see
    `learn.corpus`; None or an empty folder: questions are read by the untouched model) and
    the page's votes."""
    learner = CorpusLearner(training)
    return pipeline.ingest(
        paths, learner, kb_dir, rebuild, embedder, progress, prune=prune, confirm=confirm
    )
