"""Calibration queries shipped with the code: in-domain situations and off-topic questions.

Ingest embeds them into every version (so loading needs no model run), with the training
corpus's calibration part; the recommender learns from them, per version, when to abstain.
They weigh on ranking through that rule only: a question it judges off-topic gets no
recommendations at all. (The corpus's example situations, stored beside them as LIKE_IN, are
also a ranking signal: see `recommender.examples`.)
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent / "calibration"


def queries(name: str) -> tuple[str, ...]:
    """The queries of one set (`kb.learned.IN_DOMAIN` or `OFF_TOPIC`): one per line, `#`
    lines are comments."""
    lines = (FOLDER / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
