"""Calibration queries shipped with the KB code: in-domain situations and off-topic questions.

Ingest embeds them into every version (so loading needs no model run), with the training
corpus's calibration part; the recommender learns from them, per version, when to abstain.
They never influence ranking.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent / "calibration"
# The sets a version stores (as query vectors): situations the documents answer and questions
# they do not, to fit the abstention rule on; and the training corpus's examples of either
# side, which a new question is compared with.
IN_DOMAIN, OFF_TOPIC = "in_domain", "out_of_domain"
LIKE_IN, LIKE_OUT = "reference_in", "reference_out"


def queries(name: str) -> list[str]:
    """The queries of one set: one per line, `#` lines are comments."""
    lines = (FOLDER / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
