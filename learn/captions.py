"""Learning to recognise image descriptions (captions) from the corpus: `make captions`.

    .venv/bin/python -m ingest.captions | .venv/bin/python -m learn.captions

`ingest.captions` reads the documents (as an ingest cleans them) and writes the labelled
table: the captions listed in `data/captions/captions.txt` (data a maintainer extends: a
caption from a new page, word for word) against every other candidate paragraph of
`data/docs` and of the pages written for training in `data/captions/pages/` (captions of
other subjects than the seeds' machines and sculptures, beside paragraphs with visual
metaphors), each with the features an ingest computes (the bundled model's embedding, what
the paragraph says beyond the rest of its document, and its links to its neighbours). Here,
a logistic regression is fitted on it, strongly regularised and class-weighted: a few dozen
captions against a few hundred paragraphs must not be learned by heart. Its weights go to
`data/captions/model.json`, which `ingest.captions` applies with numpy alone. Before that,
each document (and each level part of each document) is held out in turn, and what the
held-out part would lose is reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
MODEL_FILE = REPO / "data" / "captions" / "model.json"
# Strong regularisation (scikit-learn's C is its inverse) over standardised features: 770
# weights from a few dozen captions must not lean on the words some captions happen to
# share. Chosen on data/docs' 24 captions alone, where every C from 0.01 to 0.3 found the
# same captions and dropped the same paragraphs; with the written pages (44 captions),
# leaving a level part out finds 39 and drops no other paragraph.
REGULARISATION = 0.05


def threshold(y: np.ndarray) -> float:
    """The probability from which a paragraph is dropped: 1 - the captions' share.

    Class weights make the model fit as if captions were half of all paragraphs, so its 0.5
    is the even point of that made-up prior; at the share the corpus shows (24 in 217), the
    even point is where the odds reach (1 - share) / share, probability 1 - share (what an
    unweighted model's 0.5 would be). A lower one dropped 4 of 128 paragraphs of unseen site
    pages, all on digital transformation, whose captions all scored 0.95 or more.
    """
    return round(1.0 - float(np.mean(y)), 2)


@dataclass
class Table:
    """The labelled paragraphs: features, labels, and where each comes from."""

    model: str  # the embedding model the features were computed with
    feature_names: list[str]
    x: np.ndarray
    y: np.ndarray  # True for a caption
    docs: list[str]
    parts: list[str]  # document and level part, for cross-validation within a document
    texts: list[str]

    @classmethod
    def read(cls, lines: Iterable[str]) -> Table:
        rows = [json.loads(line) for line in lines if line.strip()]
        whole = len(rows) > 2 and "model" in rows[0] and rows[-1].get("end") == len(rows) - 2
        if not whole:
            raise SystemExit(
                "no whole labelled table on the input (see `python -m ingest.captions`)"
            )
        header, rows = rows[0], rows[1:-1]
        width = (len(rows[0]["x"]) - len(header["features"]) + 2) // 2  # embedding, residual
        names = [f"{name}[{width}]" for name in header["features"][:2]]
        return cls(
            header["model"],
            names + header["features"][2:],
            np.array([r["x"] for r in rows], dtype=np.float64),
            np.array([r["caption"] for r in rows], dtype=bool),
            [r["doc"] for r in rows],
            [f"{r['doc']} part {r['part']}" for r in rows],
            [r["text"] for r in rows],
        )


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression on standardised features; the scaling folded into the weights,
    so applying them needs no scaler: returns (coefficients, intercept) over raw features."""
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000)
    model.fit(scaler.transform(x), y)
    coefficients = model.coef_[0] / scaler.scale_
    intercept = float(model.intercept_[0] - np.dot(coefficients, scaler.mean_))
    return coefficients, intercept


def probabilities(x: np.ndarray, coefficients: np.ndarray, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ coefficients + intercept)))


@dataclass
class Score:
    """One held-out part: captions found and missed, paragraphs wrongly dropped."""

    name: str
    found: int = 0
    missed: int = 0
    wrong: int = 0
    mistakes: list[str] = field(default_factory=list)  # the first words of each

    def line(self) -> str:
        found, labelled, wrong = self.found, self.found + self.missed, self.wrong
        precision = f"{found / (found + wrong):.2f}" if found + wrong else "n/a"
        recall = f"{found / labelled:.2f}" if labelled else "n/a"
        line = (
            f"{self.name:<50} captions {found}/{labelled} found, {wrong} paragraph(s) "
            f"wrongly dropped; precision {precision}, recall {recall}"
        )
        return "\n".join([line, *(f"      {m}" for m in self.mistakes)])


def cross_validate(table: Table, groups: list[str]) -> list[Score]:
    """Hold out each group in turn, train on the rest, count what the held-out group loses.
    A group whose rest holds no caption cannot be learned from, and is reported as such."""
    scores = []
    for held in dict.fromkeys(groups):
        test = np.array([g == held for g in groups])
        if not table.y[~test].any():
            scores.append(Score(f"{held} (no caption left to learn from)"))
            continue
        coefficients, intercept = fit(table.x[~test], table.y[~test])
        limit = threshold(table.y[~test])
        dropped = probabilities(table.x[test], coefficients, intercept) >= limit
        truth = table.y[test]
        texts = [t for t, held_out in zip(table.texts, test) if held_out]
        wrong = [
            f"dropped: {' '.join(texts[i].split()[:10])}" for i in np.flatnonzero(dropped & ~truth)
        ]
        missed = [
            f"missed: {' '.join(texts[i].split()[:10])}" for i in np.flatnonzero(~dropped & truth)
        ]
        scores.append(
            Score(
                held,
                int((dropped & truth).sum()),
                int((~dropped & truth).sum()),
                int((dropped & ~truth).sum()),
                wrong + missed,
            )
        )
    return scores


def total(scores: list[Score], name: str = "all") -> Score:
    found, missed, wrong = (
        sum(getattr(s, k) for s in scores) for k in ("found", "missed", "wrong")
    )
    return Score(name, found, missed, wrong)


def train(table: Table, out: Path = MODEL_FILE, report: Callable[[str], None] = print) -> dict:
    """Cross-validate, then fit on everything and write the model file."""
    report(f"{int(table.y.sum())} captions, {int((~table.y).sum())} other paragraphs")
    for title, groups in (
        ("leave one document out", table.docs),
        ("leave one part out", table.parts),
    ):
        report(f"{title} (threshold: 1 - the training part's share of captions):")
        scores = cross_validate(table, groups)
        for score in [*scores, total(scores)]:
            report("  " + score.line())
    coefficients, intercept = fit(table.x, table.y)
    p = probabilities(table.x, coefficients, intercept)
    report(
        f"trained on all: captions score {p[table.y].min():.2f} or more, "
        f"other paragraphs {p[~table.y].max():.2f} or less; threshold {threshold(table.y)}"
    )
    model = {
        "model": table.model,
        "features": table.feature_names,
        "coefficients": [round(float(c), 8) for c in coefficients],
        "intercept": round(intercept, 8),
        "threshold": threshold(table.y),
        "regularisation": REGULARISATION,
        "trained_on": {"captions": int(table.y.sum()), "paragraphs": int((~table.y).sum())},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    report(f"wrote {out}")
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Learn the caption classifier")
    parser.add_argument("table", nargs="?", type=Path, help="the labelled table (default stdin)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    if args.table:
        lines = args.table.read_text(encoding="utf-8").splitlines()
    else:
        lines = sys.stdin.read().splitlines()
    train(Table.read(lines), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
