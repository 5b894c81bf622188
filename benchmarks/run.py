"""Benchmarks: how fast the KB ingests and answers, and how its vector index scales.

    .venv/bin/python benchmarks/run.py              # the full run (5-8 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick      # a smoke run: 10k vectors, fewer queries
    .venv/bin/python benchmarks/run.py --hnsw-m 32  # also HNSW, to compare (+4 min at 1M)

What one run measures, in one process unless said otherwise:
1. ingest of data/docs into a fresh KB (empty embedding cache): full, again with nothing
   changed, again with one document changed; and the naive pipeline (paragraphs -> MiniLM ->
   flat FAISS) on the same documents with the same loaded model;
2. warm query latency (p50/p95 over 200+ varied dev-set queries) of `Recommender.recommend`
   and of the naive query (one embedding, one FAISS search), and the recommender's stages;
   The same warm latency on the product's own KB (data/kb, read by its trained encoder);
   and `kb train` on the shipped corpus from a KB never trained (bench_train.py);
3. cold start: one `kb recommend "..." --json` process from spawn to exit, broken down into
   imports, KB load, model load and queries measured in fresh child processes; and on the
   product's own KB (data/kb), the cold query against the naive tool's, the page from
   `streamlit run` to the first answer, and a re-ingest after a one-paragraph edit
   (bench_start.py);
4. scale: `kb.vectors.build` on 10k to 1M synthetic vectors, flat and IVF with a few
   parameters (build time, memory, p50/p95, recall@10 against exact search); and a few
   thousand real chunks through the whole pipeline.

Most figures are ratios against a baseline run in the same process on the same data (the
naive pipeline, a full ingest, the seed KB), interleaved query by query where they are
latencies: this machine is shared and noisy, and a ratio holds where raw milliseconds drift.
Results: benchmarks/results/latest.json, and the markdown tables on stdout and in latest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import bench_cold
import bench_ingest
import bench_query
import bench_real
import bench_report
import bench_scale
import bench_start
import bench_train
import faiss
from bench_util import ROOT, log, machine, query_set, timed

from kb import vectors
from kb.embed import Embedder
from kb.store import open_kb
from recommender.service import Recommender

RESULTS = ROOT / "benchmarks" / "results"
COLD_QUERY = "We automated our ordering and now we overstock slow sellers."


def sizes(text: str) -> list[int]:
    """'10k,100k,1M' -> [10000, 100000, 1000000]; '' -> []."""
    units = {"k": 1_000, "m": 1_000_000}
    out = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        out.append(int(float(part[:-1]) * units[part[-1]]) if part[-1] in units else int(part))
    return out


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick", action="store_true", help="smoke run: 10k vectors, 52 queries, no real-chunk KB"
    )
    p.add_argument("--sizes", type=sizes, default=None, help="embedding-like sizes (10k,100k,1M)")
    p.add_argument("--uniform-sizes", type=sizes, default=None, help="uniform sizes (100k)")
    p.add_argument("--nprobe", type=sizes, default=None, help="IVF nprobe values (32,64,128,256)")
    p.add_argument("--hnsw-m", type=sizes, default=[], help="also HNSW with these M, to compare")
    p.add_argument(
        "--hnsw-ef", type=sizes, default=[256, 512, 1024], help="efSearch (256,512,1024)"
    )
    p.add_argument("--queries", type=int, default=None, help="at least this many queries")
    p.add_argument("--real-chunks", type=int, default=None, help="chunks of the replicated KB")
    p.add_argument("--cold-repeats", type=int, default=None, help="cold-start runs (median)")
    p.add_argument(
        "--skip", default="", help="comma list of: query, train, cold, start, real, scale"
    )
    p.add_argument("--docs", type=Path, default=ROOT / "data" / "docs")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--keep", action="store_true", help="keep the temporary KBs (path logged)")
    p.add_argument("--render", type=Path, help="only re-print the tables of a saved JSON")
    args = p.parse_args(argv)
    quick = args.quick
    args.sizes = (
        args.sizes if args.sizes is not None else [10_000] if quick else sizes("10k,100k,1M")
    )
    if args.uniform_sizes is None:
        args.uniform_sizes = [] if quick else [100_000]
    args.nprobe = args.nprobe or ([32, 128] if quick else [32, 64, 128, 256])
    args.queries = args.queries or (52 if quick else 200)
    args.real_chunks = args.real_chunks if args.real_chunks is not None else 0 if quick else 3000
    args.cold_repeats = args.cold_repeats or (1 if quick else 3)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    return args


def section(results: dict, name: str, fn, *args, **kwargs):
    """Run one part; a failure is recorded and logged, and the other parts still run."""
    try:
        results[name] = fn(*args, **kwargs)
    except Exception as exc:  # a benchmark reports what broke rather than stopping
        traceback.print_exc()
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return results[name]


def trained_query(kb_dir: Path, naive, queries: list[str]) -> dict:
    """Warm latency on a KB that reads questions with its own trained encoder."""
    kb = open_kb(kb_dir)
    if not kb.manifest.get("query_model"):
        raise ValueError(f"{kb_dir} has no trained query encoder: run `make kb` first")
    return bench_query.run(Recommender(kb), naive, queries)


def measure(args: argparse.Namespace, results: dict, work: Path) -> None:
    """Every part of the benchmark, in order, into `results`."""
    embedder = Embedder(root=work / "kb")  # exported by the first ingest, as the product's
    _, results["model_load_s"] = timed(lambda: embedder.model)
    embedder.embed(["warm up the model"])
    results["ingest"], naive = bench_ingest.run(args.docs, work, embedder)
    kb_dir = work / "kb"
    recommender = Recommender(open_kb(kb_dir), embedder=embedder)
    queries = query_set(minimum=args.queries)[: args.queries if args.quick else None]
    if "query" not in args.skip:
        section(results, "query", bench_query.run, recommender, naive, queries)
    product_kb = Path(os.environ.get("KB_DIR") or ROOT / "data" / "kb")
    if "query" not in args.skip:
        section(results, "query_trained", trained_query, product_kb, naive, queries)
    if "cold" not in args.skip:
        section(results, "cold_start", bench_cold.run, kb_dir, COLD_QUERY, args.cold_repeats)
    if "start" not in args.skip:
        section(results, "start", bench_start.run, product_kb, COLD_QUERY, args.cold_repeats)
    if "real" not in args.skip and args.real_chunks:
        per_copy = results["ingest"]["full"]["chunks"]
        real = (args.docs, work, embedder, recommender, queries, args.real_chunks, per_copy)
        section(results, "real_chunks", bench_real.run, *real)
    if "train" not in args.skip:  # after the cold start: its peak memory is read per parent
        section(results, "train", bench_train.run, kb_dir, work)
    if "scale" not in args.skip:
        real_index = recommender.kb.index
        del naive, recommender  # the scale part needs the memory
        scale = (args.sizes, args.uniform_sizes, args.nprobe, 200, real_index)
        hnsw = {"m": args.hnsw_m, "ef": args.hnsw_ef}
        section(results, "scale", bench_scale.run, *scale, hnsw=hnsw)


def publish(results: dict, out: Path) -> None:
    """latest.json and latest.md in `out`, and the tables on stdout."""
    out.mkdir(parents=True, exist_ok=True)
    results["targets"] = bench_report.targets(results)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    text = bench_report.markdown(results)
    (out / "latest.md").write_text(text)
    print(text)
    log(f"wrote {out / 'latest.json'} and latest.md")


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.render:
        publish(json.loads(args.render.read_text()), args.out)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` removes temp files
    faiss.omp_set_num_threads(2)  # both cores for building indexes (faiss's default too)
    started = time.perf_counter()
    results: dict = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}}
    work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    log(f"work folder {work}")
    try:
        measure(args, results, work)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_end"] = list(os.getloadavg())
    results["settings"] = {  # kb.vectors' thresholds and parameters, whatever they are now
        k: v for k, v in vars(vectors).items() if k.isupper() and isinstance(v, int | float)
    }
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    publish(results, args.out)
    return 1 if any("error" in v for v in results.values() if isinstance(v, dict)) else 0


if __name__ == "__main__":
    sys.exit(main())
