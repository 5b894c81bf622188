"""Warm query latency: `Recommender.recommend` against the naive query, and where the time goes.

Both run in this process on the same loaded model, interleaved query by query (alternating
which goes first), so a busy neighbour on the machine slows both alike and the ratio holds.
The stage breakdown wraps the recommender's own functions from outside (no code is changed)
and runs as a separate pass, so its small overhead does not touch the latency figures.
"""

from __future__ import annotations

import importlib
import time
from collections import defaultdict

from bench_util import latency, log, ratio, timed

# (label, module, attribute path). Indented labels run inside the stage above them.
STAGES = (
    ("recommend, total", "recommender.service", "Recommender.recommend"),
    ("embed the query (MiniLM)", "kb.embed", "Embedder.embed"),
    ("signals", "recommender.service", "Recommender.signals"),
    ("  FAISS search", "recommender.dense", "chunk_similarities"),
    ("  BM25 (chunks)", "recommender.lexical", "LexicalIndex.scores"),
    ("  lift chunks to concepts", "recommender.lift", "best_evidence"),
    ("abstention rule", "recommender.abstain", "Rule.decide"),
    ("diversify (MMR)", "recommender.lift", "diversify"),
    ("passages and guidance", "recommender.service", "Recommender.recommendation"),
    ("  guidance sentences", "recommender.service", "guidance"),
    ("  matched words", "recommender.service", "matched_words"),
)


def warm_latency(recommender, naive, queries: list[str], k: int) -> dict:
    """p50/p95 of recommend and of the naive query, after one warm-up pass of each."""
    for q in queries:
        recommender.recommend(q, k=k)
        naive.query(q, k)
    product, plain = [], []
    for n, q in enumerate(queries):
        pair = [
            (product, lambda q=q: recommender.recommend(q, k=k)),
            (plain, lambda q=q: naive.query(q, k)),
        ]
        for sink, fn in pair if n % 2 == 0 else pair[::-1]:
            sink.append(timed(fn)[1])
    product_lat, naive_lat = latency(product), latency(plain)
    return {
        "queries": len(queries),
        "k": k,
        "product": product_lat,
        "naive": naive_lat,
        "ratio_p50": ratio(product_lat["p50_ms"], naive_lat["p50_ms"], 3),
        "ratio_p95": ratio(product_lat["p95_ms"], naive_lat["p95_ms"], 3),
    }


def resolve(module: str, path: str):
    """(owner, attribute name) for a dotted path inside a module, or None when it is gone."""
    owner = importlib.import_module(module)
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part, None)
    return (owner, name) if owner is not None and hasattr(owner, name) else None


def instrument(totals: dict, counts: dict):
    """Wrap every stage function to add its duration to `totals`; returns an undo function."""
    undo = []
    for label, module, path in STAGES:
        found = resolve(module, path)
        if found is None:
            continue
        owner, name = found
        original = getattr(owner, name)

        def wrapper(*args, _f=original, _label=label, **kwargs):
            start = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                totals[_label] += time.perf_counter() - start
                counts[_label] += 1

        setattr(owner, name, wrapper)
        undo.append((owner, name, original))

    def restore():
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)

    return restore


def stages(recommender, queries: list[str], k: int) -> dict:
    """Mean milliseconds per query of each stage, and its share of the total."""
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    restore = instrument(totals, counts)
    try:
        for q in queries:
            recommender.recommend(q, k=k)
    finally:
        restore()
    total = totals.get(STAGES[0][0], 0.0)
    rows = []
    for label, module, path in STAGES:
        if label not in totals:
            rows.append({"stage": label, "where": f"{module}.{path}", "ms": None, "share": None})
            continue
        rows.append(
            {
                "stage": label,
                "where": f"{module}.{path}",
                "ms": round(totals[label] / len(queries) * 1000, 3),
                "share": round(totals[label] / total, 3) if total else None,
                "calls_per_query": round(counts[label] / len(queries), 1),
            }
        )
    top = [r for r in rows[1:] if not r["stage"].startswith(" ") and r["ms"] is not None]
    covered = sum(r["ms"] for r in top)
    rows.append(
        {
            "stage": "other (prepare, fuse, filters)",
            "where": "recommender.service",
            "ms": round(rows[0]["ms"] - covered, 3) if rows[0]["ms"] is not None else None,
            "share": round(1 - covered / rows[0]["ms"], 3) if rows[0]["ms"] else None,
        }
    )
    dominant = max(top + rows[-1:], key=lambda r: r["ms"] or 0.0)
    return {"rows": rows, "dominant": dominant["stage"], "dominant_share": dominant["share"]}


def run(recommender, naive, queries: list[str], k: int = 5) -> dict:
    log(f"query: warm latency over {len(queries)} queries, product and naive interleaved")
    result = warm_latency(recommender, naive, queries, k)
    log(f"query: product p50 {result['product']['p50_ms']} ms; stage breakdown")
    result["stages"] = stages(recommender, queries, k)
    return result
