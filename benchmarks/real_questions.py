"""Real owners' questions, scored: the best answer first, in the top 3, and abstention.

    .venv/bin/python benchmarks/real_questions.py /path/outside/repo/questions.jsonl [--json]

The questions are copied at measurement time from trade forums and advice columns into a
folder outside the repo (their text is never committed); `benchmarks/real_questions.jsonl`
keeps only each question's address and the labels written down before the product ran on it.
A line of the scored file:

    {"id": "rq01", "url": "...", "text": "...", "best": ["Title", ...], "in_domain": true}

`best` holds the concept titles a consultant would give that owner, best first ([] for a
question the documents do not answer). Titles match as `kb eval` matches them.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from recommender.evaluate import same
from recommender.service import Answer, Recommender

TOP = 3  # "a best answer in the top 3": what an owner reads without scrolling


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    best: tuple[str, ...]
    in_domain: bool


@dataclass(frozen=True)
class Scores:
    questions: int
    in_domain: int
    off_topic: int
    p_at_1: float  # in-domain questions whose first answer is one of the best
    best_in_top3: float  # in-domain questions with one of the best in the first three
    off_topic_abstained: float
    in_domain_abstained: float  # wrongly
    p50_ms: float = 0.0  # warm `recommend`, one question at a time
    p95_ms: float = 0.0


def read(path: Path) -> list[Question]:
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [Question(r["id"], r["text"], tuple(r["best"]), bool(r["in_domain"])) for r in rows]


def hit(answer: Answer, best: tuple[str, ...], depth: int) -> bool:
    titles = [r.title for r in answer.recommendations[:depth]]
    return any(same(b, t) for b in best for t in titles)


def score(questions: list[Question], answers: list[Answer]) -> Scores:
    inside = [(q, a) for q, a in zip(questions, answers) if q.in_domain]
    outside = [a for q, a in zip(questions, answers) if not q.in_domain]

    def share(flags: list[bool]) -> float:
        return round(sum(flags) / len(flags), 3) if flags else 0.0

    return Scores(
        questions=len(questions),
        in_domain=len(inside),
        off_topic=len(outside),
        p_at_1=share([hit(a, q.best, 1) for q, a in inside]),
        best_in_top3=share([hit(a, q.best, TOP) for q, a in inside]),
        off_topic_abstained=share([a.abstained for a in outside]),
        in_domain_abstained=share([a.abstained for _, a in inside]),
    )


def answer_timed(
    recommender: Recommender, questions: list[Question]
) -> tuple[list[Answer], list[float]]:
    """Each question's answer as a user gets it (`recommend`, one at a time, warm), and
    how long each took in ms."""
    for q in questions[:3]:
        recommender.recommend(q.text)  # warm: the model's first runs are slower
    answers, times = [], []
    for q in questions:
        start = time.perf_counter()
        answers.append(recommender.recommend(q.text, k=5, query_id=q.id))
        times.append((time.perf_counter() - start) * 1000)
    return answers, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="labelled questions with their text")
    parser.add_argument("--kb-dir", default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", action="store_true", help="each question's first answers")
    args = parser.parse_args()
    questions = read(args.file)
    recommender = Recommender.load(args.kb_dir)
    answers, times = answer_timed(recommender, questions)
    if args.show:
        for q, a in zip(questions, answers):
            got = "ABSTAINED" if a.abstained else " | ".join(r.title for r in a.recommendations)
            mark = "ok " if (hit(a, q.best, 1) if q.in_domain else a.abstained) else "-- "
            print(f"{mark}{q.id} want {list(q.best) or 'abstain'}\n     got {got}")
    p50, p95 = np.percentile(times, [50, 95])
    result = replace(score(questions, answers), p50_ms=round(p50, 1), p95_ms=round(p95, 1))
    if args.json:
        print(json.dumps(asdict(result), indent=2))
        return
    print(
        f"{result.questions} questions ({result.in_domain} in-domain, {result.off_topic} off-topic)"
    )
    print(f"P@1 {result.p_at_1}  best in top {TOP} {result.best_in_top3}")
    print(
        f"off-topic abstained {result.off_topic_abstained}  "
        f"in-domain wrongly abstained {result.in_domain_abstained}"
    )
    print(f"warm recommend p50 {result.p50_ms} ms, p95 {result.p95_ms} ms")


if __name__ == "__main__":
    main()
