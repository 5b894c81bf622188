"""Scoring a labelled query set exactly as `shared/eval/score.py` does.

An item matches a labelled title when its title, its section or its first passage's section
is the same heading (case, punctuation and bullets ignored; "Main ● Subtitle" also answers to
either part of 15+ characters; a parenthesis may be left out), or when one contains the other
and the shorter is 12+ characters and 40%+ of the longer. Each item is credited once, each
title once.
"""

from __future__ import annotations

import json
import math
import re
from contextlib import closing
from dataclasses import asdict, replace

from kb.embed import EMBEDDINGS, Embedder, EmbeddingCache, read_questions
from kb.learned import Examples
from recommender.baselines import BM25Paragraphs, DenseParagraphs


def norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def variants(text: str | None) -> set[str]:
    text = text or ""
    out = {norm(text), norm(re.sub(r"\([^)]*\)", " ", text))}
    out |= {norm(part) for part in re.split(r"[●→]", text) if len(norm(part)) >= 15}
    return {v for v in out if v}


def same(gold: str, label: str) -> bool:
    g, lab = norm(gold), norm(label)
    if not g or not lab:
        return False
    if variants(gold) & variants(label):
        return True
    shorter, longer = (g, lab) if len(g) <= len(lab) else (lab, g)
    return len(shorter) >= 12 and shorter in longer and len(shorter) >= 0.4 * len(longer)


def labels_of(item: dict) -> list[str]:
    labels = [item.get("title"), item.get("section")]
    passages = item.get("passages") or []
    if passages:
        labels.append(passages[0].get("section"))
    return [x for x in labels if x]


def score_one(query: dict, result: dict | None, k: int) -> dict:
    recs = (result or {}).get("recommendations") or []
    abstained = bool((result or {}).get("abstained")) or not recs
    if query["kind"] == "ood":
        return {"ood_ok": 1.0 if abstained else 0.0}
    gold = query["relevant"]
    credited: set[str] = set()
    dcg = 0.0
    first_best = None
    top5_best = set()
    for rank, item in enumerate(recs[:k], start=1):
        labels = labels_of(item)
        matches = [
            (grade, title)
            for title, grade in gold.items()
            if title not in credited and any(same(title, lab) for lab in labels)
        ]
        if not matches:
            continue
        grade, title = max(matches, key=lambda m: m[0])
        credited.add(title)
        dcg += (2**grade - 1) / math.log2(rank + 1)
        if grade == 2:
            if first_best is None:
                first_best = rank
            if rank <= 5:
                top5_best.add(title)
    ideal = sorted(gold.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    best = [t for t, g in gold.items() if g == 2]
    return {
        "ndcg": dcg / idcg if idcg else 0.0,
        "recall5": len(top5_best) / len(best) if best else 0.0,
        "mrr": 1.0 / first_best if first_best else 0.0,
        "hit3": 1.0 if first_best and first_best <= 3 else 0.0,
        "false_abstain": 1.0 if abstained else 0.0,
    }


def summarise(queries: list[dict], results: dict[str, dict], k: int = 10) -> dict:
    """The averages score.py prints, for results keyed by query id."""
    rows = {q["id"]: score_one(q, results.get(q["id"]), k) for q in queries}
    inq = [r for r in rows.values() if "ndcg" in r]
    ood = [r for r in rows.values() if "ood_ok" in r]

    def mean(key: str, rows_: list[dict]) -> float:
        return round(sum(r[key] for r in rows_) / max(len(rows_), 1), 4)

    return {
        "queries": len(rows),
        "missing": sum(1 for q in queries if q["id"] not in results),
        f"ndcg@{k}": mean("ndcg", inq),
        "recall@5": mean("recall5", inq),
        "mrr": mean("mrr", inq),
        "hit@3": mean("hit3", inq),
        "false_abstain": mean("false_abstain", inq),
        "ood_abstain": mean("ood_ok", ood) if ood else None,
        "per_query": rows,
    }


def read_queries(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def compare(paths: list, k: int = 10, kb_dir=None, heldout: bool = False) -> dict:
    """The product, the same method on the untouched model, and both baselines, on every
    labelled set, in one process.

    Args:
        paths: labelled query files (`../shared/eval/dev.jsonl` form).
        heldout: also score the parts of the training corpus this KB version never trained
            on: items held out, and the items of concepts held out of training.

    Returns:
        {"k", "sets": [{"file", "systems": {name: summary}}]}, and the first set's "file" and
        "systems" at the top as well; the product's summary carries `per_query`.
    """
    from recommender.service import Recommender, query_model

    product = Recommender.load(kb_dir)
    kb = product.kb
    base = Embedder(kb.manifest.get("model"), root=kb.root)
    systems = {"product": product}
    if query_model(kb) != base.name:
        systems["untouched-model"] = variant(product, base)
    baselines = (BM25Paragraphs(kb), DenseParagraphs(kb, base))
    labelled = [(str(p), read_queries(p), systems) for p in paths]
    if heldout:
        items = [q.to_json() for q in kb.training.heldout_items]
        labelled.append(("corpus held out: items", items, systems))
        labelled.append(("corpus held out: concepts", *held_concepts(product, base)))
    sets = [
        {"file": name, "systems": score_systems(queries, chosen, baselines, k)}
        for name, queries, chosen in labelled
    ]
    return {"k": k, "sets": sets, "file": sets[0]["file"], "systems": sets[0]["systems"]}


def held_concepts(product, base: Embedder) -> tuple[list[dict], dict]:
    """The items of the concepts held out, and the systems to measure on them: the encoder
    trained without those items, and the untouched model, both comparing questions with
    examples that never name those concepts."""
    kb = product.kb
    queries = [q.to_json() for q in kb.training.heldout_concepts]
    measuring = kb.manifest.get("training", {}).get("measuring_model")
    if not measuring:
        return queries, {"product": product}
    examples = kb.training.measuring.examples
    reader = Embedder(measuring, root=kb.root)
    return queries, {
        "product": variant(product, reader, examples),
        "untouched-model": variant(product, base, examples),
    }


def score_systems(queries: list[dict], systems: dict, baselines, k: int) -> dict:
    """Every system's summary on one set; only the product's keeps its per-query rows."""
    items = [(q["id"], q["query"]) for q in queries]
    results = {
        name: {a.id: asdict(a) for a in system.recommend_many(items, k=k)}
        for name, system in systems.items()
    }
    results |= {b.name: {r["id"]: r for r in b.run(items, k)} for b in baselines}
    out = {}
    for name, answers in results.items():
        out[name] = summarise(queries, answers, k)
        if name != "product":
            out[name].pop("per_query")
    return out


def variant(product, reader: Embedder, examples: Examples | None = None):
    """The product's KB and method with questions read by another encoder (and, if given,
    other example situations): its calibration and examples re-embedded by that encoder."""
    from recommender.service import Recommender

    kb = product.kb
    training = kb.training if examples is None else replace(kb.training, examples=examples)
    with closing(EmbeddingCache(kb.root / EMBEDDINGS, reader.name)) as cache:
        calibration = {
            name: read_questions(reader, list(t), cache)
            for name, t in training.texts().items()
            if t
        }
    manifest = {**kb.manifest, "query_model": reader.name}
    changed = replace(kb, manifest=manifest, calibration=calibration, training=training)
    return Recommender(changed, reader)
