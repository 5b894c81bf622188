"""Scale: the KB's vector index (kb.vectors) on synthetic corpora of 10k to 1M vectors.

Each index is built by the production `kb.vectors.build`, with its size threshold set from
outside, so what is measured is the code the KB runs (flat, or IVF-Flat with its own list
count; nprobe varied here). Per index: build time, memory (the serialized size, which is
what FAISS holds in RAM for a flat or IVF-flat index, and the RSS growth while building),
single-query latency (k=10) through `kb.vectors.search`, recall@10 against exact search,
and what opening it costs in a KB (the integrity check `open_kb` makes, a sampled sha256 for
a large file, and the memory-mapped read).

Two kinds of synthetic vectors, both seeded, unit length, 384 dimensions:
- "embedding-like": Gaussian with a power-law variance spectrum (variance of component i
  proportional to i**-ALPHA), a stand-in for sentence embeddings, whose variance is
  concentrated in a few dozen directions. The run checks the stand-in against the real KB's
  chunk vectors: effective dimensions (participation ratio) on samples of the same size;
- "uniform": uniform on the sphere. Every point is nearly equidistant from every other, so
  nearest neighbours barely exist and no approximate index reaches high recall on it; its
  build time, memory and latency are still a fair worst case.
"""

from __future__ import annotations

import gc
import math
import tempfile
from pathlib import Path

import faiss
import numpy as np
from bench_util import latency, log, patched, rss_bytes, timed

from kb import vectors, versions

DIM = 384
K = 10
ALPHA = 1.0  # a little more spread than the seed KB's MiniLM vectors: a harder case for ANN
BLOCK = 65_536  # rows generated and normalised at a time, so no full-size temporary exists
TARGET_P95_MS = 20.0
TARGET_RECALL = 0.95


def unit_vectors(n: int, seed: int, kind: str) -> np.ndarray:
    """n seeded unit vectors, float32, written block by block into one array."""
    rng = np.random.default_rng(seed)
    scale = np.arange(1, DIM + 1, dtype=np.float32) ** (-ALPHA / 2) if kind != "uniform" else None
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, BLOCK):
        block = rng.standard_normal((min(BLOCK, n - start), DIM), dtype=np.float32)
        if scale is not None:
            block *= scale
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + len(block)] = block
    return out


def effective_dims(x: np.ndarray) -> float:
    """The participation ratio of the variance spectrum, (sum v)^2 / sum v^2: how many
    directions the variance is spread over."""
    variance = np.linalg.svd(x - x.mean(0), compute_uv=False) ** 2
    return round(float(variance.sum() ** 2 / (variance**2).sum()), 1)


def spectrum(index) -> dict:
    """How the real KB's chunk vectors compare with the synthetic kinds, on samples of the same
    size (a small sample understates the spread, so only like-for-like sizes compare)."""
    n = index.ntotal
    if n < 50:
        return {}
    real = index.reconstruct_n(0, n)
    variance = np.linalg.svd(real - real.mean(0), compute_uv=False) ** 2
    ranks = np.arange(1, len(variance) + 1)
    keep = slice(2, min(len(variance) // 2, 200))  # the tail is cut off by the sample size
    return {
        "sample": n,
        "real_slope": round(
            float(np.polyfit(np.log(ranks[keep]), np.log(variance[keep]), 1)[0]), 2
        ),
        "real_effective_dims": effective_dims(real),
        "embedding_like_effective_dims": effective_dims(unit_vectors(n, 7, "embedding-like")),
        "uniform_effective_dims": effective_dims(unit_vectors(n, 7, "uniform")),
    }


def build(x: np.ndarray, kind: str):
    """The production build, forced to a flat or an IVF index; (index, facts)."""
    settings = {"EXACT_MAX": len(x)} if kind == "flat" else {"EXACT_MAX": 0}
    before = rss_bytes()
    with patched(vectors, **settings):
        (index, info), seconds = timed(vectors.build, x)
    if info.get("type") != kind:
        log(f"scale: asked for {kind}, kb.vectors.build made {info.get('type')}")
    facts = {
        "index": info.get("type"),
        "nlist": info.get("nlist"),
        "build_s": round(seconds, 3),
        "rss_growth_mb": round((rss_bytes() - before) / 2**20, 1),
    }
    return index, facts


def search_latency(index, queries: np.ndarray) -> dict:
    """Single-query searches through kb.vectors.search, one at a time as the recommender
    makes them (after 20 warm-up searches)."""
    for q in queries[:20]:
        vectors.search(index, q[None, :], K)
    samples = [timed(vectors.search, index, q[None, :], K)[1] for q in queries]
    return {k: v for k, v in latency(samples).items() if k in ("p50_ms", "p95_ms")}


def recall(index, queries: np.ndarray, truth: np.ndarray) -> float:
    _, found = index.search(queries, K)
    hits = [len(set(f) & set(t)) for f, t in zip(found, truth)]
    return round(float(np.mean(hits)) / K, 4)


def on_disk(index, folder: Path) -> dict:
    """The saved index: its size (about its RAM), and what opening it in a KB costs."""
    path = folder / "vectors.faiss"
    _, write_s = timed(vectors.save, index, path)
    size = path.stat().st_size

    recorded = versions.file_digest(path)  # what publishing records (and hashes whole, once)
    _, check_s = timed(versions.check_files, folder, {"files": {path.name: recorded}})
    loaded, load_s = timed(vectors.load, path)
    del loaded
    path.unlink()
    return {
        "index_mb": round(size / 2**20, 1),
        "bytes_per_vector": round(size / max(1, index.ntotal), 1),
        "save_s": round(write_s, 3),
        "check_s": round(check_s, 4),
        "read_s": round(load_s, 4),
        "open_s": round(check_s + load_s, 4),
    }


def hnsw_rows(x, queries, truth, kind: str, hnsw: dict, tmp: Path) -> list[dict]:
    """HNSW for comparison (`--hnsw-m`): faiss.IndexHNSWFlat built directly, as the KB does not
    make one; efConstruction fixed, each M built once and searched at each efSearch."""
    rows = []
    for m in hnsw.get("m", []):
        index = faiss.IndexHNSWFlat(DIM, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = hnsw.get("ef_construction", 80)
        before = rss_bytes()
        _, seconds = timed(index.add, x)
        facts = {
            "index": "hnsw (comparison)",
            "M": m,
            "efConstruction": index.hnsw.efConstruction,
            "build_s": round(seconds, 3),
            "rss_growth_mb": round((rss_bytes() - before) / 2**20, 1),
        }
        log(f"scale: {len(x):,} HNSW M={m} built in {seconds:.1f}s")
        disk = on_disk(index, tmp)
        for ef in hnsw.get("ef", []):
            index.hnsw.efSearch = ef
            row = {"n": len(x), "data": kind, **facts, "efSearch": ef}
            row.update(search_latency(index, queries))
            rows.append({**row, "recall_at_10": recall(index, queries, truth), **disk})
        del index
        gc.collect()
    return rows


def one_size(n: int, kind: str, nprobes: list[int], n_queries: int, tmp: Path, hnsw: dict):
    """Flat and IVF rows for one corpus size."""
    log(f"scale: {n:,} {kind} vectors")
    x = unit_vectors(n, seed=n, kind=kind)
    queries = unit_vectors(n_queries, seed=n + 1, kind=kind)
    flat, facts = build(x, "flat")
    truth = flat.search(queries, K)[1]
    rows = [{"n": n, "data": kind, **facts, **search_latency(flat, queries), "recall_at_10": 1.0}]
    rows[-1].update(on_disk(flat, tmp))
    log(f"scale: {n:,} flat p95 {rows[-1]['p95_ms']} ms")
    del flat
    gc.collect()
    ivf, facts = build(x, "ivf-flat")
    log(f"scale: {n:,} IVF nlist={facts['nlist']} built in {facts['build_s']:.1f}s")
    disk = on_disk(ivf, tmp)
    for nprobe in nprobes:
        ivf.nprobe = nprobe
        row = {"n": n, "data": kind, **facts, "nprobe": nprobe, **search_latency(ivf, queries)}
        rows.append({**row, "recall_at_10": recall(ivf, queries, truth), **disk})
    del ivf
    gc.collect()
    rows += hnsw_rows(x, queries, truth, kind, hnsw, tmp)
    del x
    gc.collect()
    return rows


def passes(row: dict) -> bool:
    return row["p95_ms"] < TARGET_P95_MS and row["recall_at_10"] >= TARGET_RECALL


def production_choice(n: int) -> dict:
    """What kb.vectors.build would make for a KB of n chunks, as the module stands."""
    if n <= vectors.EXACT_MAX:
        return {"index": "flat"}
    nlist = int(vectors.IVF_LISTS_PER_SQRT_N * math.sqrt(n))
    return {"index": "ivf-flat", "nlist": nlist, "nprobe": min(vectors.IVF_NPROBE, nlist)}


def run(
    sizes: list[int],
    uniform_sizes: list[int],
    nprobes: list[int],
    n_queries: int = 200,
    real_index=None,
    hnsw: dict | None = None,
) -> dict:
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-scale-") as tmp:
        for kind, kind_sizes in (("embedding-like", sizes), ("uniform", uniform_sizes)):
            for n in kind_sizes:
                rows += one_size(n, kind, nprobes, n_queries, Path(tmp), hnsw or {})
    largest = max(sizes, default=0)
    fields = ("index", "nlist", "nprobe", "M", "efSearch", "p95_ms", "recall_at_10", "build_s")
    candidates = [
        r
        for r in rows
        if r["n"] == largest and r["data"] == "embedding-like" and r["index"] != "flat"
    ]
    meeting = [{k: r.get(k) for k in fields} for r in candidates if passes(r)]
    return {
        "alpha": ALPHA,
        "spectrum": spectrum(real_index) if real_index is not None else {},
        "queries": n_queries,
        "k": K,
        "faiss_threads": faiss.omp_get_max_threads(),
        "exact_max": vectors.EXACT_MAX,
        "production_choice": {str(n): production_choice(n) for n in sorted(set(sizes))},
        "rows": rows,
        "largest": largest,
        "meeting_target_at_largest": meeting,
    }
