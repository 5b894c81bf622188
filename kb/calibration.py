"""Calibration queries shipped with the KB code: in-domain situations and off-topic questions.

Ingest embeds them into every version (so loading needs no model run); the recommender learns
from their score distributions when to abstain. They never influence ranking.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent / "calibration"
SETS = ("in_domain", "out_of_domain")


def queries(name: str) -> list[str]:
    """The queries of one set: one per line, `#` lines are comments."""
    lines = (FOLDER / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
