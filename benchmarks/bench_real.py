"""A few thousand real chunks through the whole pipeline: the seed documents, replicated with
small variations (a word dropped per long line, so every chunk is new to the embedding cache),
ingested with the real model; then recommend's warm latency on that KB, interleaved with the
same queries on the seed KB so the ratio shows what growing the KB costs per query.
"""

from __future__ import annotations

from pathlib import Path

import bench_query
from bench_ingest import copies_for, replicate
from bench_util import latency, log, ratio, timed

from kb.store import open_kb
from recommender.service import Recommender
from ui.build import ingest


def run(
    docs: Path,
    work: Path,
    embedder,
    base,
    queries: list[str],
    chunks_wanted: int,
    chunks_per_copy: int,
    k: int = 5,
) -> dict:
    copies = copies_for(chunks_wanted, chunks_per_copy)
    folder, kb_dir = work / "replicated", work / "kb-replicated"
    files = replicate(docs, folder, copies)
    log(f"real chunks: ingesting {files} files ({copies} copies of each document)")
    report, ingest_s = timed(ingest, [folder], kb_dir, embedder=embedder)
    log(f"real chunks: {report.chunks} chunks in {ingest_s:.1f}s; loading")
    kb, open_s = timed(open_kb, kb_dir)
    big, init_s = timed(Recommender, kb, embedder)
    for q in queries:
        big.recommend(q, k=k)
    small_s, big_s = [], []
    for n, q in enumerate(queries):
        pair = [(small_s, base), (big_s, big)]
        for sink, rec in pair if n % 2 == 0 else pair[::-1]:
            sink.append(timed(rec.recommend, q, k=k)[1])
    small, large = latency(small_s), latency(big_s)
    log(f"real chunks: p50 {large['p50_ms']} ms vs {small['p50_ms']} ms on the seed KB")
    return {
        "copies": copies,
        "files": files,
        "documents": report.documents,
        "chunks": report.chunks,
        "concepts": report.concepts,
        "embedded": report.embedded,
        "ingest_s": round(ingest_s, 3),
        "open_kb_s": round(open_s, 3),
        "recommender_init_s": round(init_s, 3),
        "index": kb.manifest.get("index"),
        "recommend": large,
        "recommend_seed_kb": small,
        "ratio_p50_to_seed_kb": ratio(large["p50_ms"], small["p50_ms"], 3),
        "stages": bench_query.stages(big, queries, k),
    }
